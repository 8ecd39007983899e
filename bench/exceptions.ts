/**
 * Counts the exceptions thrown (caught or not) while charmsim works, by where they are thrown:
 * the check behind "no error objects on the normal path". A worker thread attaches the inspector
 * to the main thread and pauses on every exception, records the throwing function and resumes.
 *
 *   npm run build && node --import tsx bench/exceptions.ts [sim|fuzz]
 *
 * `sim` (the default): the 22-unit model of `npm run bench` (2 v1 providers, 20 v1 requirers)
 * settled from deploy, 5 seeds: the normal path, where every throw is a finding. `fuzz`: every
 * case of the default campaigns, 8 runs each: garbage data, refused operations and faults are
 * thrown on purpose there, so the listing says what each costs, not that it is wrong.
 * Timings taken with the inspector attached mean nothing; this counts only.
 */
import "reflect-metadata";
import { Worker } from "node:worker_threads";
import {
  makeV1ProviderCharm,
  V1RequirerCharm,
  v1ProviderSpec,
  v1RequirerSpec,
} from "../dist/charms/certificate-transfer/index.js";
import { runCase } from "../dist/fuzz/campaign.js";
import { CAMPAIGN_NAMES, loadCampaign } from "../dist/fuzz/campaigns/bundled.js";
import { charmSpec, Simulation } from "../dist/index.js";
import { fixtureClientCerts } from "../dist/pki/fixtures.js";

const workload = process.argv[2] ?? "sim";
if (workload !== "sim" && workload !== "fuzz") {
  process.stderr.write("usage: bench/exceptions.ts [sim|fuzz]\n");
  process.exit(2);
}

// The counting side: plain JavaScript evaluated in a worker (a worker cannot pause its own thread).
const counter = `
const { parentPort } = require("node:worker_threads");
const inspector = require("node:inspector");
const session = new inspector.Session();
session.connectToMainThread();
const counts = new Map();
const scripts = new Map();
session.on("Debugger.scriptParsed", (m) => scripts.set(m.params.scriptId, m.params.url));
session.on("Debugger.paused", (m) => {
  const f = m.params.callFrames[0];
  const url = f ? scripts.get(f.location.scriptId) || f.url || "?" : "";
  const file = url.includes("/dist/") ? "dist/" + url.split("/dist/").pop() : url.replace(/^.*node_modules\\//, "");
  const where = f ? (f.functionName || "(anonymous)") + " " + file + ":" + (f.location.lineNumber + 1) : "(no frame)";
  counts.set(where, (counts.get(where) || 0) + 1);
  session.post("Debugger.resume");
});
session.post("Debugger.enable", () =>
  session.post("Debugger.setPauseOnExceptions", { state: "all" }, () => parentPort.postMessage("ready")),
);
parentPort.on("message", () => parentPort.postMessage([...counts].sort((a, b) => b[1] - a[1])));
`;

const worker = new Worker(counter, { eval: true });
await new Promise((resolve) => worker.once("message", resolve));

let work = 0;
let unit = "hooks";
if (workload === "sim") {
  const pems = fixtureClientCerts().map((c) => c.certPem);
  const Provider = makeV1ProviderCharm({ certificates: pems.slice(0, 3) });
  const providerSpec = charmSpec(v1ProviderSpec());
  const requirerSpec = charmSpec(v1RequirerSpec());
  for (let seed = 1; seed <= 5; seed++) {
    const sim = new Simulation({ seed, recordLogs: true });
    sim.deploy("ca", Provider, { spec: providerSpec, units: 2 });
    sim.deploy("app", V1RequirerCharm, { spec: requirerSpec, units: 20 });
    sim.integrate("ca:certificates", "app:certificates");
    work += sim.settle();
  }
} else {
  unit = "fuzz runs";
  for (const name of CAMPAIGN_NAMES) {
    for (const fuzzCase of await loadCampaign(name))
      work += runCase(fuzzCase, { seed: 1, runs: 8 }).runs;
  }
}

worker.postMessage("report");
const counts = (await new Promise((resolve) => worker.once("message", resolve))) as [
  string,
  number,
][];
await worker.terminate();
const total = counts.reduce((sum, [, n]) => sum + n, 0);
process.stdout.write(`${workload}: ${work} ${unit}, ${total} exceptions thrown\n`);
for (const [where, n] of counts.slice(0, 25)) {
  process.stdout.write(`${String(n).padStart(8)}  ${where}\n`);
}
