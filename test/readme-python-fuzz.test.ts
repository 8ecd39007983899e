/**
 * The README's "Fuzzing a Python charm" section cannot drift: its charm and config are the files
 * of test/readme/python-fuzz/ (imports aside); `charmsim fuzz --config` finds the planted ordering
 * bug in the Python pair with the minimal scenario the section describes, on one worker and on two
 * with the same bytes, and the fix it names makes every property hold.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, esmTempDir, lines, reportFiles, tempDir } from "./cli/helpers.js";

const here = (path: string) => new URL(path, import.meta.url).pathname;
const readme = readFileSync(here("../README.md"), "utf8");
const section = /### Fuzzing a Python charm\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";
const blocks = (lang: string) =>
  [...section.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1]);
const exampleDir = "test/readme/python-fuzz";
const file = (path: string) => readFileSync(here(`./readme/python-fuzz/${path}`), "utf8");
const configSource = () =>
  file("charmsim.config.ts")
    .replace('from "../../../src/fuzz/user/index.js"', 'from "charmsim/fuzz"')
    .replace('from "../../../src/python/index.js"', 'from "charmsim/python"');

interface Run {
  code: number;
  out: string;
  dir: string;
}

async function fuzz(config: string, workers: number): Promise<Run> {
  const dir = join(tempDir(), "report");
  const r = await cli(
    "fuzz",
    "--config",
    config,
    "--runs",
    "20",
    "--workers",
    String(workers),
    "--out",
    dir,
  );
  return { code: r.code, out: r.out + r.err, dir };
}

describe("README: Fuzzing a Python charm", () => {
  const runs = new Map<number, Run>();
  beforeAll(async () => {
    for (const w of [1, 2]) runs.set(w, await fuzz(`${exampleDir}/charmsim.config.ts`, w));
  }, 240_000);

  it("shows the web charm and the config of test/readme/python-fuzz/", () => {
    expect(blocks("python")[0]).toBe(file("charms/web/src/charm.py"));
    expect(blocks("ts")[0]).toBe(configSource());
    expect(section).toContain("npx charmsim fuzz --config charmsim.config.ts --runs 20\n");
  });

  it("finds the planted bug: the table the README shows, with the minimal scenario it names", () => {
    const one = runs.get(1) as Run;
    expect(one.code).toBe(1);
    const table = one.out.split("\n\n")[0];
    expect(blocks("text")[0]?.trimEnd(), "README out of date: show this table").toBe(table);
    const report = readFileSync(join(one.dir, "report.md"), "utf8");
    const minimal = /Minimal steps:\n([\s\S]*?)\n```/.exec(report)?.[1] ?? "";
    expect(lines(minimal).filter((l) => /^\d+\. /.test(l))).toEqual([
      "1. deploy db (db) x1",
      "2. deploy web (web) x1",
      "3. settle",
      "4. integrate db:database web:database",
      "5. settle",
    ]);
    expect(report).toMatch(/FAILS: web\/0 is blocked "waiting for a database"/);
  });

  it("writes the same report on two workers as on one", () => {
    const one = reportFiles((runs.get(1) as Run).dir);
    const two = reportFiles((runs.get(2) as Run).dir);
    expect([...two.keys()].sort()).toEqual([...one.keys()].sort());
    expect([...one.keys()].some((k) => k.startsWith("replays/"))).toBe(true);
    for (const [name, text] of one) expect(two.get(name), name).toBe(text);
  });

  it("with the fix it names (observe relation_changed), every property holds", async () => {
    const dir = esmTempDir();
    cpSync(here("./readme/python-fuzz"), dir, { recursive: true });
    const charm = join(dir, "charms/web/src/charm.py");
    const fixed = readFileSync(charm, "utf8").replace(
      'self.on["database"].relation_joined, self._on_database',
      'self.on["database"].relation_changed, self._on_database',
    );
    expect(fixed).toContain("relation_changed, self._on_database");
    writeFileSync(charm, fixed);
    const src = join(process.cwd(), "src");
    writeFileSync(
      join(dir, "charmsim.config.ts"),
      file("charmsim.config.ts")
        .replace('from "../../../src/fuzz/user/index.js"', `from "${src}/fuzz/user/index.js"`)
        .replace('from "../../../src/python/index.js"', `from "${src}/python/index.js"`),
    );
    const r = await fuzz(join(dir, "charmsim.config.ts"), 2);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/web learns the url\s+user\s+20\s+holds/);
  }, 120_000);
});
