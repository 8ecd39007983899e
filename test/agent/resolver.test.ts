/**
 * The resolver chain alone, on hand-built local and remote states: each test is one rule of
 * docs/juju-fidelity.md, named after the Juju function it follows.
 */
import { describe, expect, it } from "vitest";
import {
  type HookOp,
  type KnownRelation,
  LocalState,
  newRelationState,
} from "../../src/agent/local-state.js";
import type { RelationSnapshot } from "../../src/agent/remote-state.js";
import { RemoteState } from "../../src/agent/remote-state.js";
import {
  nextOperation,
  type Operation,
  type RelationDiff,
  type ResolverInput,
} from "../../src/agent/resolver.js";
import { SortedStringSet } from "../../src/model/sorted-set.js";

interface Setup {
  local: LocalState;
  remote: RemoteState;
  synced: number;
  choices: string[];
  leaving: boolean;
}

/** An installed, started unit whose remote state matches what it handled. */
function idle(): Setup {
  const local = new LocalState();
  const remote = new RemoteState();
  local.installed = true;
  local.started = true;
  remote.configVersion = local.configVersion = 1;
  remote.leaderSettingsVersion = local.leaderSettingsVersion = 1;
  return { local, remote, synced: 0, choices: [], leaving: false };
}

/** Joins relation `id` (known, created) with the remote snapshot given. */
function relation(
  s: Setup,
  id: number,
  snap: Partial<RelationSnapshot> = {},
  opts: { peer?: boolean; created?: boolean; members?: Record<string, number> } = {},
): void {
  const known: KnownRelation = {
    id,
    endpoint: "db",
    peer: opts.peer ?? false,
    remoteApp: opts.peer ? "a" : "b",
  };
  s.local.known.set(id, known);
  if (opts.created ?? true) s.local.created.add(id);
  const state = newRelationState();
  for (const [u, v] of Object.entries(opts.members ?? {})) state.members.set(u, v);
  s.local.states.set(id, state);
  s.remote.relations.set(id, {
    life: snap.life ?? "alive",
    members: snap.members ?? new Map(),
    appMembers: snap.appMembers ?? new Map(),
  });
}

function input(s: Setup, pick = 0): ResolverInput {
  return {
    unit: "a/0",
    local: s.local,
    remote: s.remote,
    synchronizeScopes: () => {
      s.synced += 1;
    },
    choose: (n, what) => {
      s.choices.push(what);
      return Math.min(pick, n - 1);
    },
    selfLeaving: () => s.leaving,
    diff: (id) => diffOf(s, id),
  };
}

function diffOf(s: Setup, id: number): RelationDiff {
  const d: RelationDiff = {
    toJoin: new SortedStringSet(),
    toDepart: new SortedStringSet(),
    dirty: new SortedStringSet(),
  };
  const state = s.local.states.get(id);
  const snap = s.remote.relations.get(id);
  for (const u of new Set([...(state?.members.keys() ?? []), ...(snap?.members.keys() ?? [])])) {
    const l = state?.members.get(u);
    const r = snap?.members.get(u);
    if (r !== undefined && l === undefined) d.toJoin.add(u);
    else if (r === undefined && l !== undefined) d.toDepart.add(u);
    else if (r !== undefined && l !== undefined && r !== l) d.dirty.add(u);
  }
  return d;
}

/** The next operation as a short label. */
function next(s: Setup, pick = 0): string | null {
  const op: Operation | null = nextOperation(input(s, pick));
  if (!op) return null;
  if (op.op !== "run-hook") return op.op;
  return hookLabel(op.hookOp);
}

function hookLabel(op: HookOp): string {
  const h = op.hook;
  let out: string = h.kind;
  if ("relationId" in h) out += ` ${h.relationId}`;
  if ("remoteUnit" in h) out += ` ${h.remoteUnit ?? "app"}`;
  if (h.kind === "relation-departed") out += ` departing:${h.departingUnit}`;
  return `${out} @${op.changeVersion}`;
}

