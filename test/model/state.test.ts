import { describe, expect, it } from "vitest";
import { Context } from "../../src/harness/context.js";
import { InputError } from "../../src/model/errors.js";
import {
  DeferredEvent,
  PeerRelation,
  Relation,
  State,
  StoredState,
  SubordinateRelation,
} from "../../src/model/state.js";
import { ActiveStatus, UnknownStatus } from "../../src/model/status.js";
import { charmClass } from "../harness/helpers.js";

/** Runs `fn`, which must throw an InputError, and returns its issues as `path: message`. */
function issues(fn: () => unknown): { what: string; paths: string[]; messages: string[] } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const err = e as InputError;
    for (const i of err.issues) expect(err.message).toContain(i.path);
    return {
      what: err.what,
      paths: err.issues.map((i) => i.path),
      messages: err.issues.map((i) => i.message),
    };
  }
  throw new Error("expected an InputError");
}

// Bad input is typed loosely on purpose: these are the mistakes an untyped caller makes.
const loose = <T>(value: unknown) => value as T;

describe("Relation", () => {
  it("has Scenario's defaults", () => {
    const r = new Relation({ endpoint: "db" });
    expect(r).toMatchObject({
      kind: "regular",
      endpoint: "db",
      interface: undefined,
      remoteAppName: "remote",
      limit: 1,
      localAppData: {},
      localUnitData: {},
      remoteAppData: {},
      remoteUnitsData: { 0: {} },
    });
    expect(r.remoteUnitIds).toEqual([0]);
  });

  it.each([
    ["a non-string local app value", "localAppData.k", { localAppData: { k: 1 } }],
    ["a non-string local unit value", "localUnitData.k", { localUnitData: { k: null } }],
    ["a non-string remote app value", "remoteAppData.k", { remoteAppData: { k: true } }],
    [
      "a non-string remote unit value",
      "remoteUnitsData.2.k",
      { remoteUnitsData: { 2: { k: {} } } },
    ],
    ["a remote unit id that is not a number", "remoteUnitsData.a", { remoteUnitsData: { a: {} } }],
    ["a negative id", "id", { id: -1 }],
    ["a fractional id", "id", { id: 1.5 }],
    ["an empty endpoint", "endpoint", { endpoint: "" }],
    ["a limit of 0", "limit", { limit: 0 }],
    ["an unknown key", "remoteUnitData", { remoteUnitData: {} }],
  ])("refuses %s, naming %s", (_what, path, patch) => {
    const got = issues(() => new Relation(loose({ endpoint: "db", ...patch })));
    expect(got.what).toBe("Relation");
    expect(got.paths).toEqual([path]);
  });

  it("names every bad field at once", () => {
    const got = issues(
      () => new Relation(loose({ endpoint: "db", id: -3, localUnitData: { a: 1 }, typo: 1 })),
    );
    expect(got.paths.sort()).toEqual(["id", "localUnitData.a", "typo"]);
    expect(got.messages).toContain("unknown field; remove it or check its spelling");
  });

  it("is deeply frozen and does not share the caller's objects", () => {
    const data = { k: "v" };
    const r = new Relation({ endpoint: "db", localUnitData: data, remoteUnitsData: { 1: data } });
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.localUnitData)).toBe(true);
    expect(Object.isFrozen(r.remoteUnitsData)).toBe(true);
    expect(Object.isFrozen(r.remoteUnitsData[1])).toBe(true);
    expect(Object.isFrozen(data)).toBe(false);
    data.k = "changed";
    expect(r.localUnitData).toEqual({ k: "v" });
    expect(() => {
      (r.localUnitData as Record<string, string>).k = "x";
    }).toThrow(TypeError);
  });
});

describe("PeerRelation and SubordinateRelation", () => {
  it("PeerRelation refuses bad peer data and fields only regular relations have", () => {
    expect(
      issues(() => new PeerRelation(loose({ endpoint: "p", peersData: { 1: { k: 2 } } }))).paths,
    ).toEqual(["peersData.1.k"]);
    const got = issues(() => new PeerRelation(loose({ endpoint: "p", remoteAppName: "x" })));
    expect(got.what).toBe("PeerRelation");
    expect(got.paths).toEqual(["remoteAppName"]);
  });

  it("SubordinateRelation refuses a negative remote unit id and a units map", () => {
    const got = issues(
      () =>
        new SubordinateRelation(loose({ endpoint: "s", remoteUnitId: -1, remoteUnitsData: {} })),
    );
    expect(got.what).toBe("SubordinateRelation");
    expect(got.paths.sort()).toEqual(["remoteUnitId", "remoteUnitsData"]);
  });

  it("valid ones construct, with one remote unit for a subordinate", () => {
    const p = new PeerRelation({ endpoint: "p", peersData: { 1: { a: "b" }, 2: {} } });
    expect(p.remoteUnitIds).toEqual([1, 2]);
    const s = new SubordinateRelation({
      endpoint: "s",
      remoteUnitId: 4,
      remoteUnitData: { x: "y" },
    });
    expect(s.remoteUnitIds).toEqual([4]);
  });
});

