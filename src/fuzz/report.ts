import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type MermaidStep, traceToMermaid } from "../harness/mermaid.js";
import { escapeTerminal } from "../model/terminal.js";
import { fixtureCertificates } from "../pki/fixtures.js";
import { type CaseResult, type CaseVerdict, evaluate, type FuzzCase } from "./campaign.js";
import type { ScenarioRun } from "./execute.js";
import { describeOperation, type Scenario } from "./operations.js";
import { makeReplay, type ReplayFile, replayToJsonText } from "./replay.js";

export interface Finding {
  readonly result: CaseResult;
  readonly replayFile: string;
  readonly diagramFile: string;
  readonly replay: ReplayFile;
  readonly mermaid: string;
}

/** How a report came about: what ran, with which options, how long it took. */
export interface ReportMeta {
  /** The charmsim version that wrote the report. */
  readonly version: string;
  /** The command line, as typed (e.g. `charmsim fuzz --campaign lxd --runs 40`). */
  readonly command: string;
  /** The options that decide the results; shards of one run have equal options. */
  readonly options: {
    readonly seed: number;
    /** Runs per case before weights and sharding. */
    readonly runs: number;
    /** The campaigns run, in order. */
    readonly campaigns: readonly string[];
  };
  /** Wall-clock time of the run (of all shards, added up, for a merged report). */
  readonly durationMs: number;
  /** For a merged report: how many shard reports went into it. */
  readonly merged?: number;
}

export interface FuzzReport {
  readonly seed: number;
  /** The shard, numbered from 1 as on the command line (`--shard 2/4` is index 2, count 4). */
  readonly shard: { readonly index: number; readonly count: number };
  readonly meta: ReportMeta;
  readonly results: readonly CaseResult[];
  readonly findings: readonly Finding[];
  /** For "quirk not found in budget" results: the command that hunts the quirk, by case name. */
  readonly hunts?: Readonly<Record<string, string>>;
}

export const caseKey = (c: Pick<CaseResult, "campaign" | "property" | "variant">) =>
  `${c.campaign}/${c.property}/${c.variant}`;

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

/** Certificate PEMs of the fixture pool by name, so diagrams say `client-05`, not a PEM. */
let fixtureNames: ReadonlyMap<string, string> | undefined;
function pemNames(): ReadonlyMap<string, string> {
  fixtureNames ??= new Map(fixtureCertificates().map((c) => [c.certPem, c.name]));
  return fixtureNames;
}

/** A step's outcome in short, for diagrams: what a call returned, or why a step did not run. */
function stepOutcome(step: ScenarioRun["steps"][number]): string | undefined {
  if (step.status !== "ok") return `${step.status}: ${step.detail ?? ""}`;
  if (step.value === undefined) return undefined;
  return JSON.stringify(step.value, (_k, v: unknown) =>
    typeof v === "string" ? (pemNames().get(v) ?? v) : v,
  );
}

/**
 * The Mermaid diagram of a run: its steps as notes, its library calls with their arguments and
 * results, event payloads and ERROR log lines, participants named by unit and charm.
 */
export function runDiagram(run: ScenarioRun, scenario: Scenario): string {
  const charms = new Map<string, string>();
  for (const s of scenario.steps) if (s.op === "deploy") charms.set(s.app, s.charm);
  const steps: MermaidStep[] = run.steps.flatMap((step) =>
    step.records
      ? [
          {
            number: step.index + 1,
            label: describeOperation(step.op),
            from: step.records.from,
            to: step.records.to,
            ...(stepOutcome(step) !== undefined ? { outcome: stepOutcome(step) } : {}),
          },
        ]
      : [],
  );
  return traceToMermaid(run.sim.trace, { steps, charms, names: pemNames() });
}

