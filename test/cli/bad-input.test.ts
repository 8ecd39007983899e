/**
 * Bad input, careless or hostile, to every command: each exits 2 with one line naming the
 * problem (never a stack trace), prints nothing on stdout, writes nothing, and returns quickly
 * (the time bounds are far above what a refusal takes, and far below what running the input
 * would take).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeTerminal } from "../../src/model/terminal.js";
import { MAX_YAML_BYTES } from "../../src/model/yaml-file.js";
import { type CliRun, cli, lines, tempDir } from "./helpers.js";

/** Refusals are immediate; this bound only has to hold on a loaded machine. */
const QUICK_MS = 10_000;

const scenarioFile = (text: string) => {
  const file = join(tempDir(), "scenario.yaml");
  writeFileSync(file, text);
  return file;
};

/** Exit 2, one line on stderr matching `message`, nothing on stdout, within the bound. */
function refused(r: CliRun, message: RegExp | string): void {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe("");
  expect(lines(r.err), r.err).toHaveLength(1);
  if (typeof message === "string") expect(r.err).toBe(`charmsim: ${message}\n`);
  else expect(r.err.trimEnd()).toMatch(message);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.ms).toBeLessThan(QUICK_MS);
}

const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ..."bcdefghi".split("").map((x, i) => {
    const prev = "abcdefgh"[i];
    return `${x}: &${x} [${Array.from({ length: 9 }, () => `*${prev}`).join(",")}]`;
  }),
  "steps: *i",
  "",
].join("\n");

const deploy = (app: string, units: number, charm = "chatty-provider") =>
  `  - op: deploy\n    app: ${app}\n    charm: ${charm}\n    units: ${units}\n`;

describe("charmsim run: hostile and oversized scenario files", () => {
  it("an alias bomb", async () => {
    const file = scenarioFile(ALIAS_BOMB);
    refused(
      await cli("run", file),
      `invalid ${file}: (yaml): too many alias expansions (more than 100): aliases that expand aliases, as in a "billion laughs" file`,
    );
  });

  it("YAML nested too deeply", async () => {
    const file = scenarioFile(`steps:\n  - ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`);
    refused(
      await cli("run", file),
      `invalid ${file}: (yaml) (line 2): nested too deeply (more than 64 levels)`,
    );
  });

  it("a file too large to be a scenario", async () => {
    const file = scenarioFile(`steps:\n${"  - op: update-status\n".repeat(MAX_YAML_BYTES / 20)}`);
    refused(await cli("run", file), /^charmsim: invalid .*: \(yaml\): the file is too large/);
  });

  it("more steps than the limit; --max-steps or --no-limits lets it run", async () => {
    const file = scenarioFile(`steps:\n${deploy("p", 1)}${"  - op: settle\n".repeat(1000)}`);
    refused(
      await cli("run", file),
      `invalid ${file}: steps (line 1): 1001 steps, over the limit of 1000; raise it with --max-steps N, or lift every limit with --no-limits`,
    );
    expect((await cli("run", file, "--max-steps", "1001")).code).toBe(0);
    expect((await cli("run", file, "--no-limits")).code).toBe(0);
  });

  it("one deploy of thousands of units with a peer relation", async () => {
    const file = scenarioFile(`steps:\n${deploy("p", 5000)}  - op: settle\n`);
    refused(
      await cli("run", file),
      `invalid ${file}: steps[0] (line 2): application "p" reaches 5000 units, over the limit of 50 per application; raise it with --max-units-per-app N, or lift every limit with --no-limits`,
    );
  });

  it("units added one by one past the per-application limit", async () => {
    const file = scenarioFile(`steps:\n${deploy("p", 50)}  - op: add-unit\n    app: p\n`);
    refused(
      await cli("run", file),
      /^charmsim: invalid .*: steps\[1\] \(line 6\): application "p" reaches 51 units, over the limit of 50 per application/,
    );
    const ok = await cli("run", file, "--max-units-per-app", "51");
    expect(ok.code, ok.err).toBe(0);
  });

  it("more units in the model than the limit", async () => {
    const apps = ["a", "b", "c", "d", "e"].map((a) => deploy(a, 41)).join("");
    const file = scenarioFile(`steps:\n${apps}`);
    refused(
      await cli("run", file),
      /^charmsim: invalid .*: steps\[4\] \(line 18\): the model reaches 205 units, over the limit of 200; raise it with --max-units N/,
    );
  });

  it("a limit that is not a number", async () => {
    refused(
      await cli("run", scenarioFile(`steps:\n${deploy("p", 1)}`), "--max-steps", "lots"),
      /^charmsim: option '--max-steps <n>' argument 'lots' is invalid\. a limit is a whole number from 1$/,
    );
  });

  it("--json with --mermaid", async () => {
    const file = scenarioFile(`steps:\n${deploy("p", 1)}`);
    refused(
      await cli("run", file, "--json", "--mermaid"),
      "--json and --mermaid each print the whole trace; choose one",
    );
  });
});

