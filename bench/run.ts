/**
 * charmsim benchmarks: prints one line per figure (name, value, unit, and the lowest and highest
 * round where there are several) and, with --json FILE, writes them as JSON. Run with
 * `npm run bench` (it builds first and measures the compiled code). Every figure is taken in its
 * own process; the value is the median over its rounds. `--only NAME,NAME` takes some figures
 * (names as in `figureFns`: context-fresh, context-cold, first-settle, sim, fuzz, cli, ...).
 *
 * Primary figures (issue 17) measure what a user pays for:
 * - `context_run_fresh_us`: one Context.run of the v1 requirer on relation-changed, with a new
 *   Relation, State and event built (and timed) for each run. Target <= 15.
 * - `context_run_cold_us`: the same with different certificates in every run. Target <= 30.
 * - `sim_first_settle_ms`: the first settle of the 22-unit model (2 v1 providers, 20 v1
 *   requirers) in a fresh process, over seven processes. Target <= 15.
 * - `sim_hooks_per_s`: hooks per second settling that model again and again, warm. Target
 *   >= 250000 (issue 17; issue 7 asked for 100000).
 * - `fuzz_wall_s`, `fuzz_cases_per_s`: `charmsim fuzz` with its defaults (what `npm run fuzz`
 *   runs), wall time from spawn to exit, and generated cases (runs) per second. Target >= 1000.
 * - `cli_help_ms`: `charmsim --help` in a fresh process, Node's start-up included. Target < 300.
 * - `vs_scenario_fresh` (with .venv): `scenario_context_run_us` / `context_run_fresh_us`.
 *
 * Secondary figures, taken warm (one input reused, so that memo tables keyed on it always hit):
 * `context_run_warm_us` (one State reused 2,000 times a round), `fuzz_one_case_per_s_warm` (one
 * case repeated with one seed). The `*_harness_only_*` figures repeat the warm Context.run and
 * the hooks per second with charms that observe nothing (same metadata, same hooks), to show the
 * harness's own share of the cost. `sim_scaling_*` is hooks per second at 10, 100 and 1000
 * requirers and peak memory at 1000 (issue 7: ratio >= 0.5, < 300 MB).
 * `machine_ref_kops_per_s` runs a fixed workload that uses no charmsim code (map look-ups,
 * string building, sorting, JSON): it tells how fast this machine is, so that figures taken on
 * different machines can be compared (divide each by its machine's reference). No target.
 * `python_hook_us` is one relation-changed of the upstream v1 requirer (a Python charm, see
 * docs/python.md) through the simulation; `scenario_context_run_us` is the same hook (same State,
 * same event) through bare Scenario in the same worker, timed inside Python (Scenario copies the
 * State inside every run, so reusing one gains it nothing). Target (issue 15): the bridge adds at
 * most 30% (`python_bridge_ratio` <= 1.3). Skipped, with a note, without .venv.
 * Two builds are compared with `npm run bench:compare` (bench/compare.ts), not with this script.
 */
import "reflect-metadata";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  makeV1ProviderCharm,
  V1RequirerCharm,
  v1ProviderSpec,
  v1RequirerSpec,
} from "../dist/charms/certificate-transfer/index.js";
import { evaluate } from "../dist/fuzz/campaign.js";
import { certificateTransferCases } from "../dist/fuzz/campaigns/certificate-transfer.js";
import {
  CharmBase,
  Context,
  charmSpec,
  checkInvariants,
  Relation,
  Simulation,
  State,
} from "../dist/index.js";
import { fixtureClientCerts } from "../dist/pki/fixtures.js";
import { PYTHON_CHARM } from "../dist/python/charm.js";
import { pythonCharm } from "../dist/python/index.js";
import { PythonWorker } from "../dist/python/worker.js";
import { coldCertificates, freshRequirerRun } from "./inputs.js";

