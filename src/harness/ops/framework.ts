import { innerMap } from "../../model/inner-map.js";
import { copyJson, copyJsonFrozen, type JsonObject } from "../../model/json.js";
import type {
  DeferredRecord,
  EmittedEventRecord,
  Hook,
  HookEnvironment,
  JujuLogLine,
  LogLevel,
  StoredStateRecord,
} from "../hook.js";
import { Model } from "./model.js";

/**
 * Interned handle paths (`Charm/on/install`, `Charm/CertificateTransferRequires[certificates_v1]`).
 * Paths are rebuilt by every hook (a fresh charm each time) but are the same strings hook after
 * hook; interning returns the same string object, whose hash V8 has already computed, so the
 * maps keyed by paths stay cheap, and no string is built when the path is known.
 */
const internedPaths = new Map<string, Map<string, string>>();
/** Keyed paths by parent, kind and key (kept apart, so no lookup key is built). */
const internedKeyedPaths = new Map<string, Map<string, Map<string, string>>>();
const INTERNED_PER_PARENT = 4096;

/** `parent/child` (or `child` at the root), interned. */
export function joinPath(parent: string, child: string): string {
  const children = innerMap(internedPaths, parent);
  let path = children.get(child);
  if (path === undefined) {
    path = parent === "" ? child : `${parent}/${child}`;
    if (children.size < INTERNED_PER_PARENT) children.set(child, path);
  }
  return path;
}

/** `parent/kind[key]`, interned by (parent, kind, key) without building the key text first. */
function joinKeyedPath(parent: string, kind: string, key: string): string {
  const kinds = innerMap(internedKeyedPaths, parent);
  let byKey = kinds.get(kind);
  if (!byKey) {
    byKey = new Map();
    if (kinds.size < INTERNED_PER_PARENT) kinds.set(kind, byKey);
  }
  let path = byKey.get(key);
  if (path === undefined) {
    path = parent === "" ? `${kind}[${key}]` : `${parent}/${kind}[${key}]`;
    if (byKey.size < INTERNED_PER_PARENT) byKey.set(key, path);
  }
  return path;
}

