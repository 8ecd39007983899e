import fc from "fast-check";
import type { Simulation } from "../../harness/simulation.js";
import type { TraceRecord } from "../../harness/trace.js";
import { JSON_DEPTH_UNCERTAIN } from "../../libs/certificate-transfer/python.js";
import { errorText } from "../../model/errors.js";
import type { JsonValue } from "../../model/json.js";
import { fixtureCertificate } from "../../pki/fixtures.js";
import type { CaseSources, FuzzCase, Oracle, PropertyCheck } from "../campaign.js";
import { type CatalogCharm, CharmCatalog } from "../catalog.js";
import type { ScenarioRun, StepOutcome } from "../execute.js";
import type { Operation, Scenario } from "../operations.js";
import { type CtVariant, certNames, ctCharms, ENDPOINT } from "./ct-charms.js";

/**
 * The certificate_transfer campaign: a provider application `ca` and a requirer application
 * `app`, each on one library variant, under random provider calls, unit churn, leadership moves,
 * relation removal and re-creation, and interleavings. Properties follow issue 6; which of them
 * each version mix is expected to keep is the matrix at the bottom.
 */

export const catalog = new CharmCatalog(ctCharms);
/** The provider and requirer application names every scenario of the campaign uses. */
export const PROVIDER = "ca";
export const REQUIRER = "app";

const nameOf = new Map<string, string>();
for (const n of certNames) nameOf.set(fixtureCertificate(n).certPem, n);
/** A set of PEMs by fixture name, for messages. */
export const show = (pems: Iterable<string>) =>
  `{${[...pems]
    .map((p) => nameOf.get(p) ?? `${p.slice(0, 20)}...`)
    .sort()
    .join(", ")}}`;
const sameSet = (a: Iterable<string>, b: Iterable<string>) => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
};

export interface CtOptions {
  /** Provider calls (add / remove / remove all), leader-targeted and not. */
  readonly calls?: boolean;
  /** Move the provider's leadership (set-leader, removing the provider leader). */
  readonly providerLeadership?: boolean;
  /** Peers that ignore the protocol: garbage written into their own bags. */
  readonly garbage?: boolean;
  /** Requirer calls of getAllCertificates with arbitrary relation ids. */
  readonly unknownIds?: boolean;
}

export const someNames = fc.subarray([...certNames], { minLength: 1, maxLength: 3 });
export const garbageValue = fc.oneof(
  fc.constantFrom(
    "",
    "not json",
    "{",
    "[1,2]",
    '"x"',
    "null",
    "1e999",
    '["a",1]',
    "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----",
  ),
  fc.string({ maxLength: 40 }),
  // Unclosed nesting on both sides of the depth where Python's recursion limit may or may not
  // stop json.loads (JSON_DEPTH_UNCERTAIN), never inside it: no finding rests on the port's
  // approximation of that limit.
  fc
    .oneof(
      fc.integer({ min: 0, max: JSON_DEPTH_UNCERTAIN.min - 1 }),
      fc.integer({ min: JSON_DEPTH_UNCERTAIN.max + 1, max: 2_000 }),
    )
    .map((n) => "[".repeat(n)),
);
export const garbageKey = fc.constantFrom(
  "certificates",
  "certificate",
  "ca",
  "chain",
  "version",
  "other",
);

