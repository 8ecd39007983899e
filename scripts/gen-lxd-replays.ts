/**
 * Regenerates fixtures/replays/lxd/<property>--<variant>.json: for each lxd campaign case that
 * upstream is expected to break (a QUIRK of spec/lxd.md), the fuzzer's minimal counterexample
 * against the faithful integrator, found with the seed and budget `charmsim fuzz` uses by default,
 * recorded as a replay file (`charmsim replay` re-runs it). Deterministic: the same code gives
 * byte-identical files.
 *
 *   npx tsx scripts/gen-lxd-replays.ts          write the files
 *   npx tsx scripts/gen-lxd-replays.ts --check  exit 1 if any file is missing or differs
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { caseSeed, DEFAULT_RUNS } from "../src/cli.js";
import { runCase } from "../src/fuzz/campaign.js";
import { lxdCases } from "../src/fuzz/campaigns/lxd.js";
import { replayToJsonText } from "../src/fuzz/replay.js";
import { findingOf } from "../src/fuzz/report.js";

const outputDir = fileURLToPath(new URL("../fixtures/replays/lxd/", import.meta.url));
const check = process.argv.includes("--check");
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
let stale = 0;

if (!check) mkdirSync(outputDir, { recursive: true });
for (const fuzzCase of lxdCases().filter((c) => c.expect === "quirk")) {
  const seed = caseSeed(1, `${fuzzCase.campaign}/${fuzzCase.property}/${fuzzCase.variant}`, 0);
  const result = runCase(fuzzCase, { seed, runs: DEFAULT_RUNS * (fuzzCase.weight ?? 1) });
  const finding = findingOf(fuzzCase, result);
  if (!finding) throw new Error(`${fuzzCase.property} / ${fuzzCase.variant}: no counterexample`);
  const file = `${outputDir}${slug(fuzzCase.property)}--${slug(fuzzCase.variant)}.json`;
  const text = replayToJsonText(finding.replay);
  if (check) {
    if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
      process.stderr.write(`out of date: ${file}\n`);
      stale += 1;
    }
  } else {
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file} (${finding.replay.scenario.steps.length} steps)\n`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
