/** `charmsim fuzz` and `charmsim merge`: run the campaigns, write and merge reports. */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { type CaseResult, type FuzzCase, runCase } from "../fuzz/campaign.js";
import { CAMPAIGN_NAMES, isCampaignName, loadCampaign } from "../fuzz/campaigns/bundled.js";
import { scenarioSchema } from "../fuzz/operations.js";
import { parseReplay } from "../fuzz/replay.js";
import {
  caseKey,
  type Finding,
  type FuzzReport,
  findingOf,
  formatTable,
  REPORT_VERSION,
  type ReportMeta,
  reportDirProblem,
  reportJson,
  reportTotals,
  writeReport,
} from "../fuzz/report.js";
import { errorText, InputError } from "../model/errors.js";
import {
  type CliIo,
  caseSeed,
  DEFAULT_RUNS,
  readText,
  type Shard,
  shardRuns,
  UsageError,
} from "./common.js";
import { type CaseSource, type CaseTask, defaultWorkers, WorkerPool } from "./fuzz-pool.js";
import { fuzzProgress } from "./progress.js";

export interface FuzzOptions {
  /** A user's fuzz config module: its properties are the cases (no --campaign then). */
  readonly config?: string;
  readonly seed: number;
  readonly runs?: number;
  readonly campaign: readonly string[];
  readonly out: string;
  readonly shard: Shard;
  readonly json: boolean;
  /** Worker threads to run the cases on (1: in this thread); one per core when not given. */
  readonly workers?: number;
}

/** What a report needs to know of the command that made it. */
export interface CommandInfo {
  readonly version: string;
  readonly command: string;
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

/**
 * The command that hunts each quirk not found in the budget: the ct-quirks campaign when it has
 * a hunt narrowed to that quirk (and property), else the same campaign with ten times the runs.
 */
async function huntCommands(
  results: readonly CaseResult[],
  meta: ReportMeta,
): Promise<Record<string, string>> {
  const missing = results.filter((r) => r.verdict === "quirk-not-found");
  if (missing.length === 0) return {};
  const hunts = (await loadCampaign("ct-quirks"))
    .filter((c) => c.expect === "quirk")
    .map((c) => ({ property: c.property, name: /\[([^\]]+)\]$/.exec(c.variant)?.[1] ?? "" }));
  const out: Record<string, string> = {};
  for (const r of missing) {
    const parts = (r.quirk ?? "").split(" / ").map(slug);
    const hunted =
      r.campaign !== "ct-quirks" &&
      hunts.some((h) => h.property === r.property && parts.some((p) => p.startsWith(h.name)));
    out[caseKey(r)] = hunted
      ? `charmsim fuzz --campaign ct-quirks --seed ${meta.options.seed}`
      : `charmsim fuzz --campaign ${r.campaign} --runs ${meta.options.runs * 10} --seed ${meta.options.seed}`;
  }
  return out;
}

export async function fuzz(options: FuzzOptions, info: CommandInfo, io: CliIo): Promise<number> {
  if (options.config !== undefined && options.campaign.length > 0) {
    throw new InputError("command line", [
      {
        path: "--campaign",
        message: "--config runs the config's properties; leave out --campaign",
      },
    ]);
  }
  const names: string[] = [];
  if (options.config === undefined) {
    const selected = [...new Set(options.campaign.length > 0 ? options.campaign : CAMPAIGN_NAMES)];
    for (const c of selected) {
      if (!isCampaignName(c))
        throw new UsageError(`unknown campaign "${c}"; campaigns: ${CAMPAIGN_NAMES.join(", ")}`);
      names.push(c);
    }
  }
  // Before anything runs: a report that cannot be written is found now, not after the campaign.
  const outProblem = reportDirProblem(options.out);
  if (outProblem !== null) throw new UsageError(outProblem);
  const workers = options.workers ?? defaultWorkers();
  // Started now, so that the threads start while this one plans the run.
  const pool = workers > 1 ? new WorkerPool(workers) : null;
  try {
    return await planAndRun(options, info, io, names, pool);
  } finally {
    pool?.close();
  }
}

