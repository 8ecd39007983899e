/**
 * One unit agent as Juju's uniter is built: watchers feed its remote state (lagging the model,
 * each watcher delivering in order when the seed says), its committed operations make its local
 * state, and the resolver chain (resolver.ts) picks its next operation from the two.
 */
import type { Hook } from "../model/hooks.js";
import type {
  JujuModel,
  RelationRecord,
  RelationUnitsEvent,
  UnitRecord,
  WatcherHub,
} from "../model/juju-model.js";
import { SortedStringSet, unitDigest } from "../model/sorted-set.js";
import {
  CONTINUE,
  type HookOp,
  type KnownRelation,
  LocalState,
  newRelationState,
} from "./local-state.js";
import {
  applyRelationUnitsChange,
  type RelationSnapshot,
  type RelationUnitsChange,
  RemoteState,
  type WatcherKey,
} from "./remote-state.js";
import { nextOperation, type Operation, type RelationDiff } from "./resolver.js";

/** Chooses an index in [0, n); the simulation passes its scheduler. */
export type Choose = (n: number, what: string) => number;

/** What a hook's commit records from the remote state as it was when the hook was made. */
export interface Captured {
  readonly configVersion: number;
  readonly leaderSettingsVersion: number;
  readonly updateStatusVersion: number;
}

/** One watcher delivery, as the trace records it. */
export interface Delivery {
  readonly watcher: WatcherKey | "start";
  readonly rel?: number;
  /** Relation-units events delivered (a prefix of those queued). */
  readonly events?: number;
}

function newDiff(): RelationDiff {
  return {
    toJoin: new SortedStringSet(),
    toDepart: new SortedStringSet(),
    dirty: new SortedStringSet(),
  };
}

export class UnitAgent {
  readonly local = new LocalState();
  readonly remote = new RemoteState();
  /** The agent has started: its watchers delivered their initial events. */
  started = false;
  /** The resolver found nothing to do and nothing changed since. */
  quiet = false;
  terminated = false;
  /** Watchers with undelivered events, in the order they first had one. */
  private readonly pendingSimple = new Set<"unit" | "config" | "leadership" | "update-status">();
  private readonly pendingRelations = new Set<number>();
  private readonly pendingUnits = new Map<number, RelationUnitsChange[]>();
  private readonly diffs = new Map<number, RelationDiff>();

  constructor(
    readonly unit: string,
    readonly app: string,
    private readonly model: JujuModel,
    private readonly onChange: (agent: UnitAgent) => void,
  ) {}

  get pendingCount(): number {
    return (
      this.pendingSimple.size + (this.pendingRelations.size > 0 ? 1 : 0) + this.pendingUnits.size
    );
  }

  private record(): UnitRecord | undefined {
    return this.model.units.get(this.unit);
  }

  // ---- watchers ----------------------------------------------------------------------------

  queue(key: "unit" | "config" | "leadership" | "update-status"): void {
    if (!this.started || this.terminated) return;
    this.pendingSimple.add(key);
    this.onChange(this);
  }

  queueRelation(id: number): void {
    if (!this.started || this.terminated) return;
    this.pendingRelations.add(id);
    this.onChange(this);
  }

  queueRelationUnits(id: number, change: RelationUnitsChange): void {
    if (!this.started || this.terminated || !this.remote.relations.has(id)) return;
    let list = this.pendingUnits.get(id);
    if (!list) {
      list = [];
      this.pendingUnits.set(id, list);
    }
    // Each change is kept: a delivery takes a prefix of them, so the seed chooses what a
    // watcher sends together (an entry and a departure delivered together are never seen).
    list.push(change);
    this.onChange(this);
  }

  /** The agent starts: every watcher's initial event is in before the resolver first runs. */
  start(): Delivery {
    this.started = true;
    const unit = this.record();
    const app = this.model.apps.get(this.app);
    if (unit && app) {
      this.remote.life = unit.life === "alive" ? "alive" : "dying";
      this.remote.configVersion = app.configVersion;
      this.remote.leader = app.leader === this.unit;
      this.remote.leaderSettingsVersion = app.leaderSettingsVersion;
      this.remote.updateStatusVersion = unit.updateStatusTicks;
      for (const rel of this.model.relationsOf(this.app)) this.addRelation(rel);
    }
    this.quiet = false;
    this.onChange(this);
    return { watcher: "start" };
  }