/** Builds the replay file and diagram of a case's shrunk counterexample (re-running it once). */
export function findingOf(fuzzCase: FuzzCase, result: CaseResult): Finding | null {
  const cx = result.counterexample;
  if (!cx) return null;
  const { run } = evaluate(fuzzCase, cx.scenario);
  const name = `${slug(result.campaign)}--${slug(result.property)}--${slug(result.variant)}`;
  const replay = makeReplay({
    campaign: result.campaign,
    property: result.property,
    variant: result.variant,
    expect: result.expect,
    ...(result.quirk ? { quirk: result.quirk } : {}),
    seed: result.seed,
    path: cx.path,
    verdict: cx.message,
    scenario: cx.scenario,
    trace: run.sim.trace.toJSON(),
  });
  return {
    result,
    replayFile: join("replays", `${name}.json`),
    diagramFile: join("diagrams", `${name}.mmd`),
    replay,
    mermaid: runDiagram(run, cx.scenario),
  };
}

export function verdictLabel(r: CaseResult): string {
  switch (r.verdict) {
    case "holds":
      return "holds";
    case "fails":
      return "FAILS";
    case "quirk-found":
      return `quirk found${r.quirk ? ` (${r.quirk})` : ""}`;
    case "quirk-not-found":
      return "quirk not found in budget";
  }
}

export interface ReportTotals {
  readonly cases: number;
  readonly runs: number;
  readonly holds: number;
  readonly fails: number;
  readonly quirkFound: number;
  readonly quirkNotFound: number;
}

export function reportTotals(results: readonly CaseResult[]): ReportTotals {
  const count = (v: CaseVerdict) => results.filter((r) => r.verdict === v).length;
  return {
    cases: results.length,
    runs: results.reduce((sum, r) => sum + r.runs, 0),
    holds: count("holds"),
    fails: count("fails"),
    quirkFound: count("quirk-found"),
    quirkNotFound: count("quirk-not-found"),
  };
}

/** "12 hold, 0 fail, 15 quirks found, 1 quirk not found in budget". */
export function formatTotals(t: ReportTotals): string {
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  return [
    n(t.holds, "holds", "hold"),
    n(t.fails, "FAILS", "FAIL"),
    n(t.quirkFound, "quirk found", "quirks found"),
    n(t.quirkNotFound, "quirk not found in budget", "quirks not found in budget"),
  ].join(", ");
}

export const formatDuration = (ms: number) =>
  ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

/** The findings table, as aligned plain text (names escaped for the terminal). */
export function formatTable(report: FuzzReport): string {
  const rows = [["campaign", "property", "variant", "runs", "result", "min size", "replay file"]];
  for (const r of report.results) {
    const f = report.findings.find((x) => x.result === r);
    rows.push(
      [
        r.campaign,
        r.property,
        r.variant,
        String(r.runs),
        verdictLabel(r),
        r.counterexample ? String(r.counterexample.size) : "-",
        f ? f.replayFile : "-",
      ].map(escapeTerminal),
    );
  }
  const widths =
    rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The package root: src/fuzz/ or dist/fuzz/ are two levels below it. */
const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * A Markdown reference to a source file from a report in `reportDir`: a link (to the first line
 * mentioning a QUIRK, when `quirks`) when the file is on disk, its path in code otherwise.
 */
function sourceLink(path: string, reportDir: string, quirks: boolean): string {
  const file = join(PACKAGE_ROOT, path);
  if (!existsSync(file)) return `\`${path}\``;
  let anchor = "";
  if (quirks) {
    const line = readFileSync(file, "utf8")
      .split("\n")
      .findIndex((l) => l.includes("QUIRK"));
    if (line >= 0) anchor = `#L${line + 1}`;
  }
  const target = relative(resolve(reportDir), file).split(sep).join("/");
  return `[\`${path}\`${anchor ? ` line ${anchor.slice(2)}` : ""}](${target}${anchor})`;
}

/** A table cell: escaped for the terminal, with Markdown's cell separator escaped too. */
const cell = (s: string) => escapeTerminal(s).replace(/\|/g, "\\|");
/** Inline code that cannot be broken out of. */
const code = (s: string) => `\`${escapeTerminal(s).replace(/`/g, "'")}\``;

