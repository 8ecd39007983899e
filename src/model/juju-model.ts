import type { Hook } from "./hooks.js";
import { innerMap } from "./inner-map.js";
import type { JsonObject } from "./json.js";
import {
  type CharmSpec,
  type ConfigValue,
  configValueMatches,
  type EndpointRole,
  findEndpoint,
} from "./metadata.js";
import { SortedStringSet, unitDigest } from "./sorted-set.js";
import type { CloudCredential, Databag } from "./state.js";
import { type Status, UnknownStatus } from "./status.js";

/** A model operation Juju would refuse (unknown app, interface mismatch, limit reached...). */
export class ModelOperationError extends Error {
  override name = "ModelOperationError";
}

export type Life = "alive" | "dying" | "removed";

export interface AppRecord {
  readonly name: string;
  readonly spec: CharmSpec;
  /** Label of the charm code (its class name), for traces. */
  readonly charm: string;
  config: Record<string, ConfigValue>;
  configVersion: number;
  trusted: boolean;
  /** Units not yet removed, in creation order. */
  readonly units: string[];
  nextUnitId: number;
  /** Units not dying or removed (Juju's planned units), kept as units come and go. */
  aliveUnits: number;
  leader: string | null;
  leaderEpoch: number;
  life: Life;
  appStatus: Status;
}

export interface RelationEnd {
  readonly app: string;
  readonly endpoint: string;
  readonly role: EndpointRole;
}

export interface RelationRecord {
  readonly id: number;
  readonly interfaceName: string;
  readonly peer: boolean;
  readonly ends: readonly RelationEnd[];
  life: Life;
  /** Units that entered the relation's scope (ran relation-created) and have not left. */
  readonly scope: Set<string>;
}

/** One unit agent's local view of one relation (Juju's uniter relation state). */
export class RelationView {
  created = false;
  /** Teardown finished (after relation-broken) or never started: no more hooks of this relation. */
  done = false;
  /** Remote units joined, with the data version last handled. */
  readonly members = new Map<string, number>();
  /** XOR of the digests of `members` (see unitDigest), kept for the data-visibility record. */
  memberDigest = 0;
  readonly appHandled = new Map<string, number>();
  changedPending: string | null = null;
  readonly toJoin = new SortedStringSet();
  readonly toDepart = new SortedStringSet();
  readonly dirty = new SortedStringSet();
  constructor(
    readonly relationId: number,
    readonly endpoint: string,
  ) {}
}

export interface UnitRecord {
  readonly name: string;
  readonly app: string;
  readonly id: number;
  life: Life;
  installed: boolean;
  started: boolean;
  stopped: boolean;
  configSeen: number;
  leaderSeen: boolean;
  leaderSettingsSeen: number;
  updateStatusQueued: number;
  /** The hook that failed; the unit runs nothing until it is resolved. */
  error: Hook | null;
  /** A failed hook resolved with retry: Juju re-runs exactly this hook before anything else. */
  retry: Hook | null;
  readonly views: Map<number, RelationView>;
  // Charm-side state that persists between hooks.
  unitStatus: Status;
  workloadVersion: string;
  storedStates: readonly { ownerPath: string; name: string; content: Readonly<JsonObject> }[];
  deferred: readonly {
    handlePath: string;
    owner: string;
    observer: string;
    snapshot: Readonly<JsonObject>;
  }[];
}

interface Bag {
  data: Databag;
  version: number;
}

const EMPTY: Databag = Object.freeze({});

/** Chooses an index in [0, n); the simulation passes its scheduler. */
export type Chooser = (n: number, what: string) => number;

/**
 * The in-memory Juju model: applications, units, relations, databags and leadership, plus each
 * unit agent's local view from which its pending hooks follow (spec/juju-hooks.md). It runs no
 * charm code: the simulation asks it for the next hook, runs the charm, then reports back.
 */
export class JujuModel {
  readonly apps = new Map<string, AppRecord>();
  readonly units = new Map<string, UnitRecord>();
  readonly relations = new Map<number, RelationRecord>();
  credential: CloudCredential | null = null;
  /** Committed bags by relation id, then owner (unit or application name). */
  private readonly bags = new Map<number, Map<string, Bag>>();
  private nextRelationId = 0;
  /** Units that may have a hook to run, in a stable order (array + index for O(1) updates). */
  private readonly candidates: string[] = [];
  private readonly candidateIndex = new Map<string, number>();

  constructor(
    private readonly choose: Chooser,
    readonly name = "test-model",
    readonly uuid = "00000000-0000-4000-8000-000000000001",
  ) {}

