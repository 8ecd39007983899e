import { describe, expect, it } from "vitest";
import { Context, UncaughtCharmError } from "../../src/harness/context.js";
import { InconsistentScenarioError } from "../../src/model/consistency.js";
import { InputError } from "../../src/model/errors.js";
import {
  DEFAULT_JUJU_DATABAG,
  DeferredEvent,
  PeerRelation,
  Relation,
  State,
  StoredState,
  SubordinateRelation,
} from "../../src/model/state.js";
import { ActiveStatus, BlockedStatus, MaintenanceStatus } from "../../src/model/status.js";
import { charmClass, charmError, deeplyFrozen, plain, type Setup } from "./helpers.js";

const meta = {
  name: "app",
  requires: { db: { interface: "db" } },
  provides: { website: { interface: "http" } },
  peers: { cluster: { interface: "cluster" } },
};
const config = {
  options: { port: { type: "int" as const, default: 80 }, name: { type: "string" as const } },
};

function context(setup: Setup) {
  return new Context(charmClass(setup), { meta, config });
}

/** A State touching every field the charm below changes. */
function richState(): State {
  return new State({
    leader: true,
    config: { name: "n" },
    relations: [
      new Relation({
        endpoint: "db",
        remoteAppName: "database",
        localUnitData: { a: "1" },
        localAppData: { b: "2" },
        remoteAppData: { c: "3" },
        remoteUnitsData: { 0: { d: "4" }, 1: {} },
      }),
      new PeerRelation({ endpoint: "cluster", localAppData: { e: "5" }, peersData: { 1: {} } }),
    ],
    unitStatus: new MaintenanceStatus("m"),
    appStatus: new BlockedStatus("b"),
    workloadVersion: "0.1",
    storedStates: [
      new StoredState({
        ownerPath: "TestCharm",
        name: "_stored",
        content: { n: 1, deep: { xs: [1] } },
      }),
    ],
    deferred: [
      new DeferredEvent({
        handlePath: "TestCharm/on/start[7]",
        owner: "TestCharm/on",
        observer: "TestCharm/on/start#0",
      }),
    ],
  });
}

/** A charm that changes everything it can, then optionally raises. */
function busyCharm(raise: boolean) {
  return context((charm, fw) => {
    const stored = fw.storedState(charm, "_stored", { n: 0, deep: { xs: [] as number[] } });
    fw.observe(charm.on.start, (e) => e.defer());
    fw.observe(charm.on.relation("db").changed, (e) => {
      stored.n += 1;
      stored.deep.xs.push(2);
      e.relation.data.get(charm.unit).set("a", "changed");
      e.relation.data.get(charm.app).set("b", "");
      charm.model.getRelation("cluster")?.data.get(charm.app).set("e", "6");
      charm.unit.status = new ActiveStatus("done");
      charm.app.status = new ActiveStatus("app done");
      charm.unit.setWorkloadVersion("0.2");
      e.defer();
      if (raise) throw new Error("after all that");
    });
  });
}

describe("Context.run and its input", () => {
  it("never mutates the input State, and returns a new one", () => {
    const state = richState();
    const rel = state.relations[0] as Relation;
    expect(deeplyFrozen(state)).toBe(true);
    const before = plain(state);
    const ctx = busyCharm(false);
    const out = ctx.run(ctx.on.relationChanged(rel), state);
    expect(plain(state)).toEqual(before);
    expect(out).not.toBe(state);
    expect(deeplyFrozen(out)).toBe(true);

    // and the output carries every change
    expect(out.getRelation(rel.id)?.localUnitData).toEqual({ a: "changed" });
    expect(out.getRelation(rel.id)?.localAppData).toEqual({});
    expect(out.getRelations("cluster")[0]?.localAppData).toEqual({ e: "6" });
    expect(out.unitStatus).toEqual(new ActiveStatus("done"));
    expect(out.appStatus).toEqual(new ActiveStatus("app done"));
    expect(out.workloadVersion).toBe("0.2");
    expect(out.getStoredState("_stored")?.content).toEqual({ n: 2, deep: { xs: [1, 2] } });
    expect(out.deferred.map((d) => d.kind)).toEqual(["start", "db_relation_changed"]);
    // untouched fields carry over
    expect(out.config).toEqual(state.config);
    expect(out.model).toEqual(state.model);
    expect(out.leader).toBe(true);
  });

  it("never mutates the input State when the charm raises, and produces no State", () => {
    const state = richState();
    const rel = state.relations[0] as Relation;
    const before = plain(state);
    const ctx = busyCharm(true);
    const err = charmError(() => ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state));
    expect(err).toBeInstanceOf(UncaughtCharmError);
    expect((err.cause as Error).message).toBe("after all that");
    expect(err.event).toEqual({
      kind: "relation-changed",
      relationId: rel.id,
      remoteUnit: "database/0",
    });
    expect(plain(state)).toEqual(before);
  });

  it("running the same input twice gives equal outputs", () => {
    const state = richState();
    const rel = state.relations[0] as Relation;
    const ctx = busyCharm(false);
    const a = ctx.run(ctx.on.relationChanged(rel), state);
    const b = ctx.run(ctx.on.relationChanged(rel), state);
    expect(plain(a)).toEqual(plain(b));
    expect(a).not.toBe(b);
  });

  it("refuses a non-State input", () => {
    const ctx = busyCharm(false);
    expect(() => ctx.run(ctx.on.install(), {} as State)).toThrow(TypeError);
  });

  it("an inconsistent scenario runs no charm code", () => {
    const Charm = charmClass();
    const ctx = new Context(Charm, { meta });
    expect(() => ctx.run(ctx.on.leaderElected(), new State())).toThrow(InconsistentScenarioError);
    expect(Charm.built).toBe(0);
  });
});

