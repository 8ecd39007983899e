import { describe, expect, it } from "vitest";
import { Simulation } from "../../src/harness/simulation.js";
import {
  charm,
  expectInvariants,
  hooksOf,
  label,
  logsOf,
  Plain,
  peerMeta,
  provMeta,
  reqMeta,
  SteeringScheduler,
  settleUnit,
  stepUnit,
} from "./charms.js";

const SEEDS = Array.from({ length: 20 }, (_, i) => i);

/** Logs what a relation-changed hook saw of the remote unit's (or app's) bag. */
const Observer = charm((c, fw) => {
  fw.observe(c.on.relation("db").changed, (e) => {
    const bag = e.unit ? e.relation.data.get(e.unit) : e.relation.data.get(e.app);
    fw.logger.info(
      `changed ${e.unit?.name ?? `app:${e.app?.name}`} ${JSON.stringify(bag.toObject())}`,
    );
  });
});

describe("start-up", () => {
  it("a lone unit: install, leader-elected, config-changed, start", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("a", Plain, { meta: provMeta });
      sim.settle();
      expect(hooksOf(sim, "a/0")).toEqual(["install", "leader-elected", "config-changed", "start"]);
    }
  });

  it("peers: relation-created for the peer relation, leader-elected / leader-settings-changed, then they join each other", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("a", Plain, { meta: peerMeta, units: 2 });
      sim.settle();
      expect(hooksOf(sim, "a/0")).toEqual([
        "install",
        "relation-created 1",
        "leader-elected",
        "config-changed",
        "start",
        "relation-joined 1 a/1",
        "relation-changed 1 a/1",
      ]);
      expect(hooksOf(sim, "a/1")).toEqual([
        "install",
        "relation-created 1",
        "leader-settings-changed",
        "config-changed",
        "start",
        "relation-joined 1 a/0",
        "relation-changed 1 a/0",
      ]);
      expectInvariants(sim);
    }
  });

  it("relation-created for every relation that exists at install, in a seed-chosen order, before leadership", () => {
    const orders = new Set<string>();
    for (const seed of SEEDS) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("a", Plain, {
        meta: {
          name: "a",
          requires: { db: { interface: "db" }, other: { interface: "db" } },
          peers: { cluster: { interface: "cluster" } },
        },
      });
      sim.deploy("p", Plain, { meta: provMeta });
      const r1 = sim.integrate("a:db", "p:db");
      const r2 = sim.integrate("a:other", "p:db");
      sim.settle();
      const hooks = hooksOf(sim, "a/0");
      expect(hooks[0]).toBe("install");
      expect(new Set(hooks.slice(1, 4))).toEqual(
        new Set(["relation-created 1", `relation-created ${r1}`, `relation-created ${r2}`]),
      );
      expect(hooks.slice(4, 7)).toEqual(["leader-elected", "config-changed", "start"]);
      orders.add(hooks.slice(1, 4).join(","));
      expectInvariants(sim);
    }
    // Juju walks relations in map order: the seed chooses.
    expect(orders.size).toBeGreaterThan(1);
  });

  it("a unit added later joins the units already in the relation, after start", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("p", Plain, { meta: provMeta, units: 2 });
      sim.deploy("r", Plain, { meta: reqMeta });
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      const added = sim.addUnit("r");
      expect(added).toBe("r/1");
      sim.settle();
      expect(hooksOf(sim, "r/1")).toEqual([
        "install",
        `relation-created ${id}`,
        "leader-settings-changed",
        "config-changed",
        "start",
        `relation-joined ${id} p/0`,
        `relation-changed ${id} p/0`,
        `relation-joined ${id} p/1`,
        `relation-changed ${id} p/1`,
      ]);
      // The units already there see r/1 join, then change.
      for (const p of ["p/0", "p/1"])
        expect(hooksOf(sim, p, id).slice(-2)).toEqual([
          `relation-joined ${id} r/1`,
          `relation-changed ${id} r/1`,
        ]);
      expectInvariants(sim);
    }
  });
});

