/**
 * The command line, run in-process through `main(argv, io)`: fuzz, replay, run and merge, their
 * outputs and exit codes, and what bad input does (one line, exit 2, nothing written).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { caseSeed, shardRuns } from "../../src/cli.js";
import { makeReplay, parseReplay, type ReplayFile } from "../../src/fuzz/replay.js";
import { cli, lines, tempDir } from "./helpers.js";

interface ReportJson {
  format: string;
  version: number;
  charmsim: string;
  command: string;
  options: { seed: number; runs: number; campaigns: string[] };
  durationMs: number;
  totals: Record<string, number>;
  seed: number;
  shard: { index: number; count: number };
  results: {
    campaign: string;
    property: string;
    variant: string;
    expect: string;
    runs: number;
    seed: number;
    verdict: string;
    counterexample?: { size: number; message: string };
    replayFile?: string;
    diagramFile?: string;
  }[];
}

/**
 * A replay file's text with some fields changed and recorded again (a new digest), as a file
 * recorded by a charmsim whose run gave other results would be.
 */
function rerecorded(file: string, patch: Partial<ReplayFile>): string {
  const {
    format: _f,
    version: _v,
    digest: _d,
    ...rest
  } = {
    ...parseReplay(readFileSync(file, "utf8"), file),
    ...patch,
  };
  return JSON.stringify(makeReplay(rest), null, 2);
}

const readReport = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as ReportJson;

