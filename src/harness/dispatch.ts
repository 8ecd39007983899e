import { match } from "ts-pattern";
import { type HookKind, relationHookKinds, unitHookKinds } from "../model/hooks.js";
import type { ActionsMeta } from "../model/metadata.js";
import { isPythonCharm } from "../python/charm.js";
import { dispatchPython } from "../python/executor.js";
import type { EmittedEventRecord, Hook, HookEnvironment, HookResult } from "./hook.js";
import type { CharmBase, CharmClass } from "./ops/charm.js";
import type { ActionState, CharmEvents, HookEvent, RelationEvents } from "./ops/events.js";
import type { BoundEvent } from "./ops/framework.js";
import {
  type DeferredRelationGonePolicy,
  type EventBase,
  Framework,
  type LogLine,
} from "./ops/framework.js";

export type DispatchOutcome =
  | {
      readonly ok: true;
      readonly result: HookResult;
      readonly events: readonly EventBase[];
      /** The hook's log lines, with their logger names. */
      readonly logs: readonly LogLine[];
      /** What an action set with setResults; undefined when it set none (or is no action). */
      readonly actionResults: Readonly<Record<string, unknown>> | undefined;
    }
  | {
      readonly ok: false;
      readonly error: unknown;
      readonly logs: readonly LogLine[];
      readonly emitted: readonly EmittedEventRecord[];
      readonly events: readonly EventBase[];
    };

export interface DispatchOptions {
  readonly deferredRelationGone?: DeferredRelationGonePolicy;
}

/** Action parameters with the declared defaults filled in. */
export function actionParamsWithDefaults(
  actions: ActionsMeta,
  name: string,
  params: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(actions[name]?.params ?? {})) {
    if (spec.default !== undefined) out[key] = spec.default;
  }
  return Object.assign(out, params);
}

/** What emitting a hook's event needs. */
interface EmitContext {
  readonly charm: CharmBase;
  readonly fw: Framework;
  /** The outcome an action handler builds; only action hooks have one. */
  readonly action: ActionState | null;
}
type Emitter = (c: EmitContext, hook: Hook) => void;

/** The relation a hook names, its endpoint's events, and the remote app and unit objects. */
function relationArgs(c: EmitContext, relationId: number, remoteUnit: string | null) {
  const rel = c.fw.env.relation(relationId);
  if (!rel) throw new Error(`hook names relation ${relationId}, which this unit does not know`);
  const events: RelationEvents = c.charm.on.relation(rel.endpoint);
  const relation = c.fw.model.getRelation(rel.endpoint, relationId);
  if (!relation) throw new Error(`relation ${relationId} vanished`);
  const unit = remoteUnit === null ? null : c.fw.model.getUnit(remoteUnit);
  return { events, relation, app: relation.app, unit };
}

const unitHook =
  (event: (on: CharmEvents) => BoundEvent<HookEvent, []>): Emitter =>
  (c) =>
    event(c.charm.on).emit();

/**
 * The emitter of each hook kind, chosen once per kind by an exhaustive match (a new hook kind
 * fails to compile until it is handled); dispatch then looks it up instead of matching per hook.
 */
function emitterFor(kind: HookKind): Emitter {
  return match(kind)
    .with("install", () => unitHook((on) => on.install))
    .with("start", () => unitHook((on) => on.start))
    .with("stop", () => unitHook((on) => on.stop))
    .with("remove", () => unitHook((on) => on.remove))
    .with("update-status", () => unitHook((on) => on.updateStatus))
    .with("config-changed", () => unitHook((on) => on.configChanged))
    .with("upgrade-charm", () => unitHook((on) => on.upgradeCharm))
    .with("leader-elected", () => unitHook((on) => on.leaderElected))
    .with("leader-settings-changed", () => unitHook((on) => on.leaderSettingsChanged))
    .with(
      "relation-created",
      (): Emitter => (c, h) => {
        if (h.kind !== "relation-created") return;
        const a = relationArgs(c, h.relationId, null);
        a.events.created.emit(a.relation, a.app, null);
      },
    )
    .with(
      "relation-joined",
      (): Emitter => (c, h) => {
        if (h.kind !== "relation-joined") return;
        const a = relationArgs(c, h.relationId, h.remoteUnit);
        a.events.joined.emit(a.relation, a.app, a.unit);
      },
    )
    .with(
      "relation-changed",
      (): Emitter => (c, h) => {
        if (h.kind !== "relation-changed") return;
        const a = relationArgs(c, h.relationId, h.remoteUnit);
        a.events.changed.emit(a.relation, a.app, a.unit);
      },
    )
    .with(
      "relation-departed",
      (): Emitter => (c, h) => {
        if (h.kind !== "relation-departed") return;
        const a = relationArgs(c, h.relationId, h.remoteUnit);
        a.events.departed.emit(a.relation, a.app, a.unit, c.fw.model.getUnit(h.departingUnit));
      },
    )
    .with(
      "relation-broken",
      (): Emitter => (c, h) => {
        if (h.kind !== "relation-broken") return;
        const a = relationArgs(c, h.relationId, null);
        a.events.broken.emit(a.relation, a.app, null);
      },
    )
    .with(
      "action",
      (): Emitter => (c, h) => {
        if (h.kind !== "action") return;
        if (c.action === null) throw new Error("an action hook needs its action state");
        const params = actionParamsWithDefaults(c.fw.env.spec.actions, h.name, h.params);
        c.charm.on.action(h.name).emit(Object.freeze(params), h.id, c.action);
      },
    )
    .exhaustive();
}

