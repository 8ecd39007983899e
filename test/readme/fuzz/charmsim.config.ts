import { defineFuzzConfig } from "../../../src/fuzz/user/index.js";
import { Db, dbMeta, Web, webMeta } from "./charms.js";

export default defineFuzzConfig({
  name: "db-web",
  applications: {
    db: { charm: Db, meta: dbMeta, units: [1, 3] },
    web: { charm: Web, meta: webMeta, units: [1, 3] },
  },
  properties: {
    // Once settled, every web unit related to a db that has units uses the db's url.
    "web learns the url": (run) => {
      const { db, web } = run.sim.status().applications;
      if (!db?.units || !web?.units || !web.relations?.database) return null;
      for (const [unit, status] of Object.entries(web.units)) {
        const { current, message } = status["workload-status"];
        if (message !== "using pg://db") return `${unit} is ${current} "${message ?? ""}"`;
      }
      return null;
    },
  },
});
