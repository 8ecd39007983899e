/**
 * charmsim benchmarks: prints one line per figure (name, value, unit) and, with --json FILE,
 * writes them as JSON. Run with `npm run bench` (it builds first and measures the compiled
 * code). Every figure is the median of several timed rounds after a warm-up, on one thread.
 *
 * Targets (issue 7): context_run_us <= 20; sim_hooks_per_s >= 100000; sim_scaling ratio
 * (1000 units / 10 units) >= 0.5; peak memory at 1000 units < 300 MB; fuzz_cases_per_s >= 500.
 * Issue 16: cli_help_ms < 300 (`charmsim --help` in a fresh process, Node's start-up included).
 * The `*_harness_only_*` figures repeat figures 1 and 2 with charms that observe nothing (same
 * metadata, same hooks), to show the harness's own share of the cost; they have no target.
 * `machine_ref_kops_per_s` runs a fixed workload that uses no charmsim code (map look-ups,
 * string building, sorting, JSON): it tells how fast this machine is, so that figures taken on
 * different machines can be compared (divide each by its machine's reference). No target.
 * `python_hook_us` is one relation-changed of the upstream v1 requirer (a Python charm, see
 * docs/python.md) through the simulation; `scenario_context_run_us` is the same hook (same State,
 * same event) through bare Scenario in the same worker, timed inside Python. Target (issue 15):
 * the bridge adds at most 30% (`python_bridge_ratio` <= 1.3). Skipped, with a note, without .venv.
 */
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
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

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const gc = (globalThis as { gc?: () => void }).gc;

/** Runs `fn` `rounds` times after `warmup` calls; returns the median duration in ms. */
function timeRounds(fn: () => void, rounds: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // No forced GC between rounds: a full collection costs the JIT its warm state.
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
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

function contextRunFigure(): Figure {
  const us = contextRun();
  return { name: "context_run_us", value: round(us, 2), unit: "us", target: "<= 20", ok: us <= 20 };
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
    target: ">= 100000",
    ok: hps >= 100_000,
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

/** Figure 4: full random certificate_transfer cases per second (generate, simulate, check). */
function fuzzCases(): Figure {
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
  return {
    name: "fuzz_cases_per_s",
    value: round(perS),
    unit: "cases/s",
    target: ">= 500",
    ok: perS >= 500,
  };
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
  const bin = fileURLToPath(new URL("../bin/charmsim.js", import.meta.url));
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
  context: () => [contextRunFigure()],
  "context-harness": () => [
    { name: "context_run_harness_only_us", value: round(contextRun(HarnessOnly), 2), unit: "us" },
  ],
  sim: () => [simHooks()],
  "sim-harness": () => [
    {
      name: "sim_harness_only_hooks_per_s",
      value: round(hooksPerSecond(20, 7, 400, true)),
      unit: "hooks/s",
    },
  ],
  scaling: simScaling,
  fuzz: () => [fuzzCases()],
  trace: traceBytes,
  cli: cliHelp,
  python: pythonHook,
};
const figureArg = process.argv.indexOf("--figure");
if (figureArg >= 0) {
  const fn = figureFns[process.argv[figureArg + 1] ?? ""];
  if (!fn) throw new Error(`unknown figure; figures: ${Object.keys(figureFns).join(", ")}`);
  process.stdout.write(`${JSON.stringify(fn())}\n`);
  process.exit(0);
}

if (!gc)
  process.stderr.write("note: run with --expose-gc for steadier figures (npm run bench does)\n");
const figures: Figure[] = [];
for (const name of Object.keys(figureFns)) {
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
    process.stdout.write(
      `${f.name.padEnd(30)} ${String(f.value).padStart(12)} ${f.unit}${verdict}\n`,
    );
  }
}
const jsonAt = process.argv.indexOf("--json");
if (jsonAt >= 0) {
  const file = process.argv[jsonAt + 1] ?? "bench-results.json";
  writeFileSync(file, `${JSON.stringify({ node: process.version, figures }, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
