import { z } from "zod";
import { parseWith } from "./errors.js";
import { deepFreeze, type JsonObject } from "./json.js";
import type { ConfigValue } from "./metadata.js";
import { Status, UnknownStatus } from "./status.js";

/** A Juju databag: string keys to string values. */
export type Databag = Readonly<Record<string, string>>;

const databagSchema = z.record(
  z.string(),
  z.string({ error: (i) => `databag values must be strings, got ${typeof i.input}` }),
);
const unitsDataSchema = z.record(
  z.string().regex(/^\d+$/, "remote unit ids are whole numbers"),
  databagSchema,
);
const jsonObjectSchema = z.record(z.string(), z.json());

/**
 * Fields that the harness already validated (Context.run's output State). Passed to the
 * constructors in place of an init object, they are taken as they are: the object keeps the
 * same shape as one built from an init, without re-running the schema. Not exported by the
 * package.
 */
class TrustedFields {
  constructor(readonly fields: Readonly<Record<string, unknown>>) {}
}
function trustedInit<T>(fields: Readonly<Record<string, unknown>>): T {
  return new TrustedFields(fields) as unknown as T;
}

// ---- memo slots ------------------------------------------------------------------------------
//
// States and relations are immutable, so what the harness computes from one stays true for it:
// the consistency rules' results, the sorted remote unit ids, a Context's view of a relation.
// Each object keeps those in a private field (invisible to users, to equality and to copies).
// A table keyed by the object (a WeakMap) cost about 2 µs per fresh object on the project's
// machine, more than most of what it remembers, and tests build fresh objects for every run.

/** A typed key into the memo slots of States and relations; `memoKey()` makes a new one. */
export interface MemoKey<T> {
  readonly index: number;
  /** Carries the value type only. */
  readonly valueType?: T;
}
let memoKeyCount = 0;
export function memoKey<T>(): MemoKey<T> {
  return { index: memoKeyCount++ };
}

type MemoSlots = unknown[];

/** The base class of States and relations: it holds their memo slots. */
export class Memoized {
  #memo: MemoSlots | undefined;