describe("joined, changed and string order", () => {
  it("joined is immediately followed by changed within its relation, in string-sorted unit order", () => {
    // Prompt watchers: a/0 sees all of each batch of changes at once, so the order is the
    // resolver's alone (with lagging watchers, a/0 may see part of a batch first).
    for (const seed of SEEDS.slice(0, 5)) {
      const sim = new Simulation({ jujuBagKeys: false, seed, watchers: "prompt" });
      sim.deploy("a", Plain, { meta: reqMeta, units: 0 });
      sim.deploy("b", Plain, { meta: provMeta, units: 11 });
      const id = sim.integrate("a:db", "b:db");
      sim.settle();
      sim.addUnit("a");
      sim.settle();
      const order = ["b/0", "b/1", "b/10", "b/2", "b/3", "b/4", "b/5", "b/6", "b/7", "b/8", "b/9"];
      expect(hooksOf(sim, "a/0", id)).toEqual([
        `relation-created ${id}`,
        ...order.flatMap((u) => [`relation-joined ${id} ${u}`, `relation-changed ${id} ${u}`]),
      ]);

      // Every remote unit writes before a/0 runs anything: one changed each, in string order.
      for (const u of sim.units("b")) {
        sim.exec(u, (c) => {
          const rel = c.model.getRelation("db");
          rel?.data.get(c.unit).set("k", u);
        });
      }
      sim.settle();
      expect(hooksOf(sim, "a/0", id).slice(-11)).toEqual(
        order.map((u) => `relation-changed ${id} ${u}`),
      );

      // Relation removal: departed in string order, then broken.
      sim.removeRelation(id);
      sim.settle();
      expect(hooksOf(sim, "a/0", id).slice(-12)).toEqual([
        ...order.map((u) => `relation-departed ${id} ${u} departing:${u}`),
        `relation-broken ${id}`,
      ]);
      expectInvariants(sim);
    }
  });

  it("joined then changed holds across interleavings with other relations and kinds of hook", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("a", Plain, {
        meta: {
          name: "a",
          requires: { db: { interface: "db" }, other: { interface: "db" } },
          peers: { cluster: { interface: "cluster" } },
        },
        units: 2,
      });
      sim.deploy("p", Plain, { meta: provMeta, units: 3 });
      const ids = [sim.integrate("a:db", "p:db"), sim.integrate("a:other", "p:db")];
      sim.settle();
      for (const id of [1, ...ids]) {
        for (const u of ["a/0", "a/1"]) {
          const hooks = hooksOf(sim, u, id);
          hooks.forEach((h, i) => {
            const m = /^relation-joined (\d+) (\S+)$/.exec(h);
            if (m) expect(hooks[i + 1]).toBe(`relation-changed ${m[1]} ${m[2]}`);
          });
        }
      }
      expectInvariants(sim);
    }
  });
});