/** Loads the cases, runs them (on `pool`'s threads when there is one), writes the report. */
async function planAndRun(
  options: FuzzOptions,
  info: CommandInfo,
  io: CliIo,
  names: string[],
  pool: WorkerPool | null,
): Promise<number> {
  const cases: FuzzCase[] = [];
  let recordConfig: (finding: Finding) => Finding = (f) => f;
  if (options.config !== undefined) {
    const { configCases } = await import("../cli-config.js");
    const loaded = await configCases(options.config);
    cases.push(...loaded.cases);
    names.push(...new Set(loaded.cases.map((c) => c.campaign)));
    recordConfig = loaded.recordConfig;
  }
  // Where each bundled case comes from, so that a worker thread can load the same case.
  const origins: CaseSource[] = cases.map((_, caseIndex) => ({
    kind: "config",
    file: options.config ?? "",
    caseIndex,
  }));
  for (const name of names) {
    if (!isCampaignName(name)) continue;
    const loaded = await loadCampaign(name);
    loaded.forEach((fuzzCase, caseIndex) => {
      cases.push(fuzzCase);
      origins.push({ kind: "campaign", campaign: name, caseIndex });
    });
  }
  const baseRuns = options.runs ?? DEFAULT_RUNS;
  const plan = cases.map((fuzzCase, i) => ({
    fuzzCase,
    origin: origins[i] ?? null,
    label: `${fuzzCase.campaign} ${fuzzCase.property} (${fuzzCase.variant})`,
    runs: shardRuns(Math.max(1, Math.ceil(baseRuns * (fuzzCase.weight ?? 1))), {
      index: options.shard.index - 1,
      count: options.shard.count,
    }),
    // Seeds were numbered from shard 0 when they were first recorded: kept so.
    seed: caseSeed(options.seed, caseKey(fuzzCase), options.shard.index - 1),
  }));
  const progress = await fuzzProgress(
    io,
    plan.map((p) => p.runs),
  );
  // Results and findings are kept in plan order, whichever thread ran a case and whenever.
  const resultAt: (CaseResult | undefined)[] = plan.map(() => undefined);
  const findingAt: (Finding | null)[] = plan.map(() => null);
  const started = Date.now();
  // With a pool, the cases a thread can load (a campaign's or a config's) go to it; the others
  // run here, before the pool starts.
  const pooled: CaseTask[] = [];
  for (const [i, { fuzzCase, label, runs, seed, origin }] of plan.entries()) {
    if (origin !== null && pool !== null) {
      // The expected cost (runs times cost per run): the pool starts the costliest first, so
      // that no long case is left to run alone at the end; the report keeps plan order whatever
      // order the cases ran in.
      pooled.push({ index: i, source: origin, seed, runs, cost: runs * (fuzzCase.cost ?? 1) });
      continue;
    }
    progress.caseStarted(i, label);
    const result = runCase(fuzzCase, { seed, runs, onRun: () => progress.ran() });
    resultAt[i] = result;
    const finding = findingOf(fuzzCase, result);
    findingAt[i] = finding ? recordConfig(finding) : null;
    progress.caseDone(i, label, result);
  }
  await pool?.run(pooled, {
    started: (i) => progress.caseStarted(i, plan[i]?.label ?? ""),
    ran: (count) => progress.ran(count),
    done: (i, result, finding) => {
      resultAt[i] = result;
      findingAt[i] = finding;
      progress.caseDone(i, plan[i]?.label ?? "", result);
    },
  });
  const results = resultAt.filter((r): r is CaseResult => r !== undefined);
  const findings = findingAt.filter((f): f is Finding => f !== null);
  const meta: ReportMeta = {
    ...info,
    options: { seed: options.seed, runs: baseRuns, campaigns: names },
    durationMs: Date.now() - started,
  };
  const report: FuzzReport = {
    seed: options.seed,
    shard: options.shard,
    meta,
    results,
    findings,
    hunts: await huntCommands(results, meta),
  };
  progress.finish(reportTotals(results));
  write(options.out, report);
  if (options.json) io.out(reportJson(report));
  else {
    io.out(`${formatTable(report)}\n\nReport: ${options.out}/report.md (seed ${options.seed})\n`);
  }
  return exitFor(results, io);
}

function write(out: string, report: FuzzReport): void {
  try {
    writeReport(out, report);
  } catch (e) {
    throw new UsageError(`cannot write the report to ${out}: ${errorText(e)}`);
  }
}

function exitFor(results: readonly CaseResult[], io: CliIo): number {
  const failing = results.filter((r) => r.verdict === "fails");
  if (failing.length === 0) return 0;
  io.err(
    `${failing.length} propert${failing.length === 1 ? "y" : "ies"} expected to hold failed\n`,
  );
  return 1;
}

// ---- merge -------------------------------------------------------------------------------------

const sourcesSchema = z.object({
  variant: z.array(z.string()),
  quirks: z.array(z.string()).optional(),
});

