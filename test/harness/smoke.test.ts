import { describe, expect, it } from "vitest";
import { Context } from "../../src/harness/context.js";
import { CharmBase } from "../../src/harness/ops/charm.js";
import type { Framework } from "../../src/harness/ops/framework.js";
import { DEFAULT_JUJU_DATABAG, Relation, State } from "../../src/model/state.js";
import { ActiveStatus } from "../../src/model/status.js";

class Echo extends CharmBase {
  constructor(fw: Framework) {
    super(fw);
    fw.observe(this.on.relation("db").changed, (e) => {
      const remote = e.unit ? e.relation.data.get(e.unit).get("x") : undefined;
      e.relation.data.get(this.unit).set("seen", remote ?? "none");
      this.unit.status = new ActiveStatus("ok");
    });
  }
}

describe("smoke", () => {
  it("runs", () => {
    const ctx = new Context(Echo, {
      meta: { name: "echo", requires: { db: { interface: "db" } } },
    });
    const rel = new Relation({ endpoint: "db", remoteUnitsData: { 0: { x: "1" } } });
    const out = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    // Juju's own keys are in the unit bag from the start, as in Scenario.
    expect(out.getRelation(rel.id)?.localUnitData).toEqual({ ...DEFAULT_JUJU_DATABAG, seen: "1" });
    expect(out.unitStatus).toEqual(new ActiveStatus("ok"));
  });
});
