/**
 * `model.relations(endpoint)` lists relations as Juju's `relation-ids` does and ops keeps them:
 * the "endpoint:id" strings sorted as strings (worker/uniter/runner/jujuc/relation-ids.go,
 * `sort.Strings`), so ids 2, 3, 10 are seen as 10, 2, 3; relations the unit no longer has
 * (Juju leaves out the dead ones) are not listed. The framework orders the list itself, whatever
 * order the environment hands over.
 */
import { describe, expect, it } from "vitest";
import { Context } from "../../src/harness/context.js";
import type { EnvRelation, Hook, HookEnvironment } from "../../src/harness/hook.js";
import { CharmBase } from "../../src/harness/ops/charm.js";
import { Framework } from "../../src/harness/ops/framework.js";
import { Simulation } from "../../src/harness/simulation.js";
import { charmSpec } from "../../src/model/metadata.js";
import { Relation, State } from "../../src/model/state.js";
import { ActiveStatus, MaintenanceStatus } from "../../src/model/status.js";
import { charmClass } from "./helpers.js";

const meta = {
  name: "hub",
  requires: { db: { interface: "db" }, backup: { interface: "db" } },
};

/** Juju's order: "endpoint:id" strings sorted as strings (Go's sort.Strings compares bytes). */
const jujuOrder = (endpoint: string, ids: readonly number[]) =>
  ids
    .map((id) => `${endpoint}:${id}`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((s) => Number(s.slice(endpoint.length + 1)));

describe("model.relations(endpoint): Juju's relation-ids order", () => {
  it("Context: ids 2, 3, 10 are listed as 10, 2, 3, whatever order the State holds them in", () => {
    const seen: number[][] = [];
    const ctx = new Context(
      charmClass((charm, fw) => {
        fw.observe(charm.on.install, () => {
          seen.push(charm.model.relations("db").map((r) => r.id));
        });
      }),
      { meta },
    );
    const rel = (id: number) => new Relation({ id, endpoint: "db", remoteAppName: `app${id}` });
    ctx.run(ctx.on.install(), new State({ relations: [rel(2), rel(3), rel(10)] }));
    ctx.run(ctx.on.install(), new State({ relations: [rel(10), rel(3), rel(2)] }));
    expect(seen).toEqual([
      [10, 2, 3],
      [10, 2, 3],
    ]);
  });

  it("Simulation: eleven relations on one endpoint are listed in string order of their ids", () => {
    class Hub extends CharmBase {}
    class Store extends CharmBase {}
    const sim = new Simulation({ seed: 3 });
    sim.deploy("hub", Hub, { meta });
    const ids: number[] = [];
    for (let i = 0; i < 11; i++) {
      sim.deploy(`store${i}`, Store, {
        meta: { name: "store", provides: { db: { interface: "db" } } },
      });
      ids.push(sim.integrate("hub:db", `store${i}:db`));
    }
    sim.settle();
    const listed = sim.exec("hub/0", (charm: CharmBase) =>
      charm.model.relations("db").map((r) => r.id),
    );
    const expected = jujuOrder("db", ids);
    expect(expected).not.toEqual([...ids].sort((a, b) => a - b));
    expect(listed).toEqual(expected);
    // getRelation(endpoint) without an id sees the same list (here: too many to choose from).
    expect(() => sim.exec("hub/0", (charm: CharmBase) => charm.model.getRelation("db"))).toThrow(
      /11 relations/,
    );
  });
});

/** A hand-built environment: lists `listed` on "db" and knows the relations in `known`. */
function environment(listed: readonly number[], known: Record<number, string>): HookEnvironment {
  const spec = charmSpec({ meta });
  const view = (id: number, endpoint: string): EnvRelation => ({
    id,
    endpoint,
    interfaceName: "db",
    kind: "regular",
    remoteApp: `app${id}`,
    remoteUnits: [],
    readBag: () => ({}),
  });
  return {
    spec,
    unitName: "hub/0",
    appName: "hub",
    isLeader: true,
    config: {},
    modelName: "m",
    modelUuid: "00000000-0000-4000-8000-000000000000",
    plannedUnits: 1,
    unitStatus: new ActiveStatus(),
    appStatus: new MaintenanceStatus(""),
    workloadVersion: "",
    hookSeed: 0,
    relationIds: (endpoint) => (endpoint === "db" ? listed : []),
    relation: (id) => {
      const endpoint = known[id];
      return endpoint === undefined ? undefined : view(id, endpoint);
    },
    storedStates: [],
    deferred: [],
    credentialGet: () => {
      throw new Error("not trusted");
    },
    external: {},
  };
}

describe("model.relations(endpoint): what the framework leaves out", () => {
  const install: Hook = { kind: "install" };

  it("sorts whatever order the environment hands over", () => {
    const fw = new Framework(environment([3, 10, 2], { 2: "db", 3: "db", 10: "db" }), install);
    expect(fw.model.relations("db").map((r) => r.id)).toEqual([10, 2, 3]);
  });

  it("a listed relation the unit no longer has (dead) is left out, as relation-ids does", () => {
    const fw = new Framework(environment([1, 4, 7], { 1: "db", 7: "db" }), install);
    expect(fw.model.relations("db").map((r) => r.id)).toEqual([1, 7]);
    expect(fw.model.getRelation("db", 4)?.active).toBe(false);
  });

  it("a listed relation of another endpoint is left out, as relation-ids does", () => {
    const fw = new Framework(environment([1, 5], { 1: "db", 5: "backup" }), install);
    expect(fw.model.relations("db").map((r) => r.id)).toEqual([1]);
  });

  it("the relation being broken is left out even when the environment lists it", () => {
    const hook: Hook = { kind: "relation-broken", relationId: 10 };
    const fw = new Framework(environment([2, 10], { 2: "db", 10: "db" }), hook);
    expect(fw.model.relations("db").map((r) => r.id)).toEqual([2]);
  });
});
