import { describe, expect, it } from "vitest";
import { CharmBase } from "../../src/harness/ops/charm.js";
import { ModelError } from "../../src/harness/ops/errors.js";
import { SettleLimitError, Simulation } from "../../src/harness/simulation.js";
import { ModelOperationError } from "../../src/model/juju-model.js";
import { DEFAULT_JUJU_DATABAG } from "../../src/model/state.js";
import { ActiveStatus } from "../../src/model/status.js";
import {
  charm,
  expectInvariants,
  hooksOf,
  logsOf,
  Plain,
  peerMeta,
  provMeta,
  reqMeta,
} from "./charms.js";

const SEEDS = Array.from({ length: 10 }, (_, i) => i);

describe("integrate errors", () => {
  const both = {
    name: "both",
    provides: { db: { interface: "db" }, web: { interface: "http" } },
    requires: { "db-in": { interface: "db" } },
    peers: { cluster: { interface: "cluster" } },
  };

  it("refuses bad relations with clear messages, changing nothing", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("p", Plain, { meta: provMeta });
    sim.deploy("q", Plain, { meta: provMeta });
    sim.deploy("b", Plain, { meta: both });
    sim.deploy("r", Plain, {
      meta: { name: "req", requires: { db: { interface: "db", limit: 1 } } },
    });
    const relations = sim.model.relations.size;
    const cases: [string, string, RegExp][] = [
      ["x:db", "r:db", /no application "x" \(applications: p, q, b, r\)/],
      ["p:nope", "r:db", /application p has no endpoint "nope" \(endpoints: db\)/],
      ["b:web", "r:db", /b:web \(interface http\) and r:db \(interface db\): interfaces differ/],
      ["p:db", "q:db", /cannot relate p:db and q:db: both provides/],
      ["b:db", "b:db-in", /cannot relate b to itself over "db"/],
      ["b:cluster", "p:db", /peer endpoints cannot be integrated/],
      ["p", "r:db", /expected "application:endpoint", got "p"/],
    ];
    for (const [a, b, message] of cases) {
      expect(() => sim.integrate(a, b), `${a} ${b}`).toThrow(ModelOperationError);
      expect(() => sim.integrate(a, b), `${a} ${b}`).toThrow(message);
    }
    expect(sim.model.relations.size).toBe(relations);

    const id = sim.integrate("p:db", "r:db");
    expect(() => sim.integrate("p:db", "r:db")).toThrow(
      new RegExp(`relation p:db r:db already exists \\(id ${id}\\)`),
    );
    expect(() => sim.integrate("r:db", "p:db")).toThrow(/already exists/);
    expect(() => sim.integrate("q:db", "r:db")).toThrow(
      /endpoint r:db has limit 1 and already has 1 relation\(s\)/,
    );
    // Once the relation is gone, the limit frees up.
    sim.settle();
    sim.removeRelation(id);
    sim.settle();
    expect(sim.integrate("q:db", "r:db")).toBeGreaterThan(id);
    expect(() => sim.removeRelation(id)).toThrow(/no relation/);
  });

  it("refuses other bad operations with clear messages", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("p", Plain, { meta: provMeta });
    expect(() => sim.deploy("p", Plain, { meta: provMeta })).toThrow(/"p" already exists/);
    expect(() => sim.deploy("Bad_Name", Plain, { meta: provMeta })).toThrow(
      /invalid application name/,
    );
    expect(() => sim.deploy("z", Plain, { meta: provMeta, units: -1 })).toThrow(/units must be/);
    expect(() => sim.deploy("z", Plain)).toThrow(/pass the charm's meta/);
    expect(() => sim.addUnit("nope")).toThrow(/no application "nope"/);
    expect(() => sim.removeUnit("p/7")).toThrow(/no unit "p\/7"/);
    sim.removeUnit("p/0");
    expect(() => sim.removeUnit("p/0")).toThrow(/no unit|already being removed/);
  });
});

