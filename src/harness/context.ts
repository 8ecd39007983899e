import { z } from "zod";
import { checkConsistency } from "../model/consistency.js";
import { errorText, InputError, parseWith } from "../model/errors.js";
import { type ContextEvent, remoteAppOf } from "../model/event.js";
import type { Hook } from "../model/hooks.js";
import {
  type CharmSpec,
  type CharmSpecInput,
  type ConfigValue,
  charmSpec,
  configWithDefaults,
} from "../model/metadata.js";
import {
  type AnyRelation,
  type Databag,
  memoGet,
  memoKey,
  memoSet,
  relationWithLocalData,
  State,
  sortedRemoteUnitIds,
  stateWithTrusted,
  trustedDeferredEvent,
  trustedStoredState,
} from "../model/state.js";
import type { Status } from "../model/status.js";
import { isPythonCharm } from "../python/charm.js";
import { type DispatchOutcome, dispatch, startDispatch } from "./dispatch.js";
import type { EmittedEventRecord, EnvRelation, HookEnvironment, HookResult } from "./hook.js";
import type { CharmBase, CharmClass } from "./ops/charm.js";
import { PermissionDeniedError } from "./ops/errors.js";
import type { DeferredRelationGonePolicy, EventBase, LogLine } from "./ops/framework.js";

/** Charm code threw: carries the original error and the event being handled. No state is produced. */
export class UncaughtCharmError extends Error {
  override name = "UncaughtCharmError";
  constructor(
    readonly event: Hook,
    override readonly cause: unknown,
  ) {
    super(`charm raised during ${event.kind}: ${errorText(cause)}`, { cause });
  }
}

/** An action handler called `event.fail()`. The output state is still available. */
export class ActionFailed extends Error {
  override name = "ActionFailed";
  constructor(
    override readonly message: string,
    readonly state: State,
  ) {
    super(message);
  }
}

export interface ContextOptions {
  /** Charm metadata (validated); or pass `spec` from `loadCharmSpec`. */
  readonly meta?: CharmSpecInput["meta"];
  readonly actions?: CharmSpecInput["actions"];
  readonly config?: CharmSpecInput["config"];
  readonly spec?: CharmSpec;
  /** Application name; defaults to the charm name. */
  readonly appName?: string;
  readonly unitId?: number;
  /** Seed for the per-hook entropy charms may draw (see HookEnvironment.hookSeed). */
  readonly seed?: number;
  readonly deferredRelationGone?: DeferredRelationGonePolicy;
  /** Simulated external systems the charm can reach through `model.external(name)`. */
  readonly external?: Readonly<Record<string, unknown>>;
}

const contextNamingSchema = z.looseObject({
  appName: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, "application names are lowercase letters, digits and hyphens")
    .optional(),
  unitId: z.number().int().nonnegative().optional(),
});

const rel = (
  kind: "relation-created" | "relation-broken",
  relation: AnyRelation,
): ContextEvent => ({ kind, relation });

/** Event factories: `ctx.on.install()`, `ctx.on.relationChanged(rel, { remoteUnit: 0 })`, ... */
export const contextEvents = {
  install: (): ContextEvent => ({ kind: "install" }),
  start: (): ContextEvent => ({ kind: "start" }),
  stop: (): ContextEvent => ({ kind: "stop" }),
  remove: (): ContextEvent => ({ kind: "remove" }),
  updateStatus: (): ContextEvent => ({ kind: "update-status" }),
  configChanged: (): ContextEvent => ({ kind: "config-changed" }),
  upgradeCharm: (): ContextEvent => ({ kind: "upgrade-charm" }),
  leaderElected: (): ContextEvent => ({ kind: "leader-elected" }),
  leaderSettingsChanged: (): ContextEvent => ({ kind: "leader-settings-changed" }),
  relationCreated: (relation: AnyRelation): ContextEvent => rel("relation-created", relation),
  relationJoined: (relation: AnyRelation, opts: { remoteUnit?: number } = {}): ContextEvent => ({
    kind: "relation-joined",
    relation,
    remoteUnit: opts.remoteUnit,
  }),
  relationChanged: (
    relation: AnyRelation,
    opts: { remoteUnit?: number | null } = {},
  ): ContextEvent => ({
    kind: "relation-changed",
    relation,
    remoteUnit: opts.remoteUnit,
  }),
  relationDeparted: (
    relation: AnyRelation,
    opts: { remoteUnit?: number; departingUnit?: number | string } = {},
  ): ContextEvent => ({
    kind: "relation-departed",
    relation,
    remoteUnit: opts.remoteUnit,
    departingUnit: opts.departingUnit,
  }),
  relationBroken: (relation: AnyRelation): ContextEvent => rel("relation-broken", relation),
  action: (
    name: string,
    opts: { params?: Readonly<Record<string, unknown>>; id?: string } = {},
  ): ContextEvent => ({
    kind: "action",
    name,
    params: opts.params ?? {},
    id: opts.id ?? "1",
  }),
} as const;

