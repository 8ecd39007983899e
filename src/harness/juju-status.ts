import type { Hook } from "../model/hooks.js";
import type { Databag } from "../model/state.js";
import type { Status } from "../model/status.js";
import type { Simulation } from "./simulation.js";

/**
 * A read API shaped like Juju's own commands, so a charm author reads a simulated model the way
 * they read a real one: `modelStatus(sim)` is `juju status --format=json`, `showUnit(sim, unit)`
 * is `juju show-unit <unit> --format=json`. Keys are spelled and ordered as Juju writes them;
 * what the simulation has no notion of (machines, addresses, timestamps, bases, bindings) is left
 * out, as Juju leaves out empty fields.
 */

/** The Juju version whose output shapes these functions reproduce. */
export const JUJU_STATUS_VERSION = "3.6.0";

/** A status value as `juju status` prints it (`message` only when there is one). */
export interface JujuStatusInfo {
  readonly current: string;
  readonly message?: string;
  readonly version?: string;
}

export interface JujuUnitStatus {
  readonly "workload-status": JujuStatusInfo;
  readonly "juju-status": JujuStatusInfo;
  /** Present (and true) on the leader only. */
  readonly leader?: true;
}

/** One relation of an application's endpoint, as listed under `relations`. */
export interface JujuApplicationRelation {
  readonly "related-application": string;
  readonly interface: string;
  readonly scope: "global" | "container";
}

export interface JujuApplicationStatus {
  readonly charm: string;
  readonly "charm-origin": "local";
  readonly "charm-name": string;
  readonly "charm-rev": number;
  readonly exposed: boolean;
  /** Present while the application is being removed. */
  readonly life?: "dying";
  readonly "application-status": JujuStatusInfo;
  /** By endpoint, peer endpoints included; absent when the application has no relation. */
  readonly relations?: Readonly<Record<string, readonly JujuApplicationRelation[]>>;
  /** Absent when the application has no unit. */
  readonly units?: Readonly<Record<string, JujuUnitStatus>>;
}

/** The shape of `juju status --format=json`. */
export interface JujuStatus {
  readonly model: {
    readonly name: string;
    readonly type: "iaas";
    readonly controller: string;
    readonly cloud: string;
    readonly version: string;
    readonly "model-status": JujuStatusInfo;
  };
  readonly machines: Readonly<Record<string, never>>;
  readonly applications: Readonly<Record<string, JujuApplicationStatus>>;
}

/** One unit's data in a relation, as `juju show-unit` prints it. */
export interface JujuUnitRelationData {
  readonly "in-scope": boolean;
  readonly data: Databag;
}

/** One entry of `relation-info` in `juju show-unit`. */
export interface JujuRelationInfo {
  readonly "relation-id": number;
  readonly endpoint: string;
  readonly "related-endpoint": string;
  /** The related application's databag (for a peer relation, the unit's own application's). */
  readonly "application-data": Databag;
  readonly "local-unit": JujuUnitRelationData;
  /** The units on the other side that are in the relation's scope; absent when none is. */
  readonly "related-units"?: Readonly<Record<string, JujuUnitRelationData>>;
}

export interface JujuUnitInfo {
  readonly "opened-ports": readonly string[];
  readonly charm: string;
  readonly leader: boolean;
  readonly life: "alive" | "dying";
  /** Absent when no relation of the unit's application has data or related units to show. */
  readonly "relation-info"?: readonly JujuRelationInfo[];
}

/** The shape of `juju show-unit <unit> --format=json`: the unit's name, then its details. */
export type JujuShowUnit = Readonly<Record<string, JujuUnitInfo>>;

const CONTROLLER = "charmsim";
const CLOUD = "charmsim";

/** Juju's order of workload-status severity, used to derive an application's status. */
const severity: Readonly<Record<string, number>> = {
  error: 100,
  blocked: 90,
  maintenance: 80,
  waiting: 70,
  active: 60,
  unknown: 40,
};