describe("coalescing", () => {
  const Writer = charm((c, fw) => {
    fw.observe(c.on.updateStatus, () => {
      const rel = c.model.getRelation("db");
      if (!rel) return;
      const bag = rel.data.get(c.unit);
      bag.set("n", String(Number(bag.get("n") ?? "0") + 1));
    });
  });

  const setup = (sim: Simulation) => {
    sim.deploy("p", Writer, { meta: provMeta });
    sim.deploy("r", Observer, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    return id;
  };
  /** One update-status tick on p/0, run at once: p/0 writes n+1 to its bag. */
  const write = (sim: Simulation, sched: SteeringScheduler) => {
    sim.updateStatus("p/0");
    expect(stepUnit(sim, sched, "p/0").kind).toBe("update-status");
  };

  it("two writes before the observer runs make one relation-changed that sees the latest data", () => {
    const sched = new SteeringScheduler(1);
    const sim = new Simulation({ jujuBagKeys: false, scheduler: sched });
    const id = setup(sim);
    const before = hooksOf(sim, "r/0").length;
    write(sim, sched);
    write(sim, sched);
    expect(sim.bag(id, "p/0")).toEqual({ n: "2" });
    // r/0 takes both changes (one watcher event each) before its resolver runs.
    expect(label(stepUnit(sim, sched, "r/0"))).toBe(`relation-changed ${id} p/0`);
    sim.settle();
    expect(hooksOf(sim, "r/0").slice(before)).toEqual([`relation-changed ${id} p/0`]);
    expect(logsOf(sim, "r/0").at(-1)).toBe('changed p/0 {"n":"2"}');
    expectInvariants(sim);
  });

  it("an observer that runs between the writes gets one relation-changed per write", () => {
    const sched = new SteeringScheduler(2);
    const sim = new Simulation({ jujuBagKeys: false, scheduler: sched });
    const id = setup(sim);
    const before = hooksOf(sim, "r/0").length;
    write(sim, sched);
    expect(label(stepUnit(sim, sched, "r/0"))).toBe(`relation-changed ${id} p/0`);
    write(sim, sched);
    expect(label(stepUnit(sim, sched, "r/0"))).toBe(`relation-changed ${id} p/0`);
    sim.settle();
    expect(hooksOf(sim, "r/0").slice(before)).toEqual([
      `relation-changed ${id} p/0`,
      `relation-changed ${id} p/0`,
    ]);
    expect(logsOf(sim, "r/0").slice(-2)).toEqual([
      'changed p/0 {"n":"1"}',
      'changed p/0 {"n":"2"}',
    ]);
    expectInvariants(sim);
  });

  it("a write the observer's watcher has not delivered yet gives no hook until it is delivered", () => {
    const sched = new SteeringScheduler(3);
    const sim = new Simulation({ jujuBagKeys: false, scheduler: sched });
    const id = setup(sim);
    write(sim, sched);
    const agent = sim.agents.get("r/0");
    expect(agent.remote.relations.get(id)?.members.get("p/0")).toBe(0);
    expect(agent.pendingCount).toBe(1);
    sim.catchUp();
    expect(agent.remote.relations.get(id)?.members.get("p/0")).toBe(1);
    expect(label(stepUnit(sim, sched, "r/0"))).toBe(`relation-changed ${id} p/0`);
    expectInvariants(sim);
  });

  it("writes committed by exec coalesce the same way", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 3 });
    sim.deploy("p", Plain, { meta: provMeta });
    sim.deploy("r", Observer, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    const before = hooksOf(sim, "r/0").length;
    for (const v of ["1", "2", "3"])
      sim.exec("p/0", (c) => c.model.getRelation("db")?.data.get(c.unit).set("v", v));
    // r/0 takes the three changes together, then runs.
    sim.stepUnit("r/0");
    sim.settle();
    expect(hooksOf(sim, "r/0").slice(before)).toEqual([`relation-changed ${id} p/0`]);
    expect(logsOf(sim, "r/0").at(-1)).toBe('changed p/0 {"v":"3"}');
  });

  it("app-bag writes coalesce into one app-level relation-changed", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 4 });
    sim.deploy("p", Plain, { meta: provMeta, units: 2 });
    sim.deploy("r", Observer, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    const before = hooksOf(sim, "r/0").length;
    for (const v of ["1", "2"])
      sim.exec("p/0", (c) => c.model.getRelation("db")?.data.get(c.app).set("v", v));
    sim.stepUnit("r/0");
    sim.settle();
    expect(hooksOf(sim, "r/0").slice(before)).toEqual([`relation-changed ${id} app:p`]);
    expect(logsOf(sim, "r/0").at(-1)).toBe('changed app:p {"v":"2"}');
    // Units of the writer's own application get nothing for a non-peer app bag.
    expect(hooksOf(sim, "p/1", id)).toEqual([
      `relation-created ${id}`,
      `relation-joined ${id} r/0`,
      `relation-changed ${id} r/0`,
    ]);
  });
});