const emitters = new Map<HookKind, Emitter>(
  [...unitHookKinds, ...relationHookKinds, "action" as const].map((k) => [k, emitterFor(k)]),
);

function emitHook(charm: CharmBase, fw: Framework, hook: Hook, action: ActionState | null): void {
  const emit = emitters.get(hook.kind);
  if (!emit) throw new Error(`no emitter for hook kind ${hook.kind}`);
  emit({ charm, fw, action }, hook);
}

type FailedDispatch = Extract<DispatchOutcome, { ok: false }>;

function failed(fw: Framework, error: unknown): FailedDispatch {
  return { ok: false, error, logs: fw.logs, emitted: fw.emitted, events: fw.emittedEvents };
}

/** The second half of a dispatch: re-emit deferred events, emit the hook, collect the outcome. */
function emitAndCollect(
  charm: CharmBase,
  fw: Framework,
  hook: Hook,
  action: ActionState | null,
): DispatchOutcome {
  try {
    fw.reemit();
    emitHook(charm, fw, hook, action);
    const model = fw.model;
    const result: HookResult = {
      bagWrites: model.bagWrites(),
      unitStatus: model.unitStatusValue,
      appStatus: model.appStatusValue,
      unitStatusHistory: model.unitStatusHistory,
      appStatusHistory: model.appStatusHistory,
      workloadVersion: model.workloadVersion,
      logs: fw.logs,
      storedStates: fw.storedStates(),
      deferred: fw.deferredNotices(),
      emitted: fw.emitted,
      action:
        action === null
          ? null
          : { results: action.results, logs: action.logs, failure: action.failure },
    };
    return {
      ok: true,
      result,
      events: fw.emittedEvents,
      logs: fw.logs,
      actionResults: action?.resultsSet ? action.results : undefined,
    };
  } catch (error) {
    return failed(fw, error);
  }
}

const newAction = (hook: Hook): ActionState | null =>
  hook.kind === "action" ? { results: {}, logs: [], failure: null } : null;

/**
 * Runs one hook on one unit, the way `ops.main` does in a fresh process: construct the charm,
 * re-emit deferred events, emit the hook's event, and collect what should be committed. A thrown
 * error is returned, not raised, so the caller can discard the hook's writes.
 */
export function dispatch(
  charmClass: CharmClass,
  env: HookEnvironment,
  hook: Hook,
  options: DispatchOptions = {},
): DispatchOutcome {
  if (isPythonCharm(charmClass)) return dispatchPython(charmClass, env, hook);
  const fw = new Framework(env, hook, options.deferredRelationGone ?? "drop");
  let charm: CharmBase;
  try {
    charm = new charmClass(fw);
  } catch (error) {
    return failed(fw, error);
  }
  return emitAndCollect(charm, fw, hook, newAction(hook));
}

/** A dispatch stopped after the charm was constructed, before any event was emitted. */
export interface StartedDispatch {
  readonly ok: true;
  readonly charm: CharmBase;
  readonly framework: Framework;
  /** Re-emits deferred events, emits the hook's event and collects the outcome. */
  readonly finish: () => DispatchOutcome;
}

/**
 * The first half of `dispatch`: constructs the charm and stops, so a test can call into it before
 * the event runs (Scenario's `with ctx(event, state) as manager`). A constructor that throws gives
 * the failed outcome.
 */
export function startDispatch(
  charmClass: CharmClass,
  env: HookEnvironment,
  hook: Hook,
  options: DispatchOptions = {},
): StartedDispatch | FailedDispatch {
  const fw = new Framework(env, hook, options.deferredRelationGone ?? "drop");
  let charm: CharmBase;
  try {
    charm = new charmClass(fw);
  } catch (error) {
    return failed(fw, error);
  }
  const action = newAction(hook);
  return { ok: true, charm, framework: fw, finish: () => emitAndCollect(charm, fw, hook, action) };
}
