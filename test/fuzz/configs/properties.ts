import type { FuzzRun } from "../../../src/fuzz/user/index.js";
import { modelStatus } from "../../../src/harness/juju-status.js";
import { URL } from "./url-charms.js";

/** Once settled, every web unit related to a db with units shows the url it learnt. */
export function webLearnsTheUrl(run: FuzzRun): string | null {
  const { db, web } = modelStatus(run.sim).applications;
  const related = web?.relations?.database?.some((r) => r["related-application"] === "db");
  if (!db?.units || !web?.units || !related) return null;
  for (const [unit, status] of Object.entries(web.units)) {
    const workload = status["workload-status"];
    if (workload.message !== `using ${URL}`)
      return `${unit} is ${workload.current} "${workload.message ?? ""}", not using ${URL}`;
  }
  return null;
}
