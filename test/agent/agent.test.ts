/** A unit agent's watchers, commits and what a hook sees, driven through the model. */
import { describe, expect, it } from "vitest";
import { UnitAgents } from "../../src/agent/agent.js";
import type { Hook } from "../../src/model/hooks.js";
import { JujuModel } from "../../src/model/juju-model.js";
import { charmSpec } from "../../src/model/metadata.js";
import { unitDigest, unitSetDigest } from "../../src/model/sorted-set.js";

const prov = charmSpec({ meta: { name: "prov", provides: { db: { interface: "db" } } } });
const req = charmSpec({ meta: { name: "req", requires: { db: { interface: "db" } } } });
const peer = charmSpec({ meta: { name: "peer", peers: { cluster: { interface: "c" } } } });

function world() {
  const model = new JujuModel(() => 0);
  const agents = new UnitAgents(model);
  model.hub = agents;
  const opts = { units: 1, config: {}, trusted: false };
  model.deploy("p", "P", prov, opts);
  model.deploy("r", "R", req, opts);
  return { model, agents };
}

describe("UnitAgent watchers", () => {
  it("a new unit's agent starts with every watcher's initial event in, then waits", () => {
    const { model, agents } = world();
    const id = model.integrate("p:db", "r:db");
    expect(agents.active()).toEqual(["p/0", "r/0"]);
    const p = agents.get("p/0");
    expect(p.started).toBe(false);
    expect(p.start()).toEqual({ watcher: "start" });
    expect(p.remote.configVersion).toBe(1);
    expect(p.remote.leader).toBe(true);
    expect(p.remote.leaderSettingsVersion).toBe(1);
    expect(p.remote.relations.get(id)?.life).toBe("alive");
    expect(p.pendingCount).toBe(0);
  });

  it("events queue per watcher; a relation-units delivery takes a prefix, in order", () => {
    const { model, agents } = world();
    const id = model.integrate("p:db", "r:db");
    const p = agents.get("p/0");
    p.start();
    agents.get("r/0").start();
    expect(model.enterScope("r/0", id)).toBe(true);
    model.commitBag(id, "r/0", { a: "1" }, "r/0");
    model.setConfig("p", {});
    model.setTrust("p", true);
    expect(p.pendingCount).toBe(2); // config, relation-units
    const snap = () => p.remote.relations.get(id)?.members;
    // Choose the relation-units watcher (second), and deliver one event of two.
    const picks = [1, 1];
    const d = p.deliver(() => picks.shift() ?? 0);
    expect(d).toEqual({ watcher: `relation-units:${id}`, rel: id, events: 1 });
    expect(snap()?.get("r/0")).toBe(0);
    p.deliverAll();
    expect(snap()?.get("r/0")).toBe(1);
    expect(p.remote.configVersion).toBe(2);
    expect(p.pendingCount).toBe(0);
  });

  it("a unit leaving is reported at once; a relation that goes leaves the snapshot", () => {
    const { model, agents } = world();
    const id = model.integrate("p:db", "r:db");
    const p = agents.get("p/0");
    const r = agents.get("r/0");
    p.start();
    r.start();
    model.enterScope("r/0", id);
    p.deliverAll();
    expect(p.remote.relations.get(id)?.members.has("r/0")).toBe(true);
    model.removeUnit("r/0");
    expect(model.relation(id).scope.has("r/0")).toBe(false);
    p.deliverAll();
    expect(p.remote.relations.get(id)?.members.has("r/0")).toBe(false);
    model.removeRelation(id);
    model.leaveScope("r/0", id);
    expect(model.relations.get(id)?.life).toBe("removed");
    p.deliverAll();
    expect(p.remote.relations.has(id)).toBe(false);
  });
});