  /** Delivers the events of one pending watcher (a prefix of them, for relation units). */
  deliver(choose: Choose): Delivery | null {
    const keys: WatcherKey[] = [...this.pendingSimple];
    if (this.pendingRelations.size > 0) keys.push("relations");
    for (const id of this.pendingUnits.keys()) keys.push(`relation-units:${id}`);
    if (keys.length === 0) return null;
    const key = (
      keys.length === 1 ? keys[0] : keys[choose(keys.length, `${this.unit}: watcher to deliver`)]
    ) as WatcherKey;
    let delivery: Delivery;
    switch (key) {
      case "unit":
      case "config":
      case "leadership":
      case "update-status":
        this.pendingSimple.delete(key);
        this.syncSimple(key);
        delivery = { watcher: key };
        break;
      case "relations":
        delivery = this.deliverRelations();
        break;
      default:
        delivery = this.deliverRelationUnits(Number(key.slice("relation-units:".length)), choose);
    }
    this.quiet = false;
    this.onChange(this);
    return delivery;
  }

  /** Delivers everything pending (used where watchers are prompt). */
  deliverAll(): void {
    while (this.pendingCount > 0) this.deliver(() => 0);
  }

  private syncSimple(key: "unit" | "config" | "leadership" | "update-status"): void {
    const unit = this.record();
    const app = this.model.apps.get(this.app);
    if (!unit || !app) return;
    switch (key) {
      case "unit":
        this.remote.life = unit.life === "alive" ? "alive" : "dying";
        break;
      case "config":
        this.remote.configVersion = app.configVersion;
        break;
      case "leadership":
        this.remote.leader = app.leader === this.unit;
        break;
      case "update-status":
        this.remote.updateStatusVersion = unit.updateStatusTicks;
        break;
    }
  }

  /** The relations watcher reads each relation it was told about as it is now. */
  private deliverRelations(): Delivery {
    const ids = [...this.pendingRelations];
    this.pendingRelations.clear();
    for (const id of ids) {
      const rel = this.model.relations.get(id);
      if (!rel || rel.life === "removed") {
        this.remote.relations.delete(id);
        this.pendingUnits.delete(id);
        continue;
      }
      const snap = this.remote.relations.get(id);
      if (snap) snap.life = rel.life === "alive" ? "alive" : "dying";
      else this.addRelation(rel);
    }
    return { watcher: "relations" };
  }

  /** A relation enters the snapshot with its relation-units watcher's initial event. */
  private addRelation(rel: RelationRecord): void {
    const members = this.model.scopeMembers(rel, this.unit, this.app);
    const remoteApp = this.model.remoteAppOf(rel, this.app);
    const snap: RelationSnapshot = {
      life: rel.life === "alive" ? "alive" : "dying",
      members,
      appMembers: new Map([[remoteApp, this.model.bagVersion(rel.id, remoteApp)]]),
    };
    this.remote.relations.set(rel.id, snap);
    this.pendingUnits.delete(rel.id);
    const diff = this.diffs.get(rel.id);
    if (diff) this.reclassifyAll(rel.id);
  }

  private deliverRelationUnits(id: number, choose: Choose): Delivery {
    const list = this.pendingUnits.get(id) ?? [];
    const n = list.length;
    const count = n > 1 ? n - choose(n, `${this.unit}: relation ${id} events delivered`) : n;
    const snap = this.remote.relations.get(id);
    for (const change of list.slice(0, count)) {
      if (!snap) break;
      applyRelationUnitsChange(snap, change);
      if ("unit" in change) this.reclassify(id, change.unit);
    }
    if (count >= n) this.pendingUnits.delete(id);
    else list.splice(0, count);
    return { watcher: `relation-units:${id}`, rel: id, events: count };
  }

  // ---- the relation diff -------------------------------------------------------------------

  private reclassify(id: number, unit: string): void {
    const diff = this.diffs.get(id);
    const state = this.local.states.get(id);
    const snap = this.remote.relations.get(id);
    if (!diff || !state) return;
    const local = state.members.get(unit);
    const remote = snap?.members.get(unit);
    diff.toJoin.delete(unit);
    diff.toDepart.delete(unit);
    diff.dirty.delete(unit);
    if (remote !== undefined && local === undefined) diff.toJoin.add(unit);
    else if (remote === undefined && local !== undefined) diff.toDepart.add(unit);
    else if (remote !== undefined && local !== undefined && remote !== local) diff.dirty.add(unit);
  }

