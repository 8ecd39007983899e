// The fixed pair, as a JavaScript module with a charm of its own.
import { defineFuzzConfig } from "../../../src/fuzz/user/index.js";
import { ActiveStatus, CharmBase } from "../../../src/index.js";
import { Db, dbMeta } from "./url-charms.js";

class Web extends CharmBase {
  constructor(framework) {
    super(framework);
    framework.observe(this.on.relation("database").changed, (event) => {
      const remote = event.relation.app;
      const url = remote ? event.relation.data.get(remote).get("url") : undefined;
      if (url) this.unit.status = new ActiveStatus(`using ${url}`);
    });
  }
}

export default defineFuzzConfig({
  name: "url-js",
  applications: {
    db: { charm: Db, meta: dbMeta, units: [1, 2] },
    web: { charm: Web, meta: { name: "web", requires: { database: { interface: "pg" } } } },
  },
});