describe("removeApplication", () => {
  it("remote units see every unit depart, then broken; the app's units tear down and go", () => {
    for (const seed of SEEDS) {
      const sim = new Simulation({ jujuBagKeys: false, seed });
      sim.deploy("p", Plain, { meta: provMeta, units: 2 });
      sim.deploy("r", Plain, { meta: reqMeta });
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      const n = hooksOf(sim, "r/0").length;
      sim.removeApplication("p");
      expect(() => sim.addUnit("p")).toThrow(/being removed/);
      expect(() => sim.removeApplication("p")).toThrow(/already being removed/);
      sim.settle();
      expect(hooksOf(sim, "r/0").slice(n)).toEqual([
        `relation-departed ${id} p/0 departing:p/0`,
        `relation-departed ${id} p/1 departing:p/1`,
        `relation-broken ${id}`,
      ]);
      for (const u of ["p/0", "p/1"]) {
        // The leader, once its agent sees it is dying, resigns and runs the
        // leader-settings-changed it never ran while leader: before its stop, and before or
        // after its relation hooks, as its watchers deliver the unit's and the relation's end.
        const tail = hooksOf(sim, u).slice(u === "p/0" ? -5 : -4);
        expect(tail.filter((h) => h !== "leader-settings-changed")).toEqual([
          `relation-departed ${id} r/0 departing:${u}`,
          `relation-broken ${id}`,
          "stop",
          "remove",
        ]);
        if (u === "p/0") expect(tail.indexOf("leader-settings-changed")).toBeLessThan(3);
      }
      expect(() => sim.units("p")).toThrow(/no application "p"/);
      expect(() => sim.integrate("p:db", "r:db")).toThrow(/no application "p"/);
      expect(sim.model.relations.get(id)?.life).toBe("removed");
      expect(sim.bag(id, "r/0")).toEqual({});
      expectInvariants(sim);
    }
  });

  it("an application without units goes at once", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("a", Plain, { meta: peerMeta, units: 0 });
    sim.removeApplication("a");
    expect(sim.model.apps.get("a")?.life).toBe("removed");
    expect(sim.model.relations.get(1)?.life).toBe("removed");
  });
});

describe("exec", () => {
  it("commits writes like a hook, and discards them when the code throws", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 2 });
    sim.deploy("p", Plain, { meta: provMeta });
    sim.deploy("r", Plain, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    const value = sim.exec("p/0", (c) => {
      c.model.getRelation("db")?.data.get(c.unit).set("k", "v");
      c.unit.status = new ActiveStatus("exec'd");
      return c.model.getRelation("db")?.units.size;
    });
    expect(value).toBe(1);
    expect(sim.bag(id, "p/0")).toEqual({ k: "v" });
    expect(sim.unitStatus("p/0").message).toBe("exec'd");
    const execRecord = sim.trace.records.filter((r) => r.t === "exec").at(-1);
    expect(execRecord).toMatchObject({ unit: "p/0", ok: true });
    expect(sim.trace.records.at(-2)).toMatchObject({ t: "commit", unit: "p/0", set: { k: "v" } });
    // The write wakes r/0 like any committed write.
    sim.settle();
    expect(hooksOf(sim, "r/0").at(-1)).toBe(`relation-changed ${id} p/0`);

    expect(() =>
      sim.exec("p/0", (c) => {
        c.model.getRelation("db")?.data.get(c.unit).set("k", "other");
        throw new Error("library blew up");
      }),
    ).toThrow("library blew up");
    expect(sim.bag(id, "p/0")).toEqual({ k: "v" });
    expect(sim.trace.records.at(-1)).toMatchObject({
      t: "exec",
      ok: false,
      error: "Error: library blew up",
    });
    expect(sim.pendingUnits()).toEqual([]);
    // Access rules hold in exec too.
    expect(() =>
      sim.exec("r/0", (c) => c.model.getRelation("db")?.data.get(c.app).set("x", "1")),
    ).not.toThrow();
    expect(() =>
      sim.exec("p/0", (c) => {
        const rel = c.model.getRelation("db");
        const remote = [...(rel?.units ?? [])][0];
        rel?.data.get(remote ?? null).set("x", "1");
      }),
    ).toThrow(ModelError);
    expectInvariants(sim);
  });
});