describe("UnitAgent commits", () => {
  it("config-changed before start queues start; the queued start is the next hook", () => {
    const { agents } = world();
    const p = agents.get("p/0");
    p.start();
    expect(p.nextHook(() => 0)?.hook).toEqual({ kind: "install" });
    p.commitHook({ hook: { kind: "install" }, changeVersion: 0 }, p.capture());
    expect(p.nextHook(() => 0)?.hook).toEqual({ kind: "leader-elected" });
    expect(p.local.leader).toBe(true);
    p.commitHook({ hook: { kind: "leader-elected" }, changeVersion: 0 }, p.capture());
    expect(p.nextHook(() => 0)?.hook).toEqual({ kind: "config-changed" });
    p.commitHook({ hook: { kind: "config-changed" }, changeVersion: 0 }, p.capture());
    expect(p.local.op.kind).toBe("queued");
    expect(p.nextHook(() => 0)?.hook).toEqual({ kind: "start" });
  });

  it("a failed hook waits for resolved: retry runs it again, no retry commits it unrun", () => {
    const { agents } = world();
    const p = agents.get("p/0");
    p.start();
    const install = p.nextHook(() => 0);
    if (!install) throw new Error("no install");
    p.failHook(install);
    expect(p.errorHook).toEqual({ kind: "install" });
    expect(p.nextHook(() => 0)).toBeNull();
    expect(p.resolved(true)).toBe(install);
    expect(p.nextHook(() => 0)?.hook).toEqual({ kind: "install" });
    p.failHook(install);
    p.resolved(false);
    expect(p.local.installed).toBe(true);
    expect(() => p.resolved(false)).toThrow(/not in error/);
  });

  it("every commit records the update-status version its hook was made with", () => {
    const { model, agents } = world();
    const p = agents.get("p/0");
    p.start();
    model.queueUpdateStatus("p/0");
    p.deliverAll();
    p.commitHook({ hook: { kind: "install" }, changeVersion: 0 }, p.capture());
    expect(p.local.updateStatusVersion).toBe(1);
  });

  it("a leader's own peer app-bag write counts as handled; an earlier leader's does not", () => {
    const model = new JujuModel(() => 0);
    const agents = new UnitAgents(model);
    model.hub = agents;
    model.deploy("a", "A", peer, { units: 2, config: {}, trusted: false });
    const a0 = agents.get("a/0");
    const a1 = agents.get("a/1");
    a0.start();
    a1.start();
    const id = 1;
    expect(model.enterScope("a/0", id)).toBe(true);
    // Join the relation locally, as the resolver's SynchronizeScopes does.
    a0.nextHook(() => 0);
    a0.commitHook({ hook: { kind: "install" }, changeVersion: 0 }, a0.capture());
    expect(a0.nextHook(() => 0)?.hook).toEqual({ kind: "relation-created", relationId: id });
    const w = model.commitBag(id, "a", { k: "1" }, "a/0");
    a0.ownAppWrite(id, "a", w.previous, w.version);
    expect(a0.local.states.get(id)?.appMembers.get("a")).toBe(1);
    expect(a0.remote.relations.get(id)?.appMembers.get("a")).toBe(1);
    // A write by another leader in between: the next own write is not counted as handled.
    const other = model.commitBag(id, "a", { k: "2" }, "a/1");
    const mine = model.commitBag(id, "a", { k: "3" }, "a/0");
    expect(a0.ownAppWrite(id, "a", mine.previous, mine.version)).toBeNull();
    expect(other.version).toBe(2);
    expect(a0.local.states.get(id)?.appMembers.get("a")).toBe(1);
  });
});

describe("UnitAgent: what a hook sees", () => {
  it("members come from the local state, with the joining unit in joined and the departing one out in departed", () => {
    const { agents } = world();
    const p = agents.get("p/0");
    p.local.states.set(5, {
      members: new Map([
        ["r/0", 1],
        ["r/10", 1],
      ]),
      appMembers: new Map(),
      changedPending: null,
      memberDigest: unitDigest("r/0") ^ unitDigest("r/10"),
    });
    p.local.known.set(5, { id: 5, endpoint: "db", peer: false, remoteApp: "r" });
    expect(p.members(5, { kind: "update-status" })).toEqual(["r/0", "r/10"]);
    expect(p.members(5, { kind: "relation-joined", relationId: 5, remoteUnit: "r/2" })).toEqual([
      "r/0",
      "r/10",
      "r/2",
    ]);
    expect(
      p.members(5, {
        kind: "relation-departed",
        relationId: 5,
        remoteUnit: "r/0",
        departingUnit: "r/0",
      }),
    ).toEqual(["r/10"]);
    expect(p.members(5, { kind: "relation-broken", relationId: 5 })).toEqual([]);
    // The incremental digest agrees with the listed members, hook by hook.
    const hooks: Hook[] = [
      { kind: "update-status" },
      { kind: "relation-joined", relationId: 5, remoteUnit: "r/2" },
      { kind: "relation-departed", relationId: 5, remoteUnit: "r/0", departingUnit: "r/0" },
      { kind: "relation-broken", relationId: 5 },
    ];
    for (const hook of hooks) {
      const listed = p.members(5, hook);
      expect(p.visibleDigest(5, hook)).toEqual({ n: listed.length, h: unitSetDigest(listed) });
    }
    expect(p.relationIds("db", { kind: "update-status" })).toEqual([5]);
    expect(p.relationIds("db", { kind: "relation-broken", relationId: 5 })).toEqual([]);
  });
});