describe("app-level relation-changed", () => {
  const AppWriter = charm((c, fw) => {
    fw.observe(c.on.relation("db").created, (e) => {
      if (c.unit.isLeader()) e.relation.data.get(c.app).set("url", "db://p");
    });
  });

  it("comes before any joined when the remote leader wrote its app bag first", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("p", AppWriter, { meta: provMeta });
      sim.deploy("r", Observer, { meta: reqMeta, units: 0 });
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      sim.addUnit("r");
      sim.settle();
      expect(hooksOf(sim, "r/0")).toEqual([
        "install",
        `relation-created ${id}`,
        "leader-elected",
        "config-changed",
        "start",
        `relation-changed ${id} app:p`,
        `relation-joined ${id} p/0`,
        `relation-changed ${id} p/0`,
      ]);
      expect(logsOf(sim, "r/0")[0]).toBe('changed app:p {"url":"db://p"}');
      expectInvariants(sim);
    }
  });

  it("does not fire for a remote app bag that was never written", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("p", Plain, { meta: provMeta, units: 2 });
    sim.deploy("r", Observer, { meta: reqMeta, units: 2 });
    sim.integrate("p:db", "r:db");
    sim.settle();
    expect(sim.trace.hooks().filter((h) => h.app !== undefined)).toEqual([]);
  });

  it("the app bag is readable by every remote unit, even before any remote unit joined", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 2 });
    sim.deploy("p", AppWriter, { meta: provMeta });
    sim.deploy("r", Observer, { meta: reqMeta, units: 3 });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    for (const u of sim.units("r")) {
      expect(hooksOf(sim, u, id)).toContain(`relation-changed ${id} app:p`);
      expect(logsOf(sim, u)).toContain('changed app:p {"url":"db://p"}');
    }
    expectInvariants(sim);
  });
});

describe("own writes", () => {
  it("never trigger hooks on the writer", () => {
    const Echo = charm((c, fw) => {
      fw.observe(c.on.relation("db").changed, (e) => {
        // Writing on every changed would loop if the writer saw its own writes.
        e.relation.data
          .get(c.unit)
          .set("seen", String(Number(e.relation.data.get(c.unit).get("seen") ?? "0") + 1));
        if (c.unit.isLeader()) e.relation.data.get(c.app).set("from", c.unit.name);
      });
    });
    for (const seed of SEEDS.slice(0, 5)) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("p", Echo, { meta: provMeta });
      sim.deploy("r", Plain, { meta: reqMeta });
      const id = sim.integrate("p:db", "r:db");
      sim.settle({ maxHooks: 100 });
      expect(hooksOf(sim, "p/0", id)).toEqual([
        `relation-created ${id}`,
        `relation-joined ${id} r/0`,
        `relation-changed ${id} r/0`,
      ]);
      expect(sim.bag(id, "p/0")).toEqual({ seen: "1" });
      // r/0 sees p/0's writes: an app-level changed, and a changed for p/0 after joining it
      // (in either order: each comes when r/0's watcher delivers it).
      const rHooks = hooksOf(sim, "r/0", id);
      expect(rHooks.filter((h) => h === `relation-changed ${id} app:p`)).toHaveLength(1);
      expect(rHooks.slice(rHooks.indexOf(`relation-joined ${id} p/0`))).toContain(
        `relation-changed ${id} p/0`,
      );
      expectInvariants(sim);
    }
  });
});

