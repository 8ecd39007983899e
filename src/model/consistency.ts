import type { ContextEvent } from "./event.js";
import { type ActionsMeta, type CharmSpec, configValueMatches, findEndpoint } from "./metadata.js";
import {
  type AnyRelation,
  memoGet,
  memoKey,
  memoSet,
  type State,
  sortedRemoteUnitIds,
} from "./state.js";

/** A State/event pair that Juju could never produce; `problems` says what to change. */
export class InconsistentScenarioError extends Error {
  override name = "InconsistentScenarioError";
  constructor(readonly problems: readonly string[]) {
    super(`inconsistent scenario:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export interface ConsistencyInput {
  readonly spec: CharmSpec;
  readonly state: State;
  readonly event: ContextEvent;
  readonly unitId: number;
  readonly appName: string;
}

type Rule = (input: ConsistencyInput) => string[];

const relationLabel = (r: AnyRelation) => `relation ${r.endpoint}:${r.id}`;

/** Each relation's endpoint is declared in metadata, with the same interface. */
export function checkRelationEndpoints({ spec, state }: ConsistencyInput): string[] {
  const out: string[] = [];
  for (const r of state.relations) {
    const found = findEndpoint(spec.meta, r.endpoint);
    if (!found) {
      const declared = [
        ...Object.keys(spec.meta.provides),
        ...Object.keys(spec.meta.requires),
        ...Object.keys(spec.meta.peers),
      ];
      out.push(
        `${relationLabel(r)}: endpoint "${r.endpoint}" is not in metadata (declared: ${declared.join(", ") || "none"}); fix the endpoint name or add it to metadata`,
      );
    } else if (r.interface !== undefined && r.interface !== found.spec.interface) {
      out.push(
        `${relationLabel(r)}: interface "${r.interface}" differs from metadata's "${found.spec.interface}"; use "${found.spec.interface}"`,
      );
    }
  }
  return out;
}

/** Peer endpoints get PeerRelation, others Relation (or SubordinateRelation on container scope). */
export function checkRelationKinds({ spec, state }: ConsistencyInput): string[] {
  const out: string[] = [];
  for (const r of state.relations) {
    const found = findEndpoint(spec.meta, r.endpoint);
    if (!found) continue;
    if (found.role === "peers" && r.kind !== "peer") {
      out.push(`${relationLabel(r)}: "${r.endpoint}" is a peer endpoint; use PeerRelation`);
    } else if (found.role !== "peers" && r.kind === "peer") {
      out.push(
        `${relationLabel(r)}: "${r.endpoint}" is a ${found.role} endpoint, not a peer one; use Relation`,
      );
    } else if (r.kind === "subordinate" && found.spec.scope !== "container") {
      out.push(
        `${relationLabel(r)}: SubordinateRelation needs an endpoint with scope: container; use Relation or set the scope`,
      );
    } else if (r.kind === "regular" && found.spec.scope === "container") {
      out.push(
        `${relationLabel(r)}: "${r.endpoint}" has scope: container; use SubordinateRelation`,
      );
    }
  }
  return out;
}

/** No two relations share an id. */
export function checkDuplicateRelationIds({ state }: ConsistencyInput): string[] {
  const seen = new Map<number, AnyRelation>();
  const out: string[] = [];
  for (const r of state.relations) {
    const prior = seen.get(r.id);
    if (prior) {
      out.push(
        `relations ${prior.endpoint} and ${r.endpoint} share id ${r.id}; give each relation its own id`,
      );
    }
    seen.set(r.id, r);
  }
  return out;
}

/** An endpoint with a `limit` has at most that many relations. */
export function checkRelationLimits({ spec, state }: ConsistencyInput): string[] {
  const out: string[] = [];
  const counts = new Map<string, number>();
  for (const r of state.relations) counts.set(r.endpoint, (counts.get(r.endpoint) ?? 0) + 1);
  for (const [endpoint, count] of counts) {
    const limit = findEndpoint(spec.meta, endpoint)?.spec.limit;
    // Stryker disable next-line ConditionalExpression: equivalent, `count > undefined` is false; the test is there for the type
    if (limit !== undefined && count > limit) {
      out.push(
        `endpoint "${endpoint}" has limit ${limit} but the state holds ${count} relations on it; remove ${count - limit}`,
      );
    }
  }
  return out;
}

