/**
 * The unit agent's resolver chain: given what its committed hooks recorded (local state) and
 * what its watchers reported (remote state), the next operation, in Juju's order. Each function
 * names the Juju resolver it follows (juju/juju worker/uniter/; internal/worker/uniter/ on main);
 * docs/juju-fidelity.md lists the rules one per line.
 */
import type { Hook } from "../model/hooks.js";
import type { SortedStringSet } from "../model/sorted-set.js";
import type { HookOp, KnownRelation, LocalState, RelationState } from "./local-state.js";
import type { RelationSnapshot, RemoteState } from "./remote-state.js";

/** What the resolver chain asks the agent to do next. */
export type Operation =
  | { readonly op: "run-hook"; readonly hookOp: HookOp }
  | { readonly op: "accept-leadership" }
  | { readonly op: "resign-leadership" }
  | { readonly op: "terminate" };

/**
 * The pending work of one joined relation, kept up to date as the snapshot and the local state
 * change, so that the relation resolver's scans ("the first unit in sorted order that ...") are
 * look-ups instead of walks over every member.
 */
export interface RelationDiff {
  /** In the snapshot, not yet joined locally. */
  readonly toJoin: SortedStringSet;
  /** Joined locally, no longer in the snapshot. */
  readonly toDepart: SortedStringSet;
  /** Joined, with a settings version the snapshot has moved past. */
  readonly dirty: SortedStringSet;
}

/** What the resolver reads besides the two states. */
export interface ResolverInput {
  readonly unit: string;
  readonly local: LocalState;
  readonly remote: RemoteState;
  /** Joins the alive relations of the snapshot not joined yet (Juju's SynchronizeScopes). */
  synchronizeScopes(): void;
  /** Go's map order: which of several relations with work the agent looks at first. */
  choose(n: number, what: string): number;
  /** The unit or its application is no longer alive, read from the model at hook time. */
  selfLeaving(): boolean;
  diff(relationId: number): RelationDiff;
}

const EMPTY_SNAPSHOT: RelationSnapshot = Object.freeze({
  life: "dying" as const,
  members: new Map<string, number>(),
  appMembers: new Map<string, number>(),
});

const run = (hook: Hook, changeVersion = 0): Operation => ({
  op: "run-hook",
  hookOp: { hook, changeVersion },
});

/** uniterResolver.NextOp (resolver.go): the chain, in Juju's order. */
export function nextOperation(x: ResolverInput): Operation | null {
  const { local } = x;
  if (local.removed) return { op: "terminate" };
  const created = createdRelationsOp(x);
  if (created) return created;
  const leadership = leadershipOp(x);
  if (leadership) return leadership;
  // Actions and commands run through Simulation.runAction, outside the chain.
  switch (local.op.kind) {
    case "error":
      return null; // awaiting `resolved` (nextOpHookError)
    case "retry":
    case "queued":
      return { op: "run-hook", hookOp: local.op.op };
    case "continue":
      return idleOp(x);
  }
}

/** uniterResolver.nextOp: the dying branch, then install, config, relations, update-status. */
function idleOp(x: ResolverInput): Operation | null {
  const { local, remote } = x;
  if (remote.life === "dying") {
    const rel = relationsOp(x);
    if (rel) return rel;
    if (local.started && !local.stopped) return run({ kind: "stop" });
    if (local.installed && !local.removed) return run({ kind: "remove" });
    return { op: "terminate" };
  }
  if (!local.installed && !local.started) return run({ kind: "install" });
  if (local.configVersion !== remote.configVersion) return run({ kind: "config-changed" });
  const rel = relationsOp(x);
  if (rel) return rel;
  if (local.updateStatusVersion !== remote.updateStatusVersion)
    return run({ kind: "update-status" });
  return null;
}

/** createdRelationsResolver.NextOp (relation/resolver.go). */
function createdRelationsOp(x: ResolverInput): Operation | null {
  const { local, remote } = x;
  if (!local.installed || remote.life === "dying") return null;
  if (local.op.kind !== "continue") return null;
  x.synchronizeScopes();
  const ids: number[] = [];
  for (const [id, snap] of remote.relations) {
    if (snap.life === "alive" && !local.created.has(id)) ids.push(id);
  }
  if (ids.length === 0) return null;
  const id = ids.length === 1 ? (ids[0] as number) : pick(x, ids, "relation to create");
  return run({ kind: "relation-created", relationId: id });
}

