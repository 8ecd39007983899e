import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { type CaseResult, evaluate, type FuzzCase, runCase } from "./fuzz/campaign.js";
import { bundledCatalog, campaignNames, campaigns } from "./fuzz/campaigns/index.js";
import type { CharmCatalog } from "./fuzz/catalog.js";
import { runScenario, ScenarioStepError } from "./fuzz/execute.js";
import { describeOperation, scenarioSchema } from "./fuzz/operations.js";
import { parseReplay } from "./fuzz/replay.js";
import {
  type Finding,
  type FuzzReport,
  findingOf,
  formatTable,
  reportDirProblem,
  reportJson,
  writeReport,
} from "./fuzz/report.js";
import { checkInvariants, formatViolations } from "./harness/invariants.js";
import { traceToMermaid } from "./harness/mermaid.js";
import type { TraceRecord } from "./harness/trace.js";
import { InputError } from "./model/errors.js";
import { parseYaml } from "./model/yaml-file.js";

/** Runs per fuzz case by default (some cases weigh more): the bundled campaigns take about a minute. */
export const DEFAULT_RUNS = 160;

/** Bad command-line input: reported as one line, exit code 2, nothing written. */
class UsageError extends Error {}

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTTY: boolean;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
};

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 0xffff_ffff) {
    throw new InvalidArgumentError("a seed is a whole number from 0 to 4294967295");
  }
  return Number(v);
}
function parseRuns(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10_000_000) {
    throw new InvalidArgumentError("runs is a whole number from 1 to 10000000");
  }
  return Number(v);
}
function parseShard(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError('a shard is "i/n" with 1 <= i <= n, e.g. 2/4');
  }
  return { index: index - 1, count };
}