/** Peer relations do not list the local unit among the peers. */
export function checkPeerUnits({ state, unitId }: ConsistencyInput): string[] {
  return state.relations
    .filter((r) => r.kind === "peer" && r.remoteUnitIds.includes(unitId))
    .map(
      (r) =>
        `${relationLabel(r)}: peersData lists unit ${unitId}, which is the unit under test; remove it`,
    );
}

/** Config keys are declared and of the declared type. */
export function checkConfig({ spec, state }: ConsistencyInput): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(state.config)) {
    const opt = spec.config.options[key];
    if (!opt) {
      out.push(`config key "${key}" is not declared in config metadata; remove it or declare it`);
    } else if (!configValueMatches(opt.type, value)) {
      out.push(
        `config key "${key}" is declared as ${opt.type} but has ${JSON.stringify(value)}; give it a ${opt.type} value`,
      );
    }
  }
  return out;
}

type ActionParamType = NonNullable<ActionsMeta[string]["params"][string]["type"]>;

const actionTypeChecks: Record<ActionParamType, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  // Stryker disable next-line ConditionalExpression: equivalent, Number.isInteger is false for anything but a number
  integer: (v) => typeof v === "number" && Number.isInteger(v),
  number: (v) => typeof v === "number",
  boolean: (v) => typeof v === "boolean",
  array: (v) => Array.isArray(v),
  object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
};

/** An action event names a declared action, with its required params and of the right types. */
export function checkAction({ spec, event }: ConsistencyInput): string[] {
  if (event.kind !== "action") return [];
  const action = spec.actions[event.name];
  if (!action) {
    return [
      `action "${event.name}" is not declared (declared: ${Object.keys(spec.actions).join(", ") || "none"}); fix the name or declare it in actions metadata`,
    ];
  }
  const out: string[] = [];
  for (const req of action.required) {
    if (!(req in event.params) && action.params[req]?.default === undefined) {
      out.push(`action "${event.name}" requires param "${req}"; pass it in params`);
    }
  }
  for (const [key, value] of Object.entries(event.params)) {
    const p = action.params[key];
    if (!p) {
      if (action.additionalProperties === false) {
        out.push(`action "${event.name}" has no param "${key}"; remove it`);
      }
      continue;
    }
    if (p.type && !actionTypeChecks[p.type](value)) {
      out.push(
        `action "${event.name}" param "${key}" must be ${p.type}, got ${JSON.stringify(value)}; pass a ${p.type}`,
      );
    }
  }
  return out;
}

/** leader-elected only runs on the leader. */
export function checkLeadership({ state, event }: ConsistencyInput): string[] {
  return event.kind === "leader-elected" && !state.leader
    ? ["leader-elected runs only on the leader; set leader: true in the State"]
    : [];
}

/** A relation event's relation is in the State, and its remote/departing units are in the relation. */
export function checkEventRelation({ state, event, appName, unitId }: ConsistencyInput): string[] {
  if (!("relation" in event)) return [];
  const r = event.relation;
  const inState = state.getRelation(r.id);
  if (!inState) {
    return [`the event's ${relationLabel(r)} is not in the State; add it to State.relations`];
  }
  if (inState.endpoint !== r.endpoint) {
    return [
      `the event's ${relationLabel(r)} has the id of ${relationLabel(inState)} in the State; pass the State's relation to the event`,
    ];
  }
  const out: string[] = [];
  const ids = sortedRemoteUnitIds(inState);
  if (
    (event.kind === "relation-joined" || event.kind === "relation-departed") &&
    event.remoteUnit === undefined &&
    ids.length === 0
  ) {
    out.push(
      `${event.kind} needs a remote unit, and ${relationLabel(inState)} has none; add one to the relation's remote units data`,
    );
  }
  const check = (what: string, unit: number | string | null | undefined) => {
    if (unit === null || unit === undefined) return;
    if (typeof unit === "string") {
      const own = `${appName}/${unitId}`;
      const remoteApp = inState.kind === "peer" ? appName : inState.remoteAppName;
      const m = /^(.+)\/(\d+)$/.exec(unit);
      if (unit === own) return;
      if (m && m[1] === remoteApp && ids.includes(Number(m[2]))) return;
      out.push(
        `${what} "${unit}" is neither this unit nor a unit of ${relationLabel(inState)}; name one of them`,
      );
      return;
    }
    if (!ids.includes(unit)) {
      out.push(
        `${what} ${unit} is not a remote unit of ${relationLabel(inState)} (remote units: ${ids.join(", ") || "none"}); add it to the relation's remote units data`,
      );
    }
  };
  if (event.kind === "relation-joined" || event.kind === "relation-changed")
    check("remote unit", event.remoteUnit);
  if (event.kind === "relation-departed") {
    check("remote unit", event.remoteUnit);
    check("departing unit", event.departingUnit);
  }
  return out;
}