describe("execModel", () => {
  it("writes through the unit's model without building the charm; a throw commits nothing", () => {
    let built = 0;
    class Counted extends CharmBase {
      constructor(fw: ConstructorParameters<typeof CharmBase>[0]) {
        super(fw);
        built += 1;
      }
    }
    const sim = new Simulation({ jujuBagKeys: false, seed: 2 });
    sim.deploy("p", Counted, { meta: provMeta });
    sim.deploy("r", Plain, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    const before = built;
    const size = sim.execModel("p/0", (m) => {
      const rel = m.getRelation("db");
      rel?.data.get(m.unit).set("k", "v");
      return rel?.units.size;
    });
    expect(size).toBe(1);
    expect(built).toBe(before);
    expect(sim.bag(id, "p/0")).toEqual({ k: "v" });
    const tail = sim.trace.records.slice(-3);
    expect(tail.find((r) => r.t === "exec")).toMatchObject({ unit: "p/0", ok: true });
    expect(tail.find((r) => r.t === "commit")).toMatchObject({ unit: "p/0", set: { k: "v" } });
    sim.settle();
    expect(hooksOf(sim, "r/0").at(-1)).toBe(`relation-changed ${id} p/0`);
    expect(() =>
      sim.execModel("p/0", (m) => {
        m.getRelation("db")?.data.get(m.unit).set("k", "other");
        throw new Error("no");
      }),
    ).toThrow("no");
    expect(sim.bag(id, "p/0")).toEqual({ k: "v" });
    // A non-leader's application bag is refused, as in a hook.
    expect(() =>
      sim.execModel("r/0", (m) => m.getRelation("db")?.data.get(m.app).set("x", "1")),
    ).not.toThrow();
    sim.addUnit("r");
    sim.settle();
    const follower = sim.units("r").find((u) => u !== sim.leader("r")) ?? "";
    expect(() =>
      sim.execModel(follower, (m) => m.getRelation("db")?.data.get(m.app).set("x", "2")),
    ).toThrow(ModelError);
    expectInvariants(sim);
  });

  it("refuses a unit that has not installed yet", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 2 });
    sim.deploy("p", Plain, { meta: provMeta });
    expect(() => sim.execModel("p/0", () => 1)).toThrow(/has not run install yet/);
  });
});

describe("databags of a removed relation", () => {
  it("are gone once the relation is removed; the same owners' bags in other relations stay", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 3 });
    sim.deploy("p", Plain, { meta: provMeta });
    sim.deploy("r", Plain, { meta: reqMeta });
    sim.deploy("s", Plain, { meta: reqMeta });
    const gone = sim.integrate("p:db", "r:db");
    const kept = sim.integrate("p:db", "s:db");
    sim.settle();
    sim.exec("p/0", (c) => {
      for (const rel of c.model.relations("db")) {
        rel.data.get(c.unit).set("k", `unit ${rel.id}`);
        rel.data.get(c.app).set("k", `app ${rel.id}`);
      }
    });
    sim.settle();
    expect(sim.bag(gone, "p/0")).toEqual({ k: `unit ${gone}` });
    sim.removeRelation(gone);
    sim.settle();
    expect(sim.model.relations.get(gone)?.life).toBe("removed");
    expect(sim.bag(gone, "p/0")).toEqual({});
    expect(sim.bag(gone, "p")).toEqual({});
    expect(sim.bag(kept, "p/0")).toEqual({ k: `unit ${kept}` });
    expect(sim.bag(kept, "p")).toEqual({ k: `app ${kept}` });
    expectInvariants(sim);
  });
});

