/** `charmsim replay <file>`: re-runs a recorded counterexample and compares it with the record. */
import { evaluate, type FuzzCase } from "../fuzz/campaign.js";
import { isCampaignName, loadCampaign } from "../fuzz/campaigns/bundled.js";
import { type ScenarioLimits, scenarioLimitIssue } from "../fuzz/limits.js";
import { parseReplay, type ReplayFile } from "../fuzz/replay.js";
import type { TraceRecord } from "../harness/trace.js";
import { InputError } from "../model/errors.js";
import { type CliIo, readText, UsageError } from "./common.js";
import { formatRecord } from "./run.js";

const verdictText = (message: string | null) =>
  message === null ? "property holds" : `property violated: ${message}`;

/** The first record where two traces part, as two lines (or null when they are identical). */
function firstDifference(
  recorded: readonly TraceRecord[],
  now: readonly TraceRecord[],
): string | null {
  const n = Math.max(recorded.length, now.length);
  for (let i = 0; i < n; i++) {
    const a = recorded[i];
    const b = now[i];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    return [
      `  first difference at record ${i}:`,
      `    recorded: ${a ? formatRecord(a) : "(the recorded trace ends here)"}`,
      `    now:      ${b ? formatRecord(b) : "(the trace ends here)"}`,
    ].join("\n");
  }
  return null;
}

/**
 * Re-runs a replay file. Exit 0: the counterexample reproduces exactly (same verdict, identical
 * trace) and shows a known quirk; 1: it reproduces a violation of a property expected to hold,
 * or it no longer reproduces (the property holds, or the verdict or trace differs); 2: the file
 * is unreadable, malformed or edited after it was recorded, goes past the scenario limits, or
 * names a case this version does not have.
 */
export async function replay(file: string, limits: ScenarioLimits, io: CliIo): Promise<number> {
  const rec = parseReplay(readText(file), file);
  checkLimits(file, rec, limits);
  const cases = isCampaignName(rec.campaign) ? await loadCampaign(rec.campaign) : [];
  const fuzzCase = cases.find((c) => c.property === rec.property && c.variant === rec.variant);
  if (!fuzzCase) {
    throw new UsageError(
      `${file}: no case ${rec.campaign}/${rec.property}/${rec.variant} in this version of charmsim`,
    );
  }
  return replayCase(rec, fuzzCase, io);
}

/** Refuses a replay whose scenario goes past the scenario limits. */
export function checkLimits(file: string, rec: ReplayFile, limits: ScenarioLimits): void {
  const over = scenarioLimitIssue(rec.scenario, limits);
  if (over) throw new InputError(file, [{ ...over, path: `scenario.${over.path}` }]);
}

/** Re-runs a parsed replay with its case and prints the comparison; the exit code as above. */
export function replayCase(rec: ReplayFile, fuzzCase: FuzzCase, io: CliIo): number {
  const { run, message } = evaluate(fuzzCase, rec.scenario);
  const records = run.sim.trace.records;
  const difference = firstDifference(rec.trace.records, records);
  io.out(
    `${rec.campaign} ${rec.property} (${rec.variant}), seed ${rec.seed}, path ${rec.path || "-"}\n`,
  );
  io.out(`verdict: ${verdictText(message)}\n`);
  const sameVerdict = message === rec.verdict;
  if (sameVerdict) io.out("recorded verdict: the same\n");
  else {
    io.out(
      `recorded verdict: DIFFERENT\n  expected (recorded): ${verdictText(rec.verdict)}\n  got (this run):      ${verdictText(message)}\n`,
    );
  }
  if (difference === null) io.out("trace: identical to the recorded one\n");
  else {
    io.out(
      `trace: DIFFERS from the recorded one (${rec.trace.records.length} records recorded, ${records.length} now)\n${difference}\n`,
    );
  }
  if (message === null || difference !== null || !sameVerdict) return 1;
  return rec.expect === "hold" ? 1 : 0;
}
