import { innerMap } from "./inner-map.js";
import type { JsonObject } from "./json.js";
import {
  type CharmSpec,
  type ConfigValue,
  configValueMatches,
  type EndpointRole,
  findEndpoint,
} from "./metadata.js";
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
  /** Moves on every config or trust change: what the unit agents' config watcher reports. */
  configVersion: number;
  trusted: boolean;
  /** Units not yet removed, in creation order. */
  readonly units: string[];
  nextUnitId: number;
  /** Units not dying or removed (Juju's planned units), kept as units come and go. */
  aliveUnits: number;
  leader: string | null;
  /**
   * The leader-settings version the leader-settings watcher reports. Its initial event sets it;
   * only `leader-set` would move it again, and the simulation offers no `leader-set`.
   */
  leaderSettingsVersion: number;
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
  /**
   * Units in the relation's scope as the other units' watchers report them: entered, and not
   * leaving (a destroyed unit is taken out at once, Juju's PrepareLeaveScope).
   */
  readonly scope: Set<string>;
  /** Units that entered the scope and have not left it yet (leaving ones included). */
  readonly entered: Set<string>;
}

export interface UnitRecord {
  readonly name: string;
  readonly app: string;
  readonly id: number;
  life: Life;
  /** What the unit's agent reports of its own progress (set when its hooks commit). */
  installed: boolean;
  started: boolean;
  stopped: boolean;
  /** update-status timer ticks queued for the unit (the agent's update-status watcher). */
  updateStatusTicks: number;
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

/** One change a relation-units watcher reports: a unit's settings version, or its departure. */
export type RelationUnitsEvent =
  | { readonly unit: string; readonly version: number | null }
  | { readonly app: string; readonly version: number };

/**
 * Where the model sends the watcher events of the unit agents (Juju's remote-state watchers).
 * Each call names the units the change concerns; the receiver queues it for each of their agents.
 */
export interface WatcherHub {
  /** A unit was added: its agent is to start. */
  unitAdded(unit: string): void;
  /** The unit's own life changed. */
  unitChanged(unit: string): void;
  /** The application's config (or trust) changed. */
  configChanged(units: readonly string[]): void;
  /** The leadership of the unit changed (gained or lost). */
  leadershipChanged(unit: string): void;
  /** A relation of the unit's application appeared, changed life, or was removed. */
  relationsChanged(units: readonly string[], relationId: number): void;
  /** A relation's scope or settings changed, as seen by the units named. */
  relationUnitsChanged(
    units: readonly string[],
    relationId: number,
    event: RelationUnitsEvent,
  ): void;
  /** The update-status timer fired for the unit. */
  updateStatusTick(unit: string): void;
  /** The unit was removed (its agent has nothing more to do). */
  unitRemoved(unit: string): void;
}

const NO_HUB: WatcherHub = {
  unitAdded() {},
  unitChanged() {},
  configChanged() {},
  leadershipChanged() {},
  relationsChanged() {},
  relationUnitsChanged() {},
  updateStatusTick() {},
  unitRemoved() {},
};

/**
 * The in-memory Juju model, as the controller holds it: applications, units, relations and their
 * scopes, databags with versions, leadership and config. It runs no charm code and knows nothing
 * of what each unit agent has seen: every change is also sent, as a watcher event, to the units
 * it concerns (see src/agent/, which keeps each agent's lagging view and its resolver).
 */
export class JujuModel {
  readonly apps = new Map<string, AppRecord>();
  readonly units = new Map<string, UnitRecord>();
  readonly relations = new Map<number, RelationRecord>();
  credential: CloudCredential | null = null;
  /** Committed bags by relation id, then owner (unit or application name). */
  private readonly bags = new Map<number, Map<string, Bag>>();
  private nextRelationId = 0;
  hub: WatcherHub = NO_HUB;
  #leadershipVersion = 0;
  /**
   * What Juju writes into a unit's bag when the unit enters a relation's scope (its addresses:
   * `private-address`, `ingress-address`, `egress-subnets`); null writes nothing.
   */
  unitBagOnEntry: Databag | null = null;

  constructor(
    private readonly choose: Chooser,
    readonly name = "test-model",
    readonly uuid = "00000000-0000-4000-8000-000000000001",
  ) {}

  /**
   * Counts the changes of any application's leader (set, moved or cleared): a reader that saw the
   * same count has nothing new to look at (the simulation's trace of leaders, after every hook).
   * An application is removed only once its last unit is, which clears its leader.
   */
  get leadershipVersion(): number {
    return this.#leadershipVersion;
  }

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

  /** Relations of an application that are not removed (alive or dying), in id order. */
  relationsOf(app: string): RelationRecord[] {
    const out: RelationRecord[] = [];
    for (const rel of this.relations.values()) {
      if (rel.life !== "removed" && rel.ends.some((e) => e.app === app)) out.push(rel);
    }
    return out;
  }

