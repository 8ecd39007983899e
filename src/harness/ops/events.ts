import type { JsonObject } from "../../model/json.js";
import { ModelError } from "./errors.js";
import {
  BoundEvent,
  DeferredRelationGoneError,
  EventBase,
  type EventType,
  type FrameworkObject,
  ObjectEvents,
} from "./framework.js";
import type { Application, Relation, Unit } from "./model.js";

/** Base of events that come from Juju hooks. */
export class HookEvent extends EventBase {}

export class InstallEvent extends HookEvent {}
export class StartEvent extends HookEvent {}
export class StopEvent extends HookEvent {}
export class RemoveEvent extends HookEvent {}
export class UpdateStatusEvent extends HookEvent {}
export class ConfigChangedEvent extends HookEvent {}
export class UpgradeCharmEvent extends HookEvent {}
export class LeaderElectedEvent extends HookEvent {}
export class LeaderSettingsChangedEvent extends HookEvent {}

function str(s: Readonly<JsonObject>, key: string): string | null {
  const v = s[key];
  return typeof v === "string" ? v : null;
}

/** Base of relation hook events: the relation, the remote app and (if any) the remote unit. */
export class RelationEvent extends HookEvent {
  // Declared, then assigned in the constructor (cheaper than class field definitions per event).
  declare relation: Relation;
  declare app: Application | null;
  declare unit: Unit | null;
  constructor(
    handle: EventBase["handle"],
    relation: Relation,
    app: Application | null,
    unit: Unit | null,
  ) {
    super(handle);
    this.relation = relation;
    this.app = app;
    this.unit = unit;
  }

  override snapshot(): JsonObject {
    return {
      relation_name: this.relation.name,
      relation_id: this.relation.id,
      app_name: this.app?.name ?? null,
      unit_name: this.unit?.name ?? null,
    };
  }

  override restore(snapshot: Readonly<JsonObject>): void {
    const model = this.framework.model;
    const name = str(snapshot, "relation_name");
    const id = snapshot.relation_id;
    if (name === null || typeof id !== "number")
      throw new ModelError("relation event snapshot lacks relation");
    const relation = model.getRelation(name, id);
    if (!relation || model.env.relation(id) === undefined) {
      throw new DeferredRelationGoneError(`relation ${name}:${id} no longer exists`);
    }
    this.relation = relation;
    const app = str(snapshot, "app_name");
    const unit = str(snapshot, "unit_name");
    this.app = app === null ? null : model.getApp(app);
    this.unit = unit === null ? null : model.getUnit(unit);
  }
}

export class RelationCreatedEvent extends RelationEvent {}
export class RelationJoinedEvent extends RelationEvent {}
export class RelationChangedEvent extends RelationEvent {}
export class RelationBrokenEvent extends RelationEvent {}
export class RelationDepartedEvent extends RelationEvent {
  declare departingUnit: Unit | null;
  constructor(
    handle: EventBase["handle"],
    relation: Relation,
    app: Application | null,
    unit: Unit | null,
    departingUnit: Unit | null,
  ) {
    super(handle, relation, app, unit);
    this.departingUnit = departingUnit;
  }
  override snapshot(): JsonObject {
    return { ...super.snapshot(), departing_unit_name: this.departingUnit?.name ?? null };
  }
  override restore(snapshot: Readonly<JsonObject>): void {
    super.restore(snapshot);
    const d = str(snapshot, "departing_unit_name");
    this.departingUnit = d === null ? null : this.framework.model.getUnit(d);
  }
}

/** The outcome an action handler builds. */
export interface ActionState {
  results: Record<string, unknown>;
  /** Whether setResults was called (results stay `{}` when it was not). */
  resultsSet?: boolean;
  logs: string[];
  failure: string | null;
}

/** An action invocation (`juju run unit/0 name key=value`). */
export class ActionEvent extends HookEvent {
  params: Readonly<Record<string, unknown>>;
  id: string;
  private readonly state: ActionState;
  constructor(
    handle: EventBase["handle"],
    params: Readonly<Record<string, unknown>>,
    id: string,
    state: ActionState,
  ) {
    super(handle);
    this.params = params;
    this.id = id;
    this.state = state;
  }
  /** Adds results; keys are merged. */
  setResults(results: Readonly<Record<string, unknown>>): void {
    Object.assign(this.state.results, results);
    this.state.resultsSet = true;
  }
  /** Marks the action failed with a message. */
  fail(message = ""): void {
    this.state.failure = message;
  }
  /** Sends a progress message to the user running the action. */
  log(message: string): void {
    this.state.logs.push(message);
  }
  override defer(): void {
    throw new ModelError("actions cannot be deferred");
  }
}

/** The five relation events of one endpoint. */
export interface RelationEvents {
  readonly created: BoundEvent<RelationCreatedEvent, [Relation, Application | null, Unit | null]>;
  readonly joined: BoundEvent<RelationJoinedEvent, [Relation, Application | null, Unit | null]>;
  readonly changed: BoundEvent<RelationChangedEvent, [Relation, Application | null, Unit | null]>;
  readonly departed: BoundEvent<
    RelationDepartedEvent,
    [Relation, Application | null, Unit | null, Unit | null]
  >;
  readonly broken: BoundEvent<RelationBrokenEvent, [Relation, Application | null, Unit | null]>;
}

const snake = (name: string) => name.replace(/-/g, "_");