  private reclassifyAll(id: number): void {
    const state = this.local.states.get(id);
    const snap = this.remote.relations.get(id);
    const units = new Set<string>([
      ...(state?.members.keys() ?? []),
      ...(snap?.members.keys() ?? []),
    ]);
    for (const u of units) this.reclassify(id, u);
  }

  // ---- the resolver ------------------------------------------------------------------------

  /**
   * Runs the resolver chain until it yields a hook to run (returned), or nothing (null). The
   * operations that run no hook (accepting or resigning leadership, terminating) are done here.
   */
  nextHook(choose: Choose): HookOp | null {
    for (;;) {
      const op = this.resolve(choose);
      if (!op) {
        this.quiet = true;
        this.onChange(this);
        return null;
      }
      switch (op.op) {
        case "run-hook":
          if (this.prepareSkips(op.hookOp.hook)) {
            this.commitHook(op.hookOp, this.capture());
            continue;
          }
          return op.hookOp;
        case "accept-leadership":
          this.local.leader = true;
          this.local.op = {
            kind: "queued",
            op: { hook: { kind: "leader-elected" }, changeVersion: 0 },
          };
          continue;
        case "resign-leadership":
          this.local.leader = false;
          continue;
        case "terminate":
          this.terminate();
          return null;
      }
    }
  }

  private resolve(choose: Choose): Operation | null {
    if (this.terminated) return null;
    return nextOperation({
      unit: this.unit,
      local: this.local,
      remote: this.remote,
      synchronizeScopes: () => this.synchronizeScopes(),
      choose,
      selfLeaving: () => {
        const unit = this.record();
        return unit?.life !== "alive" || this.model.apps.get(this.app)?.life !== "alive";
      },
      diff: (id) => this.diffs.get(id) ?? newDiff(),
    });
  }

  /** relationStateTracker.SynchronizeScopes: join the snapshot's alive relations not joined. */
  private synchronizeScopes(): void {
    for (const [id, snap] of this.remote.relations) {
      if (this.local.known.has(id) || snap.life !== "alive") continue;
      const rel = this.model.relations.get(id);
      // EnterScope is refused once the unit or the relation is no longer alive.
      if (!rel || !this.model.enterScope(this.unit, id)) continue;
      const known: KnownRelation = {
        id,
        endpoint: this.model.endOf(rel, this.app).endpoint,
        peer: rel.peer,
        remoteApp: this.model.remoteAppOf(rel, this.app),
      };
      this.local.known.set(id, known);
      if (!this.local.states.has(id)) this.local.states.set(id, newRelationState());
      this.diffs.set(id, newDiff());
      this.reclassifyAll(id);
    }
  }

  /**
   * runHook.Prepare: a relation hook for a relation the agent no longer knows, or leader-elected
   * once the unit is no longer the leader, is skipped (committed without running).
   */
  private prepareSkips(hook: Hook): boolean {
    if (hook.kind === "leader-elected") return !this.model.isLeader(this.unit);
    if ("relationId" in hook) return !this.local.known.has(hook.relationId);
    return false;
  }

  /** The remote-state versions a hook's commit records (resolverOpFactory.wrapHookOp). */
  capture(): Captured {
    return {
      configVersion: this.remote.configVersion,
      leaderSettingsVersion: this.remote.leaderSettingsVersion,
      updateStatusVersion: this.remote.updateStatusVersion,
    };
  }

  // ---- commits -----------------------------------------------------------------------------

  /** The hook failed: the agent waits for `resolved` (operation state RunHook, Pending). */
  failHook(op: HookOp): void {
    this.local.op = { kind: "error", op };
    this.quiet = false;
    this.onChange(this);
  }

  /** `juju resolved` (with retry: the hook runs again; without: it is committed unrun). */
  resolved(retry: boolean): HookOp {
    const state = this.local.op;
    if (state.kind !== "error") throw new Error(`unit ${this.unit} is not in error`);
    if (retry) this.local.op = { kind: "retry", op: state.op };
    else this.commitHook(state.op, this.capture());
    this.quiet = false;
    this.onChange(this);
    return state.op;
  }

  get errorHook(): Hook | null {
    return this.local.op.kind === "error" ? this.local.op.op.hook : null;
  }

