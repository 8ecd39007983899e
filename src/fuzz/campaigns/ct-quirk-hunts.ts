import fc from "fast-check";
import type { TraceRecord } from "../../harness/trace.js";
import { JSON_MAX_DEPTH, jsonNestingDepth } from "../../libs/certificate-transfer/python.js";
import { fixtureCertificate } from "../../pki/fixtures.js";
import type { FuzzCase } from "../campaign.js";
import type { ScenarioRun } from "../execute.js";
import type { Operation, Scenario } from "../operations.js";
import {
  certificateTransferCases,
  ctScenario,
  ctVariantName,
  garbageKey,
  garbageValue,
  PROVIDER,
  REQUIRER,
  show,
  someNames,
} from "./certificate-transfer.js";
import { type CtVariant, ENDPOINT } from "./ct-charms.js";

/**
 * QUIRK hunts: for each QUIRK of spec/certificate-transfer.md that breaks a property of the
 * certificate_transfer campaign, a scenario generator narrow enough that every counterexample it
 * can produce goes through that quirk's path, the faithful version mix that must break the
 * property, the fixed mix that must keep it, and a witness: a function over the run's trace that
 * says where the quirk shows (or null when it does not). The property and its oracle are the
 * campaign's own, so a hunt's counterexample replays with `charmsim replay` like any finding.
 */

export interface VersionMix {
  readonly requirer: CtVariant;
  readonly provider: CtVariant;
}

export interface QuirkHunt {
  /** File-name slug of the quirk, e.g. "unstable-order". */
  readonly name: string;
  /** The QUIRK as the spec names it. */
  readonly quirk: string;
  /** The campaign property it breaks, e.g. "ct.converges". */
  readonly property: string;
  /** The faithful version mix that breaks the property. */
  readonly faithful: VersionMix;
  /** The fixed version mix that keeps it under the same generator. */
  readonly fixed: VersionMix;
  /** Scenarios exercising only this quirk's path, for a version mix. */
  readonly scenarios: (mix: VersionMix) => fc.Arbitrary<Scenario>;
  /** Where the run shows the quirk, as a sentence naming the trace records; null if it does not. */
  readonly witness: (run: ScenarioRun) => string | null;
}

/** The fast-check seed and run budget the hunts use (tests and scripts/gen-ct-replays.ts). */
export const QUIRK_HUNT_SEED = 20261121;
export const QUIRK_HUNT_RUNS = 2000;

// ---- scenario pieces -----------------------------------------------------------------------------

const deploy = (app: string, charm: string, units: number): Operation => ({
  op: "deploy",
  app,
  charm,
  units,
  config: {},
  trusted: false,
});
const deployBoth = (mix: VersionMix, providerUnits: number, requirerUnits: number): Operation[] => [
  deploy(PROVIDER, `ct-provider-${mix.provider}`, providerUnits),
  deploy(REQUIRER, `ct-requirer-${mix.requirer}`, requirerUnits),
];
const relate: Operation = {
  op: "integrate",
  a: `${PROVIDER}:${ENDPOINT}`,
  b: `${REQUIRER}:${ENDPOINT}`,
};
const settle: Operation = { op: "settle", maxHooks: 50_000 };
const addRequirerUnit: Operation = { op: "add-unit", app: REQUIRER };
const times = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);

const leaderCall = (method: string, names?: readonly string[]): Operation => ({
  op: "call",
  unit: { app: PROVIDER, leader: true },
  method,
  args: names ? [[...names]] : [],
});
const addCall = someNames.map((n) => leaderCall("add", n));
/** add / remove / remove-all on the provider's leader. */
const providerCall = fc.oneof(
  { weight: 4, arbitrary: addCall },
  { weight: 2, arbitrary: someNames.map((n) => leaderCall("remove", n)) },
  { weight: 1, arbitrary: fc.constant(leaderCall("removeAll")) },
);
const stepOp = fc.integer({ min: 1, max: 15 }).map((count): Operation => ({ op: "step", count }));

