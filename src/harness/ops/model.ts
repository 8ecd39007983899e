import type { ConfigValue } from "../../model/metadata.js";
import type { CloudCredential, Databag } from "../../model/state.js";
import { Status } from "../../model/status.js";
import type { BagWrite, EnvRelation, HookEnvironment } from "../hook.js";
import {
  InvalidStatusError,
  KeyError,
  ModelError,
  PermissionDeniedError,
  RelationDataAccessError,
  RelationDataTypeError,
  RelationNotFoundError,
  TooManyRelatedAppsError,
} from "./errors.js";
import type { Framework } from "./framework.js";

/** Juju's `status-set` accepts only these; error and unknown are Juju's to set. */
function assertSettable(status: Status): void {
  if (!(status instanceof Status)) {
    throw new InvalidStatusError(`a status must be a Status, got ${String(status)}`);
  }
  if (status.name === "error" || status.name === "unknown") {
    throw new InvalidStatusError(
      `a charm cannot set ${status.name} status; use active, blocked, waiting or maintenance`,
    );
  }
}

/**
 * The ids `relation-ids <endpoint>` prints, in its order: those `keep` accepts, sorted as their
 * "endpoint:id" strings sort byte by byte (Go's `sort.Strings`).
 */
function relationIdsOrder(
  endpoint: string,
  ids: readonly number[],
  keep: (id: number) => boolean,
): readonly number[] {
  const kept = ids.filter(keep);
  if (kept.length < 2) return kept;
  const keyed = kept.map((id) => ({ id, key: `${endpoint}:${id}` }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.id);
}

/** An application as seen from the charm. */
export class Application {
  constructor(
    private readonly model: Model,
    readonly name: string,
  ) {}

  get isOwn(): boolean {
    return this.name === this.model.env.appName;
  }

  /** Application status: only the leader of this application may read or set it. */
  get status(): Status {
    this.assertOwnLeader("read");
    return this.model.appStatusValue;
  }
  set status(value: Status) {
    this.assertOwnLeader("set");
    this.model.setAppStatus(value);
  }

  /** How many units of this application Juju plans to run (own application only). */
  plannedUnits(): number {
    if (!this.isOwn)
      throw new ModelError(`cannot get planned units of remote application ${this.name}`);
    return this.model.env.plannedUnits;
  }

  toString(): string {
    return this.name;
  }

  private assertOwnLeader(what: "read" | "set"): void {
    if (!this.isOwn)
      throw new ModelError(`cannot ${what} the status of remote application ${this.name}`);
    if (!this.model.env.isLeader) {
      throw new RelationDataAccessError(`cannot ${what} application status as a non-leader unit`);
    }
  }
}

/** A unit as seen from the charm. */
export class Unit {
  constructor(
    private readonly model: Model,
    readonly name: string,
    readonly app: Application,
  ) {}

  get isOwn(): boolean {
    return this.name === this.model.env.unitName;
  }

  isLeader(): boolean {
    if (!this.isOwn) throw new ModelError(`leadership of remote unit ${this.name} is not known`);
    return this.model.env.isLeader;
  }

  get status(): Status {
    if (!this.isOwn) throw new ModelError(`cannot read the status of remote unit ${this.name}`);
    return this.model.unitStatusValue;
  }
  set status(value: Status) {
    if (!this.isOwn) throw new ModelError(`cannot set the status of remote unit ${this.name}`);
    this.model.setUnitStatus(value);
  }

  setWorkloadVersion(version: string): void {
    if (!this.isOwn)
      throw new ModelError(`cannot set the workload version of remote unit ${this.name}`);
    this.model.workloadVersion = version;
  }

  toString(): string {
    return this.name;
  }
}

type BagRole = "own-unit" | "own-app" | "peer-app" | "remote-unit" | "remote-app";

/**
 * One databag as a string map. Juju's access rules are checked on every read and write; writes
 * are buffered and only reach the model when the hook completes.
 */
export class RelationDataContent implements Iterable<[string, string]> {
  private base: Databag | undefined;
  private overlay: Map<string, string | null> | undefined;

  constructor(
    private readonly model: Model,
    private readonly relation: EnvRelation | null,
    readonly owner: string,
    private readonly role: BagRole,
    private readonly brokenRemote: boolean,
  ) {}

  private get readable(): boolean {
    return this.role !== "own-app" || this.model.env.isLeader;
  }
  private get writable(): boolean {
    if (this.role === "own-unit") return true;
    if (this.role === "own-app" || this.role === "peer-app") return this.model.env.isLeader;
    return false;
  }

  private assertKnown(): void {
    if (this.relation === null) {
      throw new RelationNotFoundError(
        `${this.model.env.unitName} does not know this relation; its databag of ${this.owner} cannot be used`,
      );
    }
  }

  /**
   * Reads follow Juju's access rules; a relation the unit does not know reads as an empty bag,
   * as ops does (`RelationDataContent._load` turns RelationNotFoundError into `{}`: "dead
   * relations tell no tales"). Writes to it fail (assertWrite).
   */
  private assertRead(): void {
    if (!this.readable) {
      throw new RelationDataAccessError(
        `${this.model.env.unitName} is not leader and cannot read the application databag of ${this.owner}`,
      );
    }
  }

  private assertWrite(): void {
    this.assertKnown();
    if (this.writable) return;
    const why =
      this.role === "remote-unit" || this.role === "remote-app"
        ? `${this.owner}'s databag belongs to the remote side`
        : `${this.model.env.unitName} is not leader`;
    throw new RelationDataAccessError(
      `${this.model.env.unitName} cannot write the databag of ${this.owner}: ${why}`,
    );
  }

  private loadBase(): Databag {
    if (this.base === undefined) {
      this.base = this.relation && !this.brokenRemote ? this.relation.readBag(this.owner) : {};
    }
    return this.base;
  }

  get(key: string): string | undefined {
    this.assertRead();
    if (this.overlay?.has(key)) return this.overlay.get(key) ?? undefined;
    return this.loadBase()[key];
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Sets a key; the empty string deletes it, as in Juju. */
  set(key: string, value: string): void {
    this.assertWrite();
    if (typeof key !== "string" || typeof value !== "string") {
      throw new RelationDataTypeError(
        `databag keys and values must be strings, got ${typeof key} ${JSON.stringify(key)} = ${typeof value}`,
      );
    }
    if (key === "") throw new RelationDataTypeError("databag keys must not be empty");
    if (!this.overlay) this.overlay = new Map();
    this.overlay.set(key, value === "" ? null : value);
  }

  delete(key: string): void {
    this.assertWrite();
    if (typeof key !== "string") {
      throw new RelationDataTypeError(`databag keys must be strings, got ${typeof key}`);
    }
    if (!this.overlay) this.overlay = new Map();
    this.overlay.set(key, null);
  }

  /** Removes every key. */
  clear(): void {
    for (const key of this.keys()) this.delete(key);
  }

  /** Sets several keys at once. */
  update(values: Readonly<Record<string, string>>): void {
    for (const [k, v] of Object.entries(values)) this.set(k, v);
  }

  toObject(): Record<string, string> {
    this.assertRead();
    const out: Record<string, string> = { ...this.loadBase() };
    if (this.overlay) {
      for (const [k, v] of this.overlay) {
        if (v === null) delete out[k];
        else out[k] = v;
      }
    }
    return out;
  }

  keys(): string[] {
    return Object.keys(this.toObject());
  }
  entries(): [string, string][] {
    if (!this.overlay) {
      this.assertRead();
      return Object.entries(this.loadBase());
    }
    return Object.entries(this.toObject());
  }
  get size(): number {
    return this.keys().length;
  }
  [Symbol.iterator](): Iterator<[string, string]> {
    return this.entries()[Symbol.iterator]();
  }

  /** The bag's new content if this hook changed it, else undefined. */
  pendingWrite(): Databag | undefined {
    if (!this.overlay || this.overlay.size === 0) return undefined;
    const base = this.loadBase();
    let changed = false;
    for (const [k, v] of this.overlay) {
      if ((v ?? undefined) !== base[k]) {
        changed = true;
        break;
      }
    }
    if (!changed) return undefined;
    const out: Record<string, string> = { ...base };
    for (const [k, v] of this.overlay) {
      if (v === null) delete out[k];
      else out[k] = v;
    }
    return out;
  }
}

/** The databags of one relation, keyed by unit or application. */
export class RelationData {
  private readonly bags = new Map<string, RelationDataContent>();
  constructor(
    private readonly model: Model,
    private readonly relation: Relation,
    private readonly env: EnvRelation | null,
    /** Whether a remote unit's bag is readable in this hook. */
    private readonly readable: (unitName: string) => boolean,
  ) {}

  /** The databag of a unit or application; throws KeyError for one not in this relation. */
  get(entity: Unit | Application | null | undefined): RelationDataContent {
    if (entity === null || entity === undefined) {
      throw new KeyError(`relation ${this.relation.id} has no databag for ${String(entity)}`);
    }
    const owner = entity.name;
    let bag = this.bags.get(owner);
    if (bag) return bag;
    const role = this.roleOf(entity);
    if (!role)
      throw new KeyError(
        `${owner} has no databag in relation ${this.relation.name}:${this.relation.id}`,
      );
    const brokenRemote =
      this.model.brokenRelationId === this.relation.id && role.startsWith("remote");
    bag = new RelationDataContent(this.model, this.env, owner, role, brokenRemote);
    this.bags.set(owner, bag);
    return bag;
  }

  private roleOf(entity: Unit | Application): BagRole | undefined {
    const env = this.model.env;
    if (entity instanceof Unit) {
      if (entity.name === env.unitName) return "own-unit";
      return this.readable(entity.name) ? "remote-unit" : undefined;
    }
    if (entity.name === env.appName) {
      return this.env?.kind === "peer" ? "peer-app" : "own-app";
    }
    return this.env?.remoteApp === entity.name ? "remote-app" : undefined;
  }

  writes(): BagWrite[] {
    const out: BagWrite[] = [];
    for (const bag of this.bags.values()) {
      const data = bag.pendingWrite();
      if (data) out.push({ relationId: this.relation.id, owner: bag.owner, data });
    }
    return out;
  }
}

/** A relation as seen from the charm during one hook (Python ops: `ops.Relation`). */
export class Relation {
  readonly app: Application | null;
  private dataView: RelationData | undefined;
  private unitSet: Set<Unit> | undefined;
  private readableSet: Set<string> | undefined;

  constructor(
    private readonly model: Model,
    readonly name: string,
    readonly id: number,
    private readonly env: EnvRelation | null,
    readonly active: boolean,
    private readonly departedUnit: string | null,
  ) {
    this.app = env?.remoteApp ? model.getApp(env.remoteApp) : null;
  }

  /** The databags of this relation, keyed by unit or application (built on first use). */
  get data(): RelationData {
    this.dataView ??= new RelationData(this.model, this, this.env, (unitName) =>
      this.isReadable(unitName),
    );
    return this.dataView;
  }

  /** Remote unit names in this hook; none while the relation is being broken. */
  private remoteUnitNames(): readonly string[] {
    return this.env && this.model.brokenRelationId !== this.id ? this.env.remoteUnits : [];
  }

  private isReadable(unitName: string): boolean {
    if (!this.readableSet) {
      this.readableSet = new Set(this.remoteUnitNames());
      // During relation-departed the departed unit has left `units`, but its bag stays readable.
      if (this.departedUnit) this.readableSet.add(this.departedUnit);
    }
    return this.readableSet.has(unitName);
  }

  /** Appends this hook's changed bags of this relation to `out`. */
  writesInto(out: BagWrite[]): void {
    if (this.dataView) out.push(...this.dataView.writes());
  }

  /** Remote units (peers for a peer relation). A mutable set, cached for the hook, as in ops. */
  get units(): Set<Unit> {
    if (!this.unitSet)
      this.unitSet = new Set(this.remoteUnitNames().map((u) => this.model.getUnit(u)));
    return this.unitSet;
  }

  /**
   * Removes and returns one unit from `units`, the first in order (Python's `set.pop()` picks an
   * arbitrary one; this picks deterministically). Used by faithful library ports.
   */
  popUnit(): Unit | undefined {
    const first = this.units.values().next();
    if (first.done) return undefined;
    this.units.delete(first.value);
    return first.value;
  }

  get interfaceName(): string | null {
    return this.env?.interfaceName ?? null;
  }

  toString(): string {
    return `<Relation ${this.name}:${this.id}>`;
  }
}

/** The charm's view of the Juju model during one hook (Python ops: `ops.Model`). */
export class Model {
  readonly unit: Unit;
  readonly app: Application;
  readonly config: Readonly<Record<string, ConfigValue>>;
  /** Set during relation-broken: that relation is left out of `relations()`. */
  readonly brokenRelationId: number | null;
  /** Set during relation-departed: the departing unit (the remote unit, or this unit itself). */
  readonly departingUnit: string | null;
  /** Set during relation-departed: the relation and remote unit whose bag stays readable. */
  readonly departed: { readonly relationId: number; readonly remoteUnit: string } | null;
  unitStatusValue: Status;
  appStatusValue: Status;
  readonly unitStatusHistory: Status[] = [];
  readonly appStatusHistory: Status[] = [];
  workloadVersion: string;
  private readonly apps = new Map<string, Application>();
  private readonly unitsByName = new Map<string, Unit>();
  /**
   * Relation objects of this hook by id. An id asked for under another endpoint is a different,
   * inactive object, kept apart in `otherEndpointRelations`.
   */
  private readonly relationCache = new Map<number, Relation>();
  private otherEndpointRelations: Map<string, Relation> | undefined;
  /** The ids `relations(endpoint)` lists, by endpoint, worked out once per hook. */
  private listedIds: Map<string, readonly number[]> | undefined;

  constructor(
    readonly framework: Framework,
    readonly env: HookEnvironment,
    context: {
      brokenRelationId?: number;
      departingUnit?: string;
      departed?: { relationId: number; remoteUnit: string };
    } = {},
  ) {
    this.brokenRelationId = context.brokenRelationId ?? null;
    this.departingUnit = context.departingUnit ?? null;
    this.departed = context.departed ?? null;
    this.app = this.getApp(env.appName);
    this.unit = this.getUnit(env.unitName);
    this.config = env.config;
    this.unitStatusValue = env.unitStatus;
    this.appStatusValue = env.appStatus;
    this.workloadVersion = env.workloadVersion;
  }

  get name(): string {
    return this.env.modelName;
  }
  get uuid(): string {
    return this.env.modelUuid;
  }

  getApp(name: string): Application {
    let app = this.apps.get(name);
    if (!app) {
      app = new Application(this, name);
      this.apps.set(name, app);
    }
    return app;
  }

  getUnit(name: string): Unit {
    let unit = this.unitsByName.get(name);
    if (!unit) {
      const slash = name.indexOf("/");
      const appName = slash < 0 ? name : name.slice(0, slash);
      unit = new Unit(this, name, this.getApp(appName));
      this.unitsByName.set(name, unit);
    }
    return unit;
  }

  private assertEndpoint(endpoint: string): void {
    const meta = this.env.spec.meta;
    if (!(endpoint in meta.provides || endpoint in meta.requires || endpoint in meta.peers)) {
      const known = [
        ...Object.keys(meta.provides),
        ...Object.keys(meta.requires),
        ...Object.keys(meta.peers),
      ];
      throw new ModelError(
        `unknown endpoint "${endpoint}"; metadata declares: ${known.join(", ") || "none"}`,
      );
    }
  }

  private relationById(endpoint: string, id: number): Relation {
    const cached = this.relationCache.get(id);
    if (cached !== undefined && cached.name === endpoint) return cached;
    const otherKey = `${endpoint}:${id}`;
    const other = this.otherEndpointRelations?.get(otherKey);
    if (other) return other;
    const env = this.env.relation(id);
    const known = env !== undefined && env.endpoint === endpoint;
    const active = known && this.brokenRelationId !== id;
    const departed = known && this.departed?.relationId === id ? this.departed.remoteUnit : null;
    const rel = new Relation(this, endpoint, id, known ? env : null, active, departed);
    if (cached === undefined && (known || env === undefined)) this.relationCache.set(id, rel);
    else {
      this.otherEndpointRelations ??= new Map();
      this.otherEndpointRelations.set(otherKey, rel);
    }
    return rel;
  }

  /**
   * The relations on an endpoint, as Juju's `relation-ids` lists them and ops keeps them
   * (worker/uniter/runner/jujuc/relation-ids.go, `Run`): only relations the unit has under that
   * endpoint (a relation it no longer has, Juju's dead one, is left out; so is the one being
   * broken, as ops does), ordered as their "endpoint:id" strings sort (`sort.Strings`: ids 2, 3,
   * 10 come as 10, 2, 3). The order is the framework's own, whatever order the environment
   * hands the ids over in.
   */
  relations(endpoint: string): Relation[] {
    this.assertEndpoint(endpoint);
    let ids = this.listedIds?.get(endpoint);
    if (ids === undefined) {
      ids = relationIdsOrder(endpoint, this.env.relationIds(endpoint), (id) => {
        if (id === this.brokenRelationId) return false;
        return this.env.relation(id)?.endpoint === endpoint;
      });
      this.listedIds ??= new Map();
      this.listedIds.set(endpoint, ids);
    }
    return ids.map((id) => this.relationById(endpoint, id));
  }

  /**
   * With an id: that relation; for an id the unit does not know, an inactive relation object
   * (no app, no units), as Python ops does. Without an id: the only relation on the endpoint,
   * null if none, TooManyRelatedAppsError if several.
   */
  getRelation(endpoint: string, id?: number): Relation | null {
    this.assertEndpoint(endpoint);
    if (id !== undefined) return this.relationById(endpoint, id);
    const rels = this.relations(endpoint);
    if (rels.length > 1) throw new TooManyRelatedAppsError(endpoint, rels.length);
    return rels[0] ?? null;
  }

  /** `credential-get`: the cloud credential, if the application is trusted. */
  credentialGet(): CloudCredential {
    try {
      return this.env.credentialGet();
    } catch (e) {
      if (e instanceof PermissionDeniedError) throw e;
      throw new PermissionDeniedError(`credential-get: ${(e as Error).message}`);
    }
  }

  /** A simulated external system registered with the harness (e.g. `lxd`), or undefined. */
  external<T>(name: string): T | undefined {
    return this.env.external[name] as T | undefined;
  }

  setUnitStatus(status: Status): void {
    assertSettable(status);
    this.unitStatusValue = status;
    this.unitStatusHistory.push(status);
  }
  setAppStatus(status: Status): void {
    assertSettable(status);
    this.appStatusValue = status;
    this.appStatusHistory.push(status);
  }

  /** Every bag this hook changed. */
  bagWrites(): BagWrite[] {
    const rels = [...this.relationCache.values()];
    if (this.otherEndpointRelations) rels.push(...this.otherEndpointRelations.values());
    if (rels.length > 1) rels.sort((a, b) => a.id - b.id);
    const out: BagWrite[] = [];
    for (const r of rels) r.writesInto(out);
    return out;
  }
}