  /** The slots of `o`, or undefined when `o` was not built by a Memoized constructor. */
  static slotsOf(o: object): MemoSlots | undefined {
    if (!(#memo in o)) return undefined;
    o.#memo ??= [];
    return o.#memo;
  }
}

/** Slots of relations copied without their constructor (see relationWithLocalData). */
const strayMemos = new WeakMap<object, MemoSlots>();

function slotsOf(o: State | AnyRelation): MemoSlots {
  const slots = Memoized.slotsOf(o);
  if (slots !== undefined) return slots;
  let stray = strayMemos.get(o);
  if (stray === undefined) {
    stray = [];
    strayMemos.set(o, stray);
  }
  return stray;
}

/** What was remembered under `key` for `o`, if anything. */
export function memoGet<T>(o: State | AnyRelation, key: MemoKey<T>): T | undefined {
  return slotsOf(o)[key.index] as T | undefined;
}

/** Remembers `value` under `key` for `o` (replacing what was there) and returns it. */
export function memoSet<T>(o: State | AnyRelation, key: MemoKey<T>, value: T): T {
  slotsOf(o)[key.index] = value;
  return value;
}

let relationIdCounter = 0;
/**
 * The next free relation id. Ids are handed out in construction order, so a test that builds
 * the same relations in the same order gets the same ids.
 */
export function nextRelationId(): number {
  relationIdCounter += 1;
  return relationIdCounter;
}
function claimRelationId(id: number | undefined): number {
  if (id === undefined) return nextRelationId();
  if (id > relationIdCounter) relationIdCounter = id;
  return id;
}

/** The address Scenario puts in the keys below (an address reserved for documentation). */
export const DEFAULT_JUJU_ADDRESS = "192.0.2.0";
/**
 * The keys Juju itself writes into every unit databag of a relation, as Scenario's defaults give
 * them: a `Relation` starts with them in the local unit bag and the default remote unit's bag
 * (and a subordinate relation in its remote unit bag). Pass the bag explicitly (`{}` for an
 * empty one) to leave them out.
 */
export const DEFAULT_JUJU_DATABAG: Databag = Object.freeze({
  "egress-subnets": DEFAULT_JUJU_ADDRESS,
  "ingress-address": DEFAULT_JUJU_ADDRESS,
  "private-address": DEFAULT_JUJU_ADDRESS,
});

const relationCommon = {
  endpoint: z.string().min(1),
  interface: z.string().min(1).optional(),
  id: z.number().int().nonnegative().optional(),
  localAppData: databagSchema.default({}),
  localUnitData: databagSchema.default(() => ({ ...DEFAULT_JUJU_DATABAG })),
};

const relationSchema = z.strictObject({
  ...relationCommon,
  remoteAppName: z.string().min(1).default("remote"),
  limit: z.number().int().positive().default(1),
  remoteAppData: databagSchema.default({}),
  remoteUnitsData: unitsDataSchema.default(() => ({ 0: { ...DEFAULT_JUJU_DATABAG } })),
});
export type RelationInit = z.input<typeof relationSchema>;

const peerRelationSchema = z.strictObject({
  ...relationCommon,
  peersData: unitsDataSchema.default({}),
});
export type PeerRelationInit = z.input<typeof peerRelationSchema>;

const subordinateRelationSchema = z.strictObject({
  ...relationCommon,
  remoteAppName: z.string().min(1).default("remote"),
  remoteAppData: databagSchema.default({}),
  remoteUnitData: databagSchema.default(() => ({ ...DEFAULT_JUJU_DATABAG })),
  remoteUnitId: z.number().int().nonnegative().default(0),
});
export type SubordinateRelationInit = z.input<typeof subordinateRelationSchema>;

/** A validated bag (string to string): a shallow freeze freezes it all. */
const freezeBag = (bag: Record<string, string>): Databag => Object.freeze(bag);

function unitsData(
  data: Record<string, Record<string, string>>,
): Readonly<Record<number, Databag>> {
  const out: Record<number, Databag> = {};
  for (const id in data) out[Number(id)] = freezeBag(data[id] as Record<string, string>);
  return Object.freeze(out);
}

/** Freezes a units-data object the caller owns, and its bags. */
function freezeUnitsData(
  data: Record<string, Record<string, string>>,
): Readonly<Record<number, Databag>> {
  for (const id in data) Object.freeze(data[id]);
  return Object.freeze(data);
}

// ---- the common case without the schema ------------------------------------------------------
//
// Tests build a Relation and a State for every run, and the schemas above cost about a quarter of
// a Context.run. The functions below take the common, well-formed input apart by hand and return
// exactly what the schema would (the tests check this against the schema on generated inputs);
// anything else (a wrong type, an unknown key, an unusual object) returns null, and the schema
// decides and names the field.

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  Object.getPrototypeOf(v) === Object.prototype &&
  Object.getOwnPropertySymbols(v).length === 0;

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.length > 0;
/** The schema's `.default(d)`: only a missing (undefined) value takes the default. */
const orDefault = <T>(v: unknown, d: T): unknown => (v === undefined ? d : v);
/** Keys a plain copy cannot take as they are (assigning `__proto__` sets the prototype). */
const ownable = (k: string, v: object) =>
  k !== "__proto__" && Object.prototype.propertyIsEnumerable.call(v, k);
/** A unit id as a canonical array index ("7", not "07"): the key the constructor would make. */
const CANONICAL_UNIT_ID = /^(?:0|[1-9]\d{0,8})$/;

/** A copy of a plain string-to-string object, in its key order; null for anything else. */
function plainBag(v: unknown): Record<string, string> | null {
  if (!isPlain(v)) return null;
  const keys = Object.getOwnPropertyNames(v);
  const out: Record<string, string> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const value = v[k];
    if (typeof value !== "string" || !ownable(k, v)) return null;
    out[k] = value;
  }
  return out;
}

/**
 * `remoteUnitsData` as the schema gives it (bags copied), for ids written canonically (others,
 * like "07", go to the schema and the constructor's renumbering); null for anything else.
 */
function plainUnitsData(v: unknown): Record<string, Record<string, string>> | null {
  if (!isPlain(v)) return null;
  const keys = Object.getOwnPropertyNames(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (!CANONICAL_UNIT_ID.test(k) || !ownable(k, v)) return null;
  }
  // Unit ids are integer-like keys, which V8 keeps as elements: a spread copies them in one step
  // where setting them one by one is slow; each bag is then replaced by its copy.
  const out: Record<string, Record<string, string>> = { ...v } as Record<
    string,
    Record<string, string>
  >;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const bag = plainBag(v[k]);
    if (bag === null) return null;
    out[k] = bag;
  }
  return out;
}