/** Steps plus the interleaving (scheduler choices and hook seed), which shrink with them. */
function scenarioOf(steps: fc.Arbitrary<Operation[]>): fc.Arbitrary<Scenario> {
  return fc
    .record({
      steps,
      choices: fc.array(fc.nat({ max: 1_000 }), { maxLength: 120 }),
      seed: fc.nat(),
    })
    .map(({ steps, choices, seed }) => ({ seed, choices, steps }));
}

// ---- reading traces ------------------------------------------------------------------------------

type CommitRecord = Extract<TraceRecord, { t: "commit" }>;
type ExecRecord = Extract<TraceRecord, { t: "exec" }>;
type EventRecord = Extract<TraceRecord, { t: "event" }>;
type HookRecord = Extract<TraceRecord, { t: "hook" }>;

const isCommit = (r: TraceRecord): r is CommitRecord => r.t === "commit";
const isProviderUnit = (owner: string) => owner.startsWith(`${PROVIDER}/`);
const isRequirerUnit = (unit: string) => unit.startsWith(`${REQUIRER}/`);
const pemOf = (name: string) => fixtureCertificate(name).certPem;

/** A JSON list of strings, or null. */
function jsonList(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === "string") ? parsed : null;
  } catch {
    return null;
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
};

/** A databag's content just before record `seq`, rebuilt from the commits before it. */
function bagBefore(
  records: readonly TraceRecord[],
  rel: number,
  owner: string,
  seq: number,
): Record<string, string> {
  const bag: Record<string, string> = {};
  for (const r of records) {
    if (r.seq >= seq) break;
    if (!isCommit(r) || r.rel !== rel || r.owner !== owner) continue;
    Object.assign(bag, r.set);
    for (const k of r.del) delete bag[k];
  }
  return bag;
}

/** The records a hook or exec produced: those after it, up to the next hook, exec or operation. */
function recordsOf(records: readonly TraceRecord[], seq: number): TraceRecord[] {
  const start = records.findIndex((r) => r.seq === seq && (r.t === "hook" || r.t === "exec"));
  const out: TraceRecord[] = [];
  for (let i = start + 1; start >= 0 && i < records.length; i++) {
    const r = records[i] as TraceRecord;
    if (r.t === "hook" || r.t === "exec" || r.t === "op") break;
    out.push(r);
  }
  return out;
}

/**
 * The exec record of each call or write-bag step, by step index. Such a step runs code in the
 * unit (one exec record) unless it was skipped before reaching the unit.
 */
function stepExecs(run: ScenarioRun): Map<number, ExecRecord> {
  const execs = run.sim.trace.records.filter((r): r is ExecRecord => r.t === "exec");
  const out = new Map<number, ExecRecord>();
  let next = 0;
  for (const s of run.steps) {
    if (s.op.op !== "call" && s.op.op !== "write-bag") continue;
    if (
      s.status === "skipped" &&
      /no such unit now|has not run install yet|has no call/.test(s.detail ?? "")
    )
      continue;
    const e = execs[next++];
    if (e) out.set(s.index, e);
  }
  return out;
}

/** The last certificate_set_updated of `unit` on relation `rel`. */
function lastSetUpdated(
  records: readonly TraceRecord[],
  unit: string,
  rel: number,
): EventRecord | undefined {
  return records.findLast(
    (r): r is EventRecord =>
      r.t === "event" &&
      r.unit === unit &&
      r.kind === "certificate_set_updated" &&
      r.data.relation_id === rel,
  );
}
const carried = (e: EventRecord | undefined): string[] =>
  Array.isArray(e?.data.certificates)
    ? e.data.certificates.filter((x): x is string => typeof x === "string")
    : [];

const aliveUnits = (run: ScenarioRun, app: string): string[] =>
  (run.sim.model.apps.get(app)?.units ?? []).filter(
    (u) => run.sim.model.units.get(u)?.life === "alive",
  );

/** Ids of the campaign's (non-peer) relations that were integrated and not removed. */
function liveRelations(records: readonly TraceRecord[], beforeSeq = Number.POSITIVE_INFINITY) {
  const live = new Set<number>();
  for (const r of records) {
    if (r.seq >= beforeSeq) break;
    if (r.t !== "op") continue;
    if (r.op === "integrate" && typeof r.args.id === "number") live.add(r.args.id);
    if (r.op === "remove-relation" && typeof r.args.id === "number") live.delete(r.args.id);
  }
  return live;
}

