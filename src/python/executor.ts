/**
 * Runs one hook of a Python charm: the unit's view (a HookEnvironment) becomes a run request,
 * the worker runs the charm through Scenario, and its reply becomes the hook's result. This is
 * what `dispatch` does for a Python charm; a failure commits nothing, as for TypeScript charms.
 */
// A cycle with dispatch.ts (which routes Python charms here), used only inside functions.
import { actionParamsWithDefaults, type DispatchOutcome } from "../harness/dispatch.js";
import type {
  DeferredRecord,
  EmittedEventRecord,
  EnvRelation,
  Hook,
  HookEnvironment,
  HookResult,
  LogLevel,
  StoredStateRecord,
} from "../harness/hook.js";
import type { LogLine } from "../harness/ops/framework.js";
import type { JsonObject } from "../model/json.js";
import type { CharmSpec } from "../model/metadata.js";
import { type Status, statusFrom } from "../model/status.js";
import type { PythonCharm, PythonCharmInfo } from "./charm.js";
import { PYTHON_CHARM } from "./charm.js";
import type {
  Bag,
  EventWire,
  LoadRequest,
  RelationWire,
  RunFailed,
  RunOk,
  RunRequest,
  StatusRecord,
  UnitStateWire,
} from "./protocol.js";
import { PythonWorker, PythonWorkerError } from "./worker.js";

/** An exception raised by Python charm code (or its libraries): type, message and traceback. */
export class PythonCharmError extends Error {
  constructor(
    /** The Python exception type, e.g. `RelationDataAccessError`. */
    override readonly name: string,
    message: string,
    readonly traceback: string,
  ) {
    super(message);
  }
}