describe("actions", () => {
  const actions = {
    "get-info": {
      params: { key: { type: "string" as const }, n: { default: 2 } },
      required: ["key"],
    },
    refuse: {},
    crash: {},
    publish: {},
  };
  const Actor = charm((c, fw) => {
    fw.observe(c.on.action("get-info"), (e) => {
      e.log("working");
      e.setResults({ key: e.params.key, n: e.params.n, leader: c.unit.isLeader() });
    });
    fw.observe(c.on.action("refuse"), (e) => e.fail("not today"));
    fw.observe(c.on.action("crash"), () => {
      c.model.getRelation("db")?.data.get(c.unit).set("crash", "1");
      throw new Error("boom");
    });
    fw.observe(c.on.action("publish"), () => {
      c.model.getRelation("db")?.data.get(c.unit).set("published", "yes");
    });
  });

  it("runs while the unit is in a hook error (as Juju's actions resolver allows), and after a queued start", () => {
    let failing = true;
    const Failing = charm((c, fw) => {
      fw.observe(c.on.updateStatus, () => {
        if (failing) throw new Error("broken");
      });
      fw.observe(c.on.action("get-info"), (e) => e.setResults({ ok: true }));
    });
    const sim = new Simulation({ seed: 5 });
    sim.deploy("a", Failing, { meta: provMeta, actions });
    // install, leader-elected, then config-changed queues start: an action waits behind it.
    for (let i = 0; i < 3; i++) sim.step();
    expect(sim.agents.get("a/0").local.op.kind).toBe("queued");
    expect(sim.runAction("a/0", "get-info", { key: "k" }).results).toEqual({ ok: true });
    expect(
      sim.trace
        .hooks()
        .slice(-2)
        .map((h) => h.kind),
    ).toEqual(["start", "action"]);
    sim.updateStatus("a/0");
    sim.settle();
    expect(sim.unitsInError().map((e) => e.hook.kind)).toEqual(["update-status"]);
    expect(sim.runAction("a/0", "get-info", { key: "k" }).results).toEqual({ ok: true });
    failing = false;
    sim.resolve("a/0");
    sim.settle();
    expect(sim.unitsInError()).toEqual([]);
  });

  it("returns results, failures and errors; a crashing action commits nothing", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 3 });
    sim.deploy("p", Actor, { meta: provMeta, actions });
    sim.deploy("r", Plain, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    expect(sim.runAction("p/0", "get-info", { key: "a" })).toEqual({
      results: { key: "a", n: 2, leader: true },
      logs: ["working"],
      failure: null,
      error: null,
    });
    const refused = sim.runAction("p/0", "refuse");
    expect(refused.failure).toBe("not today");
    const crashed = sim.runAction("p/0", "crash");
    expect(crashed.failure).toBe("Error: boom");
    expect(crashed.error).toBeInstanceOf(Error);
    expect(sim.bag(id, "p/0")).toEqual({});
    // A crashing action does not put the unit in error.
    expect(sim.unitsInError()).toEqual([]);
    sim.runAction("p/0", "publish");
    expect(sim.bag(id, "p/0")).toEqual({ published: "yes" });
    sim.settle();
    expect(hooksOf(sim, "r/0").at(-1)).toBe(`relation-changed ${id} p/0`);
    expect(hooksOf(sim, "p/0").slice(-4)).toEqual([
      "action get-info",
      "action refuse",
      "action crash!",
      "action publish",
    ]);
    expect(() => sim.runAction("p/0", "nope")).toThrow(/p has no action "nope"/);
    expect(() => sim.runAction("p/0", "get-info")).toThrow(/needs param "key"/);
    expectInvariants(sim);
  });
});

describe("stored state and deferred events", () => {
  it("stored state persists per unit across hooks", () => {
    const Counter = charm((c, fw) => {
      const s = fw.storedState(c, "counter", { n: 0 });
      const bump = () => {
        s.n = Number(s.n) + 1;
      };
      for (const k of [c.on.install, c.on.start, c.on.configChanged, c.on.updateStatus])
        fw.observe(k, bump);
      fw.observe(c.on.leaderElected, bump);
    });
    const sim = new Simulation({ jujuBagKeys: false, seed: 4 });
    sim.deploy("a", Counter, { meta: provMeta, units: 2 });
    sim.settle();
    // Two ticks, each handled before the next (two ticks pending at once make one hook).
    sim.updateStatus("a/1");
    sim.settle();
    sim.updateStatus("a/1");
    sim.settle();
    const count = (u: string) =>
      sim.model.unit(u).storedStates.find((s) => s.name === "counter")?.content.n;
    expect(count("a/0")).toBe(4); // install, leader-elected, config-changed, start
    expect(count("a/1")).toBe(5); // install, config-changed, start, update-status x2
    const read = sim.exec("a/1", (c) => c.framework.storedState(c, "counter", { n: 0 }).n);
    expect(read).toBe(5);
  });

  it("a deferred event is re-emitted before the next hook's event on the same unit only", () => {
    const Deferrer = charm((c, fw) => {
      const s = fw.storedState(c, "s", { deferredOnce: false });
      fw.observe(c.on.configChanged, (e) => {
        if (!s.deferredOnce && c.unit.name === "a/0") {
          s.deferredOnce = true;
          fw.logger.info("deferring config-changed");
          e.defer();
          return;
        }
        fw.logger.info("config-changed handled");
      });
      fw.observe(c.on.start, () => fw.logger.info("start"));
      fw.observe(c.on.updateStatus, () => fw.logger.info("update-status"));
    });
    const sim = new Simulation({ jujuBagKeys: false, seed: 5 });
    sim.deploy("a", Deferrer, { meta: provMeta, units: 2 });
    sim.settle();
    expect(logsOf(sim, "a/0")).toEqual([
      "deferring config-changed",
      "config-changed handled",
      "start",
    ]);
    expect(logsOf(sim, "a/1")).toEqual(["config-changed handled", "start"]);
    expect(sim.model.unit("a/0").deferred).toEqual([]);
    const reemitted = sim.trace.records.filter((r) => r.t === "event" && r.reemitted);
    expect(reemitted).toHaveLength(1);
    expect(reemitted[0]).toMatchObject({ unit: "a/0", kind: "config_changed" });
    const startHook = sim.trace.hooks().find((h) => h.unit === "a/0" && h.kind === "start");
    expect(reemitted[0]?.t === "event" && reemitted[0].hook).toBe(startHook?.seq);
  });

  it("a deferred relation event whose relation is gone is dropped", () => {
    const Deferrer = charm((c, fw) => {
      fw.observe(c.on.relation("db").changed, (e) => {
        fw.logger.info(`deferring changed ${e.relation.id}`);
        e.defer();
      });
      fw.observe(c.on.updateStatus, () => fw.logger.info("update-status"));
    });
    const sim = new Simulation({ jujuBagKeys: false, seed: 6 });
    sim.deploy("p", Plain, { meta: provMeta });
    sim.deploy("r", Deferrer, { meta: reqMeta });
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    expect(sim.model.unit("r/0").deferred.length).toBeGreaterThan(0);
    sim.removeRelation(id);
    sim.settle();
    sim.updateStatus("r/0");
    sim.settle();
    expect(sim.model.unit("r/0").deferred).toEqual([]);
    expect(logsOf(sim, "r/0").at(-1)).toBe("update-status");
    expect(sim.unitsInError()).toEqual([]);
  });
});