function markdown(report: FuzzReport, reportDir: string): string {
  const { meta } = report;
  const totals = reportTotals(report.results);
  const shardText = meta.merged
    ? `merged from ${meta.merged} shard(s)`
    : `shard ${report.shard.index}/${report.shard.count}`;
  const lines = [
    "# charmsim fuzz report",
    "",
    `**${formatTotals(totals)}** (${totals.cases} cases, ${totals.runs} runs).`,
    "",
    "| | |",
    "|---|---|",
    `| command | ${code(meta.command)} |`,
    `| charmsim | ${cell(meta.version)} |`,
    `| seed | ${report.seed} (${shardText}) |`,
    `| runs per case | ${meta.options.runs} (before weights and sharding) |`,
    `| campaigns | ${cell(meta.options.campaigns.join(", "))} |`,
    `| duration | ${formatDuration(meta.durationMs)}${meta.merged ? " (all shards)" : ""} |`,
    "",
  ];
  const notFound = report.results.filter((r) => r.verdict === "quirk-not-found");
  if (notFound.length > 0) {
    lines.push(
      `> **${notFound.length === 1 ? "1 quirk was" : `${notFound.length} quirks were`} not found within the budget.** Upstream is known to break ${notFound.length === 1 ? "this property" : "these properties"}, but no run this time showed it: this is not a pass. Hunt ${notFound.length === 1 ? "it" : "them"} with:`,
      ">",
    );
    for (const r of notFound) {
      const hunt = report.hunts?.[caseKey(r)];
      lines.push(
        `> - ${cell(`${r.campaign} ${r.property} (${r.variant})`)}${r.quirk ? `, ${cell(r.quirk)}` : ""}${hunt ? `: ${code(hunt)}` : ""}`,
      );
    }
    lines.push("");
  }
  lines.push(
    "Replay any finding with `npx charmsim replay <file>`.",
    "",
    "| campaign | property | variant | runs | result | min size | replay | diagram |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const r of report.results) {
    const f = report.findings.find((x) => x.result === r);
    const result = r.verdict === "quirk-not-found" ? `**${verdictLabel(r)}**` : verdictLabel(r);
    lines.push(
      `| ${cell(r.campaign)} | ${cell(r.property)} | ${cell(r.variant)} | ${r.runs} | ${cell(result)} | ${r.counterexample?.size ?? "-"} | ${f ? `[${f.replayFile}](${f.replayFile})` : "-"} | ${f ? `[diagram](${f.diagramFile})` : "-"} |`,
    );
  }
  for (const f of report.findings) {
    const cx = f.result.counterexample;
    if (!cx) continue;
    const sources = f.result.sources;
    lines.push(
      "",
      `## ${cell(`${f.result.property} — ${f.result.variant}`)}`,
      "",
      `${cell(verdictLabel(f.result))}: ${cell(cx.message.split("\n")[0] ?? "")}`,
      "",
    );
    if (sources) {
      if (sources.quirks && sources.quirks.length > 0 && f.result.expect === "quirk") {
        lines.push(
          `- QUIRK described in: ${sources.quirks.map((p) => sourceLink(p, reportDir, true)).join(", ")}`,
        );
      }
      lines.push(
        `- variant's source: ${sources.variant.map((p) => sourceLink(p, reportDir, false)).join(", ")}`,
      );
    }
    lines.push(
      `- replay: \`npx charmsim replay ${f.replayFile}\` (from this directory); diagram: [${f.diagramFile}](${f.diagramFile})`,
      "",
      "Minimal steps:",
      "",
      ...cx.scenario.steps.map((s, i) => `${i + 1}. ${cell(describeOperation(s))}`),
      "",
      "```mermaid",
      f.mermaid.trimEnd(),
      "```",
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The report format this version writes (and `merge` reads). */
export const REPORT_VERSION = 2;

export function reportJson(report: FuzzReport): string {
  return `${JSON.stringify(
    {
      format: "charmsim-report",
      version: REPORT_VERSION,
      charmsim: report.meta.version,
      command: report.meta.command,
      options: report.meta.options,
      seed: report.seed,
      shard: report.shard,
      ...(report.meta.merged ? { merged: report.meta.merged } : {}),
      durationMs: report.meta.durationMs,
      totals: reportTotals(report.results),
      results: report.results.map((r) => {
        const f = report.findings.find((x) => x.result === r);
        const hunt = report.hunts?.[caseKey(r)];
        return {
          ...r,
          ...(f ? { replayFile: f.replayFile, diagramFile: f.diagramFile } : {}),
          ...(hunt ? { hunt } : {}),
        };
      }),
    },
    null,
    2,
  )}\n`;
}

const REPORT_ENTRIES = new Set(["report.md", "report.json", "replays", "diagrams"]);

/** The closest directory that exists at or above `path` (its parent chain). */
function nearestExisting(path: string): string {
  let dir = resolve(path);
  while (!existsSync(dir)) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

/**
 * Whether the process may create entries in `dir`. Write permission bits are checked too, so a
 * directory a person made read-only is respected even by root (whom access() lets write).
 */
function writable(dir: string): string | null {
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return `${dir} is not a directory`;
    if ((st.mode & 0o222) === 0) return `${dir} is read-only`;
    accessSync(dir, constants.W_OK | constants.X_OK);
    return null;
  } catch (e) {
    return `${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
}

/**
 * Why `dir` cannot take a report, or null when it can: it must not exist yet, be empty, or hold
 * an earlier report (only report.md, report.json, replays/, diagrams/), since writeReport
 * replaces it whole; and the directories it is written through must be writable (checked before
 * a campaign starts, not after it ran). The working directory and its parents are never replaced.
 */
export function reportDirProblem(dir: string): string | null {
  // The path from `dir` to the working directory goes down only when `dir` contains it.
  const toCwd = relative(resolve(dir), process.cwd());
  if (!isAbsolute(toCwd) && toCwd.split(sep)[0] !== "..") {
    return `report directory ${dir} is the working directory or one of its parents; choose a new directory`;
  }
  let entries: string[] | null = null;
  try {
    if (!statSync(dir).isDirectory())
      return `report directory ${dir} is a file; choose a directory`;
    entries = readdirSync(dir);
  } catch (e) {
    // A missing directory (or one under a file) is created: its parent chain is checked below.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR")
      return `cannot use report directory ${dir}: ${code ?? (e as Error).message}`;
  }
  if (entries !== null && entries.length > 0) {
    const foreign = entries.filter((e) => !REPORT_ENTRIES.has(e));
    if (!entries.includes("report.json") || foreign.length > 0) {
      return `report directory ${dir} exists and does not hold a charmsim report (${
        foreign.length > 0 ? `it has ${foreign.slice(0, 3).join(", ")}` : "no report.json"
      }); choose a new or empty directory`;
    }
  }
  // The report is written next to `dir`, then renamed over it: the parent must take entries,
  // and an existing directory must itself be writable (a read-only one is left alone).
  if (entries !== null) {
    const own = writable(dir);
    if (own !== null) return `cannot write the report into ${dir}: ${own}`;
  }
  const parent = nearestExisting(dirname(resolve(dir)));
  const up = writable(parent);
  if (up !== null) return `cannot create report directory ${dir}: ${up}`;
  return null;
}

/**
 * Writes report.md, report.json, replays/ and diagrams/ into `dir`, replacing an earlier report
 * (see reportDirProblem: anything else there is refused, never deleted). Everything is written to
 * a sibling temporary directory first, so a failure leaves no partial report.
 */
export function writeReport(dir: string, report: FuzzReport): void {
  const problem = reportDirProblem(dir);
  if (problem !== null) throw new Error(problem);
  const tmp = join(dirname(dir), `.${slug(dir) || "report"}.partial-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(join(tmp, "replays"), { recursive: true });
    mkdirSync(join(tmp, "diagrams"), { recursive: true });
    for (const f of report.findings) {
      writeFileSync(join(tmp, f.replayFile), replayToJsonText(f.replay));
      writeFileSync(join(tmp, f.diagramFile), f.mermaid);
    }
    writeFileSync(join(tmp, "report.md"), markdown(report, dir));
    writeFileSync(join(tmp, "report.json"), reportJson(report));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