/** True for the framework's event counters ("1", "27"): those paths are one-off, not interned. */
function isCounter(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A path-like name for framework objects and events, as in Python ops (`Charm/on/install[3]`). */
export class Handle {
  readonly path: string;
  constructor(
    readonly parent: Handle | null,
    readonly kind: string,
    readonly key: string | null,
  ) {
    const parentPath = parent?.path ?? "";
    if (key === null) this.path = joinPath(parentPath, kind);
    else if (isCounter(key))
      this.path = parentPath === "" ? `${kind}[${key}]` : `${parentPath}/${kind}[${key}]`;
    else this.path = joinKeyedPath(parentPath, kind, key);
  }
}

/** Base of every event. Subclasses carrying data override `snapshot`/`restore` so they can be deferred. */
export class EventBase {
  /** Set by the framework when the event is emitted or restored. */
  declare framework: Framework;
  declare deferred: boolean;
  declare readonly handle: Handle;
  constructor(handle: Handle) {
    // Assigned, not declared as class fields: events are created on every hook, and plain
    // assignments are cheaper for V8 than field definitions at each level of the class chain.
    this.handle = handle;
    this.deferred = false;
  }
  /** Ask the framework to re-emit this event, to this observer, before the next event. */
  defer(): void {
    this.deferred = true;
  }
  snapshot(): JsonObject {
    return {};
  }
  restore(_snapshot: Readonly<JsonObject>): void {}
}

/** A constructor of an event type with its payload arguments. */
export type EventType<E extends EventBase, A extends unknown[]> = {
  new (handle: Handle, ...args: A): E;
  prototype: E;
};

/** Any object attached to the framework (Python ops: `Object`). */
export class FrameworkObject {
  // Declared, not class fields (assigned below): every charm, library object and event source is
  // one, built on every hook, and V8 pays for field definitions at each level of a class chain.
  declare readonly framework: Framework;
  declare readonly handle: Handle;
  constructor(parent: FrameworkObject | Framework, key: string | null) {
    const kind = new.target.name;
    if (parent instanceof Framework) {
      this.framework = parent;
      this.handle = new Handle(null, kind, key);
    } else {
      this.framework = parent.framework;
      this.handle = new Handle(parent.handle, kind, key);
    }
  }
}

/**
 * What the framework keeps per event path across hooks: the interned path, whether its kind was
 * checked to be snake_case, and which framework last registered a source there (by serial
 * number, so nothing of a hook is retained). One lookup per event source and hook.
 */
class EventPathEntry {
  kindChecked = false;
  lastClaim = 0;
  constructor(readonly path: string) {}
}
const eventPaths = new Map<string, Map<string, EventPathEntry>>();

/** An event source bound to its emitter (Python ops: `BoundEvent`). */
export class BoundEvent<E extends EventBase, A extends unknown[]> {
  /** `Emitter/on/kind`, the prefix of every emitted event's handle path. */
  readonly path: string;
  /** Observers' handlers in registration order; the framework's to change (`framework.observe`). */
  readonly observers: Handler[] = [];
  /** @internal The framework's record of this path. */
  readonly entry: EventPathEntry;
  constructor(
    readonly emitter: ObjectEvents,
    readonly kind: string,
    readonly eventType: EventType<E, A>,
  ) {
    this.entry = emitter.pathEntry(kind);
    this.path = this.entry.path;
  }

  /** Emits a new event of this kind to its observers, now. */
  emit(...args: A): void {
    const fw = this.emitter.framework;
    const event = new this.eventType(
      new Handle(this.emitter.handle, this.kind, fw.nextEventKey()),
      ...args,
    );
    fw.emitEvent(this, event, false);
  }
}

/** A set of event sources on an object (`charm.on`, `library.on`). */
export class ObjectEvents {
  readonly framework: Framework;
  readonly handle: Handle;
  /** This emitter's map in the shared event-path table, looked up once per emitter. */
  private kinds: Map<string, EventPathEntry> | undefined;
  constructor(parent: FrameworkObject) {
    this.framework = parent.framework;
    this.handle = new Handle(parent.handle, "on", null);
  }

  /** @internal The framework's record of this emitter's event path of `kind`. */
  pathEntry(kind: string): EventPathEntry {
    this.kinds ??= innerMap(eventPaths, this.handle.path);
    let entry = this.kinds.get(kind);
    if (!entry) {
      entry = new EventPathEntry(joinPath(this.handle.path, kind));
      // Beyond the bound, entries are not kept: such sources are checked by a local scan.
      if (this.kinds.size < INTERNED_PER_PARENT) this.kinds.set(kind, entry);
      else entry.lastClaim = -1;
    }
    return entry;
  }

  /** Declares an event source; `kind` is its snake_case ops name. */
  protected define<E extends EventBase, A extends unknown[]>(
    kind: string,
    eventType: EventType<E, A>,
  ): BoundEvent<E, A> {
    const bound = new BoundEvent(this, kind, eventType);
    this.framework.registerEvent(bound);
    return bound;
  }
}

type Handler = (event: EventBase) => void;

let frameworkSerial = 0;
let lastRegistrant = 0;

/** What the framework needs to know of an event source, whatever its payload. */
interface EventSourceRef {
  readonly path: string;
  readonly kind: string;
  readonly emitter: ObjectEvents;
  readonly eventType: { prototype: EventBase };
  /** Handlers in registration order; observer `i` is named `path#i` in deferred notices. */
  readonly observers: Handler[];
  readonly entry: EventPathEntry;
}

/** The name of observer `index` of an event source in deferred notices. */
function observerKey(path: string, index: number): string {
  return `${path}#${index}`;
}

/**
 * A `juju-log` line with the name of the logger that wrote it: the module name of the library or
 * charm, as Python's `logging.getLogger(__name__)` gives it, so a test can assert
 * `(level, logger, message)` as upstream tests do with pytest's caplog.
 */
export interface LogLine extends JujuLogLine {
  readonly logger: string;
}

/** The logger name of charm code: `src/charm.py` is imported as module `charm` by unit tests. */
export const CHARM_LOGGER = "charm";
/** The logger name of the framework's own messages (ops logs these as `ops.framework`). */
export const FRAMEWORK_LOGGER = "ops.framework";

/** A named logger that records `juju-log` lines. */
export class JujuLogger {
  constructor(
    private readonly sink: LogLine[],
    readonly name = CHARM_LOGGER,
  ) {}
  log(level: LogLevel, message: string): void {
    this.sink.push({ level, logger: this.name, message });
  }
  debug(message: string): void {
    this.log("DEBUG", message);
  }
  info(message: string): void {
    this.log("INFO", message);
  }
  warning(message: string): void {
    this.log("WARNING", message);
  }
  error(message: string): void {
    this.log("ERROR", message);
  }
  critical(message: string): void {
    this.log("CRITICAL", message);
  }
}

interface StoredObject {
  readonly ownerPath: string;
  readonly name: string;
  readonly content: Record<string, unknown>;
}

const NO_HOOK_CONTEXT = Object.freeze({});

/** Drops a deferred event whose relation is gone, or fails the hook. */
export type DeferredRelationGonePolicy = "drop" | "error";

export class DeferredRelationGoneError extends Error {
  override name = "DeferredRelationGoneError";
}

/**
 * The per-dispatch framework: observers, emission, deferral, stored state and logging. One is
 * created for every hook, like `ops.main` does for every process.
 */
export class Framework {
  readonly model: Model;
  readonly logs: LogLine[] = [];
  /** The charm's logger (named `charm`); libraries take their own with getLogger. */
  readonly logger: JujuLogger;

  /** Every event that reached observers, in order. */
  readonly emitted: EmittedEventRecord[] = [];
  readonly emittedEvents: EventBase[] = [];
  /** Event sources registered in this dispatch, in order. */
  private readonly events: EventSourceRef[] = [];
  private readonly serial = ++frameworkSerial;
  /** Set when the shared claim table cannot answer for this framework (see registerEvent). */
  private checkLocally = false;
  private readonly stored: StoredObject[] = [];
  private notices: DeferredRecord[] = [];
  private eventKey: number;

  constructor(
    readonly env: HookEnvironment,
    readonly hook: Hook,
    readonly deferredRelationGone: DeferredRelationGonePolicy = "drop",
  ) {
    this.logger = new JujuLogger(this.logs);
    this.model = new Model(
      this,
      env,
      hook.kind === "relation-broken"
        ? { brokenRelationId: hook.relationId }
        : hook.kind === "relation-departed"
          ? {
              departingUnit: hook.departingUnit,
              departed: { relationId: hook.relationId, remoteUnit: hook.remoteUnit },
            }
          : NO_HOOK_CONTEXT,
    );
    let maxKey = 0;
    for (const d of env.deferred) {
      const m = /\[(\d+)\]$/.exec(d.handlePath);
      if (m) maxKey = Math.max(maxKey, Number(m[1]));
    }
    this.eventKey = maxKey;
  }

  /** A debug line of the framework's own (rare: made on demand, not per hook). */
  private opsDebug(message: string): void {
    new JujuLogger(this.logs, FRAMEWORK_LOGGER).debug(message);
  }

  /** A named logger writing to `juju-log`; name it after the module, as `getLogger(__name__)`. */
  getLogger(name: string): JujuLogger {
    return new JujuLogger(this.logs, name);
  }

  nextEventKey(): string {
    this.eventKey += 1;
    return String(this.eventKey);
  }

  registerEvent(bound: EventSourceRef): void {
    const entry = bound.entry;
    if (!entry.kindChecked) {
      if (!/^[a-z_][a-z0-9_]*$/.test(bound.kind)) {
        throw new TypeError(
          `event kind "${bound.kind}" on ${bound.emitter.handle.path} must be snake_case (lowercase letters, digits, _)`,
        );
      }
      entry.kindChecked = true;
    }
    // Two sources on one path within one framework are refused. Each path's entry keeps the
    // serial of the last framework that claimed it; that answers exactly while this framework's
    // registrations are not interleaved with another framework's, and for kept entries;
    // otherwise this framework checks its own list.
    if (this.events.length > 0 && lastRegistrant !== this.serial) this.checkLocally = true;
    lastRegistrant = this.serial;
    if (entry.lastClaim < 0) this.checkLocally = true;
    if (this.checkLocally) this.checkClaimsLocally(bound.path);
    else if (entry.lastClaim === this.serial) {
      throw new TypeError(
        `two event sources claim ${bound.path}; give objects of the same class distinct keys`,
      );
    }
    if (entry.lastClaim >= 0) entry.lastClaim = this.serial;
    this.events.push(bound);
  }

  /** The duplicate check against this framework's own list. */
  private checkClaimsLocally(path: string): void {
    if (this.events.some((e) => e.path === path)) {
      throw new TypeError(
        `two event sources claim ${path}; give objects of the same class distinct keys`,
      );
    }
  }

  /** The event source at `path` registered in this dispatch, if any. */
  private eventAt(path: string): EventSourceRef | undefined {
    for (const e of this.events) if (e.path === path) return e;
    return undefined;
  }

  /** Calls `handler` each time `event` is emitted, in registration order. */
  observe<E extends EventBase, A extends unknown[]>(
    event: BoundEvent<E, A>,
    handler: (event: E) => void,
  ): void {
    if (event.emitter.framework !== this) {
      throw new TypeError(`${event.path} is not an event source of this framework`);
    }
    event.observers.push(handler as Handler);
  }

  /**
   * Persistent per-unit state for `owner` under `name`: a plain object preloaded with what was
   * saved by earlier hooks (defaults fill missing keys). Saved when the hook completes; values
   * must be JSON.
   */
  storedState<T extends Record<string, unknown>>(
    owner: FrameworkObject,
    name: string,
    defaults: T,
  ): T {
    const ownerPath = owner.handle.path;
    // Lists, not maps keyed by built strings: a charm has a handful of stored objects.
    for (const s of this.stored) {
      if (s.ownerPath === ownerPath && s.name === name) return s.content as T;
    }
    const content = copyJson(
      defaults,
      () => `stored state ${ownerPath}.${name} defaults`,
    ) as Record<string, unknown>;
    for (const saved of this.env.storedStates) {
      if (saved.ownerPath === ownerPath && saved.name === name) {
        Object.assign(content, copyJson(saved.content));
        break;
      }
    }
    this.stored.push({ ownerPath, name, content });
    return content as T;
  }

  /** Delivers `event` to the observers of `bound`; records deferrals. */
  emitEvent(bound: EventSourceRef, event: EventBase, reemitted: boolean): void {
    event.framework = this;
    const observers = bound.observers;
    const snapshot = event.snapshot();
    this.emitted.push({ kind: bound.kind, handlePath: event.handle.path, reemitted, snapshot });
    this.emittedEvents.push(event);
    for (let i = 0; i < observers.length; i++) {
      event.deferred = false;
      (observers[i] as Handler)(event);
      if (event.deferred) {
        this.notices.push({
          handlePath: event.handle.path,
          owner: bound.emitter.handle.path,
          observer: observerKey(bound.path, i),
          snapshot,
        });
      }
    }
  }

  /** Re-emits every event deferred by earlier hooks, oldest first (ops: `framework.reemit()`). */
  reemit(): void {
    for (const notice of this.env.deferred) {
      const eventPath = notice.handlePath.replace(/\[\d+\]$/, "");
      const bound = this.eventAt(eventPath);
      const index = bound
        ? bound.observers.findIndex((_, i) => observerKey(bound.path, i) === notice.observer)
        : -1;
      const observer = bound?.observers[index];
      if (!bound || !observer) {
        this.opsDebug(`dropping deferred ${notice.handlePath}: nothing observes it any more`);
        continue;
      }
      const event = Object.create(bound.eventType.prototype) as EventBase;
      const key = /\[(\d+)\]$/.exec(notice.handlePath)?.[1] ?? null;
      Object.assign(event, {
        handle: new Handle(bound.emitter.handle, bound.kind, key),
        framework: this,
        deferred: false,
      });
      try {
        event.restore(notice.snapshot);
      } catch (e) {
        if (e instanceof DeferredRelationGoneError && this.deferredRelationGone === "drop") {
          this.opsDebug(`dropping deferred ${notice.handlePath}: ${e.message}`);
          continue;
        }
        throw e;
      }
      this.emitted.push({
        kind: bound.kind,
        handlePath: notice.handlePath,
        reemitted: true,
        snapshot: notice.snapshot,
      });
      this.emittedEvents.push(event);
      observer(event);
      if (event.deferred) this.notices.push({ ...notice });
    }
  }

  /** Deferred notices to keep after this dispatch: re-deferred ones first, then new ones. */
  deferredNotices(): DeferredRecord[] {
    return this.notices;
  }

  /** Stored state to persist: what this dispatch touched, plus untouched earlier entries. */
  storedStates(): StoredStateRecord[] {
    const committed: StoredStateRecord[] = this.stored.map((s) => {
      // Committed as a copy: values the charm put there may be its own objects (a module-level
      // list, say), which it may go on changing, and which are not the framework's to freeze.
      // The copy is the framework's own and is frozen as it is built: a State keeps it as it is.
      try {
        const content = copyJsonFrozen(s.content, () => `stored state ${s.ownerPath}.${s.name}`);
        return { ownerPath: s.ownerPath, name: s.name, content: content as JsonObject };
      } catch (e) {
        throw new TypeError(`${(e as Error).message}; stored state must hold JSON values`);
      }
    });
    const out: StoredStateRecord[] = [];
    for (const s of this.env.storedStates) {
      const i = committed.findIndex((c) => c.ownerPath === s.ownerPath && c.name === s.name);
      if (i < 0) out.push(s);
      else out.push(...committed.splice(i, 1));
    }
    out.push(...committed);
    return out;
  }
}