/** leadershipResolver.NextOp (leadership/resolver.go, Juju 3.x with leader-settings-changed). */
function leadershipOp(x: ResolverInput): Operation | null {
  const { local, remote } = x;
  if (!local.installed) return null;
  const canAcceptLeader = !local.leader && remote.life !== "dying" && local.op.kind === "continue";
  if (remote.leader && canAcceptLeader) return { op: "accept-leadership" };
  if (local.leader && (!remote.leader || remote.life === "dying"))
    return { op: "resign-leadership" };
  if (
    local.op.kind === "continue" &&
    !local.stopped &&
    !local.leader &&
    local.leaderSettingsVersion !== remote.leaderSettingsVersion
  )
    return run({ kind: "leader-settings-changed" });
  return null;
}

/** relationsResolver.NextOp: the first relation (in map order) with a hook to run. */
function relationsOp(x: ResolverInput): Operation | null {
  const { local, remote } = x;
  // Stryker disable next-line ConditionalExpression: equivalent, only idleOp calls this, and only when the operation state is "continue"; kept as Juju's relationsResolver checks it
  if (local.op.kind !== "continue") return null;
  x.synchronizeScopes();
  const found: Operation[] = [];
  for (const [id, snapshot] of remote.relations) {
    const known = local.known.get(id);
    const state = local.states.get(id);
    if (!known || !state) continue;
    const remoteBroken = remote.life === "dying" || snapshot.life === "dying";
    const op = nextHookForRelation(
      x,
      known,
      state,
      remoteBroken ? EMPTY_SNAPSHOT : snapshot,
      remoteBroken,
    );
    if (op) found.push(op);
  }
  if (found.length === 0) return null;
  return found.length === 1
    ? (found[0] as Operation)
    : (found[x.choose(found.length, `${x.unit}: relation to serve`)] as Operation);
}

/** relationsResolver.nextHookForRelation: Juju's fixed order inside one relation. */
function nextHookForRelation(
  x: ResolverInput,
  known: KnownRelation,
  state: RelationState,
  snap: RelationSnapshot,
  remoteBroken: boolean,
): Operation | null {
  const relationId = known.id;
  if (state.changedPending !== null) {
    const unit = state.changedPending;
    return run(
      { kind: "relation-changed", relationId, remoteUnit: unit },
      snap.members.get(unit) ?? 0,
    );
  }
  const diff = x.diff(relationId);
  const departing = remoteBroken ? minKey(state.members) : diff.toDepart.min();
  if (departing !== undefined) {
    return run(
      {
        kind: "relation-departed",
        relationId,
        remoteUnit: departing,
        departingUnit: x.selfLeaving() ? x.unit : departing,
      },
      state.members.get(departing) ?? 0,
    );
  }
  if (remoteBroken) {
    // Peer relations are never broken; a relation whose state is gone was broken already.
    if (known.peer) return null;
    return run({ kind: "relation-broken", relationId });
  }
  for (const [app, version] of snap.appMembers) {
    if ((state.appMembers.get(app) ?? 0) !== version)
      return run({ kind: "relation-changed", relationId, remoteUnit: null }, version);
  }
  const joining = diff.toJoin.min();
  if (joining !== undefined) {
    return run(
      { kind: "relation-joined", relationId, remoteUnit: joining },
      snap.members.get(joining) ?? 0,
    );
  }
  const changed = diff.dirty.min();
  if (changed !== undefined) {
    return run(
      { kind: "relation-changed", relationId, remoteUnit: changed },
      snap.members.get(changed) ?? 0,
    );
  }
  return null;
}

function pick(x: ResolverInput, ids: readonly number[], what: string): number {
  return ids[x.choose(ids.length, `${x.unit}: ${what}`)] as number;
}

/** The smallest key in string order (Juju sorts unit names as strings: app/10 < app/2). */
function minKey(m: ReadonlyMap<string, number>): string | undefined {
  let min: string | undefined;
  // Stryker disable next-line EqualityOperator: equivalent, map keys are distinct
  for (const k of m.keys()) if (min === undefined || k < min) min = k;
  return min;
}