interface Figure {
  name: string;
  /** The median over the rounds. */
  value: number;
  unit: string;
  /** The lowest and highest rounds, where the figure was taken over several. */
  min?: number;
  max?: number;
  target?: string;
  ok?: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const gc = (globalThis as { gc?: () => void }).gc;

/** Runs `fn` `rounds` times after `warmup` calls; returns each round's duration in ms. */
function roundTimes(fn: () => void, rounds: number, warmup: number): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // No forced GC between rounds: a full collection costs the JIT its warm state.
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times;
}

/** Runs `fn` `rounds` times after `warmup` calls; returns the median duration in ms. */
function timeRounds(fn: () => void, rounds: number, warmup: number): number {
  return median(roundTimes(fn, rounds, warmup));
}

/** A figure from its rounds: the median as the value, with the lowest and highest round. */
function spread(name: string, xs: readonly number[], unit: string, digits: number): Figure {
  return {
    name,
    value: round(median([...xs]), digits),
    unit,
    min: round(Math.min(...xs), digits),
    max: round(Math.max(...xs), digits),
  };
}

const pems = fixtureClientCerts().map((c) => c.certPem);
const providerSpec = charmSpec(v1ProviderSpec());
const requirerSpec = charmSpec(v1RequirerSpec());
const Provider = makeV1ProviderCharm({ certificates: pems.slice(0, 3), stableOrder: true });

/**
 * A charm that observes nothing, with the v1 charms' metadata: run in place of them, it gives the
 * harness's own share of figures 1 and 2 (informational, no target).
 */
class HarnessOnly extends CharmBase {}

/** Figure 1: one Context.run of the v1 requirer on relation-changed (3 remote units, 3 PEMs). */
function contextRun(charm: typeof V1RequirerCharm | typeof HarnessOnly = V1RequirerCharm): number {
  const ctx = new Context(charm, { spec: requirerSpec });
  const rel = new Relation({
    endpoint: "certificates",
    interface: "certificate_transfer",
    remoteAppData: { certificates: JSON.stringify(pems.slice(0, 3)), version: "1" },
    remoteUnitsData: { 0: {}, 1: {}, 2: {} },
  });
  const state = new State({ leader: true, relations: [rel] });
  const event = ctx.on.relationChanged(rel, { remoteUnit: 0 });
  const n = 2_000;
  const ms = timeRounds(
    () => {
      for (let i = 0; i < n; i++) ctx.run(event, state);
    },
    9,
    3,
  );
  return (ms * 1000) / n;
}

function contextRunWarmFigure(): Figure {
  const us = contextRun();
  return { name: "context_run_warm_us", value: round(us, 2), unit: "us" };
}

/**
 * Figures 1a and 1b: one Context.run of the v1 requirer on relation-changed as a user's test or a
 * campaign pays for it: each run builds its own Relation, State and event (timed with the run).
 * Fresh: the same three certificates every run. Cold: different certificates every run, so that
 * nothing keyed on the data can be reused. Rounds of 1,000 runs; median, min and max per run.
 */
function contextRunFresh(cold: boolean): Figure {
  const ctx = new Context(V1RequirerCharm, { spec: requirerSpec });
  const same = pems.slice(0, 3);
  let next = 0;
  const n = 1_000;
  const api = { Relation, State };
  const once = () => freshRequirerRun(api, ctx, cold ? coldCertificates(pems, next++) : same);
  const times = roundTimes(
    () => {
      for (let i = 0; i < n; i++) once();
    },
    9,
    3,
  );
  const perRun = times.map((ms) => (ms * 1000) / n);
  const name = cold ? "context_run_cold_us" : "context_run_fresh_us";
  const limit = cold ? 30 : 15;
  const us = median(perRun);
  return { ...spread(name, perRun, "us", 2), target: `<= ${limit}`, ok: us <= limit };
}