/** A regular or subordinate relation relates two different applications. */
export function checkRemoteAppNames({ state, appName }: ConsistencyInput): string[] {
  const toSelf = state.relations.filter(
    // Stryker disable next-line ConditionalExpression: equivalent, a PeerRelation has no remoteAppName; the kind test narrows the type
    (r) => r.kind !== "peer" && r.remoteAppName === appName,
  );
  return toSelf.map(
    (r) =>
      `${relationLabel(r)}: remoteAppName "${appName}" is this unit's own application; an application relates to itself only through a peer endpoint (use PeerRelation) or give the remote application another name`,
  );
}

/** At most one stored state per (owner, name). */
export function checkStoredStates({ state }: ConsistencyInput): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of state.storedStates) {
    const key = `${s.ownerPath}\u0000${s.name}`;
    if (seen.has(key)) {
      out.push(`two stored states for owner "${s.ownerPath}" named "${s.name}"; keep one of them`);
    }
    seen.add(key);
  }
  return out;
}

/** Every rule, in the order they are reported. */
export const consistencyRules: readonly Rule[] = [
  checkRelationEndpoints,
  checkRelationKinds,
  checkDuplicateRelationIds,
  checkRelationLimits,
  checkPeerUnits,
  checkRemoteAppNames,
  checkConfig,
  checkAction,
  checkLeadership,
  checkEventRelation,
  checkStoredStates,
];

/** The rules that look at the event; every other rule depends only on spec, State and unit. */
const eventRules: ReadonlySet<Rule> = new Set([checkAction, checkLeadership, checkEventRelation]);

/** The event-independent rules' results for one State, and the spec and unit they were for. */
interface StateRuleMemo {
  readonly spec: CharmSpec;
  readonly appName: string;
  readonly unitId: number;
  readonly results: readonly (readonly string[])[];
}

/**
 * The last results of the event-independent rules, kept on the State (a memo slot). States are
 * immutable, so a test that runs several events against one State checks it once; a State is
 * nearly always run by one Context, so one entry is enough (another spec or unit computes and
 * replaces it).
 */
const STATE_RULES = memoKey<StateRuleMemo>();

function stateRuleResults(input: ConsistencyInput): readonly (readonly string[])[] {
  const memo = memoGet(input.state, STATE_RULES);
  if (
    memo !== undefined &&
    memo.spec === input.spec &&
    memo.appName === input.appName &&
    memo.unitId === input.unitId
  ) {
    return memo.results;
  }
  // Stryker disable next-line ArrayDeclaration: equivalent, an event rule's slot is never read
  const results = consistencyRules.map((rule) => (eventRules.has(rule) ? [] : rule(input)));
  memoSet(input.state, STATE_RULES, {
    spec: input.spec,
    appName: input.appName,
    unitId: input.unitId,
    results,
  });
  return results;
}

/** Runs every rule; throws InconsistentScenarioError listing every problem found, in rule order. */
export function checkConsistency(input: ConsistencyInput): void {
  const cached = stateRuleResults(input);
  let problems: string[] | null = null;
  for (let i = 0; i < consistencyRules.length; i++) {
    const rule = consistencyRules[i] as Rule;
    const found = eventRules.has(rule) ? rule(input) : (cached[i] as readonly string[]);
    if (found.length > 0) {
      problems ??= [];
      problems.push(...found);
    }
  }
  if (problems !== null) throw new InconsistentScenarioError(problems);
}
