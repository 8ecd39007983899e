/**
 * Compares two builds of charmsim in one process, alternating rounds, on one workload of
 * `npm run bench`: `sim` (the default: 2 v1 providers and 20 v1 requirers settled from deploy,
 * fresh each time; hooks/s), `context-fresh` (`--workload context-fresh`: Context.run of the v1
 * requirer on relation-changed, a new Relation and State each run, as context_run_fresh_us;
 * runs/s), `context-cold` (the same with different certificates every run, as
 * context_run_cold_us; runs/s) or `fuzz` (`--workload fuzz`: the cases of the default
 * campaigns, what `npm run fuzz` runs, taken in turn, 8 runs each with the round's seeds; fuzz
 * runs/s). With `--cases TEXT`
 * the fuzz workload keeps only the cases whose key (as in the report) contains TEXT, each taken
 * often enough that a round makes at least 160 runs: one campaign, or one property of it.
 * This machine varies by 30% and more between processes, and within a process rounds that
 * alternate between the builds are the steadiest comparison found. But each process settles into
 * its own state of compiled code, which favours one build or the other by up to about 20% for the
 * whole process, and the build loaded second is slower more often than not (two copies of one
 * build gave 0.81-0.93). So a comparison runs several processes (6 by default, an even number),
 * half of them loading the candidate first, and gives the geometric mean of the processes'
 * ratios, in which the load order cancels out, with the ratio of every process.
 *   npm run build                      # the candidate: ./dist
 *   git worktree add /tmp/base <rev> && (cd /tmp/base && npm ci && npm run build)
 *   node --expose-gc --import tsx bench/compare.ts /tmp/base/dist ./dist [rounds] [roundMs]
 *     [--processes N] [--workload sim|context-fresh|context-cold|fuzz] [--cases TEXT]
 * `rounds` (10 by default) and `roundMs` are per process. Prints the median rate of each build,
 * each process's ratio (the median over its rounds), the load-order effect and the
 * candidate/baseline ratio (> 1: the candidate is faster) with the range over the processes.
 * Two builds in one process can also sway each other, by an amount that depends on the pair:
 * `--separate` runs each build alone in processes of its own instead (N pairs, alternating which
 * goes first) and gives the ratio of the medians with every pair's ratio. A claim needs both.
 */
import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { coldCertificates, freshRequirerRun } from "./inputs.js";

interface Build {
  readonly name: string;
  /** One piece of the workload; returns how many units (hooks, runs) it did. */
  readonly settle: (seed: number) => number;
  /**
   * Pieces per round, when pieces differ in cost (fuzz cases): a round then does exactly these
   * many, so both builds do the same work; otherwise a round lasts roundMs.
   */
  readonly piecesPerRound?: number;
}

const WORKLOADS = ["sim", "context-fresh", "context-cold", "fuzz"] as const;
type Workload = (typeof WORKLOADS)[number];
const isWorkload = (name: string | undefined): name is Workload =>
  (WORKLOADS as readonly (string | undefined)[]).includes(name);

interface FuzzApi {
  readonly CAMPAIGN_NAMES: readonly string[];
  loadCampaign(name: string): Promise<unknown[]>;
  runCase(c: unknown, options: { seed: number; runs: number }): { runs: number };
  caseKey(c: unknown): string;
}

async function load(
  dist: string,
  name: string,
  workload: Workload,
  only: string | undefined,
): Promise<Build> {
  const url = (p: string) => pathToFileURL(resolve(dist, p)).href;
  if (workload === "fuzz") {
    const api: FuzzApi = {
      ...(await import(url("fuzz/campaigns/bundled.js"))),
      ...(await import(url("fuzz/campaign.js"))),
      ...(await import(url("fuzz/report.js"))),
    };
    const all: unknown[] = [];
    for (const campaign of api.CAMPAIGN_NAMES) all.push(...(await api.loadCampaign(campaign)));
    const cases = only === undefined ? all : all.filter((c) => api.caseKey(c).includes(only));
    if (cases.length === 0) {
      process.stderr.write(`--cases ${JSON.stringify(only)}: no case of the default campaigns\n`);
      process.exit(2);
    }
    // Each round runs every case the same number of times (8 runs each, seeded by the round),
    // so both builds do the same work whatever their speed.
    const repeat = only === undefined ? 1 : Math.ceil(20 / cases.length);
    return {
      name,
      settle: (seed) => api.runCase(cases[seed % cases.length], { seed, runs: 8 }).runs,
      piecesPerRound: cases.length * repeat,
    };
  }
  const charms = await import(url("charms/certificate-transfer/index.js"));
  const lib = await import(url("index.js"));
  const pki = await import(url("pki/fixtures.js"));
  const pems = (pki.fixtureClientCerts() as { certPem: string }[]).map((c) => c.certPem);
  const providerSpec = lib.charmSpec(charms.v1ProviderSpec());
  const requirerSpec = lib.charmSpec(charms.v1RequirerSpec());
  if (workload === "context-fresh" || workload === "context-cold") {
    const ctx = new lib.Context(charms.V1RequirerCharm, { spec: requirerSpec });
    const same = pems.slice(0, 3);
    let next = 0; // cold: a list not seen before every run (as context_run_cold_us)
    return {
      name,
      settle: () => {
        for (let i = 0; i < 100; i++) {
          const certificates = workload === "context-cold" ? coldCertificates(pems, next++) : same;
          freshRequirerRun(lib, ctx, certificates);
        }
        return 100;
      },
    };
  }
  const Provider = charms.makeV1ProviderCharm({
    certificates: pems.slice(0, 3),
    stableOrder: true,
  });
  return {
    name,
    settle: (seed) => {
      const sim = new lib.Simulation({ seed, recordLogs: true });
      sim.deploy("ca", Provider, { spec: providerSpec, units: 2 });
      sim.deploy("app", charms.V1RequirerCharm, { spec: requirerSpec, units: 20 });
      sim.integrate("ca:certificates", "app:certificates");
      return sim.settle({ maxHooks: 10_000_000 }) as number;
    },
  };
}