describe("uniterResolver.NextOp: the chain", () => {
  it("an idle unit with nothing new has nothing to do", () => {
    expect(next(idle())).toBeNull();
  });

  it("install comes first; nothing else runs before it", () => {
    const s = idle();
    s.local.installed = false;
    s.local.started = false;
    s.remote.leader = true;
    s.remote.configVersion = 2;
    s.remote.relations.set(1, { life: "alive", members: new Map(), appMembers: new Map() });
    expect(next(s)).toBe("install @0");
  });

  it("relation-created before leadership, leadership before config-changed", () => {
    const s = idle();
    s.remote.leader = true;
    s.remote.configVersion = 2;
    s.remote.relations.set(7, { life: "alive", members: new Map(), appMembers: new Map() });
    expect(next(s)).toBe("relation-created 7 @0");
    expect(s.synced).toBe(1); // SynchronizeScopes ran first (the scope is entered before created)
    // One relation to create is no choice: nothing is drawn from the seed.
    expect(s.choices).toEqual([]);
    s.local.created.add(7);
    expect(next(s)).toBe("accept-leadership");
    s.local.leader = true;
    expect(next(s)).toBe("config-changed @0");
  });

  it("a queued hook runs before anything but created relations and leadership, which wait", () => {
    const s = idle();
    s.local.started = false;
    s.local.op = { kind: "queued", op: { hook: { kind: "start" }, changeVersion: 0 } };
    s.remote.relations.set(3, { life: "alive", members: new Map(), appMembers: new Map() });
    s.remote.leader = true;
    s.remote.updateStatusVersion = 4;
    expect(next(s)).toBe("start @0");
    expect(s.synced).toBe(0);
  });

  it("a hook in error blocks everything until resolved; resign still happens", () => {
    const s = idle();
    s.local.op = { kind: "error", op: { hook: { kind: "update-status" }, changeVersion: 0 } };
    s.remote.configVersion = 9;
    s.remote.leaderSettingsVersion = 2;
    expect(next(s)).toBeNull();
    s.local.leader = true;
    expect(next(s)).toBe("resign-leadership");
    s.local.leader = false;
    s.local.op = { kind: "retry", op: { hook: { kind: "update-status" }, changeVersion: 0 } };
    expect(next(s)).toBe("update-status @0");
  });

  it("config-changed before relation hooks, relation hooks before update-status", () => {
    const s = idle();
    relation(s, 1, { members: new Map([["b/0", 3]]) });
    s.remote.configVersion = 2;
    s.remote.updateStatusVersion = 1;
    expect(next(s)).toBe("config-changed @0");
    s.local.configVersion = 2;
    expect(next(s)).toBe("relation-joined 1 b/0 @3");
    s.local.states.get(1)?.members.set("b/0", 3);
    expect(next(s)).toBe("update-status @0");
  });
});

describe("leadershipResolver.NextOp (Juju 3.x)", () => {
  it("leader-settings-changed only for a non-leader whose handled version differs", () => {
    const s = idle();
    s.remote.leaderSettingsVersion = 2;
    expect(next(s)).toBe("leader-settings-changed @0");
    s.local.leader = true;
    s.remote.leader = true;
    expect(next(s)).toBeNull();
  });

  it("runs on a dying unit (before the dying branch), not after stop", () => {
    const s = idle();
    s.remote.life = "dying";
    s.remote.leaderSettingsVersion = 2;
    expect(next(s)).toBe("leader-settings-changed @0");
    s.local.stopped = true;
    expect(next(s)).toBe("remove @0");
  });

  it("a dying unit does not accept leadership; a dying leader resigns", () => {
    const s = idle();
    s.remote.life = "dying";
    s.remote.leader = true;
    expect(next(s)).toBe("stop @0");
    s.local.leader = true;
    expect(next(s)).toBe("resign-leadership");
  });

  it("nothing before install", () => {
    const s = idle();
    s.local.installed = false;
    s.local.started = false;
    s.remote.leader = true;
    expect(next(s)).toBe("install @0");
  });
});