/** The number of a unit name: `db/3` is 3. */
export function unitNumber(unit: string): number {
  const n = Number(unit.slice(unit.lastIndexOf("/") + 1));
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a unit name: ${unit}`);
  return n;
}

function statusRecord(s: Status): StatusRecord {
  return { name: s.name, message: s.message };
}

/** The relation ids the unit knows at this hook: listed ones, and the one being broken. */
function knownRelationIds(env: HookEnvironment, hook: Hook): number[] {
  const ids = new Set<number>();
  const meta = env.spec.meta;
  for (const endpoint of [
    ...Object.keys(meta.provides),
    ...Object.keys(meta.requires),
    ...Object.keys(meta.peers),
  ]) {
    for (const id of env.relationIds(endpoint)) ids.add(id);
  }
  if ("relationId" in hook) ids.add(hook.relationId);
  return [...ids].sort((a, b) => a - b);
}

function relationWire(env: HookEnvironment, rel: EnvRelation, hook: Hook): RelationWire {
  const remoteUnits: Record<string, Bag> = {};
  for (const unit of rel.remoteUnits) {
    if (unit !== env.unitName) remoteUnits[String(unitNumber(unit))] = rel.readBag(unit);
  }
  const extraUnits: Record<string, Bag> = {};
  if ("relationId" in hook && hook.relationId === rel.id) {
    const named: (string | null)[] = [];
    if ("remoteUnit" in hook) named.push(hook.remoteUnit);
    if (hook.kind === "relation-departed") named.push(hook.departingUnit);
    for (const unit of named) {
      if (unit === null || unit === env.unitName || rel.remoteUnits.includes(unit)) continue;
      extraUnits[String(unitNumber(unit))] = rel.readBag(unit);
    }
  }
  const remoteApp = rel.remoteApp ?? "";
  return {
    kind: rel.kind,
    id: rel.id,
    endpoint: rel.endpoint,
    interface: rel.interfaceName,
    remote_app: remoteApp,
    local_app_data: rel.readBag(env.appName),
    local_unit_data: rel.readBag(env.unitName),
    remote_app_data: rel.kind === "peer" || remoteApp === "" ? {} : rel.readBag(remoteApp),
    remote_units: remoteUnits,
    extra_units: extraUnits,
  };
}

function credentialOf(env: HookEnvironment): UnitStateWire["credential"] {
  try {
    const c = env.credentialGet();
    return { type: c.type, endpoint: c.endpoint, attrs: { ...c.attrs } };
  } catch {
    return null; // not trusted, or no credential: credential-get fails in the charm as well
  }
}

/** The unit's view at this hook, as the worker's State. */
export function unitStateWire(env: HookEnvironment, hook: Hook): UnitStateWire {
  const relations: RelationWire[] = [];
  for (const id of knownRelationIds(env, hook)) {
    const rel = env.relation(id);
    if (rel) relations.push(relationWire(env, rel, hook));
  }
  return {
    leader: env.isLeader,
    config: { ...env.config },
    model_name: env.modelName,
    model_uuid: env.modelUuid,
    planned_units: env.plannedUnits,
    unit_status: statusRecord(env.unitStatus),
    app_status: statusRecord(env.appStatus),
    workload_version: env.workloadVersion,
    relations,
    stored_states: env.storedStates.map((s) => ({
      owner_path: s.ownerPath,
      name: s.name,
      content: s.content,
    })),
    deferred: env.deferred.map((d) => ({
      handle_path: d.handlePath,
      owner: d.owner,
      observer: d.observer,
      snapshot: d.snapshot,
    })),
    credential: credentialOf(env),
  };
}

/** The hook as the worker's event: units by number. */
export function eventWire(spec: CharmSpec, hook: Hook): EventWire {
  const base = { relation_id: null, remote_unit: null, departing_unit: null, action: null };
  switch (hook.kind) {
    case "action":
      return {
        ...base,
        kind: "action",
        action: {
          name: hook.name,
          params: actionParamsWithDefaults(spec.actions, hook.name, hook.params),
          id: hook.id,
        },
      };
    case "relation-created":
    case "relation-broken":
      return { ...base, kind: hook.kind, relation_id: hook.relationId };
    case "relation-joined":
      return {
        ...base,
        kind: hook.kind,
        relation_id: hook.relationId,
        remote_unit: unitNumber(hook.remoteUnit),
      };
    case "relation-changed":
      return {
        ...base,
        kind: hook.kind,
        relation_id: hook.relationId,
        remote_unit: hook.remoteUnit === null ? null : unitNumber(hook.remoteUnit),
      };
    case "relation-departed":
      return {
        ...base,
        kind: hook.kind,
        relation_id: hook.relationId,
        remote_unit: unitNumber(hook.remoteUnit),
        departing_unit: unitNumber(hook.departingUnit),
      };
    default:
      return { ...base, kind: hook.kind };
  }
}

const LOG_LEVELS = new Set<string>(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]);
/** The worker reports juju-log lines without the Python logger's name: it is left empty. */
function logLines(lines: RunOk["logs"]): LogLine[] {
  return lines.map((l) => ({
    level: (LOG_LEVELS.has(l.level) ? l.level : "DEBUG") as LogLevel,
    logger: "",
    message: l.message,
  }));
}

function emittedRecords(events: RunOk["emitted"]): EmittedEventRecord[] {
  return events.map((e) => ({
    kind: e.kind,
    handlePath: e.handle_path,
    reemitted: e.reemitted,
    snapshot: e.snapshot as JsonObject,
  }));
}

/** The worker's reply as the hook's result, in the unit's names. */
export function hookResult(env: HookEnvironment, reply: RunOk): HookResult {
  const storedStates: StoredStateRecord[] = reply.stored_states.map((s) => ({
    ownerPath: s.owner_path,
    name: s.name,
    content: s.content as JsonObject,
  }));
  const deferred: DeferredRecord[] = reply.deferred.map((d) => ({
    handlePath: d.handle_path,
    owner: d.owner,
    observer: d.observer,
    snapshot: d.snapshot as JsonObject,
  }));
  return {
    bagWrites: reply.bag_writes.map((w) => ({
      relationId: w.relation_id,
      owner: w.owner === "app" ? env.appName : env.unitName,
      data: Object.freeze({ ...w.data }),
    })),
    unitStatus: statusFrom(reply.unit_status),
    appStatus: statusFrom(reply.app_status),
    unitStatusHistory: reply.unit_status_history.map(statusFrom),
    appStatusHistory: reply.app_status_history.map(statusFrom),
    workloadVersion: reply.workload_version,
    logs: logLines(reply.logs),
    storedStates,
    deferred,
    emitted: emittedRecords(reply.emitted),
    action: reply.action === null ? null : { ...reply.action },
  };
}

/** A number per distinct spec object: one charm directory may be deployed with several specs. */
const specIds = new WeakMap<CharmSpec, number>();
let nextSpecId = 1;
function charmKey(info: PythonCharmInfo, spec: CharmSpec): string {
  let id = specIds.get(spec);
  if (id === undefined) {
    id = nextSpecId++;
    specIds.set(spec, id);
  }
  return `${info.dir}#${info.className ?? ""}#${id}`;
}

