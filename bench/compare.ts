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
 * This machine varies by 30% and more between processes; alternating rounds inside one process
 * is the steadiest comparison found, so every performance claim is made with it.
 *
 *   npm run build                      # the candidate: ./dist
 *   git worktree add /tmp/base <rev> && (cd /tmp/base && npm ci && npm run build)
 *   node --expose-gc --import tsx bench/compare.ts /tmp/base/dist ./dist [rounds] [roundMs]
 *     [--workload sim|context-fresh|context-cold|fuzz] [--cases TEXT]
 *
 * Prints hooks/s per round for each build and the median candidate/baseline ratio with its
 * quartiles (ratio > 1: the candidate is faster).
 */
import "reflect-metadata";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { coldCertificates } from "./inputs.js";

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
          const rel = new lib.Relation({
            endpoint: "certificates",
            interface: "certificate_transfer",
            remoteAppData: { certificates: JSON.stringify(certificates), version: "1" },
            remoteUnitsData: { 0: {}, 1: {}, 2: {} },
          });
          const state = new lib.State({ leader: true, relations: [rel] });
          ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
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

const argv = process.argv.slice(2);
const w = argv.indexOf("--workload");
const workload = w >= 0 ? argv.splice(w, 2)[1] : "sim";
const c = argv.indexOf("--cases");
const only = c >= 0 ? argv.splice(c, 2)[1] : undefined;
const [baseDir, candDir, roundsArg, msArg] = argv;
if (
  !baseDir ||
  !candDir ||
  !isWorkload(workload) ||
  (c >= 0 && (only === undefined || only === "" || workload !== "fuzz"))
) {
  process.stderr.write(
    "usage: bench/compare.ts BASELINE_DIST CANDIDATE_DIST [rounds] [roundMs] [--workload sim|context-fresh|context-cold|fuzz] [--cases TEXT (fuzz only)]\n",
  );
  process.exit(2);
}
const unit = workload === "sim" ? "hooks/s" : workload === "fuzz" ? "fuzz runs/s" : "runs/s";
const rounds = Number(roundsArg ?? 20);
const ms = Number(msArg ?? 300);
const base = await load(baseDir, "baseline", workload, only);
const cand = await load(candDir, "candidate", workload, only);
// The same seeds for both builds, so each round settles the same models.
for (let i = 0; i < (workload === "fuzz" ? 1 : 4); i++) {
  round(base, ms, { next: 1 });
  round(cand, ms, { next: 1 });
}
const ratios: number[] = [];
const rates: Record<string, number[]> = { baseline: [], candidate: [] };
for (let r = 0; r < rounds; r++) {
  const first = r % 2 === 0 ? base : cand;
  const second = r % 2 === 0 ? cand : base;
  const a = round(first, ms, { next: 1 + r * 1000 });
  const b = round(second, ms, { next: 1 + r * 1000 });
  const [vb, vc] = first === base ? [a, b] : [b, a];
  rates.baseline?.push(vb);
  rates.candidate?.push(vc);
  ratios.push(vc / vb);
}
const fmt = (x: number) => Math.round(x).toString();
process.stdout.write(
  `workload ${workload}${only === undefined ? "" : ` (cases containing ${JSON.stringify(only)})`}\n` +
    `baseline  ${unit} median ${fmt(quantile(rates.baseline ?? [], 0.5))}\n` +
    `candidate ${unit} median ${fmt(quantile(rates.candidate ?? [], 0.5))}\n` +
    `candidate/baseline ratio: median ${quantile(ratios, 0.5).toFixed(3)} (quartiles ${quantile(ratios, 0.25).toFixed(3)}-${quantile(ratios, 0.75).toFixed(3)}, ${rounds} rounds of ${base.piecesPerRound === undefined ? `${ms} ms` : `${base.piecesPerRound} cases`})\n`,
);