describe("the charm's view of the State", () => {
  it("sees unit and app names, leadership, config with defaults, model and planned units", () => {
    let seen: unknown;
    const ctx = new Context(
      charmClass((charm, fw) => {
        fw.observe(charm.on.install, () => {
          seen = {
            unit: charm.unit.name,
            app: charm.app.name,
            unitApp: charm.unit.app === charm.app,
            leader: charm.unit.isLeader(),
            config: { ...charm.config },
            model: [charm.model.name, charm.model.uuid],
            planned: charm.app.plannedUnits(),
          };
        });
      }),
      { meta, config, appName: "web", unitId: 3 },
    );
    expect(ctx.unitName).toBe("web/3");
    ctx.run(
      ctx.on.install(),
      new State({
        leader: true,
        config: { name: "x" },
        model: { name: "prod", uuid: "u-1" },
        plannedUnits: 4,
      }),
    );
    expect(seen).toEqual({
      unit: "web/3",
      app: "web",
      unitApp: true,
      leader: true,
      config: { port: 80, name: "x" },
      model: ["prod", "u-1"],
      planned: 4,
    });
  });

  it("one State run by two Contexts: each unit sees its own bags and config", () => {
    const seen: unknown[] = [];
    const Charm = charmClass((charm, fw) => {
      fw.observe(charm.on.relation("db").changed, (e) => {
        seen.push([
          charm.unit.name,
          e.relation.data.get(charm.unit).get("mine"),
          e.relation.data.get(charm.app).get("ours"),
          charm.config.name,
        ]);
      });
    });
    const rel = new Relation({
      endpoint: "db",
      localUnitData: { mine: "unit bag" },
      localAppData: { ours: "app bag" },
    });
    const web = new Context(Charm, { meta, config, appName: "web" });
    const api = new Context(Charm, { meta, config, appName: "api", unitId: 2 });
    const first = new State({ leader: true, relations: [rel], config: { name: "first" } });
    const second = new State({ leader: true, relations: [rel], config: { name: "second" } });
    for (const ctx of [web, api, web]) ctx.run(ctx.on.relationChanged(rel), first);
    api.run(api.on.relationChanged(rel), second);
    web.run(web.on.relationChanged(rel), first);
    expect(seen).toEqual([
      ["web/0", "unit bag", "app bag", "first"],
      ["api/2", "unit bag", "app bag", "first"],
      ["web/0", "unit bag", "app bag", "first"],
      ["api/2", "unit bag", "app bag", "second"],
      ["web/0", "unit bag", "app bag", "first"],
    ]);
  });

  it("the State's config is frozen to the charm", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        (charm.config as Record<string, unknown>).port = 1;
      });
    });
    expect(charmError(() => ctx.run(ctx.on.install(), new State())).cause).toBeInstanceOf(
      TypeError,
    );
  });
});