/** A model of 2 v1 providers and `requirers` v1 requirer units, settled with certificates added. */
function settleModel(
  requirers: number,
  seed = 1,
  harnessOnly = false,
): { hooks: number; sim: Simulation } {
  const sim = new Simulation({ seed, recordLogs: true });
  sim.deploy("ca", harnessOnly ? HarnessOnly : Provider, { spec: providerSpec, units: 2 });
  sim.deploy("app", harnessOnly ? HarnessOnly : V1RequirerCharm, {
    spec: requirerSpec,
    units: requirers,
  });
  sim.integrate("ca:certificates", "app:certificates");
  const hooks = sim.settle({ maxHooks: 10_000_000 });
  return { hooks, sim };
}

/**
 * Throughput while settling the model again and again: each round repeats whole settles for at
 * least `roundMs` and divides the hooks run by the time taken; the median round is reported.
 */
function hooksPerSecond(
  requirers: number,
  rounds: number,
  roundMs = 400,
  harnessOnly = false,
): number {
  const rates: number[] = [];
  const warmup = 6; // the simulator's hot paths take a few seconds of JIT to settle
  for (let r = 0; r < rounds + warmup; r++) {
    // no forced GC here: a full collection between rounds costs the JIT its warm state
    let hooks = 0;
    const t0 = performance.now();
    let elapsed = 0;
    let seed = 1;
    do {
      hooks += settleModel(requirers, seed++, harnessOnly).hooks;
      elapsed = performance.now() - t0;
    } while (elapsed < roundMs);
    if (r >= warmup) rates.push((hooks / elapsed) * 1000);
  }
  return median(rates);
}

const round = (x: number, digits = 0) => Number(x.toFixed(digits));

/** Figure 2: hooks per second settling 2 providers + 20 requirers from deploy. */
function simHooks(): Figure {
  const hps = hooksPerSecond(20, 7);
  return {
    name: "sim_hooks_per_s",
    value: round(hps),
    unit: "hooks/s",
    target: ">= 250000",
    ok: hps >= 250_000,
  };
}

/** Figure 3: hooks per second at 10, 100 and 1000 requirers, and peak memory at 1000 (child process). */
function simScaling(): Figure[] {
  const h10 = hooksPerSecond(10, 5);
  const h100 = hooksPerSecond(100, 5);
  const h1000 = hooksPerSecond(1000, 3, 1500);
  const ratio = h1000 / h10;
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), "--peak-memory-child"],
    {
      encoding: "utf8",
    },
  );
  const peakMb = Number(out.trim());
  return [
    { name: "sim_scaling_10_hooks_per_s", value: round(h10), unit: "hooks/s" },
    { name: "sim_scaling_100_hooks_per_s", value: round(h100), unit: "hooks/s" },
    { name: "sim_scaling_1000_hooks_per_s", value: round(h1000), unit: "hooks/s" },
    {
      name: "sim_scaling_ratio_1000_vs_10",
      value: round(ratio, 2),
      unit: "x",
      target: ">= 0.5",
      ok: ratio >= 0.5,
    },
    {
      name: "sim_peak_rss_1000_mb",
      value: round(peakMb, 1),
      unit: "MB",
      target: "< 300",
      ok: peakMb < 300,
    },
  ];
}

/**
 * Secondary (warm): one certificate_transfer case (v1-fixed converges) repeated with the same
 * seed, 300 scenarios per round, in a warm process. Not what a campaign does: see fuzzCampaign.
 */
function fuzzOneCaseWarm(): Figure {
  const fuzzCase = certificateTransferCases().find(
    (c) => c.property === "ct.converges" && c.variant.startsWith("v1-fixed"),
  );
  if (!fuzzCase) throw new Error("no v1-fixed converges case");
  const count = 300;
  const ms = timeRounds(
    () => {
      const scenarios = fc.sample(fuzzCase.arbitrary, { numRuns: count, seed: 7 });
      for (const s of scenarios) {
        const { run } = evaluate(fuzzCase, s);
        checkInvariants(run.sim.trace);
      }
    },
    5,
    1,
  );
  const perS = (count / ms) * 1000;
  return { name: "fuzz_one_case_per_s_warm", value: round(perS), unit: "cases/s" };
}

const bin = fileURLToPath(new URL("../bin/charmsim.js", import.meta.url));

