/**
 * A small charm pair of the tests' own: `Db`'s leader publishes its url in the application bag
 * of a `database` relation when a unit joins it (and of every relation when elected); `Web`
 * shows the url it learnt in its status. `WebJoinedOnly` has a planted ordering bug: it reads the
 * url in relation-joined only, assuming the provider wrote it before the requirer's unit joined,
 * so it misses a url that arrives later (the provider writes it in its own relation-joined).
 */
import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  type CharmMetaInput,
  type Framework,
  type RelationEvent,
} from "../../../src/index.js";

export const URL = "pg://db";

export const dbMeta: CharmMetaInput = {
  name: "db",
  provides: { database: { interface: "pg" } },
  peers: { replicas: { interface: "db-replicas" } },
};
export const webMeta: CharmMetaInput = {
  name: "web",
  requires: { database: { interface: "pg" } },
};

export class Db extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    const publish = () => {
      if (!this.unit.isLeader()) return;
      for (const rel of this.model.relations("database")) rel.data.get(this.app).set("url", URL);
    };
    framework.observe(this.on.leaderElected, publish);
    framework.observe(this.on.relation("database").joined, publish);
    framework.observe(this.on.start, () => {
      this.unit.status = new ActiveStatus();
    });
  }
}

abstract class WebBase extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.install, () => {
      this.unit.status = new BlockedStatus("waiting for a database");
    });
  }
  protected learn(event: RelationEvent): void {
    const remote = event.relation.app;
    const url = remote ? event.relation.data.get(remote).get("url") : undefined;
    if (url) this.unit.status = new ActiveStatus(`using ${url}`);
  }
}

/** Learns the url whenever the relation's data changes. */
export class Web extends WebBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.relation("database").changed, (e) => this.learn(e));
  }
}

/** The planted bug: reads the url in relation-joined only. */
export class WebJoinedOnly extends WebBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.relation("database").joined, (e) => this.learn(e));
  }
}