/** Event kinds per endpoint and action name, built once (the same strings hook after hook). */
const relationKinds = new Map<string, Readonly<Record<keyof RelationEvents, string>>>();
function relationKind(endpoint: string, kind: keyof RelationEvents): string {
  let kinds = relationKinds.get(endpoint);
  if (!kinds) {
    const base = `${snake(endpoint)}_relation_`;
    kinds = {
      created: `${base}created`,
      joined: `${base}joined`,
      changed: `${base}changed`,
      departed: `${base}departed`,
      broken: `${base}broken`,
    };
    if (relationKinds.size < 4096) relationKinds.set(endpoint, kinds);
  }
  return kinds[kind];
}
const actionKinds = new Map<string, string>();
function actionKind(name: string): string {
  let kind = actionKinds.get(name);
  if (kind === undefined) {
    kind = `${snake(name)}_action`;
    if (actionKinds.size < 4096) actionKinds.set(name, kind);
  }
  return kind;
}

type DefineRelationEvent = <E extends RelationEvent, A extends unknown[]>(
  kind: keyof RelationEvents,
  type: EventType<E, A>,
) => BoundEvent<E, A>;

/** The relation events of one endpoint, each defined on first use (a charm pays for what it observes). */
class EndpointEvents implements RelationEvents {
  private c: RelationEvents["created"] | undefined;
  private j: RelationEvents["joined"] | undefined;
  private ch: RelationEvents["changed"] | undefined;
  private d: RelationEvents["departed"] | undefined;
  private b: RelationEvents["broken"] | undefined;
  constructor(private readonly defineEvent: DefineRelationEvent) {}
  get created(): RelationEvents["created"] {
    this.c ??= this.defineEvent("created", RelationCreatedEvent);
    return this.c;
  }
  get joined(): RelationEvents["joined"] {
    this.j ??= this.defineEvent("joined", RelationJoinedEvent);
    return this.j;
  }
  get changed(): RelationEvents["changed"] {
    this.ch ??= this.defineEvent("changed", RelationChangedEvent);
    return this.ch;
  }
  get departed(): RelationEvents["departed"] {
    this.d ??= this.defineEvent("departed", RelationDepartedEvent);
    return this.d;
  }
  get broken(): RelationEvents["broken"] {
    this.b ??= this.defineEvent("broken", RelationBrokenEvent);
    return this.b;
  }
}

/** `charm.on`: every Juju hook event, plus per-endpoint relation events and actions. */
export class CharmEvents extends ObjectEvents {
  // Hook events are defined on first use: a charm pays only for the events it observes. The
  // maps are made on first use too (a charm is constructed on every hook).
  private hookEvents: Map<string, BoundEvent<HookEvent, []>> | undefined;
  private hook<E extends HookEvent>(kind: string, type: EventType<E, []>): BoundEvent<E, []> {
    this.hookEvents ??= new Map();
    let bound = this.hookEvents.get(kind);
    if (!bound) {
      bound = this.define(kind, type);
      this.hookEvents.set(kind, bound);
    }
    return bound as BoundEvent<E, []>;
  }
  get install(): BoundEvent<InstallEvent, []> {
    return this.hook("install", InstallEvent);
  }
  get start(): BoundEvent<StartEvent, []> {
    return this.hook("start", StartEvent);
  }
  get stop(): BoundEvent<StopEvent, []> {
    return this.hook("stop", StopEvent);
  }
  get remove(): BoundEvent<RemoveEvent, []> {
    return this.hook("remove", RemoveEvent);
  }
  get updateStatus(): BoundEvent<UpdateStatusEvent, []> {
    return this.hook("update_status", UpdateStatusEvent);
  }
  get configChanged(): BoundEvent<ConfigChangedEvent, []> {
    return this.hook("config_changed", ConfigChangedEvent);
  }
  get upgradeCharm(): BoundEvent<UpgradeCharmEvent, []> {
    return this.hook("upgrade_charm", UpgradeCharmEvent);
  }
  get leaderElected(): BoundEvent<LeaderElectedEvent, []> {
    return this.hook("leader_elected", LeaderElectedEvent);
  }
  get leaderSettingsChanged(): BoundEvent<LeaderSettingsChangedEvent, []> {
    return this.hook("leader_settings_changed", LeaderSettingsChangedEvent);
  }
  private relationEvents: Map<string, RelationEvents> | undefined;
  private actionEvents:
    | Map<string, BoundEvent<ActionEvent, [Readonly<Record<string, unknown>>, string, ActionState]>>
    | undefined;

  constructor(parent: FrameworkObject) {
    super(parent);
  }

  /** The relation events of an endpoint declared in metadata, e.g. `this.on.relation("certificates").changed`. */
  relation(endpoint: string): RelationEvents {
    this.relationEvents ??= new Map();
    let events = this.relationEvents.get(endpoint);
    if (events) return events;
    const meta = this.framework.env.spec.meta;
    if (!(endpoint in meta.provides || endpoint in meta.requires || endpoint in meta.peers)) {
      throw new ModelError(`charm metadata has no endpoint "${endpoint}"`);
    }
    events = new EndpointEvents((kind, type) => this.define(relationKind(endpoint, kind), type));
    this.relationEvents.set(endpoint, events);
    return events;
  }

  /** The event of an action declared in the actions metadata. */
  action(
    name: string,
  ): BoundEvent<ActionEvent, [Readonly<Record<string, unknown>>, string, ActionState]> {
    this.actionEvents ??= new Map();
    let event = this.actionEvents.get(name);
    if (event) return event;
    if (!(name in this.framework.env.spec.actions)) {
      throw new ModelError(`actions metadata has no action "${name}"`);
    }
    event = this.define(actionKind(name), ActionEvent);
    this.actionEvents.set(name, event);
    return event;
  }
}

export { BoundEvent };