const RELATION_KEYS = new Set([
  "endpoint",
  "interface",
  "id",
  "localAppData",
  "localUnitData",
  "remoteAppName",
  "limit",
  "remoteAppData",
  "remoteUnitsData",
]);

const onlyKeys = (v: Record<string, unknown>, allowed: ReadonlySet<string>) =>
  Object.getOwnPropertyNames(v).every((k) => allowed.has(k));

/** What relationSchema makes of a well-formed init; null where the schema must decide. */
export function relationFieldsFast(init: unknown): z.output<typeof relationSchema> | null {
  if (!isPlain(init) || !onlyKeys(init, RELATION_KEYS)) return null;
  const { endpoint, id, limit } = init;
  const iface = init.interface;
  const remoteAppName = orDefault(init.remoteAppName, "remote");
  if (!nonEmpty(endpoint) || !nonEmpty(remoteAppName)) return null;
  if (iface !== undefined && !nonEmpty(iface)) return null;
  if (id !== undefined && !(Number.isSafeInteger(id) && (id as number) >= 0)) return null;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && (limit as number) > 0)) return null;
  const localAppData = init.localAppData === undefined ? {} : plainBag(init.localAppData);
  const localUnitData =
    init.localUnitData === undefined ? { ...DEFAULT_JUJU_DATABAG } : plainBag(init.localUnitData);
  const remoteAppData = init.remoteAppData === undefined ? {} : plainBag(init.remoteAppData);
  const remoteUnitsData =
    init.remoteUnitsData === undefined
      ? { 0: { ...DEFAULT_JUJU_DATABAG } }
      : plainUnitsData(init.remoteUnitsData);
  if (!localAppData || !localUnitData || !remoteAppData || !remoteUnitsData) return null;
  return {
    endpoint,
    ...(iface !== undefined ? { interface: iface } : {}),
    ...(id !== undefined ? { id: id as number } : {}),
    localAppData,
    localUnitData,
    remoteAppName,
    limit: (limit as number | undefined) ?? 1,
    remoteAppData,
    remoteUnitsData,
  };
}

/** A regular (provides/requires) relation as seen from the unit under test. */
export class Relation extends Memoized {
  readonly kind = "regular" as const;
  readonly endpoint: string;
  readonly interface: string | undefined;
  readonly id: number;
  readonly remoteAppName: string;
  readonly limit: number;
  readonly localAppData: Databag;
  readonly localUnitData: Databag;
  readonly remoteAppData: Databag;
  readonly remoteUnitsData: Readonly<Record<number, Databag>>;