/** Random steps of the campaign; which kinds appear depends on the options. */
export function ctOperation(options: CtOptions): fc.Arbitrary<Operation> {
  // The units whose removal or leadership the case may change (the provider's only when allowed).
  const churnUnit = fc.record({
    app: fc.constantFrom(REQUIRER, ...(options.providerLeadership ? [PROVIDER] : [])),
    index: fc.nat({ max: 5 }),
  });
  const arbs: { weight: number; arbitrary: fc.Arbitrary<Operation> }[] = [
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(PROVIDER, REQUIRER)
        .map((app): Operation => ({ op: "add-unit", app })),
    },
    { weight: 2, arbitrary: churnUnit.map((unit): Operation => ({ op: "remove-unit", unit })) },
    { weight: 1, arbitrary: churnUnit.map((unit): Operation => ({ op: "set-leader", unit })) },
    {
      weight: 1,
      arbitrary: fc.constant<Operation>({
        op: "remove-relation",
        a: `${PROVIDER}:${ENDPOINT}`,
        b: `${REQUIRER}:${ENDPOINT}`,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Operation>({
        op: "integrate",
        a: `${PROVIDER}:${ENDPOINT}`,
        b: `${REQUIRER}:${ENDPOINT}`,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.integer({ min: 1, max: 15 }).map((count): Operation => ({ op: "step", count })),
    },
    { weight: 1, arbitrary: fc.constant<Operation>({ op: "settle", maxHooks: 20_000 }) },
  ];
  if (options.calls ?? true) {
    const leader = { app: PROVIDER, leader: true as const };
    arbs.push(
      {
        weight: 5,
        arbitrary: someNames.map(
          (n): Operation => ({ op: "call", unit: leader, method: "add", args: [n] }),
        ),
      },
      {
        weight: 2,
        arbitrary: someNames.map(
          (n): Operation => ({ op: "call", unit: leader, method: "remove", args: [n] }),
        ),
      },
      {
        weight: 1,
        arbitrary: fc.constant<Operation>({
          op: "call",
          unit: leader,
          method: "removeAll",
          args: [],
        }),
      },
      {
        weight: 1,
        arbitrary: fc
          .record({
            n: someNames,
            k: fc.nat({ max: 3 }),
            method: fc.constantFrom("add", "remove", "removeAll"),
          })
          .map(
            ({ n, k, method }): Operation => ({
              op: "call",
              unit: { app: PROVIDER, nonLeader: k },
              method,
              args: [n],
            }),
          ),
      },
    );
  }
  if (options.garbage) {
    arbs.push({
      weight: 3,
      arbitrary: fc
        .record({
          app: fc.constantFrom(PROVIDER, REQUIRER),
          index: fc.nat({ max: 3 }),
          scope: fc.constantFrom("unit" as const, "app" as const),
          data: fc.dictionary(garbageKey, garbageValue, { minKeys: 1, maxKeys: 3 }),
        })
        .map(
          ({ app, index, scope, data }): Operation => ({
            op: "write-bag",
            unit: { app, index },
            endpoint: ENDPOINT,
            scope,
            data,
          }),
        ),
    });
  }
  if (options.unknownIds) {
    arbs.push({
      weight: 2,
      arbitrary: fc.record({ index: fc.nat({ max: 3 }), id: fc.integer({ min: 0, max: 9 }) }).map(
        ({ index, id }): Operation => ({
          op: "call",
          unit: { app: REQUIRER, index },
          method: "getAll",
          args: [id],
        }),
      ),
    });
  }
  return fc.oneof(...arbs);
}

/** A whole case: deploy both sides, relate them, random steps, settle. */
export function ctScenario(
  requirer: CtVariant,
  provider: CtVariant,
  options: CtOptions,
): fc.Arbitrary<Scenario> {
  return fc
    .record({
      providerUnits: fc.integer({ min: 1, max: 3 }),
      requirerUnits: fc.integer({ min: 1, max: 3 }),
      ops: fc.array(ctOperation(options), { maxLength: 14 }),
      choices: fc.array(fc.nat({ max: 1_000 }), { maxLength: 120 }),
      seed: fc.nat(),
      // Half the cases start from a settled model; the others race calls against start-up.
      settleFirst: fc.boolean(),
    })
    .map(({ providerUnits, requirerUnits, ops, choices, seed, settleFirst }) => ({
      seed,
      choices,
      steps: [
        {
          op: "deploy",
          app: PROVIDER,
          charm: `ct-provider-${provider}`,
          units: providerUnits,
          config: {},
          trusted: false,
        },
        {
          op: "deploy",
          app: REQUIRER,
          charm: `ct-requirer-${requirer}`,
          units: requirerUnits,
          config: {},
          trusted: false,
        },
        { op: "integrate", a: `${PROVIDER}:${ENDPOINT}`, b: `${REQUIRER}:${ENDPOINT}` },
        ...(settleFirst ? [{ op: "settle" as const, maxHooks: 50_000 }] : []),
        ...ops,
        { op: "settle", maxHooks: 50_000 },
      ],
    }));
}

// ---- the oracle: what the provider was asked to serve, per relation ---------------------------

/** Tracks the set the provider's leader was asked to serve on each relation. */
class ServedSets {
  private readonly perRelation = new Map<number, Set<string>>();
  private intended = new Set<string>();
  constructor(private readonly provider: CtVariant) {}

  /** A provider call that ran (not skipped) on the leader changes what it serves. */
  afterStep(step: StepOutcome, sim: Simulation): void {
    const { op, unit } = step;
    if (
      step.status !== "ok" ||
      op.op !== "call" ||
      !unit ||
      !unit.startsWith(`${PROVIDER}/`) ||
      !step.leader
    )
      return;
    const pems = (Array.isArray(op.args[0]) ? op.args[0] : [])
      .filter((x): x is string => typeof x === "string")
      .map((n) => fixtureCertificate(n).certPem);
    const apply = (set: Set<string>) => {
      if (op.method === "add") for (const p of pems) set.add(p);
      else if (op.method === "remove") for (const p of pems) set.delete(p);
      else if (op.method === "removeAll") set.clear();
    };
    // The v0 provider charm keeps its set in the peer application bag: no peer relation yet, no set.
    if (sim.agents.get(unit).relationIds("cluster", { kind: "update-status" }).length > 0)
      apply(this.intended);
    for (const id of sim.agents.get(unit).relationIds(ENDPOINT, { kind: "update-status" })) {
      let set = this.perRelation.get(id);
      if (!set) {
        set = new Set();
        this.perRelation.set(id, set);
      }
      apply(set);
    }
  }

  /** The v0 provider charm republishes its whole set to every relation; v1 libraries write per relation. */
  expected(relationId: number): Set<string> {
    return this.provider === "v0" ? this.intended : (this.perRelation.get(relationId) ?? new Set());
  }
}

const aliveRelations = (sim: Simulation): number[] =>
  [...sim.model.relations.values()].filter((r) => !r.peer && r.life === "alive").map((r) => r.id);
const aliveUnits = (sim: Simulation, app: string): string[] =>
  sim.model.apps.get(app)?.units.filter((u) => sim.model.units.get(u)?.life === "alive") ?? [];

/** P1: after settle, every requirer unit's certificates equal what the provider serves there. */
/**
 * What a requirer unit's library returns now, per relation id: its `current` call, or, for a
 * charm served through actions (Python), its `getAll` action once per relation it knows. A
 * string says why it could not be read.
 */
export function requirerView(
  sim: Simulation,
  entry: CatalogCharm,
  unit: string,
): Record<string, JsonValue> | string {
  const current = entry.calls.current;
  if (current) return sim.exec(unit, (charm) => current(charm, [])) as Record<string, JsonValue>;
  const getAll = entry.actionCalls?.getAll;
  if (!getAll) return `requirer charm ${entry.name} has no current() or getAll call`;
  const out: Record<string, JsonValue> = {};
  for (const id of sim.agents.get(unit).relationIds(ENDPOINT, { kind: "update-status" })) {
    const results: Readonly<Record<string, unknown>>[] = [];
    for (const { action, params } of getAll.actions([id])) {
      const outcome = sim.runAction(unit, action, params);
      if (outcome.error !== null)
        return `${unit} ${action} for relation ${id} raised ${errorText(outcome.error)}`;
      results.push(outcome.results);
    }
    out[String(id)] = getAll.value?.(results) ?? [];
  }
  return out;
}

function converges(
  requirer: CtVariant,
  provider: CtVariant,
  cat: CharmCatalog = catalog,
): () => Oracle {
  return () => {
    const served = new ServedSets(provider);
    return {
      afterStep: (o, sim) => served.afterStep(o, sim),
      check: (run) => {
        const sim = run.sim;
        const entry = cat.get(`ct-requirer-${requirer}`);
        for (const unit of aliveUnits(sim, REQUIRER)) {
          const view = requirerView(sim, entry, unit);
          if (typeof view === "string") return view;
          for (const id of aliveRelations(sim)) {
            const got = (view[String(id)] as string[] | undefined) ?? [];
            const want = served.expected(id);
            if (!sameSet(got, want)) {
              return `${unit} relation ${id}: the requirer library returns ${show(got)} but the provider was asked to serve ${show(want)}`;
            }
          }
        }
        return null;
      },
    };
  };
}

const eventsOf = (records: readonly TraceRecord[], unit: string, kinds: readonly string[]) =>
  records.filter(
    (r): r is Extract<TraceRecord, { t: "event" }> =>
      r.t === "event" && r.unit === unit && kinds.includes(r.kind),
  );

/** P2: the last certificateSetUpdated on each requirer unit carries the served set. */
function lastEventCarriesSet(provider: CtVariant): () => Oracle {
  return () => {
    const served = new ServedSets(provider);
    return {
      afterStep: (o, sim) => served.afterStep(o, sim),
      check: (run) => {
        const records = run.sim.trace.records;
        for (const unit of aliveUnits(run.sim, REQUIRER)) {
          const events = eventsOf(records, unit, ["certificate_set_updated"]);
          for (const id of aliveRelations(run.sim)) {
            const last = [...events].reverse().find((e) => e.data.relation_id === id);
            const got = (last?.data.certificates as string[] | undefined) ?? [];
            const want = served.expected(id);
            if (!sameSet(got, want)) {
              return `${unit} relation ${id}: the last certificate_set_updated carried ${show(got)}, the provider serves ${show(want)}`;
            }
          }
        }
        return null;
      },
    };
  };
}

const removedKinds = ["certificates_removed", "certificate_removed"];
const ctEventKinds = [
  "certificate_set_updated",
  "certificates_removed",
  "certificate_available",
  "certificate_removed",
];

/** P3: each requirer unit whose relation broke got exactly one removal event, the relation's last event. */
const removedOnce: PropertyCheck = (run) => {
  const records = run.sim.trace.records;
  const broken = records.filter(
    (r): r is Extract<TraceRecord, { t: "hook" }> =>
      r.t === "hook" && r.ok && r.kind === "relation-broken" && r.unit.startsWith(`${REQUIRER}/`),
  );
  for (const b of broken) {
    const events = eventsOf(records, b.unit, ctEventKinds).filter(
      (e) => e.data.relation_id === b.rel,
    );
    const removed = events.filter((e) => removedKinds.includes(e.kind));
    if (removed.length !== 1)
      return `${b.unit} relation ${b.rel}: ${removed.length} removal events after relation-broken, expected exactly 1`;
    if (events.at(-1) !== removed[0])
      return `${b.unit} relation ${b.rel}: an event of the relation came after its removal event`;
  }
  return null;
};

/** P4: only the provider's leader writes its application bag. */
const leaderOnlyAppWrites: PropertyCheck = (run) => {
  let leader: string | null = null;
  for (const r of run.sim.trace.records) {
    if (r.t === "leader" && r.app === PROVIDER) leader = r.unit;
    if (r.t === "commit" && r.owner === PROVIDER && r.unit !== leader)
      return `${r.unit} (not leader) wrote ${PROVIDER}'s application bag: ${JSON.stringify(r.set)}`;
    if (
      (r.t === "hook" || r.t === "exec") &&
      !r.ok &&
      /RelationDataAccessError/.test(r.error ?? "")
    )
      return `${r.unit}: ${r.error}`;
  }
  return null;
};

/** P5: no hook and no library call throws, whatever peers write into their bags. */
const neverThrows: PropertyCheck = (run) => {
  const failedHook = run.sim.trace.records.find((r) => r.t === "hook" && !r.ok);
  if (failedHook && failedHook.t === "hook")
    return `${failedHook.unit} ${failedHook.kind} threw: ${failedHook.error}`;
  const failedCall = run.steps.find((s) => s.op.op === "call" && s.status === "failed");
  if (failedCall)
    return `${failedCall.unit} ${failedCall.op.op === "call" ? failedCall.op.method : ""} threw: ${failedCall.detail}`;
  return null;
};

/** P6: every write of a provider bag changes the set it encodes (no spurious relation-changed). */
const stableSerialisation: PropertyCheck = (run) => {
  const last = new Map<string, string>();
  const setOf = (v: string | undefined): Set<string> | null => {
    if (v === undefined) return null;
    try {
      const parsed: unknown = JSON.parse(v);
      return Array.isArray(parsed) ? new Set(parsed.map(String)) : null;
    } catch {
      return null;
    }
  };
  for (const r of run.sim.trace.records) {
    if (r.t !== "commit" || !(r.owner === PROVIDER || r.owner.startsWith(`${PROVIDER}/`))) continue;
    for (const key of ["certificates", "chain"]) {
      const id = `${r.rel}|${r.owner}|${key}`;
      const next = r.set[key];
      if (next === undefined) {
        if (r.del.includes(key)) last.delete(id);
        continue;
      }
      const prev = last.get(id);
      const a = setOf(prev);
      const b = setOf(next);
      if (prev !== undefined && a && b && sameSet(a, b)) {
        return `${r.unit} rewrote ${key} in ${r.owner}'s bag of relation ${r.rel} with the same set ${show(b)} in another order`;
      }
      last.set(id, next);
    }
  }
  return null;
};

/** The variant label of a version mix, e.g. "v1 requirer x v0 provider". */
export const ctVariantName = (requirer: CtVariant, provider: CtVariant): string =>
  `${requirer} requirer x ${provider} provider`;

export interface CtRow {
  readonly requirer: CtVariant;
  readonly provider: CtVariant;
  /** Expected outcome per property: "hold", or the QUIRK name a counterexample shows. */
  readonly expect: Readonly<Record<string, string>>;
}

export const HOLD = "hold";

/**
 * The version-mix matrix (spec/certificate-transfer.md). v0-provider rows keep the provider's
 * leadership still: the v0 library keeps no shared state, so a leader change is the charm's
 * problem, not the library's.
 */
export const ctRows: readonly CtRow[] = [
  {
    requirer: "v1",
    provider: "v1",
    expect: {
      converges: "mode switch / v0 removal / several provider units",
      "last-event": "mode switch / v0 removal",
      "removed-once": HOLD,
      "leader-writes": HOLD,
      "no-throw": "unknown relation id throws",
      "stable-order": "unstable order",
    },
  },
  {
    requirer: "v1-fixed",
    provider: "v1-fixed",
    expect: {
      converges: HOLD,
      "last-event": HOLD,
      "removed-once": HOLD,
      "leader-writes": HOLD,
      "no-throw": HOLD,
      "stable-order": HOLD,
    },
  },
  {
    requirer: "v0",
    provider: "v1",
    expect: {
      converges: "v0 removal (and interface v0 signals no removal)",
      "removed-once": HOLD,
      "leader-writes": HOLD,
      "no-throw": "v0 library: JSON nested past Python's recursion limit",
      "stable-order": "unstable order",
    },
  },
  {
    requirer: "v0",
    provider: "v1-fixed",
    expect: {
      converges: "interface v0 signals no removal",
      "removed-once": HOLD,
      "leader-writes": HOLD,
      "no-throw": "v0 library: JSON nested past Python's recursion limit",
      "stable-order": HOLD,
    },
  },
  {
    requirer: "v1",
    provider: "v0",
    expect: {
      converges: "v0 library provider (raw PEM)",
      "last-event": "v0 library provider (raw PEM)",
      "removed-once": HOLD,
      "leader-writes": HOLD,
      "no-throw": "unknown relation id throws",
      "stable-order": HOLD,
    },
  },
  {
    requirer: "v1-fixed",
    provider: "v0",
    expect: {
      converges: HOLD,
      "last-event": HOLD,
      "removed-once": HOLD,
      "leader-writes": HOLD,
      "no-throw": HOLD,
      "stable-order": HOLD,
    },
  },
  {
    requirer: "v0",
    provider: "v0",
    expect: {
      converges: "interface v0 signals no removal",
      "removed-once": HOLD,
      "leader-writes": HOLD,
      "no-throw": "v0 library: JSON nested past Python's recursion limit",
      "stable-order": HOLD,
    },
  },
];

const descriptions: Readonly<Record<string, string>> = {
  converges:
    "after settle, every requirer unit's certificates equal the set the provider serves on that relation",
  "last-event": "the last certificateSetUpdated on each requirer unit carries that set",
  "removed-once":
    "after relation removal each requirer unit got the removal event exactly once, as the relation's last event",
  "leader-writes": "non-leader providers never write application data",
  "no-throw": "no hook or library call throws, whatever the peers write into their bags",
  "stable-order":
    "every write of a provider bag changes the set it encodes (no spurious relation-changed)",
};

/** The library files of a version mix; the faithful ones describe their QUIRKs at the top. */
function ctSources(requirer: CtVariant, provider: CtVariant): CaseSources {
  // The upstream library runs from .venv; its charms are in python/charms, and its QUIRKs are
  // the ones the faithful port (v1.ts) describes.
  const lib = (v: CtVariant) =>
    v.startsWith("upstream-") ? UPSTREAM_SOURCE : `src/libs/certificate-transfer/${v}.ts`;
  const variant = [...new Set([lib(requirer), lib(provider)])];
  const quirks = [
    ...new Set(
      variant
        .filter((f) => !f.endsWith("-fixed.ts"))
        .map((f) => (f === UPSTREAM_SOURCE ? "src/libs/certificate-transfer/v1.ts" : f)),
    ),
  ];
  return { variant, ...(quirks.length > 0 ? { quirks } : {}) };
}

/** Where the upstream v1 variant's charm code is (the library itself is the pinned package). */
export const UPSTREAM_SOURCE = "python/charms/ct-campaign-provider/src/charm.py";

export interface CtCasesOptions {
  readonly campaign: string;
  readonly rows: readonly CtRow[];
  readonly catalog: CharmCatalog;
  /** Run weights of hold and quirk cases (defaults 1 and 3). */
  readonly weights?: { readonly hold: number; readonly quirk: number };
  /** A run's cost relative to a TypeScript-only run (FuzzCase.cost; default 1). */
  readonly cost?: number;
}

/** The cases of a matrix: every property of every row. */
export function ctCases(options: CtCasesOptions): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const weights = options.weights ?? { hold: 1, quirk: 3 };
  for (const row of options.rows) {
    const variant = ctVariantName(row.requirer, row.provider);
    const leadership = row.provider !== "v0";
    const base = ctScenario(row.requirer, row.provider, { providerLeadership: leadership });
    const props: Record<
      string,
      { arbitrary: fc.Arbitrary<Scenario>; check?: PropertyCheck; oracle?: () => Oracle }
    > = {
      converges: {
        arbitrary: base,
        oracle: converges(row.requirer, row.provider, options.catalog),
      },
      "last-event": { arbitrary: base, oracle: lastEventCarriesSet(row.provider) },
      "removed-once": { arbitrary: base, check: removedOnce },
      "leader-writes": { arbitrary: base, check: leaderOnlyAppWrites },
      "no-throw": {
        arbitrary: ctScenario(row.requirer, row.provider, {
          providerLeadership: leadership,
          garbage: true,
          unknownIds: row.requirer !== "v0",
        }),
        check: neverThrows,
      },
      "stable-order": { arbitrary: base, check: stableSerialisation },
    };
    for (const [property, expectation] of Object.entries(row.expect)) {
      const p = props[property];
      if (!p) continue;
      cases.push({
        campaign: options.campaign,
        property: `ct.${property}`,
        description: descriptions[property] ?? property,
        variant,
        expect: expectation === HOLD ? "hold" : "quirk",
        ...(expectation === HOLD ? {} : { quirk: expectation }),
        arbitrary: p.arbitrary,
        // Quirk cases get more of the budget: their counterexamples need narrower interleavings.
        weight: expectation === HOLD ? weights.hold : weights.quirk,
        ...(p.check ? { check: p.check } : {}),
        ...(p.oracle ? { oracle: p.oracle } : {}),
        catalog: options.catalog,
        sources: ctSources(row.requirer, row.provider),
        ...(options.cost !== undefined ? { cost: options.cost } : {}),
      });
    }
  }
  return cases;
}

/** The cases of the campaign: every property of every row of the matrix. */
export function certificateTransferCases(): FuzzCase[] {
  return ctCases({ campaign: "certificate-transfer", rows: ctRows, catalog });
}

export type { ScenarioRun };
