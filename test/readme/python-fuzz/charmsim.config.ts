import { defineFuzzConfig } from "../../../src/fuzz/user/index.js";
import { pythonCharm } from "../../../src/python/index.js";

export default defineFuzzConfig({
  name: "py-db-web",
  applications: {
    // Metadata comes from each charm's directory (charmcraft.yaml).
    db: { charm: pythonCharm(new URL("charms/db", import.meta.url).pathname), units: [1, 3] },
    web: { charm: pythonCharm(new URL("charms/web", import.meta.url).pathname), units: [1, 3] },
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
