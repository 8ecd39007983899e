import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { traceToMermaid } from "../harness/mermaid.js";
import { type CaseResult, evaluate, type FuzzCase } from "./campaign.js";
import { describeOperation } from "./operations.js";
import { REPLAY_VERSION, type ReplayFile, replayToJsonText } from "./replay.js";

export interface Finding {
  readonly result: CaseResult;
  readonly replayFile: string;
  readonly diagramFile: string;
  readonly replay: ReplayFile;
  readonly mermaid: string;
}

export interface FuzzReport {
  readonly seed: number;
  readonly shard: { readonly index: number; readonly count: number };
  readonly results: readonly CaseResult[];
  readonly findings: readonly Finding[];
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

/** Builds the replay file and diagram of a case's shrunk counterexample (re-running it once). */
export function findingOf(fuzzCase: FuzzCase, result: CaseResult): Finding | null {
  const cx = result.counterexample;
  if (!cx) return null;
  const { run } = evaluate(fuzzCase, cx.scenario);
  const name = `${slug(result.campaign)}--${slug(result.property)}--${slug(result.variant)}`;
  const replay: ReplayFile = {
    format: "charmsim-replay",
    version: REPLAY_VERSION,
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
  };
  return {
    result,
    replayFile: join("replays", `${name}.json`),
    diagramFile: join("diagrams", `${name}.mmd`),
    replay,
    mermaid: traceToMermaid(run.sim.trace),
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

/** The findings table, as aligned plain text. */
export function formatTable(report: FuzzReport): string {
  const rows = [["campaign", "property", "variant", "runs", "result", "min size", "replay file"]];
  for (const r of report.results) {
    const f = report.findings.find((x) => x.result === r);
    rows.push([
      r.campaign,
      r.property,
      r.variant,
      String(r.runs),
      verdictLabel(r),
      r.counterexample ? String(r.counterexample.size) : "-",
      f ? f.replayFile : "-",
    ]);
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

function markdown(report: FuzzReport): string {
  const lines = [
    "# charmsim fuzz report",
    "",
    `Seed ${report.seed}, shard ${report.shard.index + 1}/${report.shard.count}. Replay any finding with \`npx charmsim replay <file>\`.`,
    "",
    "| campaign | property | variant | runs | result | min size | replay | diagram |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of report.results) {
    const f = report.findings.find((x) => x.result === r);
    lines.push(
      `| ${r.campaign} | ${r.property} | ${r.variant} | ${r.runs} | ${verdictLabel(r)} | ${r.counterexample?.size ?? "-"} | ${f ? `[${f.replayFile}](${f.replayFile})` : "-"} | ${f ? `[diagram](${f.diagramFile})` : "-"} |`,
    );
  }
  for (const f of report.findings) {
    const cx = f.result.counterexample;
    if (!cx) continue;
    lines.push(
      "",
      `## ${f.result.property} — ${f.result.variant}`,
      "",
      `${verdictLabel(f.result)}: ${cx.message.split("\n")[0]}`,
      "",
      "Minimal steps:",
      "",
      ...cx.scenario.steps.map((s, i) => `${i + 1}. ${describeOperation(s)}`),
      "",
      "```mermaid",
      f.mermaid.trimEnd(),
      "```",
    );
  }
  return `${lines.join("\n")}\n`;
}

export function reportJson(report: FuzzReport): string {
  return `${JSON.stringify(
    {
      format: "charmsim-report",
      version: 1,
      seed: report.seed,
      shard: report.shard,
      results: report.results.map((r) => {
        const f = report.findings.find((x) => x.result === r);
        return { ...r, ...(f ? { replayFile: f.replayFile, diagramFile: f.diagramFile } : {}) };
      }),
    },
    null,
    2,
  )}\n`;
}

const REPORT_ENTRIES = new Set(["report.md", "report.json", "replays", "diagrams"]);

/**
 * Why `dir` cannot take a report, or null when it can: it must not exist yet, be empty, or hold
 * an earlier report (only report.md, report.json, replays/, diagrams/), since writeReport
 * replaces it whole. The working directory and its parents are never replaced.
 */
export function reportDirProblem(dir: string): string | null {
  // The path from `dir` to the working directory goes down only when `dir` contains it.
  const toCwd = relative(resolve(dir), process.cwd());
  if (!isAbsolute(toCwd) && toCwd.split(sep)[0] !== "..") {
    return `report directory ${dir} is the working directory or one of its parents; choose a new directory`;
  }
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory())
      return `report directory ${dir} is a file; choose a directory`;
    entries = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    return `cannot use report directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
  if (entries.length === 0) return null;
  const foreign = entries.filter((e) => !REPORT_ENTRIES.has(e));
  if (!entries.includes("report.json") || foreign.length > 0) {
    return `report directory ${dir} exists and does not hold a charmsim report (${
      foreign.length > 0 ? `it has ${foreign.slice(0, 3).join(", ")}` : "no report.json"
    }); choose a new or empty directory`;
  }
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
    writeFileSync(join(tmp, "report.md"), markdown(report));
    writeFileSync(join(tmp, "report.json"), reportJson(report));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