/**
 * Figure 4: the real default campaign, as `npm run fuzz` runs it: `charmsim fuzz` in a fresh
 * process (every bundled campaign, default runs and workers), wall time from spawn to exit. The
 * cases are the runs the report counts (generated scenarios, each simulated and checked).
 * Three rounds, each in its own process and report directory.
 */
function fuzzCampaign(): Figure[] {
  const walls: number[] = [];
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const out = mkdtempSync(join(tmpdir(), "charmsim-bench-fuzz-"));
    try {
      const t0 = performance.now();
      const child = spawnSync(process.execPath, [bin, "fuzz", "--out", out, "--json"], {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      });
      const ms = performance.now() - t0;
      if (child.status !== 0) throw new Error(`charmsim fuzz failed: ${child.stderr}`);
      const report = JSON.parse(child.stdout) as { results: { runs: number }[] };
      const cases = report.results.reduce((sum, x) => sum + x.runs, 0);
      walls.push(ms / 1000);
      rates.push((cases / ms) * 1000);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  const perS = median(rates);
  return [
    spread("fuzz_wall_s", walls, "s", 2),
    { ...spread("fuzz_cases_per_s", rates, "cases/s", 0), target: ">= 1000", ok: perS >= 1000 },
  ];
}

/**
 * Figure 2a: the first settle of the 22-unit model (2 v1 providers, 20 v1 requirers) in a fresh
 * process, modules already loaded: deploy, integrate and settle, cold JIT. Seven processes.
 */
function firstSettle(): Figure[] {
  const times: number[] = [];
  for (let r = 0; r < 7; r++) {
    const out = execFileSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), "--first-settle-child"],
      { encoding: "utf8" },
    );
    times.push(Number(out.trim()));
  }
  const ms = median(times);
  return [{ ...spread("sim_first_settle_ms", times, "ms", 1), target: "<= 15", ok: ms <= 15 }];
}

/** Figure 5: memory held by a recorded trace per hook, and its JSON size per hook. */
function traceBytes(): Figure[] {
  const heldPerHook: number[] = [];
  let jsonPerHook = 0;
  // Heap held by the trace: the difference made by dropping its records, everything else kept.
  // One measurement moves with whatever else the collector finds, so the median of five is used.
  for (let r = 0; r < 5; r++) {
    const { hooks, sim } = settleModel(100, r + 1);
    if (r === 0) jsonPerHook = sim.trace.toJsonText().length / hooks; // seed 1, as before
    gc?.();
    gc?.();
    const withTrace = process.memoryUsage().heapUsed;
    sim.trace.records.length = 0;
    gc?.();
    gc?.();
    heldPerHook.push((withTrace - process.memoryUsage().heapUsed) / hooks);
  }
  return [
    { name: "trace_heap_bytes_per_hook", value: round(median(heldPerHook)), unit: "B/hook" },
    { name: "trace_json_bytes_per_hook", value: round(jsonPerHook), unit: "B/hook" },
  ];
}

const venvPython = fileURLToPath(new URL("../.venv/bin/python", import.meta.url));

/**
 * Figure 6: one relation-changed of the upstream v1 requirer (Python) through the simulation,
 * beside the same hook through bare Scenario in the same worker. The TypeScript v1 provider
 * toggles one certificate between hooks (outside the timed step), so every step is the
 * requirer's application-level relation-changed with three certificates or two.
 */
