/**
 * Reports (the findings table, report.json, the report directory) and replay files (their text
 * form and parsing), built from real runs of the lxd campaign.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type CaseResult, evaluate, type FuzzCase, runCase } from "../../src/fuzz/campaign.js";
import { lxdCases } from "../../src/fuzz/campaigns/lxd.js";
import { parseReplay, type ReplayFile, replayToJsonText } from "../../src/fuzz/replay.js";
import {
  type Finding,
  type FuzzReport,
  findingOf,
  formatTable,
  reportDirProblem,
  reportJson,
  verdictLabel,
  writeReport,
} from "../../src/fuzz/report.js";
import { InputError } from "../../src/model/errors.js";
import { tempDir } from "../cli/helpers.js";

const caseOf = (property: string, variant: string): FuzzCase => {
  const c = lxdCases().find((x) => x.property === property && x.variant.includes(variant));
  if (!c) throw new Error(`no case ${property} ${variant}`);
  return c;
};

let quirkCase: FuzzCase;
let quirk: CaseResult;
let finding: Finding;
let holds: CaseResult;

beforeAll(() => {
  quirkCase = caseOf("lxd.listed", "faithful");
  quirk = runCase(quirkCase, { seed: 11, runs: 20 });
  finding = findingOf(quirkCase, quirk) as Finding;
  holds = runCase(caseOf("lxd.invariants", "faithful"), { seed: 11, runs: 3 });
});

const meta: FuzzReport["meta"] = {
  version: "9.9.9",
  command: "charmsim fuzz --campaign lxd",
  options: { seed: 9, runs: 20, campaigns: ["lxd"] },
  durationMs: 1234,
};

const synthetic = (
  verdict: CaseResult["verdict"],
  extra: Partial<CaseResult> = {},
): CaseResult => ({
  campaign: "c",
  property: `p.${verdict}`,
  variant: "v",
  expect: verdict === "holds" || verdict === "fails" ? "hold" : "quirk",
  runs: 7,
  seed: 1,
  verdict,
  ...extra,
});

describe("findings", () => {
  it("a quirk found gives a finding with a replay and a diagram named after the case", () => {
    expect(quirk.verdict).toBe("quirk-found");
    expect(finding.replayFile).toBe("replays/lxd--lxd-listed--faithful-integrator.json");
    expect(finding.diagramFile).toBe("diagrams/lxd--lxd-listed--faithful-integrator.mmd");
    expect(finding.mermaid).toMatch(/^sequenceDiagram\n/);
    expect(finding.replay).toMatchObject({
      format: "charmsim-replay",
      campaign: "lxd",
      property: "lxd.listed",
      expect: "quirk",
      quirk: quirkCase.quirk,
      seed: 11,
      verdict: quirk.counterexample?.message,
      scenario: quirk.counterexample?.scenario,
    });
    expect(findingOf(quirkCase, holds)).toBeNull();
  });

  it("the recorded trace is the one evaluating the scenario gives", () => {
    const { run } = evaluate(quirkCase, finding.replay.scenario);
    expect(JSON.stringify(run.sim.trace.toJSON())).toBe(JSON.stringify(finding.replay.trace));
  });
});

describe("formatTable", () => {
  it("one aligned row per case, with the finding's replay file", () => {
    const report: FuzzReport = {
      seed: 1,
      shard: { index: 1, count: 1 },
      meta,
      results: [holds, quirk],
      findings: [finding],
    };
    const rows = formatTable(report).split("\n");
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^campaign +property +variant +runs +result +min size +replay file$/);
    // Every column starts where the header's does.
    const header = rows[0] ?? "";
    for (const h of ["property", "variant", "runs", "result", "min size", "replay file"]) {
      const at = header.indexOf(h);
      for (const row of rows.slice(1)) expect(row[at - 1], `${h} in ${row}`).toBe(" ");
    }
    expect(rows[1]).toMatch(/^lxd +lxd\.invariants +faithful integrator +3 +holds +- +-$/);
    expect(rows[2]).toContain(`quirk found (${quirkCase.quirk})`);
    expect(rows[2]).toContain(` ${quirk.counterexample?.size} `);
    expect(rows[2]?.endsWith(finding.replayFile)).toBe(true);
  });

  it("labels every verdict", () => {
    expect(verdictLabel(synthetic("holds"))).toBe("holds");
    expect(verdictLabel(synthetic("fails"))).toBe("FAILS");
    expect(verdictLabel(synthetic("quirk-found", { quirk: "q" }))).toBe("quirk found (q)");
    expect(verdictLabel(synthetic("quirk-found"))).toBe("quirk found");
    expect(verdictLabel(synthetic("quirk-not-found"))).toBe("quirk not found in budget");
    const table = formatTable({
      seed: 1,
      shard: { index: 1, count: 1 },
      meta,
      results: (["holds", "fails", "quirk-not-found"] as const).map((v) => synthetic(v)),
      findings: [],
    });
    expect(table).toContain("FAILS");
    expect(table).toContain("quirk not found in budget");
    expect(table.split("\n").every((l) => l === l.trimEnd())).toBe(true);
  });
});

describe("report.json and the report directory", () => {
  const report = (): FuzzReport => ({
    seed: 9,
    shard: { index: 2, count: 3 },
    meta,
    results: [holds, quirk],
    findings: [finding],
  });

  it("report.json lists every result, with the files of findings", () => {
    const json = JSON.parse(reportJson(report())) as {
      format: string;
      version: number;
      seed: number;
      shard: unknown;
      results: (CaseResult & { replayFile?: string })[];
    };
    expect(json).toMatchObject({
      format: "charmsim-report",
      version: 2,
      seed: 9,
      charmsim: "9.9.9",
      command: "charmsim fuzz --campaign lxd",
      options: { seed: 9, runs: 20, campaigns: ["lxd"] },
      durationMs: 1234,
      totals: { cases: 2, runs: holds.runs + quirk.runs, holds: 1, fails: 0, quirkFound: 1 },
    });
    // Shards are numbered from 1, as on the command line (--shard 2/3).
    expect(json.shard).toEqual({ index: 2, count: 3 });
    expect(json.results[0]?.replayFile).toBeUndefined();
    expect(json.results[1]?.replayFile).toBe(finding.replayFile);
    expect(json.results[1]?.counterexample?.scenario).toEqual(quirk.counterexample?.scenario);
  });

  it("writeReport writes everything, and nothing is left beside it", () => {
    const parent = tempDir();
    const dir = join(parent, "out");
    writeReport(dir, report());
    expect(readdirSync(parent)).toEqual(["out"]);
    expect(readFileSync(join(dir, finding.replayFile), "utf8")).toBe(
      replayToJsonText(finding.replay),
    );
    expect(readFileSync(join(dir, finding.diagramFile), "utf8")).toBe(finding.mermaid);
    const md = readFileSync(join(dir, "report.md"), "utf8");
    expect(md).toMatch(
      /^# charmsim fuzz report\n\n\*\*1 holds, 0 FAIL, 1 quirk found, 0 quirks not found in budget\*\*/,
    );
    expect(md).toContain("| command | `charmsim fuzz --campaign lxd` |");
    expect(md).toContain("| charmsim | 9.9.9 |");
    expect(md).toContain("| seed | 9 (shard 2/3) |");
    expect(md).toContain("| duration | 1.2 s |");
    expect(md).toContain("## lxd.listed — faithful integrator");
    expect(md).toContain("Minimal steps:\n\n1. deploy lxd (lxd-integrator) x");
    expect(md).toContain("```mermaid\nsequenceDiagram");
  });

  it("reportDirProblem: new, empty and earlier report directories are fine; others are not", () => {
    const parent = tempDir();
    expect(reportDirProblem(join(parent, "new"))).toBeNull();
    expect(reportDirProblem(parent)).toBeNull();
    const earlier = join(parent, "earlier");
    writeReport(earlier, report());
    expect(reportDirProblem(earlier)).toBeNull();
    writeFileSync(join(earlier, "mine.txt"), "x");
    expect(reportDirProblem(earlier)).toMatch(
      /does not hold a charmsim report \(it has mine\.txt\)/,
    );
    const other = join(parent, "other");
    mkdirSync(join(other, "replays"), { recursive: true });
    expect(reportDirProblem(other)).toMatch(/no report\.json/);
    expect(reportDirProblem(join(earlier, "report.md"))).toMatch(/is a file/);
    expect(reportDirProblem(".")).toMatch(/working directory/);
    expect(reportDirProblem("..")).toMatch(/working directory/);
    expect(() => writeReport(earlier, report())).toThrow(/does not hold a charmsim report/);
    expect(existsSync(join(earlier, "mine.txt"))).toBe(true);
  });
});