describe("names from files are escaped before they reach the terminal", () => {
  const hostile = "evil\u001b[2J\u001b]0;owned\u0007\u202eexe.txt\u009b31m";

  it("in the summary and in the trace", async () => {
    const file = scenarioFile(
      [
        `name: ${JSON.stringify(hostile)}`,
        "steps:",
        "  - op: deploy",
        "    app: p",
        "    charm: chatty-provider",
        "  - op: deploy",
        "    app: r",
        "    charm: chatty-requirer",
        "  - op: integrate",
        "    a: p:data",
        "    b: r:data",
        "  - op: settle",
        "  - op: write-bag",
        "    unit: r/0",
        "    endpoint: data",
        "    scope: unit",
        `    data: { note: ${JSON.stringify(hostile)} }`,
        "",
      ].join("\n"),
    );
    const r = await cli("run", file);
    expect(r.code, r.err).toBe(0);
    // Escaping the output again changes nothing: no control or reordering character is left.
    for (const text of [r.out, r.err]) expect(escapeTerminal(text)).toBe(text);
    expect(r.err).toContain("evil\\u001b[2J\\u001b]0;owned\\u0007\\u202eexe.txt\\u009b31m: ");
    expect(r.out).toContain("\\u202eexe.txt\\u009b31m");
    // Escaped as \uXXXX, --json stays JSON and keeps the value as it was written.
    const json = await cli("run", file, "--json");
    expect(escapeTerminal(json.out)).toBe(json.out);
    const records = (JSON.parse(json.out) as { records: { t: string; set?: { note?: string } }[] })
      .records;
    expect(records.some((rec) => rec.t === "commit" && rec.set?.note === hostile)).toBe(true);
  });

  it("in an error message", async () => {
    const file = scenarioFile(
      `steps:\n  - op: deploy\n    app: p\n    charm: ${JSON.stringify(hostile)}\n`,
    );
    const r = await cli("run", file);
    refused(r, /unknown charm "evil\\u001b\[2J\\u001b\]0;owned\\u0007\\u202eexe\.txt\\u009b31m"/);
  });
});

describe("charmsim fuzz --out that cannot be written: refused before the campaign", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) chmodSync(d, 0o755);
  });
  // Budgets that would take hours: the refusal must come before anything runs.
  const hours = ["--campaign", "certificate-transfer", "--runs", "10000000"];

  it("a read-only parent directory", async () => {
    const parent = tempDir();
    chmodSync(parent, 0o555);
    dirs.push(parent);
    const out = join(parent, "report");
    refused(
      await cli("fuzz", ...hours, "--out", out),
      `cannot create report directory ${out}: ${parent} is read-only`,
    );
    expect(readdirSync(parent)).toEqual([]);
  });

  it("a missing parent under a read-only directory", async () => {
    const parent = tempDir();
    chmodSync(parent, 0o555);
    dirs.push(parent);
    const out = join(parent, "a", "b", "report");
    refused(
      await cli("fuzz", ...hours, "--out", out),
      `cannot create report directory ${out}: ${parent} is read-only`,
    );
  });

  it("an existing empty read-only directory is left as it is, not replaced", async () => {
    const out = join(tempDir(), "report");
    mkdirSync(out);
    chmodSync(out, 0o555);
    dirs.push(out);
    const before = statSync(out);
    refused(
      await cli("fuzz", ...hours, "--out", out),
      `cannot write the report into ${out}: ${out} is read-only`,
    );
    const after = statSync(out);
    expect([after.ino, after.mode, readdirSync(out)]).toEqual([before.ino, before.mode, []]);
  });

  it("a parent that is a file", async () => {
    const file = join(tempDir(), "notes.txt");
    writeFileSync(file, "keep me");
    const out = join(file, "report");
    refused(
      await cli("fuzz", ...hours, "--out", out),
      `cannot create report directory ${out}: ${file} is not a directory`,
    );
    expect(readFileSync(file, "utf8")).toBe("keep me");
  });
});