describe("charmsim fuzz", () => {
  it("runs a campaign, writes report.md and report.json, prints the table, exits 0", async () => {
    const out = join(tempDir(), "report");
    // One worker: the progress lines come in plan order (on several, in finishing order).
    const r = await cli(
      "fuzz",
      "--campaign",
      "juju-ordering",
      "--runs",
      "5",
      "--workers",
      "1",
      "--out",
      out,
    );
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["diagrams", "replays", "report.json", "report.md"]);
    const report = readReport(out);
    expect(report.format).toBe("charmsim-report");
    expect(report.results.map((x) => [x.property, x.runs, x.verdict])).toEqual([
      ["juju.invariants", 5, "holds"],
      ["juju.settles", 5, "holds"],
    ]);
    const md = readFileSync(join(out, "report.md"), "utf8");
    expect(md).toMatch(
      /^# charmsim fuzz report\n\n\*\*2 hold, 0 FAIL, 0 quirks found, 0 quirks not found in budget\*\* \(2 cases, 10 runs\)\./,
    );
    expect(md).toContain(
      `| command | \`charmsim fuzz --campaign juju-ordering --runs 5 --workers 1 --out ${out}\` |`,
    );
    expect(md).toContain("| seed | 1 (shard 1/1) |");
    expect(lines(r.out)[0]).toMatch(/^campaign\s+property\s+variant\s+runs\s+result/);
    expect(r.out).toContain(`Report: ${out}/report.md (seed 1)`);
    // Not a terminal: one plain progress line per case, with the time, then the counts.
    const progress = lines(r.err);
    expect(progress).toHaveLength(3);
    expect(progress[0]).toMatch(
      /^\[1\/2\] juju-ordering juju\.invariants \(simulator\): holds after 5 runs \(\d+:\d\d elapsed, ETA \d+:\d\d\)$/,
    );
    expect(progress[1]).toMatch(
      /^\[2\/2\] juju-ordering juju\.settles \(simulator\): holds after 5 runs \(\d+:\d\d elapsed\)$/,
    );
    expect(progress[2]).toMatch(
      /^fuzz done in \d+\.\d s: 2 hold, 0 FAIL, 0 quirks found, 0 quirks not found in budget$/,
    );
  });

  it("--json prints the report as JSON", async () => {
    const out = join(tempDir(), "report");
    const r = await cli(
      "fuzz",
      "--campaign",
      "juju-ordering",
      "--runs",
      "2",
      "--out",
      out,
      "--json",
    );
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.out) as ReportJson;
    expect(printed).toEqual(readReport(out));
    expect(printed.results).toHaveLength(2);
    // Totals, duration, version and the options used, so merge can check shards against them.
    expect(printed).toMatchObject({
      version: 2,
      charmsim: JSON.parse(readFileSync("package.json", "utf8")).version,
      command: `charmsim fuzz --campaign juju-ordering --runs 2 --out ${out} --json`,
      options: { seed: 1, runs: 2, campaigns: ["juju-ordering"] },
      totals: { cases: 2, runs: 4, holds: 2, fails: 0, quirkFound: 0, quirkNotFound: 0 },
      shard: { index: 1, count: 1 },
    });
    expect(printed.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("--seed changes the case seeds; the same seed gives the same report", async () => {
    const run = async (seed: string) => {
      const out = join(tempDir(), "report");
      await cli("fuzz", "--campaign", "juju-ordering", "--runs", "2", "--seed", seed, "--out", out);
      return readReport(out);
    };
    const a = await run("7");
    const b = await run("7");
    const c = await run("8");
    expect(b.results).toEqual(a.results);
    expect(a.seed).toBe(7);
    expect(c.results[0]?.seed).not.toBe(a.results[0]?.seed);
    expect(a.results[0]?.seed).toBe(caseSeed(7, "juju-ordering/juju.invariants/simulator", 0));
  });

  it("--shard 1/2 and 2/2 explore different seeds and their runs add up to an unsharded run", async () => {
    const run = async (...extra: string[]) => {
      const out = join(tempDir(), "report");
      const r = await cli(
        "fuzz",
        "--campaign",
        "juju-ordering",
        "--runs",
        "5",
        "--out",
        out,
        ...extra,
      );
      expect(r.code).toBe(0);
      return readReport(out);
    };
    const whole = await run();
    const one = await run("--shard", "1/2");
    const two = await run("--shard", "2/2");
    // Numbered as on the command line.
    expect(one.shard).toEqual({ index: 1, count: 2 });
    expect(two.shard).toEqual({ index: 2, count: 2 });
    whole.results.forEach((w, i) => {
      const a = one.results[i];
      const b = two.results[i];
      expect(a?.seed).not.toBe(b?.seed);
      expect((a?.runs ?? 0) + (b?.runs ?? 0)).toBe(w.runs);
    });
  });

  it("splits runs between shards so they add up", () => {
    for (const total of [1, 5, 100, 301]) {
      for (const count of [1, 2, 3, 7]) {
        const runs = Array.from({ length: count }, (_, index) =>
          shardRuns(total, { index, count }),
        );
        if (total >= count) expect(runs.reduce((a, b) => a + b, 0)).toBe(total);
        expect(Math.min(...runs)).toBeGreaterThanOrEqual(1);
        expect(Math.max(...runs) - Math.min(...runs)).toBeLessThanOrEqual(1);
      }
    }
  });

  const badInput: [string, string[], RegExp][] = [
    [
      "an unknown campaign",
      ["--campaign", "nope"],
      /^charmsim: unknown campaign "nope"; campaigns: /,
    ],
    [
      "a campaign named like an object property",
      ["--campaign", "constructor"],
      /^charmsim: unknown campaign "constructor"/,
    ],
    ["a seed that is not a number", ["--seed", "abc"], /--seed <n>.*a seed is a whole number/],
    ["a negative seed", ["--seed", "-1"], /a seed is a whole number/],
    ["a seed too large", ["--seed", "4294967296"], /a seed is a whole number/],
    ["a shard past the count", ["--shard", "3/2"], /a shard is "i\/n"/],
    ["a shard 0", ["--shard", "0/2"], /a shard is "i\/n"/],
    ["a shard without a count", ["--shard", "2"], /a shard is "i\/n"/],
    ["zero runs", ["--runs", "0"], /runs is a whole number/],
    ["runs that are not a number", ["--runs", "many"], /runs is a whole number/],
    ["an unknown option", ["--bogus"], /unknown option '--bogus'/],
  ];

  it.each(badInput)("%s: one clear line, exit 2, no report directory", async (_what, args, msg) => {
    const out = join(tempDir(), "report");
    const r = await cli("fuzz", "--out", out, ...args);
    expect(r.code).toBe(2);
    expect(lines(r.err)).toHaveLength(1);
    expect(r.err).toMatch(msg);
    expect(r.out).toBe("");
    expect(existsSync(out)).toBe(false);
  });

  it("refuses to replace a file or a directory that is not a report, and leaves them alone", async () => {
    const dir = tempDir();
    const file = join(dir, "notes.txt");
    writeFileSync(file, "keep me");
    const asFile = await cli("fuzz", "--campaign", "juju-ordering", "--runs", "1", "--out", file);
    expect(asFile.code).toBe(2);
    expect(asFile.err).toMatch(/^charmsim: report directory .* is a file/);
    expect(readFileSync(file, "utf8")).toBe("keep me");

    const foreign = await cli("fuzz", "--campaign", "juju-ordering", "--runs", "1", "--out", dir);
    expect(foreign.code).toBe(2);
    expect(foreign.err).toMatch(/exists and does not hold a charmsim report \(it has notes\.txt\)/);
    expect(readdirSync(dir)).toEqual(["notes.txt"]);

    const cwd = await cli("fuzz", "--campaign", "juju-ordering", "--runs", "1", "--out", ".");
    expect(cwd.code).toBe(2);
    expect(cwd.err).toMatch(/is the working directory or one of its parents/);
  });

  it("replaces an earlier report in place", async () => {
    const out = join(tempDir(), "report");
    expect(
      (await cli("fuzz", "--campaign", "juju-ordering", "--runs", "1", "--out", out)).code,
    ).toBe(0);
    const again = await cli("fuzz", "--campaign", "juju-ordering", "--runs", "2", "--out", out);
    expect(again.code).toBe(0);
    expect(readReport(out).results[0]?.runs).toBe(2);
    expect(readdirSync(join(out, ".."))).toEqual(["report"]);
  });
});

describe("findings and replay", () => {
  let out = "";
  let report: ReportJson;
  let fuzzErr = "";
  let fuzzCode = -1;

  beforeAll(async () => {
    out = join(tempDir(), "report");
    const r = await cli("fuzz", "--campaign", "lxd", "--runs", "5", "--out", out);
    fuzzCode = r.code;
    fuzzErr = r.err;
    report = readReport(out);
  }, 120_000);

  const findings = () => report.results.filter((x) => x.counterexample !== undefined);

  it("known quirks of the faithful ports are findings, not failures: exit 0", () => {
    expect(fuzzCode, fuzzErr).toBe(0);
    expect(report.results.some((x) => x.verdict === "fails")).toBe(false);
    expect(findings().length).toBeGreaterThan(0);
    for (const f of findings()) expect(f.verdict).toBe("quirk-found");
  });

  it("each finding has a replay file and a Mermaid diagram, linked from report.md", () => {
    const md = readFileSync(join(out, "report.md"), "utf8");
    for (const f of findings()) {
      expect(f.replayFile).toMatch(/^replays\/lxd--.*\.json$/);
      expect(f.diagramFile).toMatch(/^diagrams\/lxd--.*\.mmd$/);
      const replay = JSON.parse(readFileSync(join(out, f.replayFile ?? ""), "utf8")) as {
        format: string;
        seed: number;
        path: string;
        scenario: { steps: unknown[] };
        trace: { records: unknown[] };
      };
      expect(replay.format).toBe("charmsim-replay");
      expect(replay.seed).toBe(f.seed);
      expect(replay.scenario.steps).toHaveLength(f.counterexample?.size ?? -1);
      expect(replay.trace.records.length).toBeGreaterThan(0);
      expect(readFileSync(join(out, f.diagramFile ?? ""), "utf8")).toMatch(/^sequenceDiagram/);
      expect(md).toContain(`[${f.replayFile}](${f.replayFile})`);
    }
  });

  it("replay reproduces the same verdict and an identical trace; a quirk exits 0", async () => {
    for (const f of findings()) {
      const r = await cli("replay", join(out, f.replayFile ?? ""));
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toContain(`verdict: property violated: ${f.counterexample?.message}`);
      expect(r.out).toContain("recorded verdict: the same");
      expect(r.out).toContain("trace: identical to the recorded one");
    }
  });

  it("replay of a counterexample to a property expected to hold exits 1", async () => {
    const f = findings()[0];
    const file = join(tempDir(), "hold.json");
    writeFileSync(file, rerecorded(join(out, f?.replayFile ?? ""), { expect: "hold" }));
    const r = await cli("replay", file);
    expect(r.code).toBe(1);
    expect(r.out).toContain("trace: identical to the recorded one");
  });

  it("replay of a run that changed says which verdict was expected and which came: exit 1", async () => {
    // A file recorded (with its digest) by a charmsim whose run gave another verdict and trace.
    const f = findings()[0];
    const file = join(out, f?.replayFile ?? "");
    const replay = parseReplay(readFileSync(file, "utf8"), file);
    const dir = tempDir();
    const otherVerdict = join(dir, "verdict.json");
    writeFileSync(otherVerdict, rerecorded(file, { verdict: "something else" }));
    const a = await cli("replay", otherVerdict);
    expect(a.code).toBe(1);
    expect(a.out).toContain(
      [
        "recorded verdict: DIFFERENT",
        "  expected (recorded): property violated: something else",
        `  got (this run):      property violated: ${replay.verdict}`,
      ].join("\n"),
    );

    const shorter = join(dir, "trace.json");
    const records = replay.trace.records.slice(0, -1);
    writeFileSync(shorter, rerecorded(file, { trace: { ...replay.trace, records } }));
    const b = await cli("replay", shorter);
    expect(b.code).toBe(1);
    expect(b.out).toContain(
      `trace: DIFFERS from the recorded one (${records.length} records recorded, ${records.length + 1} now)`,
    );
    expect(b.out).toMatch(
      new RegExp(
        `first difference at record ${records.length}:\\n {4}recorded: \\(the recorded trace ends here\\)\\n {4}now: {6}${records.length} `,
      ),
    );
  });

  it("replay of a scenario past the limits: exit 2 unless the limit is raised", async () => {
    const f = findings()[0];
    const file = join(out, f?.replayFile ?? "");
    const replay = parseReplay(readFileSync(file, "utf8"), file);
    const steps = [...replay.scenario.steps, ...Array(1000).fill({ op: "update-status" })];
    const long = join(tempDir(), "long.json");
    writeFileSync(long, rerecorded(file, { scenario: { ...replay.scenario, steps } }));
    const r = await cli("replay", long);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(lines(r.err)).toEqual([
      `charmsim: invalid ${long}: scenario.steps: ${steps.length} steps, over the limit of 1000; raise it with --max-steps N, or lift every limit with --no-limits`,
    ]);
    // Raised, it runs: the extra steps change the trace, so it no longer reproduces (exit 1).
    expect((await cli("replay", long, "--no-limits")).code).toBe(1);
  });

  it("replay of a file edited after it was recorded: exit 2, nothing run", async () => {
    const f = findings()[0];
    const text = readFileSync(join(out, f?.replayFile ?? ""), "utf8");
    const replay = JSON.parse(text) as { seed: number; path: string };
    const dir = tempDir();
    for (const [name, edited] of [
      ["seed.json", text.replace(`"seed": ${replay.seed}`, `"seed": ${replay.seed + 1}`)],
      ["path.json", text.replace(`"path": "${replay.path}"`, `"path": "${replay.path}:1"`)],
    ] as const) {
      expect(edited, name).not.toBe(text);
      const file = join(dir, name);
      writeFileSync(file, edited);
      const r = await cli("replay", file);
      expect(r.code, name).toBe(2);
      expect(r.out, name).toBe("");
      expect(lines(r.err), name).toEqual([
        `charmsim: invalid ${file}: digest: the file does not match its recorded run (its seed, path, scenario, verdict or trace was changed after it was recorded)`,
      ]);
    }
  });

  it("replay of an unreadable or malformed file: one line, exit 2", async () => {
    const dir = tempDir();
    const cases: [string, string | null, RegExp][] = [
      ["missing.json", null, /^charmsim: cannot read .*missing\.json: ENOENT/],
      ["bad.json", "{ not json", /^charmsim: invalid .*bad\.json: \(json\): /],
      ["empty.json", "{}", /^charmsim: invalid .*empty\.json: format: /],
      [
        "wrong.json",
        JSON.stringify({ format: "charmsim-replay", version: 3 }),
        /^charmsim: invalid .*wrong\.json: version: /,
      ],
      [
        "old.json",
        JSON.stringify({ format: "charmsim-replay", version: 1 }),
        /^charmsim: invalid .*old\.json: version: replay format 1 was recorded before unit agents had lagging views/,
      ],
    ];
    for (const [name, content, msg] of cases) {
      const file = join(dir, name);
      if (content !== null) writeFileSync(file, content);
      const r = await cli("replay", file);
      expect(r.code, name).toBe(2);
      expect(lines(r.err), name).toHaveLength(1);
      expect(r.err, name).toMatch(msg);
      expect(r.out, name).toBe("");
    }
    const dirAsFile = await cli("replay", dir);
    expect(dirAsFile.code).toBe(2);
    expect(dirAsFile.err).toMatch(/EISDIR/);
  });

  it("replay of a case this version does not have: exit 2", async () => {
    const f = findings()[0];
    const file = join(tempDir(), "gone.json");
    writeFileSync(file, rerecorded(join(out, f?.replayFile ?? ""), { campaign: "toString" }));
    const r = await cli("replay", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no case toString\/lxd\..* in this version of charmsim/);
  });
});

describe("charmsim run", () => {
  const scenarios = join(import.meta.dirname, "../../fixtures/scenarios");

  it.each(["certificate-transfer-v1.yaml", "lxd.yaml", "lxd-fixed-replaced-integrator.yaml"])(
    "%s: prints its trace and a summary, exits 0",
    async (name) => {
      const r = await cli("run", join(scenarios, name));
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^0 op (deploy|set-credential) /);
      expect(r.out).toMatch(/ relation-joined r\d+ remote=/);
      expect(r.err).toMatch(
        /: \d+ hooks; invariants hold; 0 unit\(s\) in error; 0 failed step\(s\)\n$/,
      );
    },
  );

  it("the lxd example shows the call results: the departed unit's certificate is removed", async () => {
    const r = await cli("run", join(scenarios, "lxd.yaml"));
    const calls = lines(r.out).filter((l) => l.startsWith("step "));
    expect(calls).toHaveLength(2);
    const stores = calls.map(
      (l) => JSON.parse(l.slice(l.indexOf(": ") + 2)) as Record<string, string[]>,
    );
    const sizes = stores.map((s) => Object.values(s)[0]?.length);
    // Integrator identity + app/0, app/1, web/0; then app/1's certificate is gone.
    expect(sizes).toEqual([4, 3]);
  });

  it("--json prints the trace as JSON, --mermaid as a sequence diagram", async () => {
    const file = join(scenarios, "certificate-transfer-v1.yaml");
    const json = await cli("run", file, "--json");
    expect(json.code).toBe(0);
    const trace = JSON.parse(json.out) as { seed: number; records: unknown[] };
    expect(trace.seed).toBe(7);
    expect(trace.records.length).toBeGreaterThan(10);
    const mermaid = await cli("run", file, "--mermaid");
    expect(mermaid.code).toBe(0);
    expect(mermaid.out).toMatch(/^sequenceDiagram/);
  });

  it("the same scenario prints the same trace", async () => {
    const file = join(scenarios, "lxd.yaml");
    expect((await cli("run", file)).out).toBe((await cli("run", file)).out);
  });

  it("a malformed scenario: one line naming the field and its line, exit 2", async () => {
    const r = await cli("run", join(scenarios, "malformed.yaml"));
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(lines(r.err)).toEqual([
      `charmsim: invalid ${join(scenarios, "malformed.yaml")}: steps[0].units (line 7): Invalid input: expected number, received string`,
    ]);
  });

  const badScenarios: [string, string, RegExp][] = [
    ["YAML syntax", "steps:\n  - op: deploy\n    app: [a\n", /\(yaml\) \(line \d+\): /],
    [
      "an unknown field",
      "steps:\n  - op: settle\n    hooks: 3\n",
      /steps\[0\]\.hooks \(line 3\): unknown field/,
    ],
    ["an unknown op", "steps:\n  - op: dance\n", /steps\[0\]\.op \(line 2\): /],
    ["no steps", "name: x\nsteps: []\n", /steps \(line 2\): a scenario needs at least one step/],
    [
      "an unknown charm",
      "steps:\n  - op: deploy\n    app: a\n    charm: ct-provider-v1\n  - op: deploy\n    app: b\n    charm: nope\n",
      /steps\[1\]\.charm \(line 7\): unknown charm "nope"; known charms: .*lxd-consumer/,
    ],
    [
      "a step Juju refuses",
      "steps:\n  - op: deploy\n    app: a\n    charm: ct-provider-v1\n  - op: remove-unit\n    unit: a/5\n",
      /steps\[1\] \(line 5\): step 2 \(remove-unit a\/5\): no such unit now/,
    ],
    [
      "a call the charm does not have",
      "steps:\n  - op: deploy\n    app: a\n    charm: ct-provider-v1\n  - op: settle\n  - op: call\n    unit: a/0\n    method: fly\n",
      /steps\[2\] \(line 6\): step 3 \(call a\/0 fly\(\)\): charm ct-provider-v1 has no call "fly" \(calls: add, remove, removeAll\)/,
    ],
    [
      "an unknown config option",
      "steps:\n  - op: deploy\n    app: a\n    charm: lxd-consumer\n    config: { colour: red }\n",
      /steps\[0\] \(line 2\): step 1 .*has no config option "colour"/,
    ],
  ];

  it.each(badScenarios)("%s: one line naming the line, exit 2", async (_what, yaml, msg) => {
    const file = join(tempDir(), "scenario.yaml");
    writeFileSync(file, yaml);
    const r = await cli("run", file);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(lines(r.err)).toHaveLength(1);
    expect(r.err).toMatch(/^charmsim: invalid .*scenario\.yaml: /);
    expect(r.err).toMatch(msg);
  });

  it("an unreadable scenario file: one line, exit 2", async () => {
    const r = await cli("run", join(tempDir(), "missing.yaml"));
    expect(r.code).toBe(2);
    expect(lines(r.err)).toEqual([expect.stringMatching(/^charmsim: cannot read .*: ENOENT$/)]);
  });

  it("a scenario whose charm fails a hook exits 1 and says which step or unit", async () => {
    const file = join(tempDir(), "failing.yaml");
    writeFileSync(
      file,
      [
        "steps:",
        "  - op: deploy",
        "    app: p",
        "    charm: chatty-provider",
        '    config: { fail-hook: "install" }',
        "  - op: settle",
      ].join("\n"),
    );
    const r = await cli("run", file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/p\/0 install \(leader\) FAILED: Error: configured to fail in install/);
    expect(r.err).toMatch(/1 unit\(s\) in error/);
  });
});