  // ---- look-ups ---------------------------------------------------------------------------

  app(name: string): AppRecord {
    const app = this.apps.get(name);
    if (!app || app.life === "removed") {
      throw new ModelOperationError(
        `no application "${name}" (applications: ${[...this.apps.keys()].join(", ") || "none"})`,
      );
    }
    return app;
  }

  unit(name: string): UnitRecord {
    const unit = this.units.get(name);
    if (!unit || unit.life === "removed") throw new ModelOperationError(`no unit "${name}"`);
    return unit;
  }

  relation(id: number): RelationRecord {
    const rel = this.relations.get(id);
    if (!rel || rel.life === "removed") throw new ModelOperationError(`no relation ${id}`);
    return rel;
  }

  isLeader(unit: string): boolean {
    const u = this.units.get(unit);
    return u !== undefined && this.apps.get(u.app)?.leader === unit;
  }

  /** The end of `rel` on `app`'s side (for a peer relation, the only end). */
  endOf(rel: RelationRecord, app: string): RelationEnd {
    const end = rel.ends.find((e) => e.app === app);
    if (!end) throw new ModelOperationError(`application ${app} is not in relation ${rel.id}`);
    return end;
  }

  /** The application on the other side of `rel` from `app` (itself for peers). */
  remoteAppOf(rel: RelationRecord, app: string): string {
    if (rel.peer) return app;
    const other = rel.ends.find((e) => e.app !== app);
    return other ? other.app : app;
  }

  readBag(relationId: number, owner: string): Databag {
    return this.bags.get(relationId)?.get(owner)?.data ?? EMPTY;
  }

  bagVersion(relationId: number, owner: string): number {
    return this.bags.get(relationId)?.get(owner)?.version ?? 0;
  }

  /** Units with a hook to run now (not in error), in a stable order. */
  pendingUnits(): readonly string[] {
    return this.candidates;
  }

  // ---- operations -------------------------------------------------------------------------