  /** runHook.Commit with the resolver's wrappers and the relation state tracker's CommitHook. */
  commitHook(op: HookOp, captured: Captured): void {
    const { local } = this;
    const hook = op.hook;
    local.op = CONTINUE;
    switch (hook.kind) {
      case "install":
        local.installed = true;
        local.removed = false;
        break;
      case "start":
        local.started = true;
        local.stopped = false;
        break;
      case "stop":
        local.stopped = true;
        break;
      case "remove":
        local.removed = true;
        break;
      case "config-changed":
        local.configVersion = captured.configVersion;
        if (!local.started)
          local.op = { kind: "queued", op: { hook: { kind: "start" }, changeVersion: 0 } };
        break;
      case "upgrade-charm":
        local.op = { kind: "queued", op: { hook: { kind: "config-changed" }, changeVersion: 0 } };
        break;
      case "leader-settings-changed":
        local.leaderSettingsVersion = captured.leaderSettingsVersion;
        break;
      case "leader-elected":
      case "update-status":
      case "action":
        break;
      case "relation-created":
        local.created.add(hook.relationId);
        break;
      case "relation-joined":
      case "relation-changed":
      case "relation-departed":
        this.updateRelationState(hook, op.changeVersion);
        break;
      case "relation-broken":
        this.relationGone(hook.relationId);
        break;
    }
    local.updateStatusVersion = captured.updateStatusVersion;
    const unit = this.record();
    if (unit) {
      unit.installed = local.installed;
      unit.started = local.started;
      unit.stopped = local.stopped;
    }
    this.quiet = false;
    this.onChange(this);
    if (local.removed) this.terminate();
  }

  /** relation.State.UpdateStateForHook. */
  private updateRelationState(
    hook: Extract<Hook, { kind: "relation-joined" | "relation-changed" | "relation-departed" }>,
    version: number,
  ): void {
    const state = this.local.states.get(hook.relationId);
    if (!state || !this.local.known.has(hook.relationId)) return;
    if (hook.kind === "relation-departed") {
      if (state.members.delete(hook.remoteUnit)) state.memberDigest ^= unitDigest(hook.remoteUnit);
      this.reclassify(hook.relationId, hook.remoteUnit);
      return;
    }
    if (hook.remoteUnit === null) {
      const app = this.local.known.get(hook.relationId)?.remoteApp ?? "";
      state.appMembers.set(app, version);
    } else {
      if (!state.members.has(hook.remoteUnit)) state.memberDigest ^= unitDigest(hook.remoteUnit);
      state.members.set(hook.remoteUnit, version);
      this.reclassify(hook.relationId, hook.remoteUnit);
    }
    state.changedPending = hook.kind === "relation-joined" ? hook.remoteUnit : null;
  }

  /**
   * A leader's write to its own application's peer bag. When the agent had handled the version
   * before, the write gives it no relation-changed: its relation-units watcher delivers what it
   * has queued (the write's own event last) and the new version counts as handled. A version
   * written by an earlier leader and not handled yet still gives one (coalesced) hook.
   */
  ownAppWrite(relationId: number, app: string, previous: number, version: number): Delivery | null {
    const state = this.local.states.get(relationId);
    if (!state || (state.appMembers.get(app) ?? 0) !== previous) return null;
    const queued = this.pendingUnits.get(relationId)?.length ?? 0;
    const delivery = queued > 0 ? this.deliverRelationUnits(relationId, () => 0) : null;
    state.appMembers.set(app, version);
    this.quiet = false;
    this.onChange(this);
    return delivery;
  }

  /** relation-broken committed: the relationer dies, leaving the scope (relationGone). */
  private relationGone(id: number): void {
    this.local.known.delete(id);
    this.local.created.delete(id);
    this.local.states.delete(id);
    this.diffs.delete(id);
    this.model.leaveScope(this.unit, id);
  }