function round(build: Build, ms: number, seed: { next: number }): number {
  let hooks = 0;
  const t0 = performance.now();
  let elapsed = 0;
  let pieces = 0;
  do {
    hooks += build.settle(seed.next++);
    pieces += 1;
    elapsed = performance.now() - t0;
  } while (build.piecesPerRound === undefined ? elapsed < ms : pieces < build.piecesPerRound);
  return (hooks / elapsed) * 1000;
}

const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

/** What one process measured: per round, each build's rate, in the order the builds loaded. */
interface OrderResult {
  readonly first: number[];
  readonly second: number[];
  readonly piecesPerRound: number | undefined;
}

const argv = process.argv.slice(2);
const takeOption = (name: string): string | undefined | null => {
  const at = argv.indexOf(name);
  if (at < 0) return null;
  return argv.splice(at, 2)[1];
};
const workload = takeOption("--workload") ?? "sim";
const processesArg = takeOption("--processes");
const only = takeOption("--cases");
const child = argv.indexOf("--child");
if (child >= 0) argv.splice(child, 1);
const soloAt = argv.indexOf("--solo");
if (soloAt >= 0) argv.splice(soloAt, 1);
const separateAt = argv.indexOf("--separate");
const separate = separateAt >= 0;
if (separate) argv.splice(separateAt, 1);
const [baseDir, candDir, roundsArg, msArg] = argv;
const rounds = Number(roundsArg ?? 10);
const processes = processesArg === null ? 6 : Number(processesArg);
const ms = Number(msArg ?? 300);
if (
  !baseDir ||
  !candDir ||
  !isWorkload(workload) ||
  !(Number.isInteger(rounds) && rounds > 0) ||
  !(ms > 0) ||
  !(Number.isInteger(processes) && processes >= 2 && processes % 2 === 0) ||
  only === undefined ||
  only === "" ||
  (only !== null && workload !== "fuzz")
) {
  process.stderr.write(
    "usage: bench/compare.ts BASELINE_DIST CANDIDATE_DIST [rounds] [roundMs] [--processes EVEN_N] [--separate] [--workload sim|context-fresh|context-cold|fuzz] [--cases TEXT (fuzz only)]\n",
  );
  process.exit(2);
}

/**
 * One process: loads `firstDir`, then `secondDir`, warms both up, and alternates rounds between
 * them, the same seeds for both in each round.
 */
async function measureInOrder(
  firstDir: string,
  secondDir: string,
  wl: Workload,
  cases: string | undefined,
): Promise<OrderResult> {
  const first = await load(firstDir, "first", wl, cases);
  const second = await load(secondDir, "second", wl, cases);
  for (let i = 0; i < (wl === "fuzz" ? 1 : 4); i++) {
    round(first, ms, { next: 1 });
    round(second, ms, { next: 1 });
  }
  const out: OrderResult = { first: [], second: [], piecesPerRound: first.piecesPerRound };
  for (let r = 0; r < rounds; r++) {
    const seed = 1 + r * 1000;
    if (r % 2 === 0) {
      out.first.push(round(first, ms, { next: seed }));
      out.second.push(round(second, ms, { next: seed }));
    } else {
      out.second.push(round(second, ms, { next: seed }));
      out.first.push(round(first, ms, { next: seed }));
    }
  }
  return out;
}

/** One process, one build (`--separate`): warmed up as in measureInOrder, then `rounds` rounds. */
async function measureAlone(dir: string, wl: Workload, cases: string | undefined) {
  const build = await load(dir, "alone", wl, cases);
  for (let i = 0; i < (wl === "fuzz" ? 1 : 8); i++) round(build, ms, { next: 1 });
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) rates.push(round(build, ms, { next: 1 + r * 1000 }));
  return { first: rates, second: [], piecesPerRound: build.piecesPerRound } as OrderResult;
}