describe("departed and broken", () => {
  it("relation removal: departed for each remote unit (the remote unit departing), then broken", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("p", Plain, { meta: provMeta, units: 2 });
      sim.deploy("r", Plain, { meta: reqMeta });
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      const n = hooksOf(sim, "r/0").length;
      sim.removeRelation(id);
      sim.settle();
      expect(hooksOf(sim, "r/0").slice(n)).toEqual([
        `relation-departed ${id} p/0 departing:p/0`,
        `relation-departed ${id} p/1 departing:p/1`,
        `relation-broken ${id}`,
      ]);
      for (const p of ["p/0", "p/1"]) {
        expect(hooksOf(sim, p, id).slice(-2)).toEqual([
          `relation-departed ${id} r/0 departing:r/0`,
          `relation-broken ${id}`,
        ]);
      }
      expect(sim.model.relations.get(id)?.life).toBe("removed");
      expectInvariants(sim);
    }
  });

  it("unit removal: the removed unit departs every remote unit naming itself, breaks, stops, is removed", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("p", Plain, { meta: provMeta, units: 2 });
      sim.deploy("r", Plain, { meta: reqMeta, units: 2 });
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      const n = hooksOf(sim, "r/1").length;
      sim.removeUnit("r/1");
      sim.settle();
      expect(hooksOf(sim, "r/1").slice(n)).toEqual([
        `relation-departed ${id} p/0 departing:r/1`,
        `relation-departed ${id} p/1 departing:r/1`,
        `relation-broken ${id}`,
        "stop",
        "remove",
      ]);
      for (const p of ["p/0", "p/1"])
        expect(hooksOf(sim, p, id).at(-1)).toBe(`relation-departed ${id} r/1 departing:r/1`);
      // r/0 and the relation carry on.
      expect(hooksOf(sim, "r/0", id)).not.toContain(`relation-broken ${id}`);
      expect(sim.units("r")).toEqual(["r/0"]);
      expect(() => sim.model.unit("r/1")).toThrow(/no unit "r\/1"/);
      expectInvariants(sim);
    }
  });

  it("during departed the relation no longer lists the departing unit; during broken it lists none", () => {
    const Watcher = charm((c, fw) => {
      fw.observe(c.on.relation("db").departed, (e) => {
        fw.logger.info(
          `departed ${e.unit?.name} units=${[...e.relation.units].map((u) => u.name).join(",")}`,
        );
      });
      fw.observe(c.on.relation("db").broken, (e) => {
        fw.logger.info(
          `broken units=${e.relation.units.size} listed=${c.model.relations("db").length} remote=${JSON.stringify(e.app ? e.relation.data.get(e.app).toObject() : null)}`,
        );
      });
    });
    const sim = new Simulation({ jujuBagKeys: false, seed: 5 });
    sim.deploy("p", Plain, { meta: provMeta, units: 3 });
    sim.deploy("r", Watcher, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    sim.exec("p/0", (c) => c.model.getRelation("db")?.data.get(c.app).set("x", "1"));
    sim.settle();
    sim.removeRelation(id);
    sim.settle();
    expect(logsOf(sim, "r/0")).toEqual([
      "departed p/0 units=p/1,p/2",
      "departed p/1 units=p/2",
      "departed p/2 units=",
      "broken units=0 listed=0 remote={}",
    ]);
  });

  it("a unit removed before the other side handled its joining produces no hooks about it there", () => {
    const sched = new SteeringScheduler(7);
    const sim = new Simulation({ jujuBagKeys: false, scheduler: sched });
    sim.deploy("p", Plain, { meta: provMeta });
    sim.deploy("r", Plain, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    sim.addUnit("r");
    // r/1 installs and enters the relation's scope; p/0 does not run yet.
    expect(stepUnit(sim, sched, "r/1").kind).toBe("install");
    expect(stepUnit(sim, sched, "r/1").kind).toBe("relation-created");
    expect(sim.pendingUnits()).toContain("p/0");
    sim.removeUnit("r/1");
    // r/1 tears down and leaves the relation's scope before p/0 looks at it again; p/0 then
    // takes r/1's entry and departure together (a watcher delivering late sends both).
    settleUnit(sim, sched, "r/1");
    expect(sim.stepUnit("p/0")).toBeNull();
    sim.settle();
    expect(hooksOf(sim, "p/0").filter((h) => h.includes("r/1"))).toEqual([]);
    // r/1 never joined anyone: leader-settings-changed (it is not the leader; the leadership
    // resolver runs before the dying branch), then it breaks the relation it created, and,
    // never started, is removed with no stop.
    expect(hooksOf(sim, "r/1")).toEqual([
      "install",
      `relation-created ${id}`,
      "leader-settings-changed",
      `relation-broken ${id}`,
      "remove",
    ]);
    expectInvariants(sim);
  });

  it("a unit removed after being joined but before the changed hook: changed, then departed", () => {
    const sched = new SteeringScheduler(8);
    const sim = new Simulation({ jujuBagKeys: false, scheduler: sched });
    sim.deploy("p", Plain, { meta: provMeta });
    sim.deploy("r", Plain, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    sim.addUnit("r");
    stepUnit(sim, sched, "r/1");
    stepUnit(sim, sched, "r/1");
    expect(label(stepUnit(sim, sched, "p/0"))).toBe(`relation-joined ${id} r/1`);
    sim.removeUnit("r/1");
    sim.settle();
    expect(hooksOf(sim, "p/0", id).slice(-3)).toEqual([
      `relation-joined ${id} r/1`,
      `relation-changed ${id} r/1`,
      `relation-departed ${id} r/1 departing:r/1`,
    ]);
    expectInvariants(sim);
  });

  it("a unit removed before install runs no hook at all", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("p", Plain, { meta: provMeta });
    sim.addUnit("p");
    sim.removeUnit("p/1");
    sim.settle();
    expect(hooksOf(sim, "p/1")).toEqual([]);
    expect(sim.units("p")).toEqual(["p/0"]);
  });

  it("unit names are never reused", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("p", Plain, { meta: provMeta, units: 2 });
    sim.settle();
    sim.removeUnit("p/1");
    sim.settle();
    expect(sim.addUnit("p")).toBe("p/2");
    sim.removeUnit("p/0");
    sim.removeUnit("p/2");
    sim.settle();
    expect(sim.units("p")).toEqual([]);
    expect(sim.addUnit("p")).toBe("p/3");
    sim.settle();
    expect(sim.leader("p")).toBe("p/3");
    expectInvariants(sim);
  });
});