describe("planned units", () => {
  it("count the application's units not being removed, as units come and go", () => {
    const Counter = charm((c, fw) => {
      fw.observe(c.on.updateStatus, () => fw.logger.info(`planned ${c.app.plannedUnits()}`));
    });
    const sim = new Simulation({ jujuBagKeys: false, seed: 7 });
    sim.deploy("a", Counter, { meta: provMeta, units: 3 });
    sim.settle();
    const seen = (): string | undefined => logsOf(sim, "a/0").at(-1);
    sim.updateStatus("a/0");
    sim.settle();
    expect(seen()).toBe("planned 3");
    sim.removeUnit("a/2");
    sim.updateStatus("a/0");
    sim.settle();
    expect(seen()).toBe("planned 2");
    sim.addUnit("a");
    sim.addUnit("a");
    // A unit removed before it ever installed leaves at once; it must not count twice.
    sim.removeUnit("a/4");
    sim.updateStatus("a/0");
    sim.settle();
    expect(seen()).toBe("planned 3");
    expect(sim.model.app("a").aliveUnits).toBe(3);
  });
});

describe("settle bound", () => {
  /** Answers every change of the remote unit's counter with its own counter one higher. */
  const PingPong = charm((c, fw) => {
    for (const endpoint of ["db"]) {
      fw.observe(c.on.relation(endpoint).changed, (e) => {
        if (!e.unit) return;
        const n = Number(e.relation.data.get(e.unit).get("n") ?? "0");
        e.relation.data.get(c.unit).set("n", String(n + 1));
      });
    }
  });

  it("a charm pair that keeps rewriting its bags throws SettleLimitError naming the loop", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 7 });
    sim.deploy("ping", PingPong, { meta: provMeta });
    sim.deploy("pong", PingPong, { meta: reqMeta });
    const id = sim.integrate("ping:db", "pong:db");
    const started = Date.now();
    let error: unknown;
    try {
      sim.settle({ maxHooks: 300 });
    } catch (e) {
      error = e;
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(SettleLimitError);
    const limit = error as SettleLimitError;
    expect(limit.maxHooks).toBe(300);
    expect(limit.looping.map((l) => `${l.unit} ${l.hook}`).sort()).toEqual([
      `ping/0 relation-changed (relation ${id})`,
      `pong/0 relation-changed (relation ${id})`,
    ]);
    expect(limit.message).toMatch(/settle\(\) ran 300 hooks without reaching quiescence/);
    expect(limit.kind).toBe("loop");
    expect(limit.message).toMatch(/the same hooks keep rewriting data/);
    expect(limit.message).toMatch(/ping\/0 relation-changed \(relation \d+\) x\d+/);
    expect(sim.trace.hooks()).toHaveLength(300);
    expectInvariants(sim);
  });

  it("settle returns the number of hooks it ran, and 0 when idle", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 8 });
    sim.deploy("a", Plain, { meta: provMeta, units: 2 });
    expect(sim.settle()).toBe(8);
    expect(sim.settle()).toBe(0);
    expect(sim.step()).toBeNull();
  });
});