if (child >= 0) {
  // A child process: one load order (or one build alone), the result as one JSON line.
  const result =
    soloAt >= 0
      ? await measureAlone(baseDir, workload, only ?? undefined)
      : await measureInOrder(baseDir, candDir, workload, only ?? undefined);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/**
 * Runs one process with the builds loaded in the given order and returns what it measured. A
 * process settles into its own state of compiled code, and that state favours one build or the
 * other by as much as 20% for the life of the process (two copies of one build, loaded in the same
 * order, gave 0.81-0.93 in one process each): more rounds in one process cannot average it out,
 * more processes can.
 */
function runOrder(firstDir: string, secondDir: string, alone = false): OrderResult {
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    "--child",
    ...(alone ? ["--solo"] : []),
    firstDir,
    secondDir,
    String(rounds),
    String(ms),
    "--workload",
    workload,
    ...(only === null || only === undefined ? [] : ["--cases", only]),
  ];
  const child = spawnSync(process.execPath, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) process.exit(child.status ?? 1);
  return JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "") as OrderResult;
}

const median = (xs: readonly number[]) => quantile(xs, 0.5);
const unit = workload === "sim" ? "hooks/s" : workload === "fuzz" ? "fuzz runs/s" : "runs/s";

if (separate) {
  // `--separate`: each build in processes of its own, one after the other, alternating which
  // goes first in each pair. No two builds share a process, so neither sways the other; the
  // price is the process-to-process spread, which only more pairs bring down.
  const base: number[] = [];
  const cand: number[] = [];
  const pairs: number[] = [];
  for (let p = 0; p < processes; p++) {
    const alone = (dir: string) => median(runOrder(dir, dir, true).first);
    let b: number;
    let c: number;
    if (p % 2 === 0) {
      b = alone(baseDir);
      c = alone(candDir);
    } else {
      c = alone(candDir);
      b = alone(baseDir);
    }
    base.push(b);
    cand.push(c);
    pairs.push(c / b);
  }
  const sorted = [...pairs].sort((x, y) => x - y);
  process.stdout.write(
    `workload ${workload}, separate processes\n` +
      `baseline  ${unit} median ${Math.round(median(base))} (processes ${base.map((x) => Math.round(x)).join(" ")})\n` +
      `candidate ${unit} median ${Math.round(median(cand))} (processes ${cand.map((x) => Math.round(x)).join(" ")})\n` +
      `pairs (candidate/baseline): ${sorted.map((x) => x.toFixed(3)).join(" ")}\n` +
      `candidate/baseline ratio: ${(median(cand) / median(base)).toFixed(3)} (ratio of the medians), ${processes} pairs of processes of ${rounds} rounds\n`,
  );
  process.exit(0);
}

const geomean = (xs: readonly number[]) =>
  Math.exp(xs.reduce((sum, x) => sum + Math.log(x), 0) / xs.length);

// Processes alternate which build is loaded first, so each order is taken equally often; with
// `t` the true ratio and `b` what loading second costs, a process measures t*b or t/b, and the
// geometric mean over both orders is t.
const perProcess: { readonly candidateFirst: boolean; readonly ratio: number }[] = [];
const baseRates: number[] = [];
const candRates: number[] = [];
let piecesPerRound: number | undefined;
for (let p = 0; p < processes; p++) {
  const candidateFirst = p % 2 === 1;
  const r = candidateFirst ? runOrder(candDir, baseDir) : runOrder(baseDir, candDir);
  const [b, c] = candidateFirst ? [r.second, r.first] : [r.first, r.second];
  piecesPerRound = r.piecesPerRound;
  baseRates.push(...b);
  candRates.push(...c);
  perProcess.push({ candidateFirst, ratio: median(c.map((x, i) => x / (b[i] ?? Number.NaN))) });
}
const fmt = (x: number) => Math.round(x).toString();
const ratios = perProcess.map((p) => p.ratio);
const baseFirst = perProcess.filter((p) => !p.candidateFirst).map((p) => p.ratio);
const candFirst = perProcess.filter((p) => p.candidateFirst).map((p) => p.ratio);
const effect = Math.sqrt(geomean(baseFirst) / geomean(candFirst));
process.stdout.write(
  `workload ${workload}${only === null || only === undefined ? "" : ` (cases containing ${JSON.stringify(only)})`}\n` +
    `baseline  ${unit} median ${fmt(median(baseRates))}\n` +
    `candidate ${unit} median ${fmt(median(candRates))}\n` +
    `per process (median of its rounds; * candidate loaded first): ${perProcess.map((p) => `${p.ratio.toFixed(3)}${p.candidateFirst ? "*" : ""}`).join(" ")}\n` +
    `load-order effect (the second build's speed): ${effect.toFixed(3)}\n` +
    `candidate/baseline ratio: ${geomean(ratios).toFixed(3)} (processes ${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}), ${processes} processes of ${rounds} rounds of ${piecesPerRound === undefined ? `${ms} ms` : `${piecesPerRound} cases`}\n`,
);