  constructor(init: RelationInit) {
    super();
    const trustedFields = init instanceof TrustedFields;
    const fast = trustedFields ? null : relationFieldsFast(init);
    const v = trustedFields
      ? (init.fields as unknown as z.output<typeof relationSchema> & { id: number })
      : (fast ?? parseWith(relationSchema, init, "Relation"));
    this.endpoint = v.endpoint;
    this.interface = v.interface;
    this.id = claimRelationId(v.id);
    this.remoteAppName = v.remoteAppName;
    this.limit = v.limit;
    this.localAppData = freezeBag(v.localAppData);
    this.localUnitData = freezeBag(v.localUnitData);
    this.remoteAppData = freezeBag(v.remoteAppData);
    // The fast path's units data is its own copy, keyed canonically: frozen where it is.
    this.remoteUnitsData = trustedFields
      ? (v.remoteUnitsData as Readonly<Record<number, Databag>>)
      : fast
        ? freezeUnitsData(fast.remoteUnitsData)
        : unitsData(v.remoteUnitsData);
    Object.freeze(this);
  }

  /** A copy with some fields replaced; the id is kept unless given. */
  with(patch: Partial<RelationInit>): Relation {
    return new Relation({ ...this.init(), ...patch });
  }

  get remoteUnitIds(): number[] {
    return Object.keys(this.remoteUnitsData).map(Number);
  }

  private init(): RelationInit {
    return {
      endpoint: this.endpoint,
      ...(this.interface !== undefined ? { interface: this.interface } : {}),
      id: this.id,
      remoteAppName: this.remoteAppName,
      limit: this.limit,
      localAppData: this.localAppData,
      localUnitData: this.localUnitData,
      remoteAppData: this.remoteAppData,
      remoteUnitsData: this.remoteUnitsData,
    };
  }
}

/** A peer relation: the other units are units of this unit's own application. */
export class PeerRelation extends Memoized {
  readonly kind = "peer" as const;
  readonly endpoint: string;
  readonly interface: string | undefined;
  readonly id: number;
  readonly localAppData: Databag;
  readonly localUnitData: Databag;
  readonly peersData: Readonly<Record<number, Databag>>;

  constructor(init: PeerRelationInit) {
    super();
    const v = parseWith(peerRelationSchema, init, "PeerRelation");
    this.endpoint = v.endpoint;
    this.interface = v.interface;
    this.id = claimRelationId(v.id);
    this.localAppData = deepFreeze(v.localAppData);
    this.localUnitData = deepFreeze(v.localUnitData);
    this.peersData = unitsData(v.peersData);
    Object.freeze(this);
  }

  with(patch: Partial<PeerRelationInit>): PeerRelation {
    return new PeerRelation({
      endpoint: this.endpoint,
      ...(this.interface !== undefined ? { interface: this.interface } : {}),
      id: this.id,
      localAppData: this.localAppData,
      localUnitData: this.localUnitData,
      peersData: this.peersData,
      ...patch,
    });
  }

  get remoteUnitIds(): number[] {
    return Object.keys(this.peersData).map(Number);
  }
}

/** A relation between a subordinate and its principal: exactly one remote unit. */
export class SubordinateRelation extends Memoized {
  readonly kind = "subordinate" as const;
  readonly endpoint: string;
  readonly interface: string | undefined;
  readonly id: number;
  readonly remoteAppName: string;
  readonly localAppData: Databag;
  readonly localUnitData: Databag;
  readonly remoteAppData: Databag;
  readonly remoteUnitData: Databag;
  readonly remoteUnitId: number;

  constructor(init: SubordinateRelationInit) {
    super();
    const v = parseWith(subordinateRelationSchema, init, "SubordinateRelation");
    this.endpoint = v.endpoint;
    this.interface = v.interface;
    this.id = claimRelationId(v.id);
    this.remoteAppName = v.remoteAppName;
    this.localAppData = deepFreeze(v.localAppData);
    this.localUnitData = deepFreeze(v.localUnitData);
    this.remoteAppData = deepFreeze(v.remoteAppData);
    this.remoteUnitData = deepFreeze(v.remoteUnitData);
    this.remoteUnitId = v.remoteUnitId;
    Object.freeze(this);
  }