function pythonHook(): Figure[] {
  const requirer = pythonCharm(
    fileURLToPath(new URL("../python/charms/certificate-transfer-requirer", import.meta.url)),
    { python: venvPython },
  );
  const sim = new Simulation({ seed: 1, recordLogs: false });
  sim.deploy("ca", Provider, { spec: providerSpec, units: 1 });
  sim.deploy("app", requirer, { spec: requirer.spec, units: 1 });
  sim.integrate("ca:certificates", "app:certificates");
  sim.settle();
  sim.assertNoErrors();
  type CtProvider = CharmBase & {
    certificateTransfer: {
      addCertificates(c: Set<string>): void;
      removeCertificate(c: string): void;
    };
  };
  let present = true;
  const oneHook = (): number => {
    sim.exec("ca/0", (c: CtProvider) => {
      if (present) c.certificateTransfer.removeCertificate(pems[0] as string);
      else c.certificateTransfer.addCertificates(new Set([pems[0] as string]));
    });
    present = !present;
    const t0 = performance.now();
    const record = sim.step();
    const us = (performance.now() - t0) * 1000;
    if (record?.kind !== "relation-changed" || record.unit !== "app/0" || !record.ok)
      throw new Error(`expected the requirer's relation-changed, got ${JSON.stringify(record)}`);
    return us;
  };
  const worker = PythonWorker.for(requirer[PYTHON_CHARM].python);
  // Interleaved, so that both figures are taken under the same load: after each hook through
  // the simulation, the worker times the same hook (same State, same event) in bare Scenario.
  const bare = (): number => {
    if (!worker.lastRun) throw new Error("no Python hook was run");
    return worker.bench({ type: "bench", run: worker.lastRun, repeat: 1 });
  };
  for (let i = 0; i < 20; i++) {
    oneHook();
    bare();
  }
  const hookTimes: number[] = [];
  const workerTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    hookTimes.push(oneHook());
    workerTimes.push(worker.lastWorkerUs);
    bareTimes.push(bare());
  }
  const hookUs = median(hookTimes);
  const scenarioUs = median(bareTimes);
  const ratio = hookUs / scenarioUs;
  return [
    { name: "python_hook_us", value: round(hookUs), unit: "us" },
    { name: "scenario_context_run_us", value: round(scenarioUs), unit: "us" },
    { name: "python_worker_side_us", value: round(median(workerTimes)), unit: "us" },
    {
      name: "python_bridge_ratio",
      value: round(ratio, 2),
      unit: "x",
      target: "<= 1.3",
      ok: ratio <= 1.3,
    },
  ];
}

if (process.argv.includes("--first-settle-child")) {
  const t0 = performance.now();
  settleModel(20);
  process.stdout.write(`${performance.now() - t0}\n`);
  process.exit(0);
}

if (process.argv.includes("--peak-memory-child")) {
  settleModel(1000);
  process.stdout.write(`${process.resourceUsage().maxRSS / 1024}\n`);
  process.exit(0);
}

/**
 * The machine reference: one op builds 200 keyed strings, looks each up in a map, sorts them and
 * round-trips a small object through JSON. Nothing of charmsim runs, so a change to the project
 * never moves this figure; only the machine (and Node version) does.
 */
function machineReference(): Figure {
  const keys = Array.from({ length: 200 }, (_, i) => `unit-${(i * 7919) % 1000}/${i}`);
  const table = new Map(keys.map((k, i) => [k, i]));
  let sink = 0;
  const op = () => {
    const built: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = `unit-${(i * 7919) % 1000}/${i}`;
      sink += table.get(k) ?? 0;
      built.push(k);
    }
    built.sort();
    sink += (JSON.parse(JSON.stringify({ first: built[0], n: built.length })) as { n: number }).n;
  };
  const n = 2_000;
  const ms = timeRounds(
    () => {
      for (let i = 0; i < n; i++) op();
    },
    9,
    5,
  );
  if (sink === 0) throw new Error("the reference workload did nothing");
  return { name: "machine_ref_kops_per_s", value: round(n / ms, 1), unit: "kops/s" };
}

/**
 * `charmsim --help` as a person runs it: a fresh `node bin/charmsim.js --help` process, wall time
 * from spawn to exit, median of 9 after a warm-up (so the files are in the page cache). Node's
 * own start-up (`node -e 0`, measured the same way) is given beside it.
 */
function cliHelp(): Figure[] {
  const spawnMs = (args: string[]) => {
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      execFileSync(process.execPath, args, { stdio: "ignore" });
      if (i > 0) times.push(performance.now() - t0);
    }
    return median(times);
  };
  const help = spawnMs([bin, "--help"]);
  const bare = spawnMs(["-e", "0"]);
  return [
    { name: "cli_help_ms", value: round(help, 1), unit: "ms", target: "< 300", ok: help < 300 },
    { name: "node_startup_ms", value: round(bare, 1), unit: "ms" },
  ];
}