const V0_MODE_WARNING =
  /Requirer in relation (\d+) (?:did not provide version field|is using version)/;

// ---- the witnesses -------------------------------------------------------------------------------

/** Two writes of the same provider bag key: the same list of PEMs, in another order. */
function unstableOrderWitness(run: ScenarioRun): string | null {
  const last = new Map<string, CommitRecord>();
  for (const r of run.sim.trace.records) {
    if (!isCommit(r) || !(r.owner === PROVIDER || isProviderUnit(r.owner))) continue;
    for (const key of ["certificates", "chain"]) {
      const id = `${r.rel}|${r.owner}|${key}`;
      const value = r.set[key];
      if (value === undefined) {
        if (r.del.includes(key)) last.delete(id);
        continue;
      }
      const prev = last.get(id);
      last.set(id, r);
      const before = jsonList(prev?.set[key]);
      const after = jsonList(value);
      if (!prev || !before || !after || prev.hook === r.hook) continue;
      if (before.length === after.length && [...before].sort().join() === [...after].sort().join())
        return `commits #${prev.seq} (${prev.unit}) and #${r.seq} (${r.unit}) wrote ${key} of ${r.owner}'s bag in relation ${r.rel} as two orderings of the same list ${show(after)}`;
    }
  }
  return null;
}

/** A removal in v0 mode that wrote nothing, leaving the certificates for the requirer to read. */
function v0RemovalWitness(run: ScenarioRun): string | null {
  const records = run.sim.trace.records;
  const execs = stepExecs(run);
  for (const s of run.steps) {
    const op = s.op;
    if (op.op !== "call" || s.status !== "ok" || !s.unit || !isProviderUnit(s.unit)) continue;
    if (op.method !== "remove" && op.method !== "removeAll") continue;
    const exec = execs.get(s.index);
    if (!exec) continue;
    const produced = recordsOf(records, exec.seq);
    const warning = produced.find((r) => r.t === "log" && V0_MODE_WARNING.test(r.message));
    if (warning?.t !== "log") continue;
    const rel = Number(V0_MODE_WARNING.exec(warning.message)?.[1]);
    if (produced.some((r) => isCommit(r) && r.rel === rel && r.owner === s.unit)) continue;
    const chain = jsonList(bagBefore(records, rel, s.unit, exec.seq).chain) ?? [];
    const removed = new Set(
      op.method === "removeAll"
        ? chain
        : (Array.isArray(op.args[0]) ? op.args[0] : []).map((n) => pemOf(String(n))),
    );
    if (chain.length === 0 || chain.some((p) => !removed.has(p))) continue;
    for (const unit of aliveUnits(run, REQUIRER)) {
      const event = lastSetUpdated(records, unit, rel);
      const stale = carried(event).filter((p) => chain.includes(p));
      if (event && stale.length > 0) {
        return `${s.unit} ${op.method} (exec #${exec.seq}) ran in v0 mode (#${warning.seq}: "defaulting to version 0") and committed nothing, so its unit bag in relation ${rel} still lists ${show(chain)}; ${unit}'s last certificate_set_updated (#${event.seq}) carries ${show(stale)}`;
      }
    }
  }
  return null;
}

/** A v0-layout unit-bag write, then a v1-layout app-bag write lacking what the unit bag holds. */
function modeSwitchWitness(run: ScenarioRun): string | null {
  const records = run.sim.trace.records;
  const commits = records.filter(isCommit);
  for (const [i, v0] of commits.entries()) {
    if (!isProviderUnit(v0.owner) || v0.set.chain === undefined) continue;
    const v1 = commits
      .slice(i + 1)
      .find((c) => c.rel === v0.rel && c.owner === PROVIDER && c.set.certificates !== undefined);
    if (!v1) continue;
    const listed = jsonList(v1.set.certificates) ?? [];
    // The unit bag once the v1 write's hook (or exec) committed everything it wrote.
    const end = recordsOf(records, v1.hook).at(-1)?.seq ?? v1.seq;
    const held = jsonList(bagBefore(records, v0.rel, v0.owner, end + 1).chain) ?? [];
    const lost = held.filter((p) => !listed.includes(p));
    if (lost.length > 0) {
      return `${v0.unit} wrote the v0 layout into its unit bag in relation ${v0.rel} (commit #${v0.seq}, chain ${show(jsonList(v0.set.chain) ?? [])}); the next v1-layout write (commit #${v1.seq} by ${v1.unit}) lists ${show(listed)} in ${PROVIDER}'s application bag, lacking ${show(lost)} that ${v0.owner}'s unit bag still holds`;
    }
  }
  return null;
}