describe("usage", () => {
  it("no command: the usage on stderr, exit 2", async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^Usage: charmsim /);
    expect(r.err).toMatch(/fuzz .*\n.*replay/s);
  });

  it("--help: the usage on stdout, exit 0", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: charmsim /);
    expect(r.out).toContain("merge");
  });

  it("an unknown command: one line, exit 2", async () => {
    const r = await cli("frobnicate");
    expect(r.code).toBe(2);
    expect(lines(r.err)).toEqual(["charmsim: unknown command 'frobnicate'"]);
  });
});

describe("charmsim merge", () => {
  let shards: string[] = [];
  let whole: ReportJson;

  beforeAll(async () => {
    const dir = tempDir();
    shards = [join(dir, "s1"), join(dir, "s2")];
    for (const [i, out] of shards.entries()) {
      const r = await cli(
        "fuzz",
        "--campaign",
        "lxd",
        "--campaign",
        "juju-ordering",
        "--runs",
        "4",
        "--shard",
        `${i + 1}/2`,
        "--out",
        out,
      );
      expect(r.code, r.err).toBe(0);
    }
    whole = readReport(shards[0] ?? "");
  }, 120_000);

  it("sums runs per case, keeps the worst verdict and the smallest counterexample", async () => {
    const out = join(tempDir(), "merged");
    const r = await cli("merge", out, shards[0] ?? "", join(shards[1] ?? "", "report.json"));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Merged 2 shard report(s) of seed 1: ${out}/report.md`);
    const merged = readReport(out);
    const [a, b] = shards.map(readReport);
    expect(merged.shard).toEqual({ index: 1, count: 1 });
    expect(merged.results).toHaveLength(whole.results.length);
    merged.results.forEach((m, i) => {
      const x = a?.results[i];
      const y = b?.results[i];
      expect(m.property).toBe(x?.property);
      expect(m.runs).toBe((x?.runs ?? 0) + (y?.runs ?? 0));
      const found = [x, y].filter((s) => s?.counterexample !== undefined);
      if (found.length === 0) {
        expect(m.counterexample).toBeUndefined();
        return;
      }
      expect(m.verdict).toBe("quirk-found");
      expect(m.counterexample?.size).toBe(
        Math.min(...found.map((s) => s?.counterexample?.size ?? Infinity)),
      );
      expect(existsSync(join(out, m.replayFile ?? "-"))).toBe(true);
      expect(existsSync(join(out, m.diagramFile ?? "-"))).toBe(true);
    });
    // The merged replay files replay.
    const first = merged.results.find((m) => m.replayFile);
    expect((await cli("replay", join(out, first?.replayFile ?? ""))).code).toBe(0);
  });

  it("refuses incomplete, repeated or mismatched shards: one line, exit 2, nothing written", async () => {
    const out = join(tempDir(), "merged");
    const missing = await cli("merge", out, shards[0] ?? "");
    expect(missing.code).toBe(2);
    expect(lines(missing.err)).toEqual(["charmsim: missing shard(s) 2/2 of seed 1"]);
    const twice = await cli("merge", out, shards[0] ?? "", shards[0] ?? "");
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/shard 1\/2 is given twice/);
    const other = join(tempDir(), "other");
    await cli("fuzz", "--campaign", "juju-ordering", "--runs", "1", "--out", other);
    const mixed = await cli("merge", out, shards[0] ?? "", other);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(
      /other\/report\.json is not a shard of the same run as .*s1\/report\.json: it is shard 1\/1, not one of 2 shard\(s\)$/m,
    );
    const bad = join(tempDir(), "report.json");
    writeFileSync(bad, '{"format": "charmsim-report"}');
    const malformed = await cli("merge", out, bad);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/^charmsim: invalid .*report\.json: version: /);
    expect(existsSync(out)).toBe(false);
  });
});