describe("charmsim merge refuses what is not the shards of one run", () => {
  const dir = tempDir();
  const shard = (name: string) => join(dir, name);
  const fuzz = async (name: string, ...args: string[]) => {
    const r = await cli("fuzz", "--campaign", "juju-ordering", "--out", shard(name), ...args);
    expect(r.code, r.err).toBe(0);
  };

  beforeAll(async () => {
    await fuzz("one", "--runs", "2", "--shard", "1/2");
    await fuzz("two", "--runs", "2", "--shard", "2/2");
    await fuzz("two-runs3", "--runs", "3", "--shard", "2/2");
    await fuzz("two-seed2", "--runs", "2", "--shard", "2/2", "--seed", "2");
    const other = await cli(
      "fuzz",
      "--campaign",
      "juju-ordering,ct-quirks",
      "--runs",
      "2",
      "--shard",
      "2/2",
      "--out",
      shard("two-campaigns"),
    );
    expect(other.code, other.err).toBe(0);
    const merged = await cli("merge", shard("merged"), shard("one"), shard("two"));
    expect(merged.code, merged.err).toBe(0);
  }, 120_000);

  const out = () => join(tempDir(), "merged");
  const mergeRefused = async (message: RegExp | string, ...inputs: string[]) => {
    const target = out();
    refused(await cli("merge", target, ...inputs), message);
    expect(existsSync(target)).toBe(false);
  };

  it("shards of different campaign sets", async () => {
    await mergeRefused(
      /two-campaigns\/report\.json is not a shard of the same run as .*one\/report\.json: its campaigns are juju-ordering, ct-quirks, not juju-ordering$/,
      shard("one"),
      shard("two-campaigns"),
    );
  });

  it("shards run with different --runs", async () => {
    await mergeRefused(/: its --runs is 3, not 2$/, shard("one"), shard("two-runs3"));
  });

  it("shards of different seeds", async () => {
    await mergeRefused(/: its seed is 2, not 1$/, shard("one"), shard("two-seed2"));
  });

  it("an output directory that is one of its inputs: the shard is left as it was", async () => {
    const before = readFileSync(join(shard("one"), "report.json"), "utf8");
    refused(
      await cli("merge", shard("one"), shard("one"), shard("two")),
      `the output directory ${shard("one")} holds the input ${join(shard("one"), "report.json")}; merge into a new directory`,
    );
    expect(readFileSync(join(shard("one"), "report.json"), "utf8")).toBe(before);
  });

  it("a shard path that is some other file: the message says what --help says", async () => {
    const file = join(tempDir(), "notes.txt");
    writeFileSync(file, "x");
    await mergeRefused(
      `${file} is neither a report.json file nor a directory holding one; give each shard's report.json or its directory`,
      shard("one"),
      file,
    );
  });

  it("a directory without a report", async () => {
    const empty = tempDir();
    await mergeRefused(
      `${empty} is a directory without a report.json; give a fuzz report directory`,
      shard("one"),
      empty,
    );
  });

  it("a merged report given as a shard", async () => {
    await mergeRefused(
      `${join(shard("merged"), "report.json")} is a merged report, not a shard`,
      shard("merged"),
    );
  });

  it("a report written by an older charmsim", async () => {
    const old = join(tempDir(), "report.json");
    writeFileSync(old, JSON.stringify({ format: "charmsim-report", version: 1 }));
    await mergeRefused(
      `invalid ${old}: version: report format version 1 was written by an older charmsim and cannot be merged; run the shards again`,
      old,
    );
  });
});

describe("a long settle in charmsim run", () => {
  it("says it is still working, on stderr, while the trace goes to stdout", async () => {
    const file = scenarioFile(
      [
        "steps:",
        "  - { op: deploy, app: p, charm: chatty-provider, units: 50 }",
        "  - { op: deploy, app: r, charm: chatty-requirer, units: 50 }",
        "  - { op: integrate, a: 'p:data', b: 'r:data' }",
        "  - { op: settle, maxHooks: 1000000 }",
        "",
      ].join("\n"),
    );
    const r = await cli("run", "--json", file);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^step 4 \(settle\): 10000 hooks so far$/m);
    expect(JSON.parse(r.out)).toMatchObject({ format: "charmsim-trace" });
  });
});
