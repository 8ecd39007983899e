/**
 * `charmsim fuzz --workers N`: the cases run on N worker threads, and the report (report.md,
 * report.json, the replays and diagrams) and the printed JSON are the same bytes for 1, 2 and 3
 * workers. Only what the run itself records differs: its command line (which names --workers
 * and --out) and its duration.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { blankRunRecord, cli, reportFiles, tempDir } from "./helpers.js";

interface Run {
  code: number;
  json: string;
  files: Map<string, string>;
}

async function fuzzWith(workers: number): Promise<Run> {
  const out = tempDir();
  const r = await cli(
    "fuzz",
    "--campaign",
    "lxd",
    "--runs",
    "5",
    "--workers",
    String(workers),
    "--out",
    out,
    "--json",
  );
  const files = reportFiles(out);
  return { code: r.code, json: blankRunRecord(r.out), files };
}

describe("charmsim fuzz --workers", () => {
  const runs = new Map<number, Run>();
  beforeAll(async () => {
    for (const w of [1, 2, 3]) runs.set(w, await fuzzWith(w));
  }, 300_000);

  it("finds something to compare: results, replays and diagrams", () => {
    const one = runs.get(1) as Run;
    expect(one.code).toBe(0);
    const names = [...one.files.keys()];
    expect(names).toContain("report.json");
    expect(names).toContain("report.md");
    expect(names.filter((n) => n.startsWith("replays/")).length).toBeGreaterThan(0);
    expect(names.filter((n) => n.startsWith("diagrams/")).length).toBeGreaterThan(0);
    expect(JSON.parse(one.json).results.length).toBeGreaterThan(5);
  });

  it.each([2, 3])("writes the same report with %i workers as with one", (w) => {
    const one = runs.get(1) as Run;
    const many = runs.get(w) as Run;
    expect(many.code).toBe(one.code);
    expect(many.json).toBe(one.json);
    expect([...many.files.keys()].sort()).toEqual([...one.files.keys()].sort());
    for (const [name, text] of one.files) expect(many.files.get(name), name).toBe(text);
  });

  it("exits 2 on a bad config with its threads already started, and does not hang", async () => {
    const dir = tempDir();
    const file = join(dir, "charmsim.config.yaml");
    writeFileSync(file, "foo: 1\n");
    // In a process of its own: a thread left running would keep it from exiting.
    const main = join(import.meta.dirname, "import-trace", "main.ts");
    const args = ["fuzz", "--config", file, "--workers", "2", "--out", tempDir()];
    const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("invalid fuzz config");
  }, 70_000);

  it("refuses a worker count that is not a whole number from 1", async () => {
    for (const bad of ["0", "two", "-1"]) {
      const r = await cli("fuzz", "--campaign", "lxd", "--workers", bad, "--out", tempDir());
      expect(r.code).toBe(2);
      expect(r.err).toContain("workers");
    }
  });
});
