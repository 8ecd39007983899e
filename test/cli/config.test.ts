/**
 * The command line with a user's fuzz config: `charmsim fuzz --config` (exit 0 when every
 * property holds, 1 when one fails, 2 for a bad config, with one line naming what is wrong),
 * `charmsim replay` of a finding (refusing a config that changed since), and
 * `charmsim run scenario.yaml --config`.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, esmTempDir, lines, tempDir } from "./helpers.js";

const configs = "test/fuzz/configs";
const config = (name: string) => `${configs}/${name}`;

interface ReportJson {
  results: {
    campaign: string;
    property: string;
    variant: string;
    runs: number;
    verdict: string;
    replayFile?: string;
  }[];
}
const readReport = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as ReportJson;

/** buggy.config.ts for another directory: the same config, importing from its original place. */
const buggyConfigElsewhere = () =>
  readFileSync(config("buggy.config.ts"), "utf8")
    .replaceAll('from "./', `from "${join(process.cwd(), configs)}/`)
    .replaceAll('from "../../../src/', `from "${join(process.cwd(), "src")}/`);

describe("charmsim fuzz --config", () => {
  it("runs the config's properties and the built-ins; exit 0 when all hold", async () => {
    const out = join(tempDir(), "report");
    const r = await cli(
      "fuzz",
      "--config",
      config("fixed.config.ts"),
      "--runs",
      "25",
      // One worker: progress lines come in the order cases finish.
      "--workers",
      "1",
      "--out",
      out,
    );
    expect(r.code).toBe(0);
    expect(readReport(out).results.map((x) => [x.campaign, x.property, x.runs, x.verdict])).toEqual(
      [
        ["url-fixed", "juju.invariants", 25, "holds"],
        ["url-fixed", "juju.settles", 25, "holds"],
        ["url-fixed", "charm.no-hook-raised", 25, "holds"],
        ["url-fixed", "web learns the url", 25, "holds"],
      ],
    );
    // Progress: one line per property (plain lines, stdout is not a terminal), then a summary.
    const progress = lines(r.err).map((l) =>
      l.replace(/ \(\d+:\d+ elapsed(, ETA \d+:\d+)?\)$/, ""),
    );
    expect(progress.slice(0, 4)).toEqual([
      "[1/4] url-fixed juju.invariants (user): holds after 25 runs",
      "[2/4] url-fixed juju.settles (user): holds after 25 runs",
      "[3/4] url-fixed charm.no-hook-raised (user): holds after 25 runs",
      "[4/4] url-fixed web learns the url (user): holds after 25 runs",
    ]);
    expect(progress.at(-1)).toMatch(/^fuzz done in .*: 4 hold, 0 FAIL, /);
    expect(lines(r.out)[0]).toMatch(/^campaign\s+property\s+variant\s+runs\s+result/);
  });

  it("loads a JavaScript config too", async () => {
    const out = join(tempDir(), "report");
    const r = await cli(
      "fuzz",
      "--config",
      config("fixed.config.mjs"),
      "--runs",
      "10",
      "--out",
      out,
    );
    expect(r.err).not.toContain("charmsim:");
    expect(r.code).toBe(0);
    expect(readReport(out).results.map((x) => x.campaign)).toEqual(["url-js", "url-js", "url-js"]);
  });

  it("exit 1 when a property fails; the replay file records the config; replay reproduces it", async () => {
    const out = join(tempDir(), "report");
    const r = await cli(
      "fuzz",
      "--config",
      config("buggy.config.ts"),
      "--runs",
      "60",
      "--out",
      out,
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain("1 property expected to hold failed");
    const failed = readReport(out).results.find((x) => x.verdict === "fails");
    expect(failed?.property).toBe("web learns the url");
    const replayFile = join(out, failed?.replayFile ?? "");
    const replay = JSON.parse(readFileSync(replayFile, "utf8")) as {
      config: { path: string; sha256: string };
    };
    expect(replay.config.path).toBe(config("buggy.config.ts"));
    expect(replay.config.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(join(out, "diagrams"))).toHaveLength(1);
    const again = await cli("replay", replayFile);
    expect(again.code).toBe(1);
    expect(lines(again.out).slice(1)).toEqual([
      'verdict: property violated: web/0 is blocked "waiting for a database", not using pg://db',
      "recorded verdict: the same",
      "trace: identical to the recorded one",
    ]);
  });

  it("replay refuses a finding whose config changed since (exit 2)", async () => {
    const dir = esmTempDir();
    const file = join(dir, "charmsim.config.ts");
    writeFileSync(file, buggyConfigElsewhere());
    const out = join(dir, "report");
    const r = await cli("fuzz", "--config", file, "--runs", "60", "--out", out);
    expect(r.code).toBe(1);
    const failed = readReport(out).results.find((x) => x.verdict === "fails");
    const replayFile = join(out, failed?.replayFile ?? "");
    writeFileSync(file, `${readFileSync(file, "utf8")}// edited\n`);
    const again = await cli("replay", replayFile);
    expect(again.code).toBe(2);
    expect(lines(again.err)).toHaveLength(1);
    expect(again.err).toContain(
      `${relative(process.cwd(), file)} changed since this finding was recorded`,
    );
    expect(again.out).toBe("");
  });

  it("a .ts config outside an ES module package: exit 2, saying how to load it", async () => {
    // The worker threads load the config the way the command line does (through tsx), so this is
    // what a project without "type": "module" sees.
    const dir = tempDir();
    const file = join(dir, "charmsim.config.ts");
    writeFileSync(file, buggyConfigElsewhere());
    const r = await cli(
      "fuzz",
      "--config",
      file,
      "--runs",
      "2",
      "--workers",
      "2",
      "--out",
      join(dir, "r"),
    );
    expect(r.code).toBe(2);
    expect(lines(r.err)).toHaveLength(1);
    expect(r.err).toContain('no "type": "module"; add it, or name the config .mts');
  });

  it("a user's config runs on worker threads with the same report as on one", async () => {
    const reports = [];
    for (const workers of ["1", "2"]) {
      const out = join(tempDir(), "report");
      const r = await cli(
        "fuzz",
        "--config",
        config("buggy.config.ts"),
        "--runs",
        "30",
        "--workers",
        workers,
        "--out",
        out,
        "--json",
      );
      expect(r.code).toBe(1);
      reports.push(
        r.out.replace(/"command": ?"[^"]*"/g, "").replace(/"durationMs": ?[0-9.]+/g, ""),
      );
    }
    expect(reports[1]).toBe(reports[0]);
    expect(reports[0]).toContain('"verdict": "fails"');
  });

  describe("a bad config: exit 2, one line naming what is wrong, nothing written", () => {
    const cases: [string, string][] = [
      [
        "bad-relation.config.ts",
        'relations[0][1]: unknown endpoint "web:db"; web\'s endpoints: database',
      ],
      [
        "bad-units.config.ts",
        "applications.db.units: expected a range [min, max] of whole numbers with 0 <= min <= max, 1 <= max <= 20; got [3,1]",
      ],
      [
        "bad-property.config.ts",
        "properties.web learns the url: a property is a function (run) => null when it holds, else a message",
      ],
      [
        "bad-meta.config.ts",
        "applications.db.meta.provides.database.interface: Invalid input: expected string, received undefined",
      ],
      [
        "throws.config.ts",
        "(module): cannot load: Error: the config module could not reach its charms",
      ],
      ["no-default.config.ts", "(default export): the module has no default export"],
      ["missing.config.ts", "(file): cannot read test/fuzz/configs/missing.config.ts: ENOENT"],
      ["url-charms.json", "(file): a fuzz config is a .ts, .mts, .js or .mjs module"],
    ];
    for (const [file, message] of cases) {
      it(file, async () => {
        const out = join(tempDir(), "report");
        const r = await cli("fuzz", "--config", config(file), "--out", out);
        expect(r.code).toBe(2);
        expect(lines(r.err)).toHaveLength(1);
        expect(r.err).toContain(`charmsim: invalid fuzz config ${config(file)}: ${message}`);
        expect(r.out).toBe("");
        expect(() => readdirSync(out)).toThrow();
      });
    }

    it("--campaign with --config", async () => {
      const r = await cli("fuzz", "--config", config("fixed.config.ts"), "--campaign", "lxd");
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        "charmsim: invalid command line: --campaign: --config runs the config's properties; leave out --campaign\n",
      );
    });
  });
});

