/**
 * A worker thread of `charmsim fuzz --workers N`: runs the cases it is sent, one at a time, and
 * answers each with its result and finding. A case is named by its campaign and its place in the
 * campaign, and carries its seed and runs, so it runs exactly as it would in the main thread.
 */
import { parentPort } from "node:worker_threads";
import { type FuzzCase, runCase } from "../fuzz/campaign.js";
import { type CampaignName, loadCampaign } from "../fuzz/campaigns/bundled.js";
import { findingOf } from "../fuzz/report.js";
import type { CaseTask, WorkerMessage } from "./fuzz-pool.js";

const port = parentPort;
if (port === null) throw new Error("fuzz-worker runs as a worker thread of charmsim fuzz");

const campaigns = new Map<CampaignName, FuzzCase[]>();
const post = (message: WorkerMessage) => port.postMessage(message);

port.on("message", (task: CaseTask) => {
  void (async () => {
    try {
      let cases = campaigns.get(task.campaign);
      if (cases === undefined) {
        cases = await loadCampaign(task.campaign);
        campaigns.set(task.campaign, cases);
      }
      const fuzzCase = cases[task.caseIndex];
      if (fuzzCase === undefined) throw new Error(`no case ${task.caseIndex} in ${task.campaign}`);
      const result = runCase(fuzzCase, {
        seed: task.seed,
        runs: task.runs,
        onRun: () => post({ type: "ran" }),
      });
      post({ type: "done", index: task.index, result, finding: findingOf(fuzzCase, result) });
    } catch (e) {
      post({
        type: "failed",
        index: task.index,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
    }
  })();
});