  with(patch: Partial<SubordinateRelationInit>): SubordinateRelation {
    return new SubordinateRelation({
      endpoint: this.endpoint,
      ...(this.interface !== undefined ? { interface: this.interface } : {}),
      id: this.id,
      remoteAppName: this.remoteAppName,
      localAppData: this.localAppData,
      localUnitData: this.localUnitData,
      remoteAppData: this.remoteAppData,
      remoteUnitData: this.remoteUnitData,
      remoteUnitId: this.remoteUnitId,
      ...patch,
    });
  }

  get remoteUnitIds(): number[] {
    return [this.remoteUnitId];
  }
}

export type AnyRelation = Relation | PeerRelation | SubordinateRelation;

const storedStateSchema = z.strictObject({
  ownerPath: z.string(),
  name: z.string().min(1),
  content: jsonObjectSchema.default({}),
});

const deferredEventSchema = z.strictObject({
  handlePath: z
    .string()
    .regex(/\/on\/[a-z0-9_]+\[\d+\]$/, "expected a path like Charm/on/install[1]"),
  owner: z.string(),
  observer: z.string().min(1),
  snapshot: jsonObjectSchema.default({}),
});

/** Persisted content of one `framework.storedState(owner, name)` object. */
export class StoredState {
  readonly ownerPath: string;
  readonly name: string;
  readonly content: Readonly<JsonObject>;
  constructor(init: { ownerPath: string; name: string; content?: JsonObject }) {
    const v =
      init instanceof TrustedFields
        ? (init.fields as { ownerPath: string; name: string; content: JsonObject })
        : parseWith(storedStateSchema, init, "StoredState");
    this.ownerPath = v.ownerPath;
    this.name = v.name;
    this.content = deepFreeze(v.content as JsonObject);
    Object.freeze(this);
  }
}

/** An event the charm deferred: it is re-emitted before the next event on that unit. */
export class DeferredEvent {
  readonly handlePath: string;
  readonly owner: string;
  readonly observer: string;
  readonly snapshot: Readonly<JsonObject>;
  constructor(init: {
    handlePath: string;
    owner: string;
    observer: string;
    snapshot?: JsonObject;
  }) {
    const v = parseWith(deferredEventSchema, init, "DeferredEvent");
    this.handlePath = v.handlePath;
    this.owner = v.owner;
    this.observer = v.observer;
    this.snapshot = deepFreeze(v.snapshot as JsonObject);
    Object.freeze(this);
  }

  /** The event kind, e.g. `install` or `certificates_relation_changed`. */
  get kind(): string {
    const m = /\/on\/([a-z0-9_]+)\[\d+\]$/.exec(this.handlePath);
    return m?.[1] ?? "";
  }
}

/** A cloud credential as `credential-get` returns it to a trusted application. */
export interface CloudCredential {
  readonly type: string;
  readonly endpoint: string;
  readonly attrs: Readonly<Record<string, string>>;
}
const cloudCredentialSchema = z.strictObject({
  type: z.string().default("certificate"),
  endpoint: z.string(),
  attrs: z.record(z.string(), z.string()).default({}),
});

const UNKNOWN_STATUS = new UnknownStatus();
const DEFAULT_MODEL: Readonly<{ name: string; uuid: string }> = Object.freeze({
  name: "test-model",
  uuid: "00000000-0000-4000-8000-000000000000",
});

const stateSchema = z.strictObject({
  leader: z.boolean().default(false),
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  relations: z
    .array(
      z.union(
        [z.instanceof(Relation), z.instanceof(PeerRelation), z.instanceof(SubordinateRelation)],
        {
          error: "expected a Relation, PeerRelation or SubordinateRelation",
        },
      ),
    )
    .default([]),
  unitStatus: z.instanceof(Status, { error: "expected a Status" }).default(UNKNOWN_STATUS),
  appStatus: z.instanceof(Status, { error: "expected a Status" }).default(UNKNOWN_STATUS),
  workloadVersion: z.string().default(""),
  storedStates: z.array(z.instanceof(StoredState)).default([]),
  deferred: z.array(z.instanceof(DeferredEvent)).default([]),
  model: z
    .strictObject({
      name: z.string().min(1).default("test-model"),
      uuid: z.string().min(1).default("00000000-0000-4000-8000-000000000000"),
    })
    .default(DEFAULT_MODEL),
  plannedUnits: z.number().int().nonnegative().default(1),
  trusted: z.boolean().default(false),
  credential: cloudCredentialSchema.nullable().default(null),
});
export type StateInit = Omit<
  z.input<typeof stateSchema>,
  "relations" | "storedStates" | "deferred"