/** The requirer reads the first provider unit only; the leader's bag holds the certificates. */
function severalProviderUnitsWitness(run: ScenarioRun): string | null {
  const records = run.sim.trace.records;
  const leader = run.sim.model.apps.get(PROVIDER)?.leader ?? null;
  const members = aliveUnits(run, PROVIDER).sort();
  const picked = members[0];
  if (!leader || !picked || picked === leader) return null;
  for (const rel of liveRelations(records)) {
    if ((jsonList(run.sim.bag(rel, PROVIDER).certificates) ?? []).length > 0) continue;
    const leaderChain = jsonList(run.sim.bag(rel, leader).chain) ?? [];
    const pickedChain = jsonList(run.sim.bag(rel, picked).chain) ?? [];
    if (leaderChain.length === 0 || sameSet(leaderChain, pickedChain)) continue;
    for (const unit of aliveUnits(run, REQUIRER)) {
      const event = lastSetUpdated(records, unit, rel);
      if (event && sameSet(carried(event), pickedChain)) {
        return `${unit}'s last certificate_set_updated (#${event.seq}) carries ${show(pickedChain)}: the requirer read only ${picked}, the first of ${members.join(", ")}, while the leader ${leader}'s unit bag in relation ${rel} lists ${show(leaderChain)} and ${PROVIDER}'s application bag has no certificates`;
      }
    }
  }
  return null;
}

