/**
 * Regenerates fixtures/replays/certificate-transfer/<quirk>.json: for each QUIRK hunt of
 * src/fuzz/campaigns/ct-quirk-hunts.ts, the fuzzer's minimal counterexample against the faithful
 * version mix (the hunts' fixed seed and run budget), recorded as a replay file (`charmsim replay`
 * re-runs it). Deterministic: the same code gives byte-identical files. Refuses to write a
 * counterexample whose trace does not show its quirk.
 *
 *   npx tsx scripts/gen-ct-replays.ts          write the files
 *   npx tsx scripts/gen-ct-replays.ts --check  exit 1 if any file is missing or differs
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { evaluate, runCase } from "../src/fuzz/campaign.js";
import {
  QUIRK_HUNT_RUNS,
  QUIRK_HUNT_SEED,
  quirkHuntCase,
  quirkHunts,
} from "../src/fuzz/campaigns/ct-quirk-hunts.js";
import { replayToJsonText } from "../src/fuzz/replay.js";
import { findingOf } from "../src/fuzz/report.js";

const outputDir = fileURLToPath(
  new URL("../fixtures/replays/certificate-transfer/", import.meta.url),
);
const check = process.argv.includes("--check");
let stale = 0;

if (!check) mkdirSync(outputDir, { recursive: true });
for (const hunt of quirkHunts) {
  const fuzzCase = quirkHuntCase(hunt, "faithful");
  const result = runCase(fuzzCase, { seed: QUIRK_HUNT_SEED, runs: QUIRK_HUNT_RUNS });
  const finding = findingOf(fuzzCase, result);
  if (!finding) {
    throw new Error(
      `${hunt.name}: no counterexample in ${QUIRK_HUNT_RUNS} runs (${result.verdict})`,
    );
  }
  const witness = hunt.witness(evaluate(fuzzCase, finding.replay.scenario).run);
  if (!witness) throw new Error(`${hunt.name}: the shrunk counterexample does not show the quirk`);
  const file = `${outputDir}${hunt.name}.json`;
  const text = replayToJsonText(finding.replay);
  if (check) {
    const same = existsSync(file) && readFileSync(file, "utf8") === text;
    if (!same) stale += 1;
    process.stdout.write(`${same ? "up to date" : "STALE"}  ${hunt.name}.json\n`);
  } else {
    writeFileSync(file, text);
    process.stdout.write(
      `${hunt.name}.json: found at run ${result.runs}, ${finding.replay.scenario.steps.length} steps; ${witness}\n`,
    );
  }
}
if (stale > 0) {
  process.stderr.write(`${stale} replay file(s) differ; run npx tsx scripts/gen-ct-replays.ts\n`);
  process.exit(1);
}