const reportFileSchema = z.object({
  format: z.literal("charmsim-report"),
  version: z.literal(REPORT_VERSION),
  charmsim: z.string(),
  command: z.string(),
  options: z.object({
    seed: z.number().int(),
    runs: z.number().int().positive(),
    campaigns: z.array(z.string()),
  }),
  seed: z.number().int(),
  shard: z
    .object({ index: z.number().int().positive(), count: z.number().int().positive() })
    .refine((s) => s.index <= s.count, "the shard number is at most the shard count"),
  merged: z.number().int().optional(),
  durationMs: z.number().nonnegative(),
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
      sources: sourcesSchema.optional(),
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

/** A shard argument: a report.json file, or a directory holding one (as `--help` says). */
function reportFileOf(arg: string): string {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(arg);
  } catch (e) {
    throw new UsageError(`cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  if (st.isDirectory()) {
    const file = join(arg, "report.json");
    if (!existsSync(file)) {
      throw new UsageError(
        `${arg} is a directory without a report.json; give a fuzz report directory`,
      );
    }
    return file;
  }
  if (basename(arg) !== "report.json") {
    throw new UsageError(
      `${arg} is neither a report.json file nor a directory holding one; give each shard's report.json or its directory`,
    );
  }
  return arg;
}

function readReport(arg: string): { file: string; report: ReportFile } {
  const file = reportFileOf(arg);
  let value: unknown;
  try {
    value = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new InputError(file, [{ path: "(json)", message: (e as Error).message }]);
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version < REPORT_VERSION) {
    throw new InputError(file, [
      {
        path: "version",
        message: `report format version ${version} was written by an older charmsim and cannot be merged; run the shards again`,
      },
    ]);
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

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Checks that the reports are the shards of one fuzz run: the same charmsim, seed, runs and
 * campaigns, the same cases, shards 1..n each once. Refuses with one line otherwise.
 */
function checkShards(inputs: readonly { file: string; report: ReportFile }[]): void {
  const first = inputs[0];
  if (!first) throw new UsageError("merge needs at least one report.json");
  const { seed, shard, options, charmsim } = first.report;
  const cases = first.report.results.map(caseKey);
  const seen = new Set<number>();
  for (const { file, report } of inputs) {
    const differ = (what: string, a: string, b: string) =>
      new UsageError(
        `${file} is not a shard of the same run as ${first.file}: ${what} ${a}, not ${b}`,
      );
    if (report.merged) throw new UsageError(`${file} is a merged report, not a shard`);
    if (report.charmsim !== charmsim)
      throw differ("it was written by charmsim", report.charmsim, charmsim);
    if (report.seed !== seed) throw differ("its seed is", String(report.seed), String(seed));
    if (report.shard.count !== shard.count) {
      throw differ(
        "it is",
        `shard ${report.shard.index}/${report.shard.count}`,
        `one of ${shard.count} shard(s)`,
      );
    }
    if (!sameList(report.options.campaigns, options.campaigns)) {
      throw differ(
        "its campaigns are",
        report.options.campaigns.join(", "),
        options.campaigns.join(", "),
      );
    }
    if (report.options.runs !== options.runs)
      throw differ("its --runs is", String(report.options.runs), String(options.runs));
    if (!sameList(report.results.map(caseKey), cases))
      throw differ("its cases are", "different", "those of the first shard");
    if (seen.has(report.shard.index)) {
      throw new UsageError(`shard ${report.shard.index}/${shard.count} is given twice`);
    }
    seen.add(report.shard.index);
  }
  const missing = Array.from({ length: shard.count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new UsageError(
      `missing shard(s) ${missing.map((i) => `${i}/${shard.count}`).join(", ")} of seed ${seed}`,
    );
  }
}

/**
 * Merges the reports of every shard of one fuzz run (same seed, options and cases; shards 1..n
 * each once): per case, runs add up, the worst verdict wins and the smallest counterexample is
 * kept with its replay file and diagram. The output directory may not be one of the inputs.
 * Exit codes as for fuzz.
 */
export async function merge(
  out: string,
  args: readonly string[],
  info: CommandInfo,
  io: CliIo,
): Promise<number> {
  const inputs = args.map(readReport);
  checkShards(inputs);
  const outDir = resolve(out);
  for (const { file } of inputs) {
    const dir = resolve(dirname(file));
    if (dir === outDir || dir.startsWith(`${outDir}/`)) {
      throw new UsageError(
        `the output directory ${out} holds the input ${file}; merge into a new directory`,
      );
    }
  }
  const outProblem = reportDirProblem(out);
  if (outProblem !== null) throw new UsageError(outProblem);
  const first = inputs[0]?.report as ReportFile;

  const groups = new Map<string, { file: string; result: ReportResult }[]>();
  for (const { file, report } of inputs) {
    for (const result of report.results) {
      const key = caseKey(result);
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
      ...(base.sources ? { sources: base.sources } : {}),
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
  const meta: ReportMeta = {
    ...info,
    options: first.options,
    durationMs: inputs.reduce((sum, { report }) => sum + report.durationMs, 0),
    merged: inputs.length,
  };
  const report: FuzzReport = {
    seed: first.seed,
    shard: { index: 1, count: 1 },
    meta,
    results,
    findings,
    hunts: await huntCommands(results, meta),
  };
  write(out, report);
  io.out(
    `${formatTable(report)}\n\nMerged ${inputs.length} shard report(s) of seed ${first.seed}: ${out}/report.md\n`,
  );
  return exitFor(results, io);
}