describe("replay files", () => {
  it("round-trip: text -> parse -> text is the identity, and parsing keeps every field", () => {
    const text = replayToJsonText(finding.replay);
    const parsed = parseReplay(text, "x.json");
    expect(parsed).toEqual(finding.replay);
    expect(replayToJsonText(parsed)).toBe(text);
    expect(JSON.stringify(parsed.trace)).toBe(JSON.stringify(finding.replay.trace));
    // Plain JSON, the trace last.
    const plain = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(plain).at(-1)).toBe("trace");
  });

  const broken = (edit: (r: Record<string, unknown>) => void) => {
    const r = JSON.parse(replayToJsonText(finding.replay)) as Record<string, unknown>;
    edit(r);
    return JSON.stringify(r);
  };
  const problems: [string, () => string, RegExp][] = [
    ["not JSON", () => "{", /^invalid f\.json: \(json\): /],
    ["another format", () => broken((r) => (r.format = "other")), /format: /],
    ["a newer version", () => broken((r) => (r.version = 3)), /version: /],
    [
      "the older version without a digest",
      () => broken((r) => (r.version = 1)),
      /version: replay format 1 was recorded before unit agents had lagging views/,
    ],
    ["no digest", () => broken((r) => delete r.digest), /digest: /],
    [
      "an edited seed",
      () => broken((r) => (r.seed = (r.seed as number) + 1)),
      /digest: the file does not match its recorded run/,
    ],
    [
      "an edited path",
      () => broken((r) => (r.path = `${r.path as string}:0`)),
      /digest: the file does not match its recorded run/,
    ],
    ["no seed", () => broken((r) => delete r.seed), /seed: /],
    ["an unknown field", () => broken((r) => (r.extra = 1)), /extra: unknown field/],
    [
      "a bad step",
      () =>
        broken((r) => {
          (r.scenario as { steps: unknown[] }).steps[0] = { op: "dance" };
        }),
      /scenario\.steps\[0\]\.op: /,
    ],
    ["a bad trace", () => broken((r) => (r.trace = { records: 3 })), /trace/],
  ];

  it.each(problems)("%s: an InputError naming the field", (_what, text, msg) => {
    let error: unknown;
    try {
      parseReplay(text(), "f.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(msg);
  });

  it("a replay's case, evaluated on its scenario, gives its verdict", () => {
    const replay: ReplayFile = parseReplay(replayToJsonText(finding.replay), "f.json");
    expect(evaluate(quirkCase, replay.scenario).message).toBe(replay.verdict);
  });
});