function loadRequest(info: PythonCharmInfo, spec: CharmSpec, key: string): LoadRequest {
  return {
    type: "load",
    charm: key,
    dir: info.dir,
    class_name: info.className,
    meta: spec.meta,
    actions: spec.actions,
    config: spec.config,
  };
}

function failed(error: unknown, reply?: RunFailed): DispatchOutcome {
  return {
    ok: false,
    error,
    logs: reply ? logLines(reply.logs) : [],
    emitted: reply ? emittedRecords(reply.emitted) : [],
    events: [],
  };
}

/** The request of one hook (without its id), for the worker's run and bench. */
export function runRequest(
  charm: PythonCharm,
  env: HookEnvironment,
  hook: Hook,
): Omit<RunRequest, "id"> {
  const info = charm[PYTHON_CHARM];
  return {
    type: "run",
    charm: charmKey(info, env.spec),
    app: env.appName,
    unit_id: unitNumber(env.unitName),
    timeout: info.hookTimeoutMs / 1000,
    state: unitStateWire(env, hook),
    event: eventWire(env.spec, hook),
  };
}

/** Makes sure the worker has imported the charm (with this spec). */
export function prepareWorker(
  charm: PythonCharm,
  spec: CharmSpec,
): { worker: PythonWorker; problem: unknown } {
  const info = charm[PYTHON_CHARM];
  const worker = PythonWorker.for(info.python);
  const loaded = worker.load(loadRequest(info, spec, charmKey(info, spec)));
  if (loaded === null) return { worker, problem: null };
  if (loaded instanceof PythonWorkerError) return { worker, problem: loaded };
  const [type, ...rest] = loaded.message.split(": ");
  return {
    worker,
    problem: new PythonCharmError(type ?? "ImportError", rest.join(": "), loaded.traceback),
  };
}

/**
 * Runs one hook of a Python charm. Throws PythonSetupError when no worker can be started (no
 * Python, missing packages); every other problem fails the hook.
 */
export function dispatchPython(
  charm: PythonCharm,
  env: HookEnvironment,
  hook: Hook,
): DispatchOutcome {
  const { worker, problem } = prepareWorker(charm, env.spec);
  if (problem !== null) return failed(problem);
  const reply = worker.run(runRequest(charm, env, hook), charm[PYTHON_CHARM].hookTimeoutMs);
  if (reply instanceof PythonWorkerError) return failed(reply);
  if (reply.type === "error") return failed(new PythonWorkerError(reply.message, reply.traceback));
  if (!reply.ok) {
    return failed(
      new PythonCharmError(reply.error.type, reply.error.message, reply.error.traceback),
      reply,
    );
  }
  const result = hookResult(env, reply);
  const results = result.action?.results;
  return {
    ok: true,
    result,
    events: [],
    logs: logLines(reply.logs),
    actionResults: results && Object.keys(results).length > 0 ? results : undefined,
  };
}