describe("charmsim run --config", () => {
  it("runs a hand-written scenario over the config's charms, by application name", async () => {
    const dir = tempDir();
    const scenario = join(dir, "scenario.yaml");
    writeFileSync(
      scenario,
      [
        "seed: 3",
        "steps:",
        "  - { op: deploy, app: db, charm: db, units: 2 }",
        "  - { op: deploy, app: web, charm: web }",
        "  - { op: integrate, a: db:database, b: web:database }",
        "  - { op: settle }",
        "",
      ].join("\n"),
    );
    const r = await cli("run", scenario, "--config", config("fixed.config.ts"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/web\/0 database_relation_changed|web\/0 relation-changed r2/);
    expect(r.err).toMatch(/invariants hold; 0 unit\(s\) in error; 0 failed step\(s\)/);
    writeFileSync(scenario, "steps:\n  - { op: deploy, app: db, charm: postgresql }\n");
    const bad = await cli("run", scenario, "--config", config("fixed.config.ts"));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown charm "postgresql"; known charms: db, web');
  });
});

describe("charmsim fuzz --config, sharded, as JSON", () => {
  it("shards split each property's runs; --json prints the report", async () => {
    const dir = tempDir();
    const shards = await Promise.all(
      ["1/2", "2/2"].map(async (shard, i) => {
        const out = join(dir, `shard-${i}`);
        const r = await cli(
          "fuzz",
          "--config",
          config("fixed.config.ts"),
          "--runs",
          "15",
          "--shard",
          shard,
          "--json",
          "--out",
          out,
        );
        expect(r.code).toBe(0);
        return JSON.parse(r.out) as ReportJson & { shard: { index: number; count: number } };
      }),
    );
    expect(shards.map((s) => [s.shard, s.results.map((x) => x.runs)])).toEqual([
      [{ index: 1, count: 2 }, [8, 8, 8, 8]],
      [{ index: 2, count: 2 }, [7, 7, 7, 7]],
    ]);
    const merged = await cli(
      "merge",
      join(dir, "merged"),
      join(dir, "shard-0"),
      join(dir, "shard-1"),
    );
    expect(merged.code).toBe(0);
    expect(readReport(join(dir, "merged")).results.map((x) => x.runs)).toEqual([15, 15, 15, 15]);
  });
});