> & {
  relations?: Iterable<AnyRelation>;
  storedStates?: Iterable<StoredState>;
  deferred?: Iterable<DeferredEvent>;
};

const STATE_KEYS = new Set([
  "leader",
  "config",
  "relations",
  "unitStatus",
  "appStatus",
  "workloadVersion",
  "storedStates",
  "deferred",
  "model",
  "plannedUnits",
  "trusted",
  "credential",
]);

const MODEL_KEYS = new Set(["name", "uuid"]);

const isRelation = (r: unknown) =>
  r instanceof Relation || r instanceof PeerRelation || r instanceof SubordinateRelation;

/** A plain config of strings, finite numbers and booleans, copied; null for anything else. */
function plainConfig(v: unknown): Record<string, ConfigValue> | null {
  if (!isPlain(v)) return null;
  const out: Record<string, ConfigValue> = {};
  for (const k of Object.getOwnPropertyNames(v)) {
    const value = v[k];
    if (!ownable(k, v)) return null;
    if (typeof value === "string" || typeof value === "boolean") out[k] = value;
    else if (typeof value === "number" && Number.isFinite(value)) out[k] = value;
    else return null;
  }
  return out;
}

/**
 * What stateSchema makes of a well-formed init (relations, stored states and deferred events
 * already as arrays); null where the schema must decide (a credential always goes to it).
 */
export function stateFieldsFast(init: unknown): z.output<typeof stateSchema> | null {
  if (!isPlain(init) || !onlyKeys(init, STATE_KEYS)) return null;
  const leader = orDefault(init.leader, false);
  const trustedApp = orDefault(init.trusted, false);
  const workloadVersion = orDefault(init.workloadVersion, "");
  const plannedUnits = orDefault(init.plannedUnits, 1);
  const unitStatus = orDefault(init.unitStatus, UNKNOWN_STATUS);
  const appStatus = orDefault(init.appStatus, UNKNOWN_STATUS);
  const relations = orDefault(init.relations, []);
  const storedStates = orDefault(init.storedStates, []);
  const deferred = orDefault(init.deferred, []);
  if (typeof leader !== "boolean" || typeof trustedApp !== "boolean") return null;
  if (typeof workloadVersion !== "string") return null;
  if (!(Number.isSafeInteger(plannedUnits) && (plannedUnits as number) >= 0)) return null;
  if (!(unitStatus instanceof Status) || !(appStatus instanceof Status)) return null;
  if (!Array.isArray(relations) || !relations.every(isRelation)) return null;
  if (!Array.isArray(storedStates) || !storedStates.every((x) => x instanceof StoredState))
    return null;
  if (!Array.isArray(deferred) || !deferred.every((x) => x instanceof DeferredEvent)) return null;
  // A credential (or a null one) goes to the schema.
  if (init.credential !== undefined) return null;
  const config = init.config === undefined ? {} : plainConfig(init.config);
  if (!config) return null;
  let model = DEFAULT_MODEL;
  if (init.model !== undefined) {
    const m = init.model;
    if (!isPlain(m) || !onlyKeys(m, MODEL_KEYS)) return null;
    const name = orDefault(m.name, DEFAULT_MODEL.name);
    const uuid = orDefault(m.uuid, DEFAULT_MODEL.uuid);
    if (!nonEmpty(name) || !nonEmpty(uuid)) return null;
    model = { name, uuid };
  }
  return {
    leader,
    config,
    relations: [...relations] as AnyRelation[],
    unitStatus,
    appStatus,
    workloadVersion,
    storedStates: [...storedStates] as StoredState[],
    deferred: [...deferred] as DeferredEvent[],
    model,
    plannedUnits: plannedUnits as number,
    trusted: trustedApp,
    credential: null,
  };
}