  /**
   * The remote units a unit's relation-units watcher reports for `rel`: the other side's units
   * in scope (its own application's, itself left out, for a peer relation), with the version of
   * each one's settings, and the remote application with the version of its settings.
   */
  scopeMembers(rel: RelationRecord, unit: string, app: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const m of this.otherSideUnits(rel, app)) {
      if (m !== unit && rel.scope.has(m)) out.set(m, this.bagVersion(rel.id, m));
    }
    return out;
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
      leaderSettingsVersion: 1,
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
        entered: new Set(),
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
      updateStatusTicks: 0,
      unitStatus: new UnknownStatus(),
      workloadVersion: "",
      storedStates: [],
      deferred: [],
    };
    this.units.set(name, unit);
    app.units.push(name);
    app.aliveUnits += 1;
    if (app.leader === null) {
      app.leader = name;
      this.#leadershipVersion++;
    }
    this.hub.unitAdded(name);
    return name;
  }

  /**
   * `juju remove-unit`: the unit becomes dying and, at once, leaves every relation scope as the
   * other units see it (Juju's cleanupDyingUnit, PrepareLeaveScope); its agent learns it is dying
   * through its unit watcher. `agentStarted` false removes a unit whose agent never ran.
   */
  removeUnit(unitName: string, agentStarted = true): void {
    const unit = this.unit(unitName);
    if (unit.life !== "alive")
      throw new ModelOperationError(`unit ${unitName} is already being removed`);
    unit.life = "dying";
    const owner = this.apps.get(unit.app);
    if (owner) owner.aliveUnits -= 1;
    for (const rel of this.relations.values()) {
      if (rel.scope.has(unitName)) this.hideFromScope(rel, unit);
    }
    if (!agentStarted) {
      this.finishRemoval(unit);
      return;
    }
    this.hub.unitChanged(unitName);
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
      entered: new Set(),
    };
    this.relations.set(id, rel);
    this.relationsChanged(rel);
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
    this.#leadershipVersion++;
    if (old) this.hub.leadershipChanged(old);
    this.hub.leadershipChanged(unitName);
  }

  setConfig(appName: string, values: Readonly<Record<string, ConfigValue>>): boolean {
    const app = this.app(appName);
    const next = this.validatedConfig(appName, app.spec, app.config, values);
    const changed = JSON.stringify(next) !== JSON.stringify(app.config);
    if (changed) {
      app.config = next;
      app.configVersion += 1;
      this.hub.configChanged(app.units);
    }
    return changed;
  }

  setTrust(appName: string, trusted: boolean): void {
    const app = this.app(appName);
    if (app.trusted === trusted) return;
    app.trusted = trusted;
    app.configVersion += 1;
    this.hub.configChanged(app.units);
  }

  /**
   * `juju remove-application`: the application and every relation it has become dying, and so
   * does each of its units. `agentStarted` tells, per unit, whether its agent ever ran.
   */
  removeApplication(appName: string, agentStarted: (unit: string) => boolean): void {
    const app = this.app(appName);
    if (app.life !== "alive")
      throw new ModelOperationError(`application ${appName} is already being removed`);
    app.life = "dying";
    for (const rel of this.relations.values()) {
      if (rel.life === "alive" && rel.ends.some((e) => e.app === appName)) this.killRelation(rel);
    }
    for (const u of [...app.units]) {
      const unit = this.units.get(u);
      if (unit?.life === "alive") this.removeUnit(u, agentStarted(u));
    }
    this.maybeRemoveApp(app);
  }

  /** The update-status timer fires for one unit. */
  queueUpdateStatus(unitName: string): void {
    const unit = this.unit(unitName);
    if (unit.life !== "alive") return;
    unit.updateStatusTicks += 1;
    this.hub.updateStatusTick(unitName);
  }

  // ---- scopes (called by the unit agents) ---------------------------------------------------

  /**
   * A unit agent joins a relation (Juju's EnterScope). Refused, as Juju refuses it, when the
   * unit or the relation is no longer alive; the other units' watchers then report the unit.
   */
  enterScope(unitName: string, relationId: number): boolean {
    const unit = this.units.get(unitName);
    const rel = this.relations.get(relationId);
    if (unit?.life !== "alive" || !rel || rel.life !== "alive") return false;
    if (rel.entered.has(unitName)) return true;
    rel.entered.add(unitName);
    rel.scope.add(unitName);
    if (this.unitBagOnEntry && this.bagVersion(rel.id, unitName) === 0) {
      innerMap(this.bags, rel.id).set(unitName, { data: this.unitBagOnEntry, version: 1 });
    }
    this.hub.relationUnitsChanged(this.watchersOf(rel, unit.app, unitName), rel.id, {
      unit: unitName,
      version: this.bagVersion(rel.id, unitName),
    });
    return true;
  }

  /** A unit agent leaves a relation's scope (after its relation-broken, or when it dies). */
  leaveScope(unitName: string, relationId: number): void {
    const rel = this.relations.get(relationId);
    const unit = this.units.get(unitName);
    if (!rel || !unit || !rel.entered.has(unitName)) return;
    if (rel.scope.has(unitName)) this.hideFromScope(rel, unit);
    rel.entered.delete(unitName);
    this.maybeRemoveRelation(rel);
  }

  /** The unit's agent ran its last hook (or had none to run): the unit is removed. */
  finishRemoval(unit: UnitRecord): void {
    if (unit.life === "removed") return;
    unit.life = "removed";
    for (const rel of this.relations.values()) {
      if (rel.entered.has(unit.name)) this.leaveScope(unit.name, rel.id);
    }
    this.hub.unitRemoved(unit.name);
    const app = this.apps.get(unit.app);
    if (!app) return;
    const idx = app.units.indexOf(unit.name);
    if (idx >= 0) app.units.splice(idx, 1);
    if (app.leader === unit.name) {
      const alive = app.units.filter((u) => this.units.get(u)?.life === "alive");
      app.leader = null;
      this.#leadershipVersion++;
      if (alive.length > 0) {
        const next = alive[this.choose(alive.length, `${app.name}: new leader`)] as string;
        this.setLeader(next);
      }
    }
    this.maybeRemoveApp(app);
  }

  // ---- databags ---------------------------------------------------------------------------

  /**
   * Commits a bag written by `writer` in a completed hook; the watchers of the units that see
   * the bag report its new version. Returns the bag before, and the versions before and after.
   */
  commitBag(
    relationId: number,
    owner: string,
    data: Databag,
    writer: string,
  ): { before: Databag; previous: number; version: number } {
    const rel = this.relation(relationId);
    const relationBags = innerMap(this.bags, relationId);
    const prev = relationBags.get(owner);
    const before = prev?.data ?? EMPTY;
    const previous = prev?.version ?? 0;
    const version = previous + 1;
    relationBags.set(owner, { data: Object.freeze({ ...data }), version });
    const writerUnit = this.unit(writer);
    if (owner.includes("/")) {
      if (rel.scope.has(owner)) {
        this.hub.relationUnitsChanged(this.watchersOf(rel, writerUnit.app, owner), rel.id, {
          unit: owner,
          version,
        });
      }
    } else {
      // Units that watch this application's settings: the other side, or every peer (the
      // writer included: its agent matches its own write, see the simulation's commit).
      const watchers = rel.peer
        ? (this.apps.get(owner)?.units ?? [])
        : this.otherSideUnits(rel, owner);
      this.hub.relationUnitsChanged(watchers, rel.id, { app: owner, version });
    }
    return { before, previous, version };
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

  /** Units whose relation-units watcher reports `unit` (of `app`) in `rel`. */
  private watchersOf(rel: RelationRecord, app: string, unit: string): string[] {
    return this.otherSideUnits(rel, app).filter((u) => u !== unit);
  }

  private hideFromScope(rel: RelationRecord, unit: UnitRecord): void {
    rel.scope.delete(unit.name);
    this.hub.relationUnitsChanged(this.watchersOf(rel, unit.app, unit.name), rel.id, {
      unit: unit.name,
      version: null,
    });
  }

  private unitsOf(rel: RelationRecord): string[] {
    const out: string[] = [];
    for (const end of rel.ends) out.push(...(this.apps.get(end.app)?.units ?? []));
    return out;
  }

  private relationsChanged(rel: RelationRecord): void {
    const units = this.unitsOf(rel);
    if (units.length > 0) this.hub.relationsChanged(units, rel.id);
  }

  private killRelation(rel: RelationRecord): void {
    rel.life = "dying";
    this.relationsChanged(rel);
    this.maybeRemoveRelation(rel);
  }

  /** A dying relation goes once no unit is left in its scope. */
  private maybeRemoveRelation(rel: RelationRecord): void {
    if (rel.life !== "dying" || rel.entered.size > 0) return;
    rel.life = "removed";
    this.bags.delete(rel.id);
    this.relationsChanged(rel);
  }

  private maybeRemoveApp(app: AppRecord): void {
    if (app.life === "dying" && app.units.length === 0) {
      app.life = "removed";
      for (const rel of this.relations.values()) {
        if (rel.peer && rel.ends[0]?.app === app.name && rel.life !== "removed") {
          rel.life = "removed";
          this.bags.delete(rel.id);
        }
      }
    }
  }
}
