import { match, P } from "ts-pattern";
import { type UnitHookKind, unitHookKinds } from "../model/hooks.js";
import type { ActionsMeta } from "../model/metadata.js";
import type { EmittedEventRecord, Hook, HookEnvironment, HookResult, JujuLogLine } from "./hook.js";
import type { CharmBase, CharmClass } from "./ops/charm.js";
import type { ActionState, CharmEvents, HookEvent, RelationEvents } from "./ops/events.js";
import type { BoundEvent } from "./ops/framework.js";
import { type DeferredRelationGonePolicy, type EventBase, Framework } from "./ops/framework.js";

export type DispatchOutcome =
  | { readonly ok: true; readonly result: HookResult; readonly events: readonly EventBase[] }
  | {
      readonly ok: false;
      readonly error: unknown;
      readonly logs: readonly JujuLogLine[];
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

/** The charm event of each unit hook (a complete table: a new hook kind fails to compile). */
const unitHookEvent: Readonly<
  Record<UnitHookKind, (on: CharmEvents) => BoundEvent<HookEvent, []>>
> = {
  install: (on) => on.install,
  start: (on) => on.start,
  stop: (on) => on.stop,
  remove: (on) => on.remove,
  "update-status": (on) => on.updateStatus,
  "config-changed": (on) => on.configChanged,
  "upgrade-charm": (on) => on.upgradeCharm,
  "leader-elected": (on) => on.leaderElected,
  "leader-settings-changed": (on) => on.leaderSettingsChanged,
};

function emitHook(charm: CharmBase, fw: Framework, hook: Hook, action: ActionState): void {
  const model = fw.model;
  const relationEvents = (relationId: number): { events: RelationEvents; endpoint: string } => {
    const rel = fw.env.relation(relationId);
    if (!rel) throw new Error(`hook names relation ${relationId}, which this unit does not know`);
    return { events: charm.on.relation(rel.endpoint), endpoint: rel.endpoint };
  };
  const relationArgs = (relationId: number, remoteUnit: string | null) => {
    const { events, endpoint } = relationEvents(relationId);
    const relation = model.getRelation(endpoint, relationId);
    if (!relation) throw new Error(`relation ${relationId} vanished`);
    const unit = remoteUnit === null ? null : model.getUnit(remoteUnit);
    return { events, relation, app: relation.app, unit };
  };
  // Most frequent kinds first: every `.with` is a test at run time.
  match(hook)
    .with({ kind: "relation-changed" }, (h) => {
      const a = relationArgs(h.relationId, h.remoteUnit);
      a.events.changed.emit(a.relation, a.app, a.unit);
    })
    .with({ kind: "relation-joined" }, (h) => {
      const a = relationArgs(h.relationId, h.remoteUnit);
      a.events.joined.emit(a.relation, a.app, a.unit);
    })
    .with({ kind: P.union(...unitHookKinds) }, (h) => unitHookEvent[h.kind](charm.on).emit())
    .with({ kind: "relation-created" }, (h) => {
      const a = relationArgs(h.relationId, null);
      a.events.created.emit(a.relation, a.app, null);
    })
    .with({ kind: "relation-departed" }, (h) => {
      const a = relationArgs(h.relationId, h.remoteUnit);
      a.events.departed.emit(a.relation, a.app, a.unit, model.getUnit(h.departingUnit));
    })
    .with({ kind: "relation-broken" }, (h) => {
      const a = relationArgs(h.relationId, null);
      a.events.broken.emit(a.relation, a.app, null);
    })
    .with({ kind: "action" }, (h) => {
      const params = actionParamsWithDefaults(fw.env.spec.actions, h.name, h.params);
      charm.on.action(h.name).emit(Object.freeze(params), h.id, action);
    })
    .exhaustive();
}

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
  const fw = new Framework(env, hook, options.deferredRelationGone ?? "drop");
  const action: ActionState = { results: {}, logs: [], failure: null };
  try {
    const charm = new charmClass(fw);
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
      action: hook.kind === "action" ? { ...action } : null,
    };
    return { ok: true, result, events: fw.emittedEvents };
  } catch (error) {
    return { ok: false, error, logs: fw.logs, emitted: fw.emitted, events: fw.emittedEvents };
  }
}