  private terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.pendingSimple.clear();
    this.pendingRelations.clear();
    this.pendingUnits.clear();
    const unit = this.record();
    if (unit) this.model.finishRemoval(unit);
    this.onChange(this);
  }

  // ---- what a hook sees --------------------------------------------------------------------

  /**
   * Remote units whose bags the unit may read in `hook` (the relation's members from the local
   * state; the joining unit already during its relation-joined, the departing one no longer
   * during its relation-departed, none during relation-broken), sorted.
   */
  members(relationId: number, hook: Hook): string[] {
    const state = this.local.states.get(relationId);
    if (!state) return [];
    if (hook.kind === "relation-broken" && hook.relationId === relationId) return [];
    const out = [...state.members.keys()];
    if (
      hook.kind === "relation-joined" &&
      hook.relationId === relationId &&
      !state.members.has(hook.remoteUnit)
    )
      out.push(hook.remoteUnit);
    const leaving =
      hook.kind === "relation-departed" && hook.relationId === relationId ? hook.remoteUnit : null;
    return out.filter((u) => u !== leaving).sort();
  }

  /**
   * Count and digest of the members readable in `hook` (as `members` lists them), kept
   * incrementally: the data-visibility record of every relation hook, without listing them.
   */
  visibleDigest(relationId: number, hook: Hook): { n: number; h: number } {
    const state = this.local.states.get(relationId);
    if (!state || (hook.kind === "relation-broken" && hook.relationId === relationId))
      return { n: 0, h: 0 };
    let n = state.members.size;
    let h = state.memberDigest;
    if (hook.kind === "relation-joined" && hook.relationId === relationId) {
      if (!state.members.has(hook.remoteUnit)) {
        n += 1;
        h ^= unitDigest(hook.remoteUnit);
      }
    } else if (hook.kind === "relation-departed" && hook.relationId === relationId) {
      if (state.members.has(hook.remoteUnit)) {
        n -= 1;
        h ^= unitDigest(hook.remoteUnit);
      }
    }
    return { n, h: h >>> 0 };
  }

  /** Relations the unit lists on an endpoint (joined ones; the one being broken left out). */
  relationIds(endpoint: string, hook: Hook): number[] {
    const out: number[] = [];
    for (const known of this.local.known.values()) {
      if (known.endpoint !== endpoint) continue;
      if (hook.kind === "relation-broken" && hook.relationId === known.id) continue;
      out.push(known.id);
    }
    return out.sort((a, b) => a - b);
  }
}

/** Every unit agent of a simulation, and the units with something to do. */
export class UnitAgents implements WatcherHub {
  private readonly agents = new Map<string, UnitAgent>();
  /** Agents with something to do, in a stable order (array + index for O(1) updates). */
  private readonly candidates: string[] = [];
  private readonly candidateIndex = new Map<string, number>();

  constructor(private readonly model: JujuModel) {}

  /** The agent of a unit, made when the unit is first asked for. */
  get(unit: string): UnitAgent {
    let agent = this.agents.get(unit);
    if (!agent) {
      const record = this.model.units.get(unit);
      if (!record) throw new Error(`no unit "${unit}"`);
      agent = new UnitAgent(unit, record.app, this.model, (a) => this.refresh(a));
      this.agents.set(unit, agent);
      this.refresh(agent);
    }
    return agent;
  }

  has(unit: string): boolean {
    return this.agents.has(unit);
  }

  /** Units whose agent has something to do: start, deliver, or run the resolver. */
  active(): readonly string[] {
    return this.candidates;
  }

  private refresh(agent: UnitAgent): void {
    const busy = !agent.terminated && (!agent.started || agent.pendingCount > 0 || !agent.quiet);
    const idx = this.candidateIndex.get(agent.unit);
    if (busy && idx === undefined) {
      this.candidateIndex.set(agent.unit, this.candidates.length);
      this.candidates.push(agent.unit);
    } else if (!busy && idx !== undefined) {
      const last = this.candidates.pop() as string;
      if (last !== agent.unit) {
        this.candidates[idx] = last;
        this.candidateIndex.set(last, idx);
      }
      this.candidateIndex.delete(agent.unit);
    }
  }

  private each(units: readonly string[], fn: (agent: UnitAgent) => void): void {
    for (const u of units) {
      const agent = this.agents.get(u);
      if (agent) fn(agent);
    }
  }

  unitAdded(unit: string): void {
    this.get(unit);
  }
  unitChanged(unit: string): void {
    this.agents.get(unit)?.queue("unit");
  }
  configChanged(units: readonly string[]): void {
    this.each(units, (a) => a.queue("config"));
  }
  leadershipChanged(unit: string): void {
    this.agents.get(unit)?.queue("leadership");
  }
  relationsChanged(units: readonly string[], relationId: number): void {
    this.each(units, (a) => a.queueRelation(relationId));
  }
  relationUnitsChanged(
    units: readonly string[],
    relationId: number,
    event: RelationUnitsEvent,
  ): void {
    this.each(units, (a) => a.queueRelationUnits(relationId, event));
  }
  updateStatusTick(unit: string): void {
    this.agents.get(unit)?.queue("update-status");
  }
  unitRemoved(unit: string): void {
    const agent = this.agents.get(unit);
    if (agent && !agent.terminated) {
      agent.terminated = true;
      this.refresh(agent);
    }
  }
}
