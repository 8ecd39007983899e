import { describe, expect, it } from "vitest";
import { checkInvariants, formatViolations } from "../../src/harness/invariants.js";
import { CharmBase } from "../../src/harness/ops/charm.js";
import type { Framework } from "../../src/harness/ops/framework.js";
import { Simulation } from "../../src/harness/simulation.js";

class Prov extends CharmBase {
  constructor(fw: Framework) {
    super(fw);
    fw.observe(this.on.relation("db").joined, (e) => {
      if (this.unit.isLeader()) e.relation.data.get(this.app).set("url", "db://x");
    });
  }
}
class Req extends CharmBase {
  constructor(fw: Framework) {
    super(fw);
    fw.observe(this.on.relation("db").changed, (e) => {
      const url = e.app ? e.relation.data.get(e.app).get("url") : undefined;
      if (url) e.relation.data.get(this.unit).set("got", url);
    });
  }
}
const provMeta = {
  name: "prov",
  provides: { db: { interface: "db" } },
  peers: { cluster: { interface: "c" } },
};
const reqMeta = { name: "req", requires: { db: { interface: "db", limit: 1 } } };

describe("simulation quick", () => {
  it("settles and satisfies invariants", () => {
    for (let seed = 0; seed < 30; seed++) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("p", Prov, { meta: provMeta, units: 2 });
      sim.deploy("r", Req, { meta: reqMeta, units: 3 });
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      for (const u of sim.units("r")) expect(sim.bag(id, u)).toEqual({ got: "db://x" });
      sim.addUnit("r");
      sim.removeUnit("p/0");
      sim.settle();
      sim.removeRelation(id);
      sim.settle();
      const v = checkInvariants(sim.trace);
      expect(v, formatViolations(v)).toEqual([]);
    }
  });
});