/** Raw PEM from the v0 library, which the v1 requirer fails to parse as JSON. */
function rawPemWitness(run: ScenarioRun): string | null {
  const records = run.sim.trace.records;
  for (const c of records.filter(isCommit)) {
    if (!isProviderUnit(c.owner) || !c.set.certificate?.startsWith("-----BEGIN CERTIFICATE-----"))
      continue;
    const error = records.find(
      (r) =>
        r.seq > c.seq &&
        r.t === "log" &&
        isRequirerUnit(r.unit) &&
        r.level === "ERROR" &&
        r.message.includes("invalid databag contents: expecting json") &&
        r.message.includes("-----BEGIN CERTIFICATE-----"),
    );
    if (error?.t !== "log") continue;
    const event = lastSetUpdated(records, error.unit, c.rel);
    if (carried(event).length > 0) continue;
    return `${c.unit} (v0 library) wrote certificate as raw PEM (commit #${c.seq}); ${error.unit} logged ERROR "invalid databag contents: expecting json" (#${error.seq}) and its last certificate_set_updated ${event ? `(#${event.seq}) carries no certificates` : "never came"}`;
  }
  return null;
}

/** getAllCertificates(id) for a relation the requirer unit does not know throws KeyError. */
function unknownRelationIdWitness(run: ScenarioRun): string | null {
  const records = run.sim.trace.records;
  const execs = stepExecs(run);
  for (const s of run.steps) {
    const op = s.op;
    if (op.op !== "call" || op.method !== "getAll" || s.status !== "failed" || !s.unit) continue;
    const exec = execs.get(s.index);
    if (!exec || exec.ok || !exec.error?.startsWith("KeyError")) continue;
    const id = op.args[0];
    if (typeof id !== "number") continue;
    const hooks = records.filter(
      (r): r is HookRecord =>
        r.t === "hook" && r.seq < exec.seq && r.unit === s.unit && r.rel === id && r.ok,
    );
    const known =
      hooks.some((h) => h.kind === "relation-created") &&
      !hooks.some((h) => h.kind === "relation-broken");
    if (known) continue;
    return `${s.unit} getAllCertificates(${id}) threw "${exec.error}" (exec #${exec.seq}); relation ${id} is not one this unit knows (live relations: ${[...liveRelations(records, exec.seq)].join(", ") || "none"})`;
  }
  return null;
}

/** Every requirer unit ran relation-created as a non-leader: no version, the provider stays in v0 mode. */
function lateRequirerLeaderWitness(run: ScenarioRun): string | null {
  const records = run.sim.trace.records;
  const leader = run.sim.model.apps.get(REQUIRER)?.leader ?? null;
  if (!leader) return null;
  const elected = records.findLast((r) => r.t === "leader" && r.app === REQUIRER);
  for (const rel of liveRelations(records)) {
    const created = records.filter(
      (r): r is HookRecord =>
        r.t === "hook" && r.kind === "relation-created" && r.rel === rel && isRequirerUnit(r.unit),
    );
    if (created.length === 0 || created.some((h) => h.leader)) continue;
    if (!created.some((h) => h.unit === leader)) continue;
    if (records.some((r) => isCommit(r) && r.owner === REQUIRER && r.rel === rel)) continue;
    const warning = records.find(
      (r) =>
        r.seq > (elected?.seq ?? 0) &&
        r.t === "log" &&
        isProviderUnit(r.unit) &&
        r.message.includes(`Requirer in relation ${rel} did not provide version field`),
    );
    if (!warning) continue;
    const leaderCreated = created.find((h) => h.unit === leader) as HookRecord;
    return `every requirer unit ran relation-created on relation ${rel} as non-leader (${created.map((h) => `#${h.seq} ${h.unit}`).join(", ")}); ${leader} became leader (#${elected?.seq}) after its relation-created (#${leaderCreated.seq}) and never wrote version, so the provider still writes the v0 layout (#${warning.seq}: "did not provide version field")`;
  }
  return null;
}

/** The v0 library's requirer decoding a bag value nested past Python's recursion limit. */
function v0RecursionLimitWitness(run: ScenarioRun): string | null {
  const v0Requirer = run.steps.some(
    (s) => s.op.op === "deploy" && s.op.app === REQUIRER && s.op.charm === "ct-requirer-v0",
  );
  if (!v0Requirer) return null;
  const records = run.sim.trace.records;
  for (const h of records) {
    if (h.t !== "hook" || h.ok || !isRequirerUnit(h.unit) || h.rel === undefined || !h.remote)
      continue;
    if (!h.error?.startsWith("RecursionError")) continue;
    const bag = bagBefore(records, h.rel, h.remote, h.seq);
    const deep = Object.entries(bag)
      .map(([key, value]) => ({ key, depth: jsonNestingDepth(value) }))
      .find((x) => x.depth > JSON_MAX_DEPTH);
    if (!deep) continue;
    return `${h.unit} (v0 library) ${h.kind} from ${h.remote} threw "${h.error}" (hook #${h.seq}): ${h.remote}'s bag holds ${deep.key} nested ${deep.depth} deep (limit ${JSON_MAX_DEPTH})`;
  }
  return null;
}

// ---- the hunts -----------------------------------------------------------------------------------

const V1: VersionMix = { requirer: "v1", provider: "v1" };
const FIXED: VersionMix = { requirer: "v1-fixed", provider: "v1-fixed" };

export const quirkHunts: readonly QuirkHunt[] = [
  {
    name: "unstable-order",
    quirk: "unstable order",
    property: "ct.stable-order",
    faithful: V1,
    fixed: FIXED,
    // The campaign's own generator: any provider rewrite can show it.
    scenarios: (mix) => ctScenario(mix.requirer, mix.provider, { providerLeadership: true }),
    witness: unstableOrderWitness,
  },
  {
    name: "v0-removal",
    quirk: "v0 removal",
    property: "ct.converges",
    faithful: V1,
    fixed: FIXED,
    // The requirer has no unit yet (so no `version`): every call runs in v0 mode; then it joins.
    scenarios: (mix) =>
      scenarioOf(
        fc
          .record({
            calls: fc.array(providerCall, { minLength: 1, maxLength: 6 }),
            requirerUnits: fc.integer({ min: 1, max: 3 }),
          })
          .map(({ calls, requirerUnits }) => [
            ...deployBoth(mix, 1, 0),
            relate,
            settle,
            ...calls,
            ...times(requirerUnits, addRequirerUnit),
            settle,
          ]),
      ),
    witness: v0RemovalWitness,
  },
  {
    name: "mode-switch",
    quirk: "mode switch (certificates written before the requirer's version are lost)",
    property: "ct.converges",
    faithful: V1,
    fixed: FIXED,
    // Adds in v0 mode (no requirer unit yet), the requirer joins and advertises version 1, then
    // calls in v1 mode. One provider unit, no removal in v0 mode.
    scenarios: (mix) =>
      scenarioOf(
        fc
          .record({
            before: fc.array(addCall, { minLength: 1, maxLength: 3 }),
            requirerUnits: fc.integer({ min: 1, max: 2 }),
            after: fc.array(providerCall, { minLength: 1, maxLength: 3 }),
          })
          .map(({ before, requirerUnits, after }) => [
            ...deployBoth(mix, 1, 0),
            relate,
            settle,
            ...before,
            ...times(requirerUnits, addRequirerUnit),
            settle,
            ...after,
            settle,
          ]),
      ),
    witness: modeSwitchWitness,
  },
  {
    name: "several-provider-units",
    quirk: "several provider units in v0 mode (one unit read, popped from relation.units)",
    property: "ct.converges",
    faithful: V1,
    fixed: FIXED,
    // Several provider units, leadership on any of them, adds in v0 mode (no requirer unit yet),
    // then the requirer joins. No removals, no later writes.
    scenarios: (mix) =>
      scenarioOf(
        fc
          .record({
            providerUnits: fc.integer({ min: 2, max: 3 }),
            leader: fc.nat({ max: 2 }),
            adds: fc.array(addCall, { minLength: 1, maxLength: 3 }),
            requirerUnits: fc.integer({ min: 1, max: 2 }),
          })
          .map(({ providerUnits, leader, adds, requirerUnits }) => [
            ...deployBoth(mix, providerUnits, 0),
            relate,
            { op: "set-leader", unit: { app: PROVIDER, index: leader } },
            settle,
            ...adds,
            ...times(requirerUnits, addRequirerUnit),
            settle,
          ]),
      ),
    witness: severalProviderUnitsWitness,
  },
  {
    name: "v0-library-raw-pem",
    quirk: "v0 library provider (raw PEM)",
    property: "ct.converges",
    faithful: { requirer: "v1", provider: "v0" },
    fixed: { requirer: "v1-fixed", provider: "v0" },
    // One provider unit (its leader), requirer churn, calls and interleavings.
    scenarios: (mix) =>
      scenarioOf(
        fc
          .record({
            requirerUnits: fc.integer({ min: 1, max: 3 }),
            settleFirst: fc.boolean(),
            ops: fc.array(
              fc.oneof(
                { weight: 4, arbitrary: providerCall },
                { weight: 1, arbitrary: fc.constant(addRequirerUnit) },
                {
                  weight: 1,
                  arbitrary: fc.nat({ max: 3 }).map(
                    (index): Operation => ({
                      op: "remove-unit",
                      unit: { app: REQUIRER, index },
                    }),
                  ),
                },
                {
                  weight: 1,
                  arbitrary: fc
                    .nat({ max: 3 })
                    .map(
                      (index): Operation => ({ op: "set-leader", unit: { app: REQUIRER, index } }),
                    ),
                },
                { weight: 2, arbitrary: stepOp },
              ),
              { maxLength: 10 },
            ),
          })
          .map(({ requirerUnits, settleFirst, ops }) => [
            ...deployBoth(mix, 1, requirerUnits),
            relate,
            ...(settleFirst ? [settle] : []),
            ...ops,
            settle,
          ]),
      ),
    witness: rawPemWitness,
  },
  {
    name: "unknown-relation-id",
    quirk: "unknown relation id throws",
    property: "ct.no-throw",
    faithful: V1,
    fixed: FIXED,
    // The campaign's no-throw generator without garbage writes: only requirer calls with
    // arbitrary relation ids can throw.
    scenarios: (mix) =>
      ctScenario(mix.requirer, mix.provider, { providerLeadership: true, unknownIds: true }),
    witness: unknownRelationIdWitness,
  },
  {
    name: "late-requirer-leader",
    quirk: "a requirer that becomes leader later never writes version",
    property: "ct.converges",
    faithful: V1,
    fixed: FIXED,
    // Requirer leadership moves while its units run relation-created; every provider call comes
    // after the model settled (so in v1 mode whenever version was written). One provider unit.
    scenarios: (mix) =>
      scenarioOf(
        fc
          .record({
            requirerUnits: fc.integer({ min: 2, max: 3 }),
            before: fc.nat({ max: 20 }),
            leader: fc.integer({ min: 1, max: 2 }),
            calls: fc.array(providerCall, { minLength: 1, maxLength: 4 }),
          })
          .map(({ requirerUnits, before, leader, calls }) => [
            ...deployBoth(mix, 1, requirerUnits),
            relate,
            ...(before > 0 ? [{ op: "step" as const, count: before }] : []),
            { op: "set-leader", unit: { app: REQUIRER, index: leader } },
            settle,
            ...calls,
            settle,
          ]),
      ),
    witness: lateRequirerLeaderWitness,
  },
  {
    name: "v0-library-recursion-limit",
    quirk: "v0 library: JSON nested past Python's recursion limit",
    property: "ct.no-throw",
    faithful: { requirer: "v0", provider: "v0" },
    fixed: { requirer: "v1-fixed", provider: "v0" },
    // Garbage (deeply nested JSON among it) in provider unit bags, provider calls, interleavings.
    scenarios: (mix) =>
      scenarioOf(
        fc
          .record({
            providerUnits: fc.integer({ min: 1, max: 2 }),
            requirerUnits: fc.integer({ min: 1, max: 2 }),
            settleFirst: fc.boolean(),
            ops: fc.array(
              fc.oneof(
                {
                  weight: 3,
                  arbitrary: fc
                    .record({
                      index: fc.nat({ max: 1 }),
                      data: fc.dictionary(garbageKey, garbageValue, { minKeys: 1, maxKeys: 2 }),
                    })
                    .map(
                      ({ index, data }): Operation => ({
                        op: "write-bag",
                        unit: { app: PROVIDER, index },
                        endpoint: ENDPOINT,
                        scope: "unit",
                        data,
                      }),
                    ),
                },
                { weight: 2, arbitrary: providerCall },
                { weight: 1, arbitrary: stepOp },
              ),
              { minLength: 1, maxLength: 8 },
            ),
          })
          .map(({ providerUnits, requirerUnits, settleFirst, ops }) => [
            ...deployBoth(mix, providerUnits, requirerUnits),
            relate,
            ...(settleFirst ? [settle] : []),
            ...ops,
            settle,
          ]),
      ),
    witness: v0RecursionLimitWitness,
  },
];

/**
 * The campaign case a hunt runs: the property (and oracle) of the campaign for the hunt's faithful
 * or fixed version mix, with the hunt's generator. Throws if the matrix does not expect the
 * faithful mix to break the property and the fixed mix to keep it.
 */
export function quirkHuntCase(hunt: QuirkHunt, side: "faithful" | "fixed"): FuzzCase {
  const mix = hunt[side];
  const variant = ctVariantName(mix.requirer, mix.provider);
  const base = certificateTransferCases().find(
    (c) => c.property === hunt.property && c.variant === variant,
  );
  if (!base)
    throw new Error(
      `the certificate-transfer campaign has no ${hunt.property} case for ${variant}`,
    );
  const expected = side === "faithful" ? "quirk" : "hold";
  if (base.expect !== expected)
    throw new Error(
      `the matrix expects ${hunt.property} to ${base.expect} for ${variant}, not ${expected}`,
    );
  return {
    ...base,
    arbitrary: hunt.scenarios(mix),
    ...(side === "faithful" ? { quirk: hunt.quirk } : {}),
  };
}

/**
 * The ct-quirks campaign: one case per QUIRK hunt and side. The faithful mix must show the quirk
 * (a finding), the fixed mix must keep the property, each under the hunt's narrowed generator.
 */
export function ctQuirkCases(): FuzzCase[] {
  return quirkHunts.flatMap((hunt) =>
    (["faithful", "fixed"] as const).map((side) => {
      const c = quirkHuntCase(hunt, side);
      return { ...c, campaign: "ct-quirks", variant: `${c.variant} [${hunt.name}]`, weight: 1 };
    }),
  );
}