/** Mixes the run seed with a case's name and the shard, so cases and shards explore different seeds. */
export function caseSeed(seed: number, name: string, shard: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const ch of `${name}#${shard}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h & 0x7fff_ffff;
}

const caseName = (c: Pick<FuzzCase, "campaign" | "property" | "variant">) =>
  `${c.campaign}/${c.property}/${c.variant}`;

interface FuzzOptions {
  config?: string;
  seed: number;
  runs?: number;
  campaign: string[];
  out: string;
  shard: { index: number; count: number };
  json: boolean;
}

function progressBar(done: number, total: number, label: string): string {
  const width = 24;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  return `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${label}`
    .slice(0, 120)
    .padEnd(120);
}

/** The cases of a bundled campaign; undefined for a name that is not one (e.g. "constructor"). */
function campaignCases(name: string): FuzzCase[] | undefined {
  return Object.hasOwn(campaigns, name) ? campaigns[name]?.() : undefined;
}

/**
 * Splits a case's runs between shards: shard i of n gets an nth of the total (the first ones one
 * more when it does not divide), so the shards' runs add up to an unsharded run's; at least 1.
 */
export function shardRuns(total: number, shard: { index: number; count: number }): number {
  const share = Math.floor(total / shard.count) + (shard.index < total % shard.count ? 1 : 0);
  return Math.max(1, share);
}

function fuzz(options: FuzzOptions, io: CliIo): number {
  const selected = [...new Set(options.campaign.length > 0 ? options.campaign : campaignNames())];
  for (const c of selected) {
    if (campaignCases(c) === undefined)
      throw new UsageError(`unknown campaign "${c}"; campaigns: ${campaignNames().join(", ")}`);
  }
  const outProblem = reportDirProblem(options.out);
  if (outProblem !== null) throw new UsageError(outProblem);
  const cases = selected.flatMap((c) => campaignCases(c) ?? []);
  const results: CaseResult[] = [];
  const findings: Finding[] = [];
  const started = Date.now();
  cases.forEach((fuzzCase, i) => {
    const label = `${fuzzCase.campaign} ${fuzzCase.property} (${fuzzCase.variant})`;
    if (io.isTTY) io.err(progressBar(i, cases.length, label));
    const base = options.runs ?? DEFAULT_RUNS;
    const runs = shardRuns(Math.max(1, Math.ceil(base * (fuzzCase.weight ?? 1))), options.shard);
    const seed = caseSeed(options.seed, caseName(fuzzCase), options.shard.index);
    const result = runCase(fuzzCase, { seed, runs });
    results.push(result);
    const finding = findingOf(fuzzCase, result);
    if (finding) findings.push(finding);
    if (!io.isTTY)
      io.err(`[${i + 1}/${cases.length}] ${label}: ${result.verdict} after ${result.runs} runs\n`);
  });
  if (io.isTTY)
    io.err(
      `${progressBar(cases.length, cases.length, `done in ${((Date.now() - started) / 1000).toFixed(1)} s`)}\n`,
    );
  const report: FuzzReport = { seed: options.seed, shard: options.shard, results, findings };
  writeReport(options.out, report);
  if (options.json) io.out(reportJson(report));
  else {
    io.out(`${formatTable(report)}\n\nReport: ${options.out}/report.md (seed ${options.seed})\n`);
  }
  const failing = results.filter((r) => r.verdict === "fails");
  if (failing.length > 0) {
    io.err(
      `${failing.length} propert${failing.length === 1 ? "y" : "ies"} expected to hold failed\n`,
    );
    return 1;
  }
  return 0;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/**
 * Re-runs a replay file. Exit 0: the counterexample reproduces exactly (same verdict, identical
 * trace) and shows a known quirk; 1: it reproduces a violation of a property expected to hold,
 * or it no longer reproduces (the property holds, or the verdict or trace differs); 2: the file
 * is unreadable or malformed, or names a case this version does not have.
 */
function replay(file: string, io: CliIo): number {
  const rec = parseReplay(readText(file), file);
  const fuzzCase = campaignCases(rec.campaign)?.find(
    (c) => c.property === rec.property && c.variant === rec.variant,
  );
  if (!fuzzCase) {
    throw new UsageError(
      `${file}: no case ${rec.campaign}/${rec.property}/${rec.variant} in this version of charmsim`,
    );
  }
  const { run, message } = evaluate(fuzzCase, rec.scenario);
  const same = JSON.stringify(run.sim.trace.toJSON()) === JSON.stringify(rec.trace);
  io.out(
    `${rec.campaign} ${rec.property} (${rec.variant}), seed ${rec.seed}, path ${rec.path || "-"}\n`,
  );
  io.out(
    message === null ? "verdict: property holds\n" : `verdict: property violated: ${message}\n`,
  );
  const sameVerdict = message === rec.verdict;
  io.out(
    sameVerdict ? "recorded verdict: the same\n" : `recorded verdict: DIFFERENT: ${rec.verdict}\n`,
  );
  io.out(`trace: ${same ? "identical to the recorded one" : "DIFFERS from the recorded one"}\n`);
  if (message === null || !same || !sameVerdict) return 1;
  return rec.expect === "hold" ? 1 : 0;
}

function formatRecord(r: TraceRecord): string {
  switch (r.t) {
    case "op":
      return `${r.seq} op ${r.op} ${JSON.stringify(r.args)}`;
    case "leader":
      return `${r.seq} leader ${r.app} = ${r.unit ?? "none"}`;
    case "hook":
      return `${r.seq} ${r.unit} ${r.kind}${r.action ? ` ${r.action}` : ""}${r.rel !== undefined ? ` r${r.rel}` : ""}${r.remote ? ` remote=${r.remote}` : ""}${r.app ? ` app=${r.app}` : ""}${r.departing ? ` departing=${r.departing}` : ""}${r.leader ? " (leader)" : ""}${r.ok ? "" : ` FAILED: ${r.error}`}`;
    case "commit":
      return `${r.seq}   ${r.unit} wrote r${r.rel} ${r.owner}: ${JSON.stringify(r.set)}${r.del.length ? ` deleted ${r.del.join(",")}` : ""}`;
    case "event":
      return `${r.seq}   ${r.unit} ${r.reemitted ? "re-emitted" : "event"} ${r.kind} ${JSON.stringify(r.data)}`;
    case "log":
      return `${r.seq}   ${r.unit} ${r.level} ${r.message}`;
    case "status":
      return `${r.seq}   ${r.unit} ${r.target} status ${r.name}${r.message ? ` "${r.message}"` : ""}`;
    case "exec":
      return `${r.seq} ${r.unit} exec${r.ok ? "" : ` FAILED: ${r.error}`}`;
    case "resolve":
      return `${r.seq} ${r.unit} resolved${r.retry ? " (retry)" : ""}`;
    case "deliver":
      return `${r.seq}   ${r.unit} sees ${r.watcher}${r.rel !== undefined ? ` r${r.rel}` : ""}${r.events !== undefined ? ` (${r.events})` : ""}`;
  }
}

/** The line of a node of a YAML text, by path (as `{ line }`, or `{}` when there is no such node). */
function yamlLines(text: string): (path: readonly (string | number)[]) => { line?: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const rangeOf = (node: unknown) =>
    (node as { range?: [number, number, number] } | null | undefined)?.range;
  return (path) => {
    const range = rangeOf(doc.getIn(path, true)) ?? rangeOf(doc.getIn(path.slice(0, -1), true));
    return range ? { line: lineCounter.linePos(range[0]).line } : {};
  };
}

function runScenarioFile(
  file: string,
  options: { json: boolean; mermaid: boolean; catalog: CharmCatalog },
  io: CliIo,
): number {
  const text = readText(file);
  const scenario = parseYaml(text, scenarioSchema, file);
  const catalog = options.catalog;
  const lineOf = yamlLines(text);
  scenario.steps.forEach((s, i) => {
    if (s.op === "deploy" && !catalog.has(s.charm)) {
      throw new InputError(file, [
        {
          path: `steps[${i}].charm`,
          message: `unknown charm "${s.charm}"; known charms: ${catalog.names().join(", ")}`,
          ...lineOf(["steps", i, "charm"]),
        },
      ]);
    }
  });
  let run: ReturnType<typeof runScenario>;
  try {
    run = runScenario(scenario, { catalog, strict: true });
  } catch (e) {
    if (!(e instanceof ScenarioStepError)) throw e;
    throw new InputError(file, [
      { path: `steps[${e.index}]`, message: e.message, ...lineOf(["steps", e.index]) },
    ]);
  }
  const trace = run.sim.trace;
  if (options.json) io.out(trace.toJsonText());
  else if (options.mermaid) io.out(traceToMermaid(trace));
  else {
    io.out(`${trace.records.map(formatRecord).join("\n")}\n`);
    // What `call` steps returned is not part of the trace: show it after.
    for (const step of run.steps) {
      if (step.value === undefined) continue;
      io.out(
        `step ${step.index + 1} (${describeOperation(step.op)}) on ${step.unit}: ${JSON.stringify(step.value)}\n`,
      );
    }
  }
  const violations = checkInvariants(trace);
  const failed = run.steps.filter((s) => s.status === "failed");
  const errors = run.sim.unitsInError();
  io.err(
    `${scenario.name ?? file}: ${trace.hooks().length} hooks; invariants ${violations.length === 0 ? "hold" : "VIOLATED"}; ${errors.length} unit(s) in error; ${failed.length} failed step(s)\n`,
  );
  if (violations.length > 0) io.err(`${formatViolations(violations)}\n`);
  for (const f of failed) io.err(`step ${f.index + 1}: ${f.detail}\n`);
  return violations.length > 0 || failed.length > 0 || errors.length > 0 ? 1 : 0;
}

const reportFileSchema = z.object({
  format: z.literal("charmsim-report"),
  version: z.literal(1),
  seed: z.number().int(),
  shard: z
    .object({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
    .refine((s) => s.index < s.count, "shard index must be below the shard count"),
  results: z.array(
    z.object({
      campaign: z.string(),
      property: z.string(),
      variant: z.string(),
      expect: z.enum(["hold", "quirk"]),
      quirk: z.string().optional(),
      runs: z.number().int().nonnegative(),
      seed: z.number().int(),
      verdict: z.enum(["holds", "fails", "quirk-found", "quirk-not-found"]),
      counterexample: z
        .object({
          scenario: scenarioSchema,
          path: z.string(),
          message: z.string(),
          size: z.number().int(),
        })
        .optional(),
      replayFile: z.string().optional(),
      diagramFile: z.string().optional(),
    }),
  ),
});
type ReportFile = z.output<typeof reportFileSchema>;
type ReportResult = ReportFile["results"][number];

function readReport(arg: string): { file: string; report: ReportFile } {
  const file = basename(arg) === "report.json" ? arg : join(arg, "report.json");
  let value: unknown;
  try {
    value = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new InputError(file, [{ path: "(json)", message: (e as Error).message }]);
  }
  const parsed = reportFileSchema.safeParse(value);
  if (!parsed.success) throw InputError.fromZod(file, parsed.error);
  return { file, report: parsed.data };
}

const verdictRank: Readonly<Record<CaseResult["verdict"], number>> = {
  fails: 3,
  "quirk-found": 2,
  holds: 1,
  "quirk-not-found": 0,
};

/**
 * Merges the reports of every shard of one fuzz run (same seed, shards 1..n each once): per case,
 * runs add up, the worst verdict wins and the smallest counterexample is kept with its replay
 * file and diagram. Exit codes as for fuzz.
 */
function merge(out: string, args: readonly string[], io: CliIo): number {
  const inputs = args.map(readReport);
  const first = inputs[0];
  if (!first) throw new UsageError("merge needs at least one report.json");
  const { seed, shard } = first.report;
  const seen = new Set<number>();
  for (const { file, report } of inputs) {
    if (report.seed !== seed || report.shard.count !== shard.count) {
      throw new UsageError(
        `${file} is shard ${report.shard.index + 1}/${report.shard.count} of seed ${report.seed}; ${first.file} is of seed ${seed} with ${shard.count} shard(s)`,
      );
    }
    if (seen.has(report.shard.index)) {
      throw new UsageError(`shard ${report.shard.index + 1}/${shard.count} is given twice`);
    }
    seen.add(report.shard.index);
  }
  const missing = Array.from({ length: shard.count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new UsageError(
      `missing shard(s) ${missing.map((i) => `${i + 1}/${shard.count}`).join(", ")} of seed ${seed}`,
    );
  }
  const outProblem = reportDirProblem(out);
  if (outProblem !== null) throw new UsageError(outProblem);

  const groups = new Map<string, { file: string; result: ReportResult }[]>();
  for (const { file, report } of inputs) {
    for (const result of report.results) {
      const key = caseName(result);
      groups.set(key, [...(groups.get(key) ?? []), { file, result }]);
    }
  }
  const results: CaseResult[] = [];
  const findings: Finding[] = [];
  for (const [key, group] of groups) {
    const base = group[0]?.result as ReportResult;
    if (group.some(({ result }) => result.expect !== base.expect)) {
      throw new UsageError(`case ${key} has different expectations in different shards`);
    }
    const verdict = group
      .map(({ result }) => result.verdict)
      .reduce((a, b) => (verdictRank[b] > verdictRank[a] ? b : a));
    const smallest = group
      .filter(({ result }) => result.counterexample !== undefined)
      .reduce<(typeof group)[number] | null>(
        (best, x) =>
          best === null ||
          (x.result.counterexample?.size ?? 0) < (best.result.counterexample?.size ?? 0)
            ? x
            : best,
        null,
      );
    const from = smallest?.result ?? base;
    const result: CaseResult = {
      campaign: base.campaign,
      property: base.property,
      variant: base.variant,
      expect: base.expect,
      ...(base.quirk !== undefined ? { quirk: base.quirk } : {}),
      runs: group.reduce((sum, { result }) => sum + result.runs, 0),
      seed: from.seed,
      verdict,
      ...(from.counterexample ? { counterexample: from.counterexample } : {}),
    };
    results.push(result);
    if (smallest && from.replayFile && from.diagramFile) {
      const dir = dirname(smallest.file);
      const replayPath = join(dir, from.replayFile);
      findings.push({
        result,
        replayFile: from.replayFile,
        diagramFile: from.diagramFile,
        replay: parseReplay(readText(replayPath), replayPath),
        mermaid: readText(join(dir, from.diagramFile)),
      });
    }
  }
  const report: FuzzReport = { seed, shard: { index: 0, count: 1 }, results, findings };
  writeReport(out, report);
  io.out(
    `${formatTable(report)}\n\nMerged ${inputs.length} shard report(s) of seed ${seed}: ${out}/report.md\n`,
  );
  return results.some((r) => r.verdict === "fails") ? 1 : 0;
}

/** Runs the command line; resolves to the exit code (0 ok, 1 property/scenario failure, 2 bad input). */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let code = 0;
  const program = new Command()
    .name("charmsim")
    .description("Simulate Juju charms and fuzz their relation protocols")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: () => {} });
  program
    .command("fuzz")
    .description("run the fuzzing campaigns and write a report")
    .option("--seed <n>", "seed for every random choice", parseSeed, 1)
    .option(
      "--runs <n>",
      `runs per case (default ${DEFAULT_RUNS}; some cases weigh more)`,
      parseRuns,
    )
    .option(
      "--campaign <name>",
      `campaign to run (repeatable): ${campaignNames().join(", ")}`,
      (v: string, acc: string[]) => [...acc, ...v.split(",")],
      [],
    )
    .option("--out <dir>", "report directory", "charmsim-report")
    .option("--shard <i/n>", "run shard i of n (seeds split across shards)", parseShard, {
      index: 0,
      count: 1,
    })
    .option("--json", "print the report as JSON", false)
    .option("--config <file>", "fuzz your own charms: a charmsim.config.ts (.js, .mjs) module")
    .action(async ({ config, ...opts }: FuzzOptions) => {
      code = config
        ? await (await import("./cli-config.js")).fuzzWithConfig({ ...opts, config }, io)
        : fuzz(opts, io);
    });
  program
    .command("replay")
    .description("re-run a recorded counterexample and print its verdict")
    .argument("<file>", "replay file written by fuzz")
    .action(async (file: string) => {
      code =
        (await (await import("./cli-config.js")).replayWithConfig(file, io)) ?? replay(file, io);
    });
  program
    .command("run")
    .description("run a scenario file and print its trace")
    .argument("<scenario>", "scenario YAML file")
    .option("--json", "print the trace as JSON", false)
    .option("--mermaid", "print the trace as a Mermaid sequence diagram", false)
    .option("--config <file>", "deploy the charms of a fuzz config (by application name)")
    .action(async (file: string, opts: { json: boolean; mermaid: boolean; config?: string }) => {
      const catalog = opts.config
        ? await (await import("./cli-config.js")).configCatalog(opts.config)
        : bundledCatalog();
      code = runScenarioFile(file, { ...opts, catalog }, io);
    });
  program
    .command("merge")
    .description("merge the report.json of every shard of a fuzz run into one report")
    .argument("<out>", "report directory to write")
    .argument("<reports...>", "report.json files (or their directories), one per shard")
    .action((out: string, reports: string[]) => {
      code = merge(out, reports, io);
    });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      if (e.code === "commander.help") {
        // No command given: the usage goes to stderr, as a usage error.
        io.err(program.helpInformation());
        return 2;
      }
      io.err(`charmsim: ${e.message.replace(/^error: /, "")}\n`);
      return 2;
    }
    if (e instanceof UsageError || e instanceof InputError || e instanceof ScenarioStepError) {
      io.err(`charmsim: ${e.message.split("\n")[0]}\n`);
      return 2;
    }
    throw e;
  }
}