describe("data visibility during departed", () => {
  /** Logs the departing remote unit's bag as read during relation-departed. */
  const Reader = charm((c, fw) => {
    fw.observe(c.on.relation("db").departed, (e) => {
      const bag = e.unit ? e.relation.data.get(e.unit).toObject() : null;
      fw.logger.info(
        `departed ${e.unit?.name} by ${e.departingUnit?.name}: ${JSON.stringify(bag)}`,
      );
    });
  });
  const Tagger = charm((c, fw) => {
    fw.observe(c.on.relation("db").created, (e) =>
      e.relation.data.get(c.unit).set("me", c.unit.name),
    );
  });

  it("the departing remote unit's bag stays readable when the remote unit leaves", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("p", Tagger, { meta: provMeta });
    sim.deploy("r", Reader, { meta: reqMeta });
    sim.integrate("p:db", "r:db");
    sim.settle();
    sim.removeUnit("p/0");
    sim.settle();
    expect(logsOf(sim, "r/0")).toEqual(['departed p/0 by p/0: {"me":"p/0"}']);
  });

  it("the remote unit's bag stays readable when the local unit is the one leaving", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("p", Tagger, { meta: provMeta });
    sim.deploy("r", Reader, { meta: reqMeta, units: 2 });
    sim.integrate("p:db", "r:db");
    sim.settle();
    sim.removeUnit("r/1");
    sim.settle();
    expect(logsOf(sim, "r/1")).toEqual(['departed p/0 by r/1: {"me":"p/0"}']);
  });
});

describe("data visibility during joined", () => {
  it("the joining unit is listed and its bag readable in relation-joined", () => {
    const Tagger = charm((c, fw) => {
      fw.observe(c.on.relation("db").created, (e) =>
        e.relation.data.get(c.unit).set("me", c.unit.name),
      );
    });
    const JoinReader = charm((c, fw) => {
      fw.observe(c.on.relation("db").joined, (e) => {
        const units = [...e.relation.units].map((u) => u.name).join(",");
        const bag = e.unit ? e.relation.data.get(e.unit).toObject() : null;
        fw.logger.info(`joined ${e.unit?.name} units=${units} ${JSON.stringify(bag)}`);
      });
    });
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("p", Tagger, { meta: provMeta, units: 2 });
    sim.deploy("r", JoinReader, { meta: reqMeta, units: 0 });
    sim.integrate("p:db", "r:db");
    sim.settle();
    sim.addUnit("r");
    sim.settle();
    expect(logsOf(sim, "r/0")).toEqual([
      'joined p/0 units=p/0 {"me":"p/0"}',
      'joined p/1 units=p/0,p/1 {"me":"p/1"}',
    ]);
    expectInvariants(sim);
  });
});
