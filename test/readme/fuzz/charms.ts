import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  type CharmMetaInput,
  type Framework,
} from "../../../src/index.js";

export const dbMeta: CharmMetaInput = {
  name: "db",
  provides: { database: { interface: "pg" } },
};
export const webMeta: CharmMetaInput = {
  name: "web",
  requires: { database: { interface: "pg" } },
};

/** The leader publishes the url in each `database` relation: when a unit joins, when elected. */
export class Db extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    const publish = () => {
      if (!this.unit.isLeader()) return;
      for (const rel of this.model.relations("database")) {
        rel.data.get(this.app).set("url", "pg://db");
      }
    };
    framework.observe(this.on.leaderElected, publish);
    framework.observe(this.on.relation("database").joined, publish);
  }
}

/** Shows the url it learnt in its status. It reads the url in relation-joined only. */
export class Web extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.install, () => {
      this.unit.status = new BlockedStatus("waiting for a database");
    });
    framework.observe(this.on.relation("database").joined, (event) => {
      const url = event.app ? event.relation.data.get(event.app).get("url") : undefined;
      if (url) this.unit.status = new ActiveStatus(`using ${url}`);
    });
  }
}