describe("uniterResolver.nextOp: the dying branch", () => {
  it("relations first, then stop only if started, then remove only if installed", () => {
    const s = idle();
    s.remote.life = "dying";
    relation(s, 1, { members: new Map([["b/0", 1]]) }, { members: { "b/0": 1 } });
    s.leaving = true;
    expect(next(s)).toBe("relation-departed 1 b/0 departing:a/0 @1");
    s.local.states.get(1)?.members.delete("b/0");
    expect(next(s)).toBe("relation-broken 1 @0");
    s.local.known.delete(1);
    s.local.states.delete(1);
    expect(next(s)).toBe("stop @0");
    s.local.stopped = true;
    expect(next(s)).toBe("remove @0");
  });

  it("a unit that never started is removed with no stop; one never installed terminates", () => {
    const s = idle();
    s.remote.life = "dying";
    s.local.started = false;
    expect(next(s)).toBe("remove @0");
    s.local.installed = false;
    expect(next(s)).toBe("terminate");
  });

  it("no relation-created while dying", () => {
    const s = idle();
    s.remote.life = "dying";
    s.local.started = false;
    s.remote.relations.set(2, { life: "alive", members: new Map(), appMembers: new Map() });
    expect(next(s)).toBe("remove @0");
  });
});

describe("relationsResolver.nextHookForRelation: the order inside one relation", () => {
  it("changed-pending first, then departs, app, joins, changes, each in string order", () => {
    const s = idle();
    relation(
      s,
      1,
      {
        members: new Map([
          ["b/10", 1],
          ["b/2", 5],
          ["b/3", 1],
        ]),
        appMembers: new Map([["b", 2]]),
      },
      { members: { "b/2": 4, "b/9": 1, "b/1": 1 } },
    );
    const state = s.local.states.get(1);
    if (!state) throw new Error("no state");
    state.changedPending = "b/2";
    expect(next(s)).toBe("relation-changed 1 b/2 @5");
    state.changedPending = null;
    expect(next(s)).toBe("relation-departed 1 b/1 departing:b/1 @1");
    state.members.delete("b/1");
    expect(next(s)).toBe("relation-departed 1 b/9 departing:b/9 @1");
    state.members.delete("b/9");
    expect(next(s)).toBe("relation-changed 1 app @2");
    state.appMembers.set("b", 2);
    expect(next(s)).toBe("relation-joined 1 b/10 @1");
    state.members.set("b/10", 1);
    expect(next(s)).toBe("relation-joined 1 b/3 @1");
    state.members.set("b/3", 1);
    expect(next(s)).toBe("relation-changed 1 b/2 @5");
    state.members.set("b/2", 5);
    expect(next(s)).toBeNull();
  });

  it("an app bag never written (version 0) and never seen gives no hook", () => {
    const s = idle();
    relation(s, 1, { appMembers: new Map([["b", 0]]) });
    expect(next(s)).toBeNull();
  });

  it("a dying relation: departs every member, then broken; a peer relation is never broken", () => {
    const s = idle();
    relation(s, 1, { life: "dying", members: new Map([["b/0", 1]]) }, { members: { "b/0": 1 } });
    expect(next(s)).toBe("relation-departed 1 b/0 departing:b/0 @1");
    s.local.states.get(1)?.members.delete("b/0");
    expect(next(s)).toBe("relation-broken 1 @0");
    const p = idle();
    relation(p, 2, { life: "dying" }, { peer: true });
    expect(next(p)).toBeNull();
  });

  it("relation-broken for a relation joined but never created", () => {
    const s = idle();
    relation(s, 4, { life: "dying" }, { created: false });
    expect(next(s)).toBe("relation-broken 4 @0");
  });

  it("relations with work are served in an order the seed chooses (Go's map order)", () => {
    const s = idle();
    relation(s, 1, { members: new Map([["b/0", 1]]) });
    relation(s, 2, { members: new Map([["c/0", 1]]) });
    expect(next(s, 0)).toBe("relation-joined 1 b/0 @1");
    expect(next(s, 1)).toBe("relation-joined 2 c/0 @1");
    expect(s.choices.at(-1)).toBe("a/0: relation to serve");
  });

  it("a relation in the snapshot the unit has not joined gives no relation hook", () => {
    const s = idle();
    s.remote.relations.set(5, {
      life: "alive",
      members: new Map([["b/0", 1]]),
      appMembers: new Map(),
    });
    s.local.created.add(5);
    expect(next(s)).toBeNull();
  });
});