/**
 * A State relation as one Context's unit sees it, kept on the relation (relations are immutable,
 * so a test that runs many events against one State builds each view once; a relation is nearly
 * always run by one Context). Views for relation-departed, where the departing unit has left the
 * list, are not kept.
 */
const ENV_VIEW = memoKey<{ readonly context: object; readonly view: EnvRelation }>();

function unitsDataOf(r: AnyRelation): Readonly<Record<number, Databag>> {
  switch (r.kind) {
    case "regular":
      return r.remoteUnitsData;
    case "peer":
      return r.peersData;
    case "subordinate":
      return { [r.remoteUnitId]: r.remoteUnitData };
  }
}

/** Mixes a 32-bit seed with a counter (splitmix-style), for per-run hook entropy. */
function mixSeed(seed: number, n: number): number {
  let z = (seed ^ Math.imul(n + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Scenario-style single-unit runs: `ctx.run(event, state)` runs one hook against an immutable
 * State and returns the State after it. The input is never mutated; a charm exception becomes an
 * UncaughtCharmError and no output state is produced.
 */
export class Context<C extends CharmBase = CharmBase> {
  readonly spec: CharmSpec;
  readonly appName: string;
  readonly unitId: number;
  readonly on = contextEvents;
  /** Events that reached observers during the last run (hook, custom and re-emitted deferred events). */
  emittedEvents: EventBase[] = [];
  /** The same, as plain records. */
  emitted: EmittedEventRecord[] = [];
  /** The `juju-log` lines of the last run: level, logger name (the module's) and message. */
  jujuLog: LogLine[] = [];
  /** Statuses the unit had before each change in the last run (the current one is in the State). */
  unitStatusHistory: Status[] = [];
  appStatusHistory: Status[] = [];
  /** What the last action set with `setResults`; undefined when it set none (as in Scenario). */
  actionResults: Readonly<Record<string, unknown>> | undefined = undefined;
  actionLogs: string[] = [];
  private runs = 0;
  readonly unitName: string;
  /**
   * Config with defaults for the last config object seen (frozen, so the result cannot go stale):
   * a chain of runs passes one State's config on to the next.
   */
  private lastConfig: {
    readonly values: object;
    readonly config: Readonly<Record<string, ConfigValue>>;
  } | null = null;

  constructor(
    readonly charmClass: CharmClass<C>,
    private readonly options: ContextOptions = {},
  ) {
    if (options.spec) this.spec = options.spec;
    else if (!options.meta && isPythonCharm(charmClass)) this.spec = charmClass.spec;
    else if (options.meta) {
      this.spec = charmSpec({
        meta: options.meta,
        ...(options.actions ? { actions: options.actions } : {}),
        ...(options.config ? { config: options.config } : {}),
      });
    } else {
      throw new InputError("Context options", [
        {
          path: "meta",
          message: "Context needs `meta` (or a `spec` from loadCharmSpec, or a pythonCharm)",
        },
      ]);
    }
    const named = parseWith(contextNamingSchema, options, "Context options");
    this.appName = named.appName ?? this.spec.meta.name;
    this.unitId = named.unitId ?? 0;
    this.unitName = `${this.appName}/${this.unitId}`;
  }

  /** Runs `event` against `state` and returns the new State. */
  run(event: ContextEvent, state: State): State {
    const { hook, env } = this.begin(event, state);
    const outcome: DispatchOutcome = dispatch(this.charmClass, env, hook, {
      deferredRelationGone: this.options.deferredRelationGone ?? "drop",
    });
    return this.finish(state, hook, outcome);
  }

  /**
   * Scenario's `with ctx(event, state) as manager`: constructs the charm for `event` and stops
   * before anything is emitted, so a test can call into `manager.charm` (a library's methods,
   * say); `manager.run()` then re-emits deferred events, emits the event and returns the output
   * State, once. With `body`, the manager is handed to it and run afterwards if the body did not
   * run it; the output State is returned. A charm constructor that throws raises
   * UncaughtCharmError here, as `run` would.
   */
  manager(event: ContextEvent, state: State): Manager<C>;
  manager(event: ContextEvent, state: State, body: (manager: Manager<C>) => void): State;
  manager(
    event: ContextEvent,
    state: State,
    body?: (manager: Manager<C>) => void,
  ): Manager<C> | State {
    const { hook, env } = this.begin(event, state);
    const started = startDispatch(this.charmClass, env, hook, {
      deferredRelationGone: this.options.deferredRelationGone ?? "drop",
    });
    if (!started.ok) return this.finish(state, hook, started);
    const manager = new Manager<C>(started.charm as C, () =>
      this.finish(state, hook, started.finish()),
    );
    if (!body) return manager;
    body(manager);
    return manager.ran ? manager.output() : manager.run();
  }

  /** Checks the input and builds the hook and its environment; clears the last run's records. */
  private begin(event: ContextEvent, state: State): { hook: Hook; env: HookEnvironment } {
    if (!(state instanceof State)) throw new TypeError("Context.run needs a State");
    this.emittedEvents = [];
    this.emitted = [];
    this.jujuLog = [];
    this.unitStatusHistory = [];
    this.appStatusHistory = [];
    this.actionResults = undefined;
    this.actionLogs = [];
    checkConsistency({ spec: this.spec, state, event, unitId: this.unitId, appName: this.appName });
    const hook = this.resolveHook(event, state);
    return { hook, env: this.environment(state, hook) };
  }

  /** Records what a dispatch did and builds the output State (or throws its error). */
  private finish(state: State, hook: Hook, outcome: DispatchOutcome): State {
    this.runs += 1;
    // The outcome's lists are this dispatch's own (nothing else holds them): kept, not copied.
    this.emittedEvents = outcome.events as EventBase[];
    this.jujuLog = outcome.logs as LogLine[];
    if (!outcome.ok) {
      this.emitted = outcome.emitted as EmittedEventRecord[];
      throw new UncaughtCharmError(hook, outcome.error);
    }
    const result = outcome.result;
    this.emitted = result.emitted as EmittedEventRecord[];
    this.unitStatusHistory = history(state.unitStatus, result.unitStatusHistory);
    this.appStatusHistory = history(state.appStatus, result.appStatusHistory);
    this.actionResults = outcome.actionResults;
    this.actionLogs = result.action ? [...result.action.logs] : [];
    const out = this.outputState(state, result);
    if (result.action?.failure !== null && result.action?.failure !== undefined) {
      throw new ActionFailed(result.action.failure, out);
    }
    return out;
  }

  private resolveHook(event: ContextEvent, state: State): Hook {
    const remoteName = (r: AnyRelation, id: number) => `${remoteAppOf(r, this.appName)}/${id}`;
    const firstRemote = (r: AnyRelation): number | undefined => sortedRemoteUnitIds(r)[0];
    switch (event.kind) {
      case "relation-created":
      case "relation-broken":
        return { kind: event.kind, relationId: event.relation.id };
      case "relation-joined": {
        const r = state.getRelation(event.relation.id) ?? event.relation;
        const id = event.remoteUnit ?? firstRemote(r);
        if (id === undefined)
          throw new TypeError(
            `relation-joined needs a remote unit, and ${r.endpoint}:${r.id} has none`,
          );
        return { kind: event.kind, relationId: r.id, remoteUnit: remoteName(r, id) };
      }
      case "relation-changed": {
        const r = state.getRelation(event.relation.id) ?? event.relation;
        const id = event.remoteUnit === undefined ? firstRemote(r) : event.remoteUnit;
        return {
          kind: event.kind,
          relationId: r.id,
          remoteUnit: id === null || id === undefined ? null : remoteName(r, id),
        };
      }
      case "relation-departed": {
        const r = state.getRelation(event.relation.id) ?? event.relation;
        const id = event.remoteUnit ?? firstRemote(r);
        if (id === undefined)
          throw new TypeError(
            `relation-departed needs a remote unit, and ${r.endpoint}:${r.id} has none`,
          );
        const remoteUnit = remoteName(r, id);
        const d = event.departingUnit;
        const departingUnit =
          d === undefined ? remoteUnit : typeof d === "number" ? remoteName(r, d) : d;
        return { kind: event.kind, relationId: r.id, remoteUnit, departingUnit };
      }
      case "action":
        return { kind: "action", name: event.name, params: event.params, id: event.id };
      default:
        return { kind: event.kind };
    }
  }

  private environment(state: State, hook: Hook): HookEnvironment {
    const spec = this.spec;
    const brokenId = hook.kind === "relation-broken" ? hook.relationId : null;
    // During relation-departed the departed unit has left that relation's unit list (only that one).
    const departed =
      hook.kind === "relation-departed"
        ? { relationId: hook.relationId, unit: hook.remoteUnit }
        : null;
    let departedView: EnvRelation | undefined; // this hook's view of the departed relation
    const envRelation = (r: AnyRelation): EnvRelation => {
      const leaving = departed?.relationId === r.id ? departed.unit : null;
      if (leaving !== null) {
        departedView ??= this.envRelationOf(r, leaving);
        return departedView;
      }
      const kept = memoGet(r, ENV_VIEW);
      if (kept !== undefined && kept.context === this) return kept.view;
      return memoSet(r, ENV_VIEW, { context: this, view: this.envRelationOf(r, null) }).view;
    };
    let config = this.lastConfig?.values === state.config ? this.lastConfig.config : undefined;
    if (config === undefined) {
      config = configWithDefaults(spec.config, state.config);
      this.lastConfig = { values: state.config, config };
    }
    return {
      spec,
      unitName: this.unitName,
      appName: this.appName,
      isLeader: state.leader,
      config,
      modelName: state.model.name,
      modelUuid: state.model.uuid,
      plannedUnits: state.plannedUnits,
      unitStatus: state.unitStatus,
      appStatus: state.appStatus,
      workloadVersion: state.workloadVersion,
      hookSeed: mixSeed(this.options.seed ?? 0, this.runs),
      relationIds: (endpoint) =>
        state.relations
          .filter((r) => r.endpoint === endpoint && r.id !== brokenId)
          .map((r) => r.id),
      relation: (id) => {
        const r = state.getRelation(id);
        return r ? envRelation(r) : undefined;
      },
      storedStates: state.storedStates,
      deferred: state.deferred,
      credentialGet: () => {
        if (!state.trusted || !state.credential) {
          throw new PermissionDeniedError(
            "permission denied: the application is not trusted (juju trust)",
          );
        }
        return state.credential;
      },
      external: this.options.external ?? {},
    };
  }

  /** A State relation as this unit sees it; `leaving` is left out of the remote units. */
  private envRelationOf(r: AnyRelation, leaving: string | null): EnvRelation {
    const spec = this.spec;
    const appName = this.appName;
    const unitName = this.unitName;
    const remoteApp = remoteAppOf(r, appName);
    const data = unitsDataOf(r);
    const ids = sortedRemoteUnitIds(r);
    const remoteUnits = ids.map((id) => `${remoteApp}/${id}`).filter((u) => u !== leaving);
    const byName = new Map(ids.map((id) => [`${remoteApp}/${id}`, data[id] ?? {}]));
    return {
      id: r.id,
      endpoint: r.endpoint,
      interfaceName:
        r.interface ??
        spec.meta.provides[r.endpoint]?.interface ??
        spec.meta.requires[r.endpoint]?.interface ??
        spec.meta.peers[r.endpoint]?.interface ??
        "",
      kind: r.kind,
      remoteApp,
      remoteUnits,
      readBag(owner: string): Databag {
        if (owner === unitName) return r.localUnitData;
        if (owner === appName) return r.localAppData;
        if (r.kind !== "peer" && owner === remoteApp) return r.remoteAppData;
        return byName.get(owner) ?? {};
      },
    };
  }

  private outputState(state: State, result: HookResult): State {
    const writes = new Map<number, { app?: Databag; unit?: Databag }>();
    for (const w of result.bagWrites) {
      const entry = writes.get(w.relationId) ?? {};
      if (w.owner === this.unitName) entry.unit = w.data;
      else if (w.owner === this.appName) entry.app = w.data;
      else throw new Error(`hook wrote ${w.owner}'s bag, which is not this unit's own`);
      writes.set(w.relationId, entry);
    }
    const relations =
      writes.size === 0
        ? state.relations
        : state.relations.map((r) => {
            const w = writes.get(r.id);
            if (!w) return r;
            const patch = {
              ...(w.app ? { localAppData: w.app } : {}),
              ...(w.unit ? { localUnitData: w.unit } : {}),
            };
            return relationWithLocalData(r, patch);
          });
    // Everything here comes from the validated input State or from the framework (string bags,
    // JSON stored state, statuses it checked), so the output is assembled without re-validating.
    return stateWithTrusted(state, {
      relations,
      unitStatus: result.unitStatus,
      appStatus: result.appStatus,
      workloadVersion: result.workloadVersion,
      storedStates: result.storedStates.map(trustedStoredState),
      deferred: result.deferred.map(trustedDeferredEvent),
    });
  }
}

/**
 * The charm of one event, constructed and waiting for the event to be emitted: see
 * `Context.manager`. `run()` emits it and returns the output State; it runs once.
 */
export class Manager<C extends CharmBase = CharmBase> {
  private state: State | undefined;
  private running = false;

  constructor(
    /** The charm instance that will handle the event. */
    readonly charm: C,
    private readonly emit: () => State,
  ) {}

  /** Whether run() was called. */
  get ran(): boolean {
    return this.running;
  }

  /** Emits the event (after re-emitting deferred ones) and returns the output State. Once. */
  run(): State {
    if (this.running) throw new Error("a Manager runs its event once; it has already run");
    this.running = true;
    this.state = this.emit();
    return this.state;
  }

  /** The output State of run(). */
  output(): State {
    if (this.state === undefined)
      throw new Error("the Manager has not run its event (or it failed)");
    return this.state;
  }
}

function history(initial: Status, changes: readonly Status[]): Status[] {
  const out: Status[] = [];
  let current = initial;
  for (const s of changes) {
    out.push(current);
    current = s;
  }
  return out;
}