describe("relation ids", () => {
  it("are handed out in construction order, and survive with() and run()", () => {
    const a = new Relation({ endpoint: "db" });
    const b = new PeerRelation({ endpoint: "cluster", peersData: { 1: {} } });
    const c = new SubordinateRelation({ endpoint: "website" });
    expect(b.id).toBe(a.id + 1);
    expect(c.id).toBe(a.id + 2);
    expect(a.with({ localUnitData: { x: "y" } }).id).toBe(a.id);
    expect(b.with({ localAppData: { x: "y" } }).id).toBe(b.id);
    expect(c.with({ remoteUnitData: { x: "y" } }).id).toBe(c.id);
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("db").changed, (e) =>
        e.relation.data.get(charm.unit).set("k", "v"),
      );
    });
    const out = ctx.run(ctx.on.relationChanged(a), new State({ relations: [a, b] }));
    expect(out.relations.map((r) => r.id)).toEqual([a.id, b.id]);
    // with() and run() do not consume ids
    expect(new Relation({ endpoint: "db" }).id).toBe(c.id + 1);
  });

  it("an explicit id is kept, and later ids continue after it", () => {
    const fixed = new Relation({ endpoint: "db", id: 5000 });
    expect(fixed.id).toBe(5000);
    expect(new Relation({ endpoint: "db" }).id).toBe(5001);
    const low = new Relation({ endpoint: "db", id: 3 });
    expect(low.id).toBe(3);
    expect(new Relation({ endpoint: "db" }).id).toBe(5002);
  });
});

describe("with()", () => {
  it("State.with returns a changed copy and leaves the original alone", () => {
    const s = richState();
    const before = plain(s);
    const t = s.with({ leader: false, unitStatus: new ActiveStatus("x") });
    expect(t).not.toBe(s);
    expect(t.leader).toBe(false);
    expect(t.unitStatus).toEqual(new ActiveStatus("x"));
    expect(plain(s)).toEqual(before);
    const { leader: _l, unitStatus: _u, ...rest } = plain(t) as Record<string, unknown>;
    const { leader: _l2, unitStatus: _u2, ...restBefore } = before as Record<string, unknown>;
    expect(rest).toEqual(restBefore);
  });

  it("State.with validates its patch", () => {
    expect(() => richState().with({ plannedUnits: -2 })).toThrow(InputError);
  });

  it("Relation.with returns a changed copy with the same id", () => {
    const r = new Relation({
      endpoint: "db",
      remoteAppName: "x",
      remoteUnitsData: { 2: { a: "b" } },
    });
    const r2 = r.with({ remoteAppData: { k: "v" } });
    expect(r2).not.toBe(r);
    expect(r2.id).toBe(r.id);
    expect(r2.remoteAppData).toEqual({ k: "v" });
    expect(r2.remoteUnitsData).toEqual({ 2: { a: "b" } });
    expect(r2.remoteAppName).toBe("x");
    expect(r.remoteAppData).toEqual({});
    expect(() => r.with({ localAppData: { k: 1 as unknown as string } })).toThrow(InputError);
  });

  it("PeerRelation.with and SubordinateRelation.with copy too", () => {
    const p = new PeerRelation({ endpoint: "cluster", peersData: { 1: { a: "b" } } });
    const p2 = p.with({ localUnitData: { u: "1" } });
    expect([p2.id, p2.peersData, p2.localUnitData]).toEqual([p.id, { 1: { a: "b" } }, { u: "1" }]);
    expect(p.localUnitData).toEqual(DEFAULT_JUJU_DATABAG);
    const s = new SubordinateRelation({
      endpoint: "website",
      remoteUnitId: 2,
      remoteAppName: "main",
    });
    const s2 = s.with({ remoteUnitData: { x: "y" } });
    expect([s2.id, s2.remoteUnitId, s2.remoteAppName, s2.remoteUnitData]).toEqual([
      s.id,
      2,
      "main",
      { x: "y" },
    ]);
    expect(s.remoteUnitData).toEqual(DEFAULT_JUJU_DATABAG);
  });
});

describe("Context options", () => {
  it("needs metadata", () => {
    const err = (() => {
      try {
        new Context(charmClass(), {});
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues[0]?.path).toBe("meta");
  });

  it("refuses a bad unit id or application name, naming the field", () => {
    for (const [options, path] of [
      [{ unitId: -1 }, "unitId"],
      [{ unitId: 0.5 }, "unitId"],
      [{ appName: "Web App" }, "appName"],
    ] as const) {
      try {
        new Context(charmClass(), { meta, ...options });
        throw new Error("expected an InputError");
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as InputError).issues.map((i) => i.path)).toEqual([path]);
      }
    }
  });
});