describe("rules the scenarios above leave implicit", () => {
  it("a removed unit's agent terminates, whatever else is pending", () => {
    const s = idle();
    s.local.removed = true;
    s.remote.configVersion = 2;
    s.remote.leader = true;
    s.remote.relations.set(1, { life: "alive", members: new Map(), appMembers: new Map() });
    expect(next(s)).toBe("terminate");
    expect(s.synced).toBe(0);
  });

  it("install only when neither installed nor started (Juju keeps !Started for old agent states)", () => {
    const s = idle();
    s.local.installed = false;
    expect(next(s)).toBeNull();
  });

  it("several relations to create: the seed chooses which first (Go's map order)", () => {
    const s = idle();
    for (const id of [4, 9]) {
      s.remote.relations.set(id, { life: "alive", members: new Map(), appMembers: new Map() });
    }
    expect(next(s, 0)).toBe("relation-created 4 @0");
    expect(next(s, 1)).toBe("relation-created 9 @0");
    expect(s.choices).toEqual(["a/0: relation to create", "a/0: relation to create"]);
    // A dying relation in the snapshot is never created.
    const d = idle();
    d.remote.relations.set(2, { life: "dying", members: new Map(), appMembers: new Map() });
    expect(next(d)).toBeNull();
    expect(d.choices).toEqual([]);
  });

  it("a single relation with work is served with no choice drawn", () => {
    const s = idle();
    relation(s, 1, { members: new Map([["b/0", 1]]) });
    relation(s, 2);
    expect(next(s, 1)).toBe("relation-joined 1 b/0 @1");
    expect(s.choices).toEqual([]);
  });

  it("a known relation whose state is gone (broken already) gives no hook", () => {
    const s = idle();
    relation(s, 3, { life: "dying" });
    s.local.states.delete(3);
    expect(next(s)).toBeNull();
  });

  it("a pending changed of a unit gone from the snapshot runs with version 0", () => {
    const s = idle();
    relation(s, 1, {}, { members: { "b/0": 2 } });
    const state = s.local.states.get(1);
    if (!state) throw new Error("no state");
    state.changedPending = "b/0";
    expect(next(s)).toBe("relation-changed 1 b/0 @0");
  });

  it("a dying relation departs its members in string order (b/1, b/10, b/2), with their local versions", () => {
    const s = idle();
    relation(
      s,
      1,
      { life: "dying", members: new Map([["b/2", 9]]) },
      { members: { "b/2": 2, "b/10": 10, "b/1": 1 } },
    );
    const state = s.local.states.get(1);
    if (!state) throw new Error("no state");
    const order: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      order.push(next(s));
      state.members.delete([...state.members.keys()].sort()[0] as string);
    }
    expect(order).toEqual([
      "relation-departed 1 b/1 departing:b/1 @1",
      "relation-departed 1 b/10 departing:b/10 @10",
      "relation-departed 1 b/2 departing:b/2 @2",
    ]);
    expect(next(s)).toBe("relation-broken 1 @0");
  });
});