/** Keys sorted as Go's encoding/json sorts map keys (byte order). */
const sortedKeys = (keys: Iterable<string>): string[] =>
  [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const info = (current: string, message: string): JujuStatusInfo =>
  message === "" ? { current } : { current, message };

const charmUrl = (charmName: string) => `local:${charmName}-0`;

/** The charm's name from its metadata (Juju's `charm-name`). */
const charmName = (sim: Simulation, app: string): string =>
  sim.model.apps.get(app)?.spec.meta.name ?? app;

/** The hook name Juju prints in `hook failed: "..."`, e.g. `database-relation-changed`. */
function hookName(sim: Simulation, unit: string, hook: Hook): string {
  if (hook.kind === "action") return hook.name;
  if (!("relationId" in hook)) return hook.kind;
  const rel = sim.model.relations.get(hook.relationId);
  const app = sim.model.units.get(unit)?.app;
  const end = rel?.ends.find((e) => e.app === app) ?? rel?.ends[0];
  return end ? `${end.endpoint}-${hook.kind}` : hook.kind;
}

/** ` for app:endpoint` after a failed relation hook's message (Juju names the other end). */
function failedRelationSuffix(sim: Simulation, unit: string, hook: Hook): string {
  if (!("relationId" in hook)) return "";
  const rel = sim.model.relations.get(hook.relationId);
  const app = sim.model.units.get(unit)?.app;
  const other = rel?.peer ? undefined : rel?.ends.find((e) => e.app !== app);
  return other ? ` for ${other.app}:${other.endpoint}` : "";
}

function unitWorkload(sim: Simulation, unit: string, failed: Hook | undefined): JujuStatusInfo {
  if (failed) {
    return info(
      "error",
      `hook failed: "${hookName(sim, unit, failed)}"${failedRelationSuffix(sim, unit, failed)}`,
    );
  }
  const status: Status = sim.unitStatus(unit);
  if (status.name === "unknown" && !sim.model.units.get(unit)?.installed)
    return info("waiting", "agent initialising");
  return info(status.name, status.message);
}

function unitAgent(sim: Simulation, unit: string, failed: Hook | undefined): JujuStatusInfo {
  // A failed hook shows as the workload's error; the agent itself is idle, waiting for resolve.
  const current = failed || sim.model.units.get(unit)?.installed ? "idle" : "allocating";
  return { current, version: JUJU_STATUS_VERSION };
}

function applicationRelations(
  sim: Simulation,
  app: string,
): Record<string, JujuApplicationRelation[]> | undefined {
  const byEndpoint = new Map<string, JujuApplicationRelation[]>();
  const spec = sim.model.apps.get(app)?.spec.meta;
  for (const rel of sim.model.relations.values()) {
    if (rel.life === "removed") continue;
    const own = rel.ends.find((e) => e.app === app);
    if (!own) continue;
    const other = rel.peer ? own : (rel.ends.find((e) => e.app !== app) ?? own);
    const declared = spec?.[own.role][own.endpoint];
    const list = byEndpoint.get(own.endpoint) ?? [];
    list.push({
      "related-application": other.app,
      interface: rel.interfaceName,
      scope: declared?.scope ?? "global",
    });
    byEndpoint.set(own.endpoint, list);
  }
  if (byEndpoint.size === 0) return undefined;
  const out: Record<string, JujuApplicationRelation[]> = {};
  for (const endpoint of sortedKeys(byEndpoint.keys())) {
    out[endpoint] = (byEndpoint.get(endpoint) ?? []).sort((a, b) =>
      a["related-application"].localeCompare(b["related-application"]),
    );
  }
  return out;
}

/** The application status Juju shows: the one the leader set, else the most severe unit's. */
function applicationStatus(
  sim: Simulation,
  app: string,
  units: Readonly<Record<string, JujuUnitStatus>>,
): JujuStatusInfo {
  const own = sim.appStatus(app);
  if (own.name !== "unknown") return info(own.name, own.message);
  let derived: JujuStatusInfo = { current: "unknown" };
  for (const name of Object.keys(units)) {
    const w = units[name]?.["workload-status"];
    if (w && (severity[w.current] ?? 0) > (severity[derived.current] ?? 0)) derived = w;
  }
  return derived;
}

/** The model as `juju status --format=json` shows it. */
export function modelStatus(sim: Simulation): JujuStatus {
  const errors = new Map(sim.unitsInError().map((e) => [e.unit, e.hook]));
  const applications: Record<string, JujuApplicationStatus> = {};
  for (const name of sortedKeys(sim.model.apps.keys())) {
    const app = sim.model.apps.get(name);
    if (!app || app.life === "removed") continue;
    const units: Record<string, JujuUnitStatus> = {};
    for (const unit of sortedKeys(sim.units(name))) {
      units[unit] = {
        "workload-status": unitWorkload(sim, unit, errors.get(unit)),
        "juju-status": unitAgent(sim, unit, errors.get(unit)),
        ...(sim.leader(name) === unit ? { leader: true as const } : {}),
      };
    }
    const charm = charmName(sim, name);
    const relations = applicationRelations(sim, name);
    applications[name] = {
      charm: charmUrl(charm),
      "charm-origin": "local",
      "charm-name": charm,
      "charm-rev": 0,
      exposed: false,
      ...(app.life === "dying" ? { life: "dying" as const } : {}),
      "application-status": applicationStatus(sim, name, units),
      ...(relations ? { relations } : {}),
      ...(Object.keys(units).length > 0 ? { units } : {}),
    };
  }
  return {
    model: {
      name: sim.model.name,
      type: "iaas",
      controller: CONTROLLER,
      cloud: CLOUD,
      version: JUJU_STATUS_VERSION,
      "model-status": { current: "available" },
    },
    machines: {},
    applications,
  };
}

/**
 * One unit as `juju show-unit <unit> --format=json` shows it. Each relation of the unit's
 * application gives `application-data` (the related application's bag), `local-unit` (the
 * unit's own bag) and `related-units`: the units on the other side in the relation's scope, with
 * their bags. As in Juju, a relation with nothing to show (no data, no related unit) is left out.
 * (Juju fills `local-unit` only for peer relations; charmsim fills it for every relation.)
 */
export function showUnit(sim: Simulation, unit: string): JujuShowUnit {
  const record = sim.model.unit(unit);
  const app = record.app;
  const relationInfo: JujuRelationInfo[] = [];
  const ids = [...sim.model.relations.keys()].sort((a, b) => a - b);
  for (const id of ids) {
    const rel = sim.model.relations.get(id);
    if (!rel || rel.life === "removed") continue;
    const own = rel.ends.find((e) => e.app === app);
    if (!own) continue;
    const other = rel.peer ? own : (rel.ends.find((e) => e.app !== app) ?? own);
    const related: Record<string, JujuUnitRelationData> = {};
    for (const u of sortedKeys(rel.scope)) {
      if (u === unit || sim.model.units.get(u)?.app !== other.app) continue;
      related[u] = { "in-scope": true, data: { ...sim.bag(id, u) } };
    }
    const appData = { ...sim.bag(id, other.app) };
    const ownData = { ...sim.bag(id, unit) };
    const hasRelated = Object.keys(related).length > 0;
    if (Object.keys(appData).length === 0 && !hasRelated && Object.keys(ownData).length === 0)
      continue;
    relationInfo.push({
      "relation-id": id,
      endpoint: own.endpoint,
      "related-endpoint": other.endpoint,
      "application-data": appData,
      "local-unit": { "in-scope": rel.scope.has(unit), data: ownData },
      ...(hasRelated ? { "related-units": related } : {}),
    });
  }
  return {
    [unit]: {
      "opened-ports": [],
      charm: charmUrl(charmName(sim, app)),
      leader: sim.leader(app) === unit,
      life: record.life === "alive" ? "alive" : "dying",
      ...(relationInfo.length > 0 ? { "relation-info": relationInfo } : {}),
    },
  };
}
