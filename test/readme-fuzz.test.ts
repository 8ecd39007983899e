/**
 * The README's "Fuzz your own charm" section cannot drift: its charms and config are the files
 * of test/readme/fuzz/ (imports aside), and the report it shows is what `charmsim fuzz --config`
 * prints for them, as is its claim that the one-word fix makes every property hold.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, esmTempDir, lines, tempDir } from "./cli/helpers.js";

const here = (path: string) => new URL(path, import.meta.url).pathname;
const readme = readFileSync(here("../README.md"), "utf8");
const section = /## Fuzz your own charm\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";
const blocks = (lang: string) =>
  [...section.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1]);
const exampleDir = "test/readme/fuzz";
const source = (file: string) =>
  readFileSync(here(`./readme/fuzz/${file}`), "utf8")
    .replace('from "../../../src/index.js"', 'from "charmsim"')
    .replace('from "../../../src/fuzz/user/index.js"', 'from "charmsim/fuzz"');

describe("README: Fuzz your own charm", () => {
  it("shows the charms and the config of test/readme/fuzz/", () => {
    const [charms, config] = blocks("ts");
    expect(charms).toBe(source("charms.ts"));
    expect(config).toBe(source("charmsim.config.ts"));
    expect(section).toContain("npx charmsim fuzz --config charmsim.config.ts\n");
  });

  it("shows the report charmsim fuzz --config prints for them", async () => {
    const out = join(tempDir(), "report");
    const r = await cli("fuzz", "--config", `${exampleDir}/charmsim.config.ts`, "--out", out);
    expect(r.code).toBe(1);
    const table = r.out.split("\n\n")[0];
    const shown = blocks("text")[0]?.trimEnd();
    const update = "README out of date: show this table and these steps instead";
    expect(shown, update).toBe(table);
    const report = readFileSync(join(out, "report.md"), "utf8");
    const steps = (text: string) => lines(text).filter((l) => /^\d+\. /.test(l));
    const minimal = /Minimal steps:\n([\s\S]*?)\n```/.exec(report)?.[1] ?? "";
    expect(steps(section), `${update}:\n${minimal}`).toEqual(steps(minimal));
    expect(steps(minimal).length).toBeGreaterThan(0);
    const message = /^FAILS: (.*)$/m.exec(report)?.[1];
    expect(section).toContain(`\`${message}\` after\n`);
  });

  it("with the fix it describes, every property holds", async () => {
    const dir = esmTempDir();
    const src = join(process.cwd(), "src");
    const fixed = source("charms.ts")
      .replace('from "charmsim"', `from "${src}/index.js"`)
      .replace(
        'this.on.relation("database").joined, (event)',
        'this.on.relation("database").changed, (event)',
      );
    expect(fixed).toContain(".changed, (event)");
    writeFileSync(join(dir, "charms.ts"), fixed);
    writeFileSync(
      join(dir, "charmsim.config.ts"),
      source("charmsim.config.ts").replace(
        'from "charmsim/fuzz"',
        `from "${src}/fuzz/user/index.js"`,
      ),
    );
    const r = await cli(
      "fuzz",
      "--config",
      join(dir, "charmsim.config.ts"),
      "--out",
      join(dir, "r"),
    );
    expect(r.err).not.toContain("charmsim:");
    expect(r.code).toBe(0);
  });
});