/** Each figure runs in a fresh process so that one figure's JIT state cannot skew another's. */
const figureFns: Record<string, () => Figure[]> = {
  machine: () => [machineReference()],
  "context-fresh": () => [contextRunFresh(false)],
  "context-cold": () => [contextRunFresh(true)],
  "first-settle": firstSettle,
  sim: () => [simHooks()],
  fuzz: fuzzCampaign,
  cli: cliHelp,
  "context-warm": () => [contextRunWarmFigure()],
  "context-harness": () => [
    {
      name: "context_run_harness_only_warm_us",
      value: round(contextRun(HarnessOnly), 2),
      unit: "us",
    },
  ],
  "sim-harness": () => [
    {
      name: "sim_harness_only_hooks_per_s",
      value: round(hooksPerSecond(20, 7, 400, true)),
      unit: "hooks/s",
    },
  ],
  scaling: simScaling,
  "fuzz-one-case": () => [fuzzOneCaseWarm()],
  trace: traceBytes,
  python: pythonHook,
};
const figureArg = process.argv.indexOf("--figure");
const onlyArg = process.argv.indexOf("--only");
if (figureArg >= 0) {
  const fn = figureFns[process.argv[figureArg + 1] ?? ""];
  if (!fn) throw new Error(`unknown figure; figures: ${Object.keys(figureFns).join(", ")}`);
  process.stdout.write(`${JSON.stringify(fn())}\n`);
  process.exit(0);
}

if (!gc)
  process.stderr.write("note: run with --expose-gc for steadier figures (npm run bench does)\n");
const only = onlyArg >= 0 ? (process.argv[onlyArg + 1] ?? "").split(",") : null;
for (const name of only ?? []) {
  if (!(name in figureFns)) {
    process.stderr.write(
      `bench: unknown figure group "${name}" after --only; groups: ${Object.keys(figureFns).join(", ")}\n`,
    );
    process.exit(2);
  }
}
const figures: Figure[] = [];
for (const name of Object.keys(figureFns)) {
  if (only && !only.includes(name)) continue;
  if (name === "python" && !existsSync(venvPython)) {
    process.stdout.write("python figures skipped: no .venv (run `npm run setup:python`)\n");
    continue;
  }
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), "--figure", name],
    { encoding: "utf8" },
  );
  for (const f of JSON.parse(out) as Figure[]) {
    figures.push(f);
    const verdict =
      f.ok === undefined
        ? ""
        : f.ok
          ? `  ok (target ${f.target})`
          : `  MISSED (target ${f.target})`;
    const range = f.min === undefined ? "" : `  (min ${f.min}, max ${f.max})`;
    process.stdout.write(
      `${f.name.padEnd(32)} ${String(f.value).padStart(12)} ${f.unit}${range}${verdict}\n`,
    );
  }
}
// Side by side with Python Scenario: bare Scenario's Context.run of the upstream v1 requirer on
// relation-changed, against charmsim's with a State built for each run.
const scenarioUs = figures.find((f) => f.name === "scenario_context_run_us")?.value;
const freshUs = figures.find((f) => f.name === "context_run_fresh_us")?.value;
if (scenarioUs !== undefined && freshUs !== undefined) {
  const vs: Figure = {
    name: "vs_scenario_fresh",
    value: round(scenarioUs / freshUs, 1),
    unit: "x",
  };
  figures.push(vs);
  process.stdout.write(`${vs.name.padEnd(32)} ${String(vs.value).padStart(12)} ${vs.unit}\n`);
}
const jsonAt = process.argv.indexOf("--json");
if (jsonAt >= 0) {
  const file = process.argv[jsonAt + 1] ?? "bench-results.json";
  writeFileSync(file, `${JSON.stringify({ node: process.version, figures }, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
