/**
 * The README's GitHub Actions example (a campaign spread over CI jobs) cannot drift: it is valid
 * YAML with the shape of a workflow, its shards line up with its matrix and its artifacts, and its
 * charmsim commands, run here for each matrix entry on a small campaign, are accepted and merge.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { cli, tempDir } from "./cli/helpers.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const section = /### Every core, and a campaign spread over CI jobs\n([\s\S]*?)\n## /.exec(
  readme,
)?.[1];
const yamlText = /```yaml\n([\s\S]*?)```/.exec(section ?? "")?.[1] ?? "";

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number>;
}
interface Job {
  needs?: string;
  "runs-on": string;
  strategy?: { matrix: { shard: number[] } };
  steps: Step[];
}
interface Workflow {
  name: string;
  jobs: { fuzz: Job; merge: Job };
}

const doc = parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true });
const workflow = doc.toJS() as Workflow;
const runs = (job: Job) => job.steps.flatMap((s) => (s.run?.includes("charmsim") ? [s.run] : []));
/** The text with the matrix's shard expression replaced by `shard`. */
const withShard = (text: string, shard: number | string) =>
  text.replace(/\$\{\{ matrix\.shard \}\}/g, String(shard));
/** A README command as argv, without `npx charmsim`. */
const argvOf = (command: string) => {
  const words = command.trim().split(/\s+/);
  expect(words.slice(0, 2)).toEqual(["npx", "charmsim"]);
  return words.slice(2);
};

describe("README: a campaign spread over CI jobs", () => {
  it("is valid YAML shaped as a workflow with a fuzz matrix and a merge job", () => {
    expect(section).toBeDefined();
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
    const { fuzz, merge } = workflow.jobs;
    expect(fuzz.strategy?.matrix.shard.length).toBeGreaterThan(1);
    expect(merge.needs).toBe("fuzz");
    for (const job of [fuzz, merge]) {
      expect(typeof job["runs-on"]).toBe("string");
      for (const step of job.steps) expect(Boolean(step.uses) !== Boolean(step.run)).toBe(true);
    }
  });

  it("gives every matrix entry its own shard of n and uploads it under the name merge reads", () => {
    const { fuzz, merge } = workflow.jobs;
    const shards = fuzz.strategy?.matrix.shard ?? [];
    expect(shards).toEqual(shards.map((_, i) => i + 1));
    const fuzzRun = withShard(runs(fuzz)[0] ?? "", "{shard}");
    const shardArg = /--shard (\S+)/.exec(fuzzRun)?.[1];
    expect(shardArg).toBe(`{shard}/${shards.length}`);
    const out = /--out (\S+)/.exec(fuzzRun)?.[1] ?? "";
    expect(out).toContain("{shard}");
    const upload = fuzz.steps.find((s) => s.uses?.startsWith("actions/upload-artifact"));
    expect(withShard(String(upload?.with?.path), "{shard}")).toBe(out);
    expect(withShard(String(upload?.with?.name), "{shard}")).toBe(out);
    expect(upload?.if).toBe("always()");
    const download = merge.steps.find((s) => s.uses?.startsWith("actions/download-artifact"));
    const pattern = new RegExp(`^${String(download?.with?.pattern).replace("*", "\\d+")}$`);
    const [mergeRun] = runs(merge);
    const [, , ...inputs] = argvOf(mergeRun ?? "");
    expect(inputs).toEqual(shards.map((i) => out.replace("{shard}", String(i))));
    for (const input of inputs) expect(input).toMatch(pattern);
  });

  describe("its commands, run on the lxd campaign with 3 runs a case", () => {
    const dir = tempDir();
    const at = (arg: string) => (arg.startsWith("fuzz-report") ? join(dir, arg) : arg);
    const codes: number[] = [];
    let merged = { code: -1, out: "", err: "" };
    beforeAll(async () => {
      const [fuzzRun] = runs(workflow.jobs.fuzz);
      for (const shard of workflow.jobs.fuzz.strategy?.matrix.shard ?? []) {
        const argv = argvOf(withShard(fuzzRun ?? "", shard)).map(at);
        codes.push((await cli(...argv, "--campaign", "lxd", "--runs", "3")).code);
      }
      const [mergeRun] = runs(workflow.jobs.merge);
      merged = await cli(...argvOf(mergeRun ?? "").map(at));
    }, 300_000);

    it("runs each shard and merges them into one report", () => {
      expect(codes).toEqual([0, 0, 0]);
      expect(merged.err).toBe("");
      expect(merged.code).toBe(0);
      expect(merged.out).toContain("Merged 3 shard report(s) of seed 1");
      const report = JSON.parse(readFileSync(join(dir, "fuzz-report", "report.json"), "utf8"));
      expect(report.merged).toBe(3);
    });
  });
});