/** The schemas the fast paths stand in for (for the tests that hold them to the same answers). */
export const stateSchemas = { relation: relationSchema, state: stateSchema } as const;

/** The init with its lists as arrays (any iterable is taken), for the schema. */
function withArrays(init: StateInit): StateInit {
  return {
    ...init,
    ...(init.relations ? { relations: [...init.relations] } : {}),
    ...(init.storedStates ? { storedStates: [...init.storedStates] } : {}),
    ...(init.deferred ? { deferred: [...init.deferred] } : {}),
  };
}

/** Everything Juju would tell one unit, as immutable data (the Scenario-style State). */
export class State extends Memoized {
  readonly leader: boolean;
  readonly config: Readonly<Record<string, ConfigValue>>;
  readonly relations: readonly AnyRelation[];
  readonly unitStatus: Status;
  readonly appStatus: Status;
  readonly workloadVersion: string;
  readonly storedStates: readonly StoredState[];
  readonly deferred: readonly DeferredEvent[];
  readonly model: Readonly<{ name: string; uuid: string }>;
  readonly plannedUnits: number;
  readonly trusted: boolean;
  readonly credential: CloudCredential | null;

  constructor(init: StateInit = {}) {
    super();
    if (init instanceof TrustedFields) {
      // Fields the harness built from a validated State: already frozen, or fresh arrays it owns.
      // Assigned in the same order as below, so both kinds of State share one object shape.
      const f = init.fields as unknown as State;
      this.leader = f.leader;
      this.config = f.config;
      this.relations = Object.freeze(f.relations);
      this.unitStatus = f.unitStatus;
      this.appStatus = f.appStatus;
      this.workloadVersion = f.workloadVersion;
      this.storedStates = Object.freeze(f.storedStates);
      this.deferred = Object.freeze(f.deferred);
      this.model = f.model;
      this.plannedUnits = f.plannedUnits;
      this.trusted = f.trusted;
      this.credential = f.credential;
      Object.freeze(this);
      return;
    }
    const fast = stateFieldsFast(init);
    const v = fast ?? parseWith(stateSchema, withArrays(init), "State");
    // The fast path's arrays, config and model are its own copies; the schema's are copied here.
    this.leader = v.leader;
    this.config = Object.freeze(fast ? v.config : { ...v.config });
    this.relations = Object.freeze(fast ? v.relations : [...v.relations]);
    this.unitStatus = v.unitStatus;
    this.appStatus = v.appStatus;
    this.workloadVersion = v.workloadVersion;
    this.storedStates = Object.freeze(fast ? v.storedStates : [...v.storedStates]);
    this.deferred = Object.freeze(fast ? v.deferred : [...v.deferred]);
    this.model = Object.freeze(fast ? v.model : { ...v.model });
    this.plannedUnits = v.plannedUnits;
    this.trusted = v.trusted;
    this.credential = v.credential ? deepFreeze({ ...v.credential }) : null;
    Object.freeze(this);
  }

  /** A copy with some fields replaced. */
  with(patch: Partial<StateInit>): State {
    return new State({ ...this.toInit(), ...patch });
  }

  getRelation(id: number): AnyRelation | undefined {
    for (const r of this.relations) if (r.id === id) return r;
    return undefined;
  }

  getRelations(endpoint: string): AnyRelation[] {
    return this.relations.filter((r) => r.endpoint === endpoint);
  }

  getStoredState(name: string, ownerPath?: string): StoredState | undefined {
    return this.storedStates.find(
      (s) => s.name === name && (ownerPath === undefined || s.ownerPath === ownerPath),
    );
  }

