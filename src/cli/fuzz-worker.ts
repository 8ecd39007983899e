/**
 * A worker thread of `charmsim fuzz --workers N`: runs the cases it is sent, one at a time, and
 * answers each with its result and finding. A case is named by its campaign (or the user's config
 * file) and its place there, and carries its seed and runs, so it runs exactly as it would in the
 * main thread.
 */
import { parentPort } from "node:worker_threads";
import { type FuzzCase, runCase } from "../fuzz/campaign.js";
import { type CampaignName, loadCampaign } from "../fuzz/campaigns/bundled.js";
import { type Finding, findingOf } from "../fuzz/report.js";
import { InputError } from "../model/errors.js";
import {
  type CaseSource,
  type CaseTask,
  RAN_INTERVAL_MS,
  type WorkerMessage,
} from "./fuzz-pool.js";

const port = parentPort;
if (port === null) throw new Error("fuzz-worker runs as a worker thread of charmsim fuzz");

const campaigns = new Map<CampaignName, FuzzCase[]>();
const configs = new Map<string, { cases: FuzzCase[]; record: (f: Finding) => Finding }>();
const post = (message: WorkerMessage) => port.postMessage(message);

/** Evaluations not reported yet, and when they were last reported (see RAN_INTERVAL_MS). */
let unreported = 0;
let reportedAt = 0;
function ran(): void {
  unreported += 1;
  const now = Date.now();
  if (now - reportedAt >= RAN_INTERVAL_MS) flushRan(now);
}
function flushRan(now = Date.now()): void {
  if (unreported > 0) post({ type: "ran", count: unreported });
  unreported = 0;
  reportedAt = now;
}

/** The case a task names, and how its finding is recorded (a config's finding names the file). */
async function caseOf(
  source: CaseSource,
): Promise<{ fuzzCase: FuzzCase | undefined; record: (f: Finding) => Finding }> {
  if (source.kind === "campaign") {
    let cases = campaigns.get(source.campaign);
    if (cases === undefined) {
      cases = await loadCampaign(source.campaign);
      campaigns.set(source.campaign, cases);
    }
    return { fuzzCase: cases[source.caseIndex], record: (f) => f };
  }
  let loaded = configs.get(source.file);
  if (loaded === undefined) {
    const { configCases } = await import("../cli-config.js");
    const c = await configCases(source.file);
    loaded = { cases: c.cases, record: c.recordConfig };
    configs.set(source.file, loaded);
  }
  return { fuzzCase: loaded.cases[source.caseIndex], record: loaded.record };
}

port.on("message", (task: CaseTask) => {
  void (async () => {
    try {
      const { fuzzCase, record } = await caseOf(task.source);
      if (fuzzCase === undefined) throw new Error(`no case ${JSON.stringify(task.source)}`);
      const result = runCase(fuzzCase, {
        seed: task.seed,
        runs: task.runs,
        onRun: ran,
      });
      const finding = findingOf(fuzzCase, result);
      flushRan();
      post({ type: "done", index: task.index, result, finding: finding ? record(finding) : null });
    } catch (e) {
      flushRan();
      post({
        type: "failed",
        index: task.index,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
        ...(e instanceof InputError ? { input: { what: e.what, issues: e.issues } } : {}),
      });
    }
  })();
});