  deploy(
    name: string,
    charm: string,
    spec: CharmSpec,
    opts: { units: number; config: Readonly<Record<string, ConfigValue>>; trusted: boolean },
  ): AppRecord {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      throw new ModelOperationError(
        `invalid application name "${name}": use lowercase letters, digits and -`,
      );
    }
    if (this.apps.has(name)) throw new ModelOperationError(`application "${name}" already exists`);
    if (!Number.isInteger(opts.units) || opts.units < 0) {
      throw new ModelOperationError(`units must be a whole number >= 0, got ${opts.units}`);
    }
    const config = this.validatedConfig(name, spec, {}, opts.config);
    const app: AppRecord = {
      name,
      spec,
      charm,
      config,
      configVersion: 1,
      trusted: opts.trusted,
      units: [],
      nextUnitId: 0,
      aliveUnits: 0,
      leader: null,
      leaderEpoch: 1,
      life: "alive",
      appStatus: new UnknownStatus(),
    };
    this.apps.set(name, app);
    for (const [endpoint, ep] of Object.entries(spec.meta.peers)) {
      const id = this.newRelationId();
      this.relations.set(id, {
        id,
        interfaceName: ep.interface,
        peer: true,
        ends: [{ app: name, endpoint, role: "peers" }],
        life: "alive",
        scope: new Set(),
      });
    }
    for (let i = 0; i < opts.units; i++) this.addUnit(name);
    return app;
  }

  addUnit(appName: string): string {
    const app = this.app(appName);
    if (app.life !== "alive")
      throw new ModelOperationError(`application ${appName} is being removed`);
    const id = app.nextUnitId++;
    const name = `${appName}/${id}`;
    const unit: UnitRecord = {
      name,
      app: appName,
      id,
      life: "alive",
      installed: false,
      started: false,
      stopped: false,
      configSeen: 0,
      leaderSeen: false,
      leaderSettingsSeen: 0,
      updateStatusQueued: 0,
      error: null,
      retry: null,
      views: new Map(),
      unitStatus: new UnknownStatus(),
      workloadVersion: "",
      storedStates: [],
      deferred: [],
    };
    this.units.set(name, unit);
    app.units.push(name);
    app.aliveUnits += 1;
    for (const rel of this.relations.values()) {
      if (rel.life === "alive" && rel.ends.some((e) => e.app === appName)) {
        unit.views.set(rel.id, new RelationView(rel.id, this.endOf(rel, appName).endpoint));
      }
    }
    if (app.leader === null) app.leader = name;
    this.refresh(name);
    return name;
  }

  removeUnit(unitName: string): void {
    const unit = this.unit(unitName);
    if (unit.life !== "alive")
      throw new ModelOperationError(`unit ${unitName} is already being removed`);
    unit.life = "dying";
    const owner = this.apps.get(unit.app);
    if (owner) owner.aliveUnits -= 1;
    if (!unit.installed) {
      this.finishRemoval(unit);
      return;
    }
    for (const view of unit.views.values()) this.startTeardown(unit, view);
    this.settleViews(unit);
    this.refresh(unitName);
  }

  integrate(a: string, b: string): number {
    const [ea, eb] = [this.parseEndpoint(a), this.parseEndpoint(b)];
    if (ea.app === eb.app) {
      throw new ModelOperationError(
        `cannot relate ${ea.app} to itself over "${ea.endpoint}": only peer endpoints relate an application with itself`,
      );
    }
    if (ea.role === "peers" || eb.role === "peers") {
      throw new ModelOperationError(
        `peer endpoints cannot be integrated with another application (${a} ${b})`,
      );
    }
    if (ea.role === eb.role) {
      throw new ModelOperationError(
        `cannot relate ${a} and ${b}: both ${ea.role}; one must provide and one require`,
      );
    }
    if (ea.interfaceName !== eb.interfaceName) {
      throw new ModelOperationError(
        `cannot relate ${a} (interface ${ea.interfaceName}) and ${b} (interface ${eb.interfaceName}): interfaces differ`,
      );
    }
    for (const rel of this.relations.values()) {
      if (rel.life === "removed") continue;
      const same = (x: typeof ea) =>
        rel.ends.some((e) => e.app === x.app && e.endpoint === x.endpoint);
      if (same(ea) && same(eb))
        throw new ModelOperationError(`relation ${a} ${b} already exists (id ${rel.id})`);
    }
    for (const e of [ea, eb]) {
      if (e.limit === undefined) continue;
      const count = [...this.relations.values()].filter(
        (r) =>
          r.life !== "removed" && r.ends.some((x) => x.app === e.app && x.endpoint === e.endpoint),
      ).length;
      if (count >= e.limit) {
        throw new ModelOperationError(
          `endpoint ${e.app}:${e.endpoint} has limit ${e.limit} and already has ${count} relation(s)`,
        );
      }
    }
    const id = this.newRelationId();
    const rel: RelationRecord = {
      id,
      interfaceName: ea.interfaceName,
      peer: false,
      ends: [
        { app: ea.app, endpoint: ea.endpoint, role: ea.role },
        { app: eb.app, endpoint: eb.endpoint, role: eb.role },
      ],
      life: "alive",
      scope: new Set(),
    };
    this.relations.set(id, rel);
    for (const end of rel.ends) {
      for (const u of this.app(end.app).units) {
        const unit = this.unit(u);
        if (unit.life !== "alive") continue;
        unit.views.set(id, new RelationView(id, end.endpoint));
        this.refresh(u);
      }
    }
    return id;
  }

  removeRelation(id: number): void {
    const rel = this.relation(id);
    if (rel.peer)
      throw new ModelOperationError(
        `relation ${id} is a peer relation; it goes with its application`,
      );
    if (rel.life !== "alive")
      throw new ModelOperationError(`relation ${id} is already being removed`);
    this.killRelation(rel);
  }

  setLeader(unitName: string): void {
    const unit = this.unit(unitName);
    if (unit.life !== "alive")
      throw new ModelOperationError(`unit ${unitName} is being removed and cannot become leader`);
    const app = this.app(unit.app);
    if (app.leader === unitName) return;
    const old = app.leader;
    app.leader = unitName;
    app.leaderEpoch += 1;
    unit.leaderSeen = false;
    if (old) {
      const o = this.units.get(old);
      if (o) o.leaderSeen = false;
    }
    for (const u of app.units) this.refresh(u);
  }

  setConfig(appName: string, values: Readonly<Record<string, ConfigValue>>): boolean {
    const app = this.app(appName);
    const next = this.validatedConfig(appName, app.spec, app.config, values);
    const changed = JSON.stringify(next) !== JSON.stringify(app.config);
    if (changed) {
      app.config = next;
      app.configVersion += 1;
      for (const u of app.units) this.refresh(u);
    }
    return changed;
  }

  setTrust(appName: string, trusted: boolean): void {
    const app = this.app(appName);
    if (app.trusted === trusted) return;
    app.trusted = trusted;
    app.configVersion += 1;
    for (const u of app.units) this.refresh(u);
  }

  removeApplication(appName: string): void {
    const app = this.app(appName);
    if (app.life !== "alive")
      throw new ModelOperationError(`application ${appName} is already being removed`);
    app.life = "dying";
    for (const rel of this.relations.values()) {
      if (rel.life === "alive" && rel.ends.some((e) => e.app === appName)) this.killRelation(rel);
    }
    for (const u of [...app.units]) {
      const unit = this.units.get(u);
      if (unit?.life === "alive") this.removeUnit(u);
    }
    this.maybeRemoveApp(app);
  }

  queueUpdateStatus(unitName: string): void {
    const unit = this.unit(unitName);
    if (unit.life !== "alive") return;
    unit.updateStatusQueued += 1;
    this.refresh(unitName);
  }

  /** Clears a unit's error. With `retry` the failed hook runs again; without, it counts as done. */
  resolve(unitName: string, retry: boolean): Hook {
    const unit = this.unit(unitName);
    const failed = unit.error;
    if (!failed) throw new ModelOperationError(`unit ${unitName} is not in error`);
    unit.error = null;
    if (retry) unit.retry = failed;
    else this.completeHook(unitName, failed);
    this.refresh(unitName);
    return failed;
  }

  markError(unitName: string, hook: Hook): void {
    const unit = this.unit(unitName);
    unit.error = hook;
    unit.retry = null;
    this.refresh(unitName);
  }

  // ---- databags ---------------------------------------------------------------------------

  /** Commits a bag written by `writer` in a completed hook, and wakes the units that will see it. */
  commitBag(
    relationId: number,
    owner: string,
    data: Databag,
    writer: string,
  ): { before: Databag; version: number } {
    const rel = this.relation(relationId);
    const relationBags = innerMap(this.bags, relationId);
    const prev = relationBags.get(owner);
    const before = prev?.data ?? EMPTY;
    const version = (prev?.version ?? 0) + 1;
    relationBags.set(owner, { data: Object.freeze({ ...data }), version });
    const writerUnit = this.unit(writer);
    const ownerIsUnit = owner.includes("/");
    const watchers = rel.peer
      ? (this.apps.get(writerUnit.app)?.units ?? [])
      : (this.apps.get(this.remoteAppOf(rel, writerUnit.app))?.units ?? []);
    if (!ownerIsUnit) {
      // A peer leader's own app-bag write triggers nothing on it; but a write by an earlier
      // leader that it has not handled yet still gives it one (coalesced) relation-changed.
      const ownView = writerUnit.views.get(relationId);
      const prevVersion = prev?.version ?? 0;
      if (rel.peer && ownView && (ownView.appHandled.get(owner) ?? 0) === prevVersion)
        ownView.appHandled.set(owner, version);
    }
    for (const m of watchers) {
      if (m === writer) continue;
      const unit = this.units.get(m);
      const view = unit?.views.get(relationId);
      if (!unit || !view?.created || view.done) continue;
      if (ownerIsUnit) {
        if (!view.members.has(owner)) continue;
        view.dirty.add(owner);
      }
      this.refresh(m);
    }
    return { before, version };
  }

  // ---- the unit agent ---------------------------------------------------------------------

  private viewDying(unit: UnitRecord, view: RelationView): boolean {
    return unit.life !== "alive" || this.relations.get(view.relationId)?.life !== "alive";
  }

  private appDirty(unit: UnitRecord, view: RelationView): string | null {
    const rel = this.relations.get(view.relationId);
    if (!rel) return null;
    const remoteApp = this.remoteAppOf(rel, unit.app);
    const version = this.bagVersion(rel.id, remoteApp);
    return version > 0 && version !== (view.appHandled.get(remoteApp) ?? 0) ? remoteApp : null;
  }

  private viewPending(unit: UnitRecord, view: RelationView): boolean {
    if (!view.created || view.done) return false;
    if (view.changedPending !== null || view.toDepart.size > 0) return true;
    if (this.viewDying(unit, view)) return true;
    return view.toJoin.size > 0 || view.dirty.size > 0 || this.appDirty(unit, view) !== null;
  }

  /** The next hook of one relation on one unit, by Juju's relation resolver rules. */
  private relationHook(unit: UnitRecord, view: RelationView): Hook | null {
    const id = view.relationId;
    if (view.changedPending !== null)
      return { kind: "relation-changed", relationId: id, remoteUnit: view.changedPending };
    const departing = view.toDepart.min();
    if (departing !== undefined) {
      const app = this.apps.get(unit.app);
      const self = unit.life !== "alive" || app?.life !== "alive";
      return {
        kind: "relation-departed",
        relationId: id,
        remoteUnit: departing,
        departingUnit: self ? unit.name : departing,
      };
    }
    if (this.viewDying(unit, view)) return { kind: "relation-broken", relationId: id };
    if (this.appDirty(unit, view) !== null)
      return { kind: "relation-changed", relationId: id, remoteUnit: null };
    const joining = view.toJoin.min();
    if (joining !== undefined)
      return { kind: "relation-joined", relationId: id, remoteUnit: joining };
    const changed = view.dirty.min();
    if (changed !== undefined)
      return { kind: "relation-changed", relationId: id, remoteUnit: changed };
    return null;
  }

  /**
   * Whether a failed hook resolved with retry can still run. Juju re-runs the same hook; the
   * simulator does too, except where the hook has lost its object: a relation hook whose
   * relation this unit has finished with, or leader-elected on a unit no longer leader (which
   * then runs leader-settings-changed instead, if behind).
   */
  private canRetry(unit: UnitRecord, hook: Hook): boolean {
    if (hook.kind === "leader-elected") return this.isLeader(unit.name);
    if (!("relationId" in hook)) return true;
    const view = unit.views.get(hook.relationId);
    if (!view || view.done) return false;
    return hook.kind === "relation-created" ? !view.created : view.created;
  }

  private leadershipHook(unit: UnitRecord): Hook | null {
    const app = this.apps.get(unit.app);
    if (!app) return null;
    if (app.leader === unit.name) return unit.leaderSeen ? null : { kind: "leader-elected" };
    return unit.leaderSettingsSeen < app.leaderEpoch ? { kind: "leader-settings-changed" } : null;
  }

  private configPending(unit: UnitRecord): boolean {
    return unit.configSeen < (this.apps.get(unit.app)?.configVersion ?? 0);
  }

  private uncreatedViews(unit: UnitRecord): RelationView[] {
    const out: RelationView[] = [];
    for (const v of unit.views.values()) {
      if (!v.created && !v.done && this.relations.get(v.relationId)?.life === "alive") out.push(v);
    }
    return out;
  }

  private hasPending(unit: UnitRecord): boolean {
    if (unit.error || unit.life === "removed") return false;
    if (unit.life === "dying" || unit.retry) return true;
    if (!unit.installed || !unit.started) return true;
    if (this.leadershipHook(unit) || this.configPending(unit) || unit.updateStatusQueued > 0)
      return true;
    for (const v of unit.views.values()) {
      if (!v.created && !v.done) return true;
      if (this.viewPending(unit, v)) return true;
    }
    return false;
  }

  /** Re-evaluates whether a unit has work, keeping the candidate list exact. */
  refresh(unitName: string): void {
    const unit = this.units.get(unitName);
    const pending = unit !== undefined && this.hasPending(unit);
    const idx = this.candidateIndex.get(unitName);
    if (pending && idx === undefined) {
      this.candidateIndex.set(unitName, this.candidates.length);
      this.candidates.push(unitName);
    } else if (!pending && idx !== undefined) {
      const last = this.candidates.pop() as string;
      if (last !== unitName) {
        this.candidates[idx] = last;
        this.candidateIndex.set(last, idx);
      }
      this.candidateIndex.delete(unitName);
    }
  }

  /**
   * The hook a unit's agent would run next, or null. Start-up and tear-down follow Juju's fixed
   * sequence; once started, the seed chooses among independent pending work (leadership, config,
   * each relation, update-status), which is what a unit agent noticing changes late can produce.
   */
  nextHook(unitName: string): Hook | null {
    const unit = this.units.get(unitName);
    if (!unit || unit.error || unit.life === "removed") return null;
    if (unit.retry) {
      if (this.canRetry(unit, unit.retry)) return unit.retry;
      unit.retry = null;
    }
    if (unit.life === "dying") {
      const views = [...unit.views.values()].filter((v) => this.viewPending(unit, v));
      if (views.length > 0) {
        const v = views[
          this.choose(views.length, `${unitName}: relation to tear down`)
        ] as RelationView;
        return this.relationHook(unit, v);
      }
      return unit.stopped ? { kind: "remove" } : { kind: "stop" };
    }
    if (!unit.installed) return { kind: "install" };
    if (!unit.started) {
      const uncreated = this.uncreatedViews(unit);
      if (uncreated.length > 0) {
        const v = uncreated[
          this.choose(uncreated.length, `${unitName}: relation to create`)
        ] as RelationView;
        return { kind: "relation-created", relationId: v.relationId };
      }
      const leadership = this.leadershipHook(unit);
      if (leadership) return leadership;
      if (this.configPending(unit)) return { kind: "config-changed" };
      return { kind: "start" };
    }
    const options: Hook[] = [];
    const leadership = this.leadershipHook(unit);
    if (leadership) options.push(leadership);
    if (this.configPending(unit)) options.push({ kind: "config-changed" });
    for (const v of unit.views.values()) {
      if (!v.created && !v.done && this.relations.get(v.relationId)?.life === "alive") {
        options.push({ kind: "relation-created", relationId: v.relationId });
      } else {
        const h = this.viewPending(unit, v) ? this.relationHook(unit, v) : null;
        if (h) options.push(h);
      }
    }
    if (unit.updateStatusQueued > 0) options.push({ kind: "update-status" });
    if (options.length === 0) return null;
    return options[this.choose(options.length, `${unitName}: next hook`)] as Hook;
  }

  /**
   * Count and digest of the remote units visible in `hook` (joined and not departed, the unit
   * joining in relation-joined included; none during relation-broken), computed incrementally:
   * the data-visibility record of every relation hook.
   */
  visibleDigest(unitName: string, relationId: number, hook: Hook): { n: number; h: number } {
    const view = this.units.get(unitName)?.views.get(relationId);
    if (!view || (hook.kind === "relation-broken" && hook.relationId === relationId))
      return { n: 0, h: 0 };
    let n = view.members.size;
    let h = view.memberDigest;
    if (
      hook.kind === "relation-joined" &&
      hook.relationId === relationId &&
      !view.members.has(hook.remoteUnit)
    ) {
      n += 1;
      h ^= unitDigest(hook.remoteUnit);
    }
    if (
      hook.kind === "relation-departed" &&
      hook.relationId === relationId &&
      view.members.has(hook.remoteUnit)
    ) {
      n -= 1;
      h ^= unitDigest(hook.remoteUnit);
    }
    return { n, h: h >>> 0 };
  }

  /**
   * Remote units whose bags the unit may read in a hook (joined, not yet departed), sorted. As in
   * Juju (the uniter adds the remote unit to the hook context's members before relation-joined
   * runs), the joining unit is already listed during its relation-joined.
   */
  visibleRemoteUnits(unitName: string, relationId: number, hook: Hook): string[] {
    const view = this.units.get(unitName)?.views.get(relationId);
    if (!view) return [];
    if (hook.kind === "relation-broken" && hook.relationId === relationId) return [];
    const out = [...view.members.keys()];
    if (
      hook.kind === "relation-joined" &&
      hook.relationId === relationId &&
      !view.members.has(hook.remoteUnit)
    )
      out.push(hook.remoteUnit);
    const leaving =
      hook.kind === "relation-departed" && hook.relationId === relationId ? hook.remoteUnit : null;
    return out.filter((u) => u !== leaving).sort();
  }

  /** Relation ids the unit lists on an endpoint during `hook` (the one being broken is left out). */
  listedRelationIds(unitName: string, endpoint: string, hook: Hook): number[] {
    const unit = this.units.get(unitName);
    if (!unit) return [];
    const out: number[] = [];
    for (const v of unit.views.values()) {
      const creating = hook.kind === "relation-created" && hook.relationId === v.relationId;
      if (v.endpoint !== endpoint || (!v.created && !creating) || v.done) continue;
      if (hook.kind === "relation-broken" && hook.relationId === v.relationId) continue;
      out.push(v.relationId);
    }
    return out.sort((a, b) => a - b);
  }

  /** Advances the unit agent's local view after a hook completed (or was resolved without retry). */
  completeHook(unitName: string, hook: Hook): void {
    const unit = this.units.get(unitName);
    if (!unit) return;
    unit.retry = null;
    const app = this.apps.get(unit.app);
    const view = "relationId" in hook ? unit.views.get(hook.relationId) : undefined;
    switch (hook.kind) {
      case "install":
        unit.installed = true;
        break;
      case "start":
        unit.started = true;
        break;
      case "stop":
        unit.stopped = true;
        break;
      case "remove":
        this.finishRemoval(unit);
        return;
      case "config-changed":
        unit.configSeen = app?.configVersion ?? unit.configSeen;
        break;
      case "leader-elected":
        unit.leaderSeen = true;
        unit.leaderSettingsSeen = app?.leaderEpoch ?? unit.leaderSettingsSeen;
        break;
      case "leader-settings-changed":
        unit.leaderSettingsSeen = app?.leaderEpoch ?? unit.leaderSettingsSeen;
        break;
      case "update-status":
        unit.updateStatusQueued = Math.max(0, unit.updateStatusQueued - 1);
        break;
      case "upgrade-charm":
      case "action":
        break;
      case "relation-created":
        // A failed relation-created resolved without retry after its relation went away.
        if (view && !view.done) {
          view.created = true;
          this.enterScope(unit, view);
        }
        break;
      case "relation-joined":
        if (view) {
          if (!view.members.has(hook.remoteUnit)) view.memberDigest ^= unitDigest(hook.remoteUnit);
          view.members.set(hook.remoteUnit, this.bagVersion(view.relationId, hook.remoteUnit));
          view.toJoin.delete(hook.remoteUnit);
          view.dirty.delete(hook.remoteUnit);
          view.changedPending = hook.remoteUnit;
          // A retried (or resolved) joined about a unit that has left since, or while this side
          // tears down: Juju then runs changed, then departed.
          const rel = this.relations.get(view.relationId);
          if (!rel?.scope.has(hook.remoteUnit) || this.viewDying(unit, view))
            view.toDepart.add(hook.remoteUnit);
        }
        break;
      case "relation-changed":
        if (view) {
          if (hook.remoteUnit === null) {
            const rel = this.relations.get(view.relationId);
            if (rel) {
              const remoteApp = this.remoteAppOf(rel, unit.app);
              view.appHandled.set(remoteApp, this.bagVersion(rel.id, remoteApp));
            }
          } else {
            if (view.changedPending === hook.remoteUnit) view.changedPending = null;
            if (view.members.has(hook.remoteUnit)) {
              view.members.set(hook.remoteUnit, this.bagVersion(view.relationId, hook.remoteUnit));
            }
            view.dirty.delete(hook.remoteUnit);
          }
        }
        break;
      case "relation-departed":
        if (view) {
          if (view.members.delete(hook.remoteUnit))
            view.memberDigest ^= unitDigest(hook.remoteUnit);
          view.toDepart.delete(hook.remoteUnit);
          if (view.changedPending === hook.remoteUnit) view.changedPending = null;
        }
        break;
      case "relation-broken":
        if (view) this.finishView(unit, view);
        break;
    }
    this.settleViews(unit);
    this.refresh(unitName);
  }

  // ---- internals --------------------------------------------------------------------------

  private newRelationId(): number {
    this.nextRelationId += 1;
    return this.nextRelationId;
  }

  private parseEndpoint(spec: string): {
    app: string;
    endpoint: string;
    role: EndpointRole;
    interfaceName: string;
    limit: number | undefined;
  } {
    const m = /^([^:]+):([^:]+)$/.exec(spec);
    if (!m) throw new ModelOperationError(`expected "application:endpoint", got "${spec}"`);
    const [, appName, endpoint] = m as unknown as [string, string, string];
    const app = this.app(appName);
    if (app.life !== "alive")
      throw new ModelOperationError(`application ${appName} is being removed`);
    const found = findEndpoint(app.spec.meta, endpoint);
    if (!found) {
      const declared = [
        ...Object.keys(app.spec.meta.provides),
        ...Object.keys(app.spec.meta.requires),
        ...Object.keys(app.spec.meta.peers),
      ];
      throw new ModelOperationError(
        `application ${appName} has no endpoint "${endpoint}" (endpoints: ${declared.join(", ")})`,
      );
    }
    return {
      app: appName,
      endpoint,
      role: found.role,
      interfaceName: found.spec.interface,
      limit: found.spec.limit,
    };
  }

  private validatedConfig(
    appName: string,
    spec: CharmSpec,
    current: Readonly<Record<string, ConfigValue>>,
    values: Readonly<Record<string, ConfigValue>>,
  ): Record<string, ConfigValue> {
    const out: Record<string, ConfigValue> = { ...current };
    for (const [key, value] of Object.entries(values)) {
      const opt = spec.config.options[key];
      if (!opt)
        throw new ModelOperationError(`application ${appName} has no config option "${key}"`);
      if (!configValueMatches(opt.type, value)) {
        throw new ModelOperationError(
          `config option ${appName}.${key} is ${opt.type}; got ${JSON.stringify(value)}`,
        );
      }
      out[key] = value;
    }
    return out;
  }

  private otherSideUnits(rel: RelationRecord, app: string): readonly string[] {
    return this.apps.get(this.remoteAppOf(rel, app))?.units ?? [];
  }

  private enterScope(unit: UnitRecord, view: RelationView): void {
    const rel = this.relations.get(view.relationId);
    if (!rel) return;
    rel.scope.add(unit.name);
    if (!this.viewDying(unit, view)) {
      // The other side's units already in scope (own app's for a peer relation). Walking the
      // other application's units, not the whole scope, keeps a big application's units from
      // each walking all of their peers (quadratic in units).
      for (const r of this.otherSideUnits(rel, unit.app)) {
        if (r !== unit.name && rel.scope.has(r)) view.toJoin.add(r);
      }
    }
    for (const m of this.otherSideUnits(rel, unit.app)) {
      if (m === unit.name) continue;
      const mu = this.units.get(m);
      const mv = mu?.views.get(rel.id);
      if (!mu || !mv?.created || mv.done || this.viewDying(mu, mv)) continue;
      mv.toJoin.add(unit.name);
      this.refresh(m);
    }
  }

  private leaveScope(unit: UnitRecord, rel: RelationRecord): void {
    rel.scope.delete(unit.name);
    for (const m of this.otherSideUnits(rel, unit.app)) {
      if (m === unit.name) continue;
      const mu = this.units.get(m);
      const mv = mu?.views.get(rel.id);
      if (!mu || !mv || mv.done) continue;
      mv.toJoin.delete(unit.name);
      mv.dirty.delete(unit.name);
      if (mv.members.has(unit.name)) mv.toDepart.add(unit.name);
      this.refresh(m);
    }
  }

  private finishView(unit: UnitRecord, view: RelationView): void {
    if (view.done) return;
    view.done = true;
    const rel = this.relations.get(view.relationId);
    if (!rel) return;
    if (rel.scope.has(unit.name)) this.leaveScope(unit, rel);
    this.maybeRemoveRelation(rel);
  }

  /** Membership as this unit sees it becomes empty: depart everyone, then break. */
  private startTeardown(_unit: UnitRecord, view: RelationView): void {
    if (view.done) return;
    if (!view.created) {
      view.done = true;
      const rel = this.relations.get(view.relationId);
      if (rel) this.maybeRemoveRelation(rel);
      return;
    }
    view.toJoin.clear();
    view.dirty.clear();
    for (const m of view.members.keys()) view.toDepart.add(m);
  }

  /** Peer relations end without relation-broken once every peer has departed. */
  private settleViews(unit: UnitRecord): void {
    for (const view of unit.views.values()) {
      if (view.done || !view.created || !this.viewDying(unit, view)) continue;
      const rel = this.relations.get(view.relationId);
      if (rel?.peer && view.changedPending === null && view.toDepart.size === 0)
        this.finishView(unit, view);
    }
  }

  private killRelation(rel: RelationRecord): void {
    rel.life = "dying";
    for (const end of rel.ends) {
      for (const u of this.apps.get(end.app)?.units ?? []) {
        const unit = this.units.get(u);
        const view = unit?.views.get(rel.id);
        if (!unit || !view) continue;
        this.startTeardown(unit, view);
        this.settleViews(unit);
        this.refresh(u);
      }
    }
    this.maybeRemoveRelation(rel);
  }

  private maybeRemoveRelation(rel: RelationRecord): void {
    if (rel.life !== "dying") return;
    for (const end of rel.ends) {
      for (const u of this.apps.get(end.app)?.units ?? []) {
        const view = this.units.get(u)?.views.get(rel.id);
        if (view && !view.done) return;
      }
    }
    rel.life = "removed";
    this.bags.delete(rel.id);
  }

  private finishRemoval(unit: UnitRecord): void {
    unit.life = "removed";
    for (const view of unit.views.values()) {
      view.done = true;
      const rel = this.relations.get(view.relationId);
      if (rel?.scope.has(unit.name)) this.leaveScope(unit, rel);
    }
    const app = this.apps.get(unit.app);
    if (app) {
      const idx = app.units.indexOf(unit.name);
      if (idx >= 0) app.units.splice(idx, 1);
      for (const rel of this.relations.values()) {
        if (rel.ends.some((e) => e.app === unit.app)) this.maybeRemoveRelation(rel);
      }
      if (app.leader === unit.name) {
        const alive = app.units.filter((u) => this.units.get(u)?.life === "alive");
        app.leader = null;
        if (alive.length > 0) {
          const next = alive[this.choose(alive.length, `${app.name}: new leader`)] as string;
          this.setLeader(next);
        }
      }
      this.maybeRemoveApp(app);
    }
    this.refresh(unit.name);
  }

  private maybeRemoveApp(app: AppRecord): void {
    if (app.life === "dying" && app.units.length === 0) {
      app.life = "removed";
      for (const rel of this.relations.values()) {
        if (rel.peer && rel.ends[0]?.app === app.name) rel.life = "removed";
      }
    }
  }
}