  private toInit(): StateInit {
    return {
      leader: this.leader,
      config: this.config,
      relations: this.relations,
      unitStatus: this.unitStatus,
      appStatus: this.appStatus,
      workloadVersion: this.workloadVersion,
      storedStates: this.storedStates,
      deferred: this.deferred,
      model: this.model,
      plannedUnits: this.plannedUnits,
      trusted: this.trusted,
      credential: this.credential,
    };
  }
}

/** Builds a DeferredEvent from fields that are already valid, without running its schema. */
function trusted<T extends object>(cls: { prototype: T }, fields: object): T {
  const obj = Object.create(cls.prototype) as T;
  Object.assign(obj, fields);
  return Object.freeze(obj);
}

/** A copy of a relation with new local bags (already string-to-string), not re-validated. */
export function relationWithLocalData<R extends AnyRelation>(
  relation: R,
  patch: { localAppData?: Databag; localUnitData?: Databag },
): R {
  const fields: Record<string, unknown> = { ...relation };
  if (patch.localAppData) fields.localAppData = deepFreeze({ ...patch.localAppData });
  if (patch.localUnitData) fields.localUnitData = deepFreeze({ ...patch.localUnitData });
  if (relation instanceof Relation) return new Relation(trustedInit(fields)) as R;
  const obj = Object.create(Object.getPrototypeOf(relation) as object) as R;
  Object.assign(obj, fields);
  return Object.freeze(obj);
}

/** A stored state entry from a completed hook (its content is JSON, checked by the framework). */
export function trustedStoredState(s: {
  ownerPath: string;
  name: string;
  content: Readonly<JsonObject>;
}): StoredState {
  if (s instanceof StoredState) return s;
  return new StoredState(
    trustedInit({ ownerPath: s.ownerPath, name: s.name, content: deepFreeze(s.content) }),
  );
}

/** A deferred event from a completed hook. */
export function trustedDeferredEvent(d: {
  handlePath: string;
  owner: string;
  observer: string;
  snapshot: Readonly<JsonObject>;
}): DeferredEvent {
  if (d instanceof DeferredEvent) return d;
  return trusted(DeferredEvent, {
    handlePath: d.handlePath,
    owner: d.owner,
    observer: d.observer,
    snapshot: deepFreeze(d.snapshot),
  });
}

/** A copy of a State with fields replaced by values the harness already validated. */
export function stateWithTrusted(
  state: State,
  patch: Partial<Omit<State, "with" | "getRelation" | "getRelations" | "getStoredState">>,
): State {
  return new State(
    trustedInit({
      leader: patch.leader ?? state.leader,
      config: patch.config ?? state.config,
      relations: patch.relations ?? state.relations,
      unitStatus: patch.unitStatus ?? state.unitStatus,
      appStatus: patch.appStatus ?? state.appStatus,
      workloadVersion: patch.workloadVersion ?? state.workloadVersion,
      storedStates: patch.storedStates ?? state.storedStates,
      deferred: patch.deferred ?? state.deferred,
      model: patch.model ?? state.model,
      plannedUnits: patch.plannedUnits ?? state.plannedUnits,
      trusted: patch.trusted ?? state.trusted,
      credential: patch.credential === undefined ? state.credential : patch.credential,
    }),
  );
}

const SORTED_IDS = memoKey<readonly number[]>();
/** A relation's remote unit ids in ascending order (relations are immutable: computed once). */
export function sortedRemoteUnitIds(r: AnyRelation): readonly number[] {
  let ids = memoGet(r, SORTED_IDS);
  if (!ids) {
    const raw = r.remoteUnitIds;
    // Object.keys lists index-like keys in ascending order already: sort only when it did not.
    let sorted = true;
    for (let i = 1; i < raw.length && sorted; i++)
      sorted = (raw[i - 1] as number) < (raw[i] as number);
    ids = Object.freeze(sorted ? raw : raw.sort((a, b) => a - b));
    memoSet(r, SORTED_IDS, ids);
  }
  return ids;
}