describe("State", () => {
  it("has defaults", () => {
    const s = new State();
    expect(s.leader).toBe(false);
    expect(s.relations).toEqual([]);
    expect(s.unitStatus).toEqual(new UnknownStatus());
    expect(s.model).toEqual({ name: "test-model", uuid: "00000000-0000-4000-8000-000000000000" });
    expect(s.plannedUnits).toBe(1);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.relations)).toBe(true);
  });

  it.each([
    ["an unknown key", "leaders", { leaders: true }],
    ["a non-boolean leader", "leader", { leader: "yes" }],
    ["a relation that is a plain object", "relations[0]", { relations: [{ endpoint: "db" }] }],
    ["a config value that is an object", "config.port", { config: { port: {} } }],
    ["a status given as a string", "unitStatus", { unitStatus: "active" }],
    ["a negative planned unit count", "plannedUnits", { plannedUnits: -1 }],
    ["an empty model name", "model.name", { model: { name: "" } }],
    ["a stored state that is a plain object", "storedStates[0]", { storedStates: [{ name: "x" }] }],
    ["a credential without endpoint", "credential.endpoint", { credential: { attrs: {} } }],
  ])("refuses %s, naming %s", (_what, path, init) => {
    const got = issues(() => new State(loose(init)));
    expect(got.what).toBe("State");
    expect(got.paths).toEqual([path]);
  });

  it("bad State input is refused before any charm code runs", () => {
    const Charm = charmClass();
    const ctx = new Context(Charm, { meta: { name: "x" } });
    expect(() => ctx.run(ctx.on.install(), new State(loose({ leader: 1 })))).toThrow(InputError);
    expect(() => ctx.run(ctx.on.install(), loose({ leader: true }))).toThrow(TypeError);
    expect(Charm.built).toBe(0);
  });

  it("accepts any iterable of relations", () => {
    const a = new Relation({ endpoint: "db" });
    const s = new State({ relations: new Set([a]), unitStatus: new ActiveStatus("x") });
    expect(s.relations).toEqual([a]);
    expect(s.getRelation(a.id)).toBe(a);
    expect(s.getRelations("db")).toEqual([a]);
    expect(s.getRelation(a.id + 1000)).toBeUndefined();
  });
});

describe("StoredState and DeferredEvent", () => {
  it("StoredState refuses content that is not JSON, naming the key", () => {
    const got = issues(
      () => new StoredState(loose({ ownerPath: "C", name: "s", content: { f: () => 1 } })),
    );
    expect(got.what).toBe("StoredState");
    expect(got.paths).toEqual(["content.f"]);
    expect(issues(() => new StoredState({ ownerPath: "C", name: "" })).paths).toEqual(["name"]);
  });

  it("StoredState content is frozen and copied", () => {
    const content = { a: { b: 1 } };
    const s = new StoredState({ ownerPath: "C", name: "s", content });
    content.a.b = 2;
    expect(s.content).toEqual({ a: { b: 1 } });
    expect(Object.isFrozen(s.content.a)).toBe(true);
  });

  it("DeferredEvent refuses a handle path that is not an event's", () => {
    const got = issues(
      () => new DeferredEvent({ handlePath: "Charm/install", owner: "Charm", observer: "o" }),
    );
    expect(got.what).toBe("DeferredEvent");
    expect(got.paths).toEqual(["handlePath"]);
    expect(got.messages[0]).toMatch(/Charm\/on\/install\[1\]/);
    const ok = new DeferredEvent({
      handlePath: "Charm/Lib[x]/on/thing_happened[12]",
      owner: "Charm/Lib[x]/on",
      observer: "Charm/Lib[x]/on/thing_happened#0",
    });
    expect(ok.kind).toBe("thing_happened");
  });
});