describe("bad options and a large model", () => {
  it("refuses nonsense Simulation and settle() options, naming the field", () => {
    expect(() => new Simulation({ jujuBagKeys: false, seed: -1 })).toThrow(
      /invalid Simulation options: seed: /,
    );
    expect(() => new Simulation({ jujuBagKeys: false, seed: 1.5 })).toThrow(/seed: /);
    expect(
      () => new Simulation({ jujuBagKeys: false, watchers: "eager" as unknown as "prompt" }),
    ).toThrow(/watchers: /);
    expect(() => new Simulation({ jujuBagKeys: false, bogus: 1 } as unknown as object)).toThrow(
      /bogus: /,
    );
    const sim = new Simulation({ jujuBagKeys: false, seed: 1 });
    sim.deploy("a", Plain, { meta: provMeta });
    for (const bad of [
      { maxHooks: -1 },
      { maxHooks: 0 },
      { maxHooks: 1.5 },
      { maxHooks: Number.NaN },
    ])
      expect(() => sim.settle(bad)).toThrow(/invalid settle\(\) options: maxHooks: /);
    expect(() => sim.settle({ progressEvery: 0 })).toThrow(/progressEvery: /);
    expect(sim.trace.hooks()).toEqual([]);
  });

  it("sim.bag() throws for a relation the model never had, and is empty once one is removed", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 2 });
    sim.deploy("p", Plain, { meta: provMeta });
    sim.deploy("r", Plain, { meta: reqMeta });
    expect(() => sim.bag(99, "p/0")).toThrow(/no relation 99/);
    const id = sim.integrate("p:db", "r:db");
    sim.settle();
    sim.exec("p/0", (c) => c.model.getRelation("db")?.data.get(c.unit).set("k", "v"));
    expect(sim.bag(id, "p/0")).toEqual({ k: "v" });
    sim.removeRelation(id);
    sim.settle();
    expect(sim.bag(id, "p/0")).toEqual({});
  });

  it("a large model is told apart from a loop, and long settles report progress", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 3 });
    sim.deploy("p", Plain, { meta: provMeta, units: 30 });
    sim.deploy("r", Plain, { meta: reqMeta, units: 30 });
    sim.integrate("p:db", "r:db");
    const seen: number[] = [];
    let error: unknown;
    try {
      sim.settle({ maxHooks: 500, progressEvery: 100, onProgress: (n) => seen.push(n) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettleLimitError);
    expect((error as SettleLimitError).kind).toBe("size");
    expect((error as SettleLimitError).message).toMatch(
      /the model is still busy \(raise maxHooks\)/,
    );
    expect(seen).toEqual([100, 200, 300, 400, 500]);
    expect(sim.settle({ maxHooks: 100_000 })).toBeGreaterThan(0);
  });
});

describe("Juju's keys in unit bags", () => {
  it("a unit's bag starts with the addresses Juju writes when it enters the scope; jujuBagKeys: false leaves them out", () => {
    for (const jujuBagKeys of [undefined, false]) {
      const sim = new Simulation({ seed: 4, ...(jujuBagKeys === false ? { jujuBagKeys } : {}) });
      sim.deploy("p", Plain, { meta: provMeta });
      sim.deploy("r", Plain, { meta: reqMeta });
      const id = sim.integrate("p:db", "r:db");
      sim.settle();
      const expected = jujuBagKeys === false ? {} : { ...DEFAULT_JUJU_DATABAG };
      expect(sim.bag(id, "p/0")).toEqual(expected);
      expect(sim.bag(id, "r/0")).toEqual(expected);
      // A charm's own write keeps them; nothing but the written key shows as committed.
      sim.exec("p/0", (c) => c.model.getRelation("db")?.data.get(c.unit).set("k", "v"));
      expect(sim.bag(id, "p/0")).toEqual({ ...expected, k: "v" });
      const commit = sim.trace.records.findLast((r) => r.t === "commit");
      expect(commit).toMatchObject({ set: { k: "v" }, del: [] });
    }
  });
});
