/**
 * The `ct-differential` campaign: each scenario runs twice with the same seed and scheduler
 * choices, once with the dummy charms on the upstream Python certificate_transfer library
 * (python/charms/certificate-transfer-{provider,requirer}, the pinned v1 package) and once with
 * the dummy charms on charmsim's faithful TypeScript v1 port (src/charms/certificate-transfer/v1.ts).
 * Both pairs have the same actions, so every step is the same call in both runs. The property:
 * hook by hook, both runs commit the same databags (compared as each written bag's content after
 * the write) and emit the same library events with the same payloads.
 *
 * Python's set order is the one legitimate difference, normalised before comparing: a bag value
 * that is a JSON list of strings written as Python's json.dumps writes it is compared as its
 * sorted list; a `ca` or `certificate` value that is a member of the same bag's `chain` is
 * compared as "a member of chain"; an event payload's lists are compared sorted; and where the
 * requirer falls back to interface v0 with two or more provider units on the relation, which
 * unit's bag it reads (upstream pops an arbitrary member of the set `relation.units`, and which
 * one varies from run to run; the port reads the first): each run's certificates must be what
 * one provider unit's bag held. Any other difference (a hook's outcome, a key, the JSON
 * formatting, an event) is a finding.
 *
 * Opt-in (`charmsim fuzz --campaign ct-differential`): a Python hook costs 10-30 ms.
 */
import type fc from "fast-check";
import { v1ProviderSpec, v1RequirerSpec } from "../../charms/certificate-transfer/common.js";
import { makeV1ProviderCharm, V1RequirerCharm } from "../../charms/certificate-transfer/index.js";
import type { V1Library } from "../../charms/certificate-transfer/v1.js";
import type { CharmBase } from "../../harness/ops/charm.js";
import type { TraceRecord } from "../../harness/trace.js";
import { pyJsonDumps, sortedCodePoints } from "../../libs/certificate-transfer/python.js";
import * as faithful from "../../libs/certificate-transfer/v1.js";
import type { JsonValue } from "../../model/json.js";
import { charmSpec } from "../../model/metadata.js";
import { type PythonCharmOptions, pythonCharm } from "../../python/charm.js";
import type { FuzzCase, PropertyCheck } from "../campaign.js";
import {
  type ActionCall,
  type ActionInvocation,
  type CatalogCharm,
  CharmCatalog,
} from "../catalog.js";
import { runScenario } from "../execute.js";
import type { Scenario } from "../operations.js";
import { ctScenario, PROVIDER } from "./certificate-transfer.js";
import { CT_1_1_PYTHON, charmDir, PROVIDER_ACTION_CALLS } from "./ct-upstream.js";

/** The charm names the differential scenarios deploy; each catalog binds them to its pair. */
export const DIFF_PROVIDER = "ct-dummy-provider";
export const DIFF_REQUIRER = "ct-dummy-requirer";

/** The campaign's calls as the dummy charms' actions (the same on both pairs). */
const providerActions: Readonly<Record<string, ActionCall>> = PROVIDER_ACTION_CALLS;
const requirerActions: Readonly<Record<string, ActionCall>> = {
  getAll: {
    actions: (args): ActionInvocation[] => {
      const params: Record<string, string> = {};
      if (typeof args[0] === "number") params["relation-id"] = String(args[0]);
      return [{ action: "get-all-certificates", params }];
    },
  },
};

/** The dummy pair on the upstream Python library (the pinned 1.0.0, or another interpreter's). */
export function pythonPair(options: PythonCharmOptions = {}): CharmCatalog {
  const provider = pythonCharm(charmDir("certificate-transfer-provider"), options);
  const requirer = pythonCharm(charmDir("certificate-transfer-requirer"), options);
  return new CharmCatalog([
    {
      name: DIFF_PROVIDER,
      description: "dummy provider on the upstream Python library (v1)",
      charm: provider,
      spec: provider.spec,
      calls: {},
      actionCalls: providerActions,
    },
    {
      name: DIFF_REQUIRER,
      description: "dummy requirer on the upstream Python library (v1)",
      charm: requirer,
      spec: requirer.spec,
      calls: {},
      actionCalls: requirerActions,
    },
  ]);
}

/** The dummy pair on the faithful TypeScript port, driven through the same actions. */
export function typescriptPair(order?: SetOrder): CharmCatalog {
  // The charm (and so the library object) is built afresh for every hook and action: counting
  // the objects a unit built gives the hook's place among the unit's hooks.
  const hooksOf = new Map<string, number>();
  const lib: V1Library = order
    ? {
        ...faithful,
        CertificateTransferProvides: class extends faithful.CertificateTransferProvides {
          private readonly hook: number;
          constructor(charm: CharmBase, relationName: string, options?: faithful.ProvidesOptions) {
            super(charm, relationName, options);
            const unit = charm.unit.name;
            this.hook = (hooksOf.get(unit) ?? 0) + 1;
            hooksOf.set(unit, this.hook);
          }
          protected override order(certificates: ReadonlySet<string>): string[] {
            return order(this.model.unit.name, this.hook, certificates);
          }
        },
      }
    : faithful;
  const entries: CatalogCharm[] = [
    {
      name: DIFF_PROVIDER,
      description: "dummy provider on the faithful TypeScript v1 port",
      charm: makeV1ProviderCharm({ stableOrder: true }, lib),
      spec: charmSpec(v1ProviderSpec()),
      calls: {},
      actionCalls: providerActions,
    },
    {
      name: DIFF_REQUIRER,
      description: "dummy requirer on the faithful TypeScript v1 port",
      charm: V1RequirerCharm,
      spec: charmSpec(v1RequirerSpec()),
      calls: {},
      actionCalls: requirerActions,
    },
  ];
  return new CharmCatalog(entries);
}

/** The order in which a provider unit lists a set when it writes it, in its `hook`th hook. */
export type SetOrder = (unit: string, hook: number, certificates: ReadonlySet<string>) => string[];

/**
 * Python's set order as the upstream run showed it, so the port lists a set the same way: in a
 * unit's nth hook (actions count), the order in which upstream's unit wrote the same set (its
 * application bag's `certificates`, or its v0 `chain`) in that hook or, when the write changed
 * nothing there, last before it; a set the unit never wrote is listed sorted. Without this,
 * which member is v0's `ca`, and whether rewriting an unchanged set changes the bag (and so wakes
 * the other side), would follow two different set orders: the port draws a new one per hook, as
 * Juju's new Python process per hook does, while the worker runs a whole scenario in one Python
 * process, whose order changes only when a set is rebuilt.
 */
export function upstreamOrder(records: readonly TraceRecord[]): SetOrder {
  const hookAt = new Map<number, { unit: string; n: number }>();
  const hooks = new Map<string, number>();
  const writes = new Map<string, { n: number; key: string; list: string[] }[]>();
  for (const r of records) {
    if (r.t === "hook") {
      const n = (hooks.get(r.unit) ?? 0) + 1;
      hooks.set(r.unit, n);
      hookAt.set(r.seq, { unit: r.unit, n });
      continue;
    }
    if (r.t !== "commit" || (r.owner !== PROVIDER && !r.owner.startsWith(`${PROVIDER}/`))) continue;
    const at = hookAt.get(r.hook);
    if (!at) continue;
    for (const key of ["certificates", "chain"]) {
      const raw = r.set[key];
      const list = raw === undefined ? null : stringList(raw);
      if (!list) continue;
      const unitWrites = writes.get(at.unit) ?? [];
      unitWrites.push({ n: at.n, key: sortedJson(list), list });
      writes.set(at.unit, unitWrites);
    }
  }
  return (unit, hook, certificates) => {
    const sorted = sortedCodePoints([...certificates]);
    const key = JSON.stringify(sorted);
    const earlier = (writes.get(unit) ?? []).filter((w) => w.n <= hook && w.key === key);
    return earlier.at(-1)?.list ?? sorted;
  };
}

/** The library events compared; the dummies observe only these. */
const LIBRARY_EVENTS = ["certificate_set_updated", "certificates_removed"];

/** A bag value as compared: Python's set order taken out (see the module comment). */
function normaliseValue(key: string, value: string, bag: Readonly<Record<string, string>>): string {
  if ((key === "ca" || key === "certificate") && bag.chain !== undefined) {
    const chain = stringList(bag.chain);
    // The libraries write `ca` as a JSON string (pydantic's dump), the chain's members raw.
    if (chain?.includes(value) || chain?.includes(jsonString(value) ?? value))
      return "<a member of chain>";
  }
  const list = stringList(value);
  return list ? `<sorted> ${pyJsonDumps(sortedCodePoints(list))}` : value;
}

/** The string a JSON string literal holds; null for anything else. */
function jsonString(text: string): string | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "string" ? parsed : null;
  } catch {
    return null;
  }
}

/** The strings of a JSON list written as json.dumps writes it; null for anything else. */
function stringList(text: string): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || !parsed.every((x): x is string => typeof x === "string"))
    return null;
  return pyJsonDumps(parsed) === text ? parsed : null;
}

const normaliseJson = (v: JsonValue): JsonValue => {
  if (Array.isArray(v)) {
    const items = v.map(normaliseJson);
    return items.every((x) => typeof x === "string") ? sortedCodePoints(items as string[]) : items;
  }
  if (v !== null && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, normaliseJson(v[k] as JsonValue)]),
    );
  return v;
};

/** A library event as compared: its text, and for the v0 fallback's reads, what it could be. */
interface EventSummary {
  readonly text: string;
  /**
   * For certificate_set_updated while two or more provider units are on the relation: the
   * certificate sets the v0 fallback could have read (no chain, or the chain of a provider
   * unit's v0 bag as committed so far), each as its sorted JSON; null otherwise.
   */
  readonly fallback: { readonly read: string; readonly could: ReadonlySet<string> } | null;
}

/** One hook as compared: what ran, what it committed and which library events it emitted. */
interface HookSummary {
  readonly what: string;
  readonly commits: string;
  readonly events: readonly EventSummary[];
}

const sortedJson = (list: readonly string[]) => JSON.stringify(sortedCodePoints([...list]));

/** What the provider units of each relation have shown the v0 fallback so far. */
class ProviderUnits {
  private readonly units = new Map<number, Set<string>>();
  private readonly chains = new Map<number, Set<string>>();

  saw(rel: number, unit: string): void {
    if (!unit.startsWith(`${PROVIDER}/`)) return;
    const units = this.units.get(rel) ?? new Set<string>();
    this.units.set(rel, units.add(unit));
  }

  committed(rel: number, owner: string, bag: Readonly<Record<string, string>>): void {
    if (!owner.startsWith(`${PROVIDER}/`) || bag.chain === undefined) return;
    const chain = stringList(bag.chain);
    if (!chain) return;
    const chains = this.chains.get(rel) ?? new Set<string>();
    this.chains.set(rel, chains.add(sortedJson(chain)));
  }

  /** What the v0 fallback could read on `rel`; null while one provider unit leaves no choice. */
  couldRead(rel: number): ReadonlySet<string> | null {
    if ((this.units.get(rel)?.size ?? 0) < 2) return null;
    return new Set([sortedJson([]), ...(this.chains.get(rel) ?? [])]);
  }
}

/** The hooks of a trace, normalised, in order. */
export function hookSummaries(records: readonly TraceRecord[]): HookSummary[] {
  const out: HookSummary[] = [];
  const bySeq = new Map<number, { what: string; commits: string[]; events: EventSummary[] }>();
  const order: number[] = [];
  const providers = new ProviderUnits();
  const bags = new Map<string, Record<string, string>>();
  for (const r of records) {
    if (r.t === "hook") {
      const what = [
        r.unit,
        r.kind === "action" ? `action ${r.action ?? ""}` : r.kind,
        r.rel === undefined ? "" : `relation ${r.rel}`,
        r.remote === undefined ? "" : `remote ${r.remote}`,
        r.ok ? "ok" : "failed",
      ]
        .filter((x) => x !== "")
        .join(" ");
      bySeq.set(r.seq, { what, commits: [], events: [] });
      order.push(r.seq);
      if (r.rel !== undefined) {
        providers.saw(r.rel, r.unit);
        if (r.remote !== undefined) providers.saw(r.rel, r.remote);
      }
    } else if (r.t === "commit") {
      // Compared as the bag's whole content after the write: which keys a write changed depends
      // on what the bag held, and a value Python took from a set (v0's `ca`) may be another
      // member of the same chain in the two runs.
      const key = `${r.rel} ${r.owner}`;
      const bag: Record<string, string> = { ...(bags.get(key) ?? {}), ...r.set };
      for (const k of r.del) delete bag[k];
      bags.set(key, bag);
      providers.committed(r.rel, r.owner, bag);
      const content = Object.keys(bag)
        .sort()
        .map((k) => `${k}=${normaliseValue(k, bag[k] as string, bag)}`);
      bySeq.get(r.hook)?.commits.push(`relation ${r.rel} ${r.owner}: {${content.join("; ")}}`);
    } else if (r.t === "event" && LIBRARY_EVENTS.includes(r.kind)) {
      const data = normaliseJson(r.data as JsonValue);
      const text = `${r.kind} ${JSON.stringify(data)}`;
      let fallback: EventSummary["fallback"] = null;
      if (r.kind === "certificate_set_updated" && data !== null && typeof data === "object") {
        const { certificates, relation_id: rel } = data as Record<string, JsonValue>;
        const could = typeof rel === "number" ? providers.couldRead(rel) : null;
        if (could && Array.isArray(certificates))
          fallback = { read: JSON.stringify(certificates), could };
      }
      bySeq.get(r.hook)?.events.push({ text, fallback });
    }
  }
  for (const seq of order) {
    const h = bySeq.get(seq);
    if (h) out.push({ what: h.what, commits: h.commits.join(" | "), events: h.events });
  }
  return out;
}

/**
 * Whether two hooks' events differ only in which provider unit the requirer's v0 fallback read:
 * upstream takes `relation.units.pop()`, an arbitrary member of a Python set (it varies from run
 * to run), where the port takes the first unit; both are reads of one provider unit's bag.
 */
function onlyFallbackUnitDiffers(p: readonly EventSummary[], t: readonly EventSummary[]): boolean {
  if (p.length !== t.length) return false;
  return p.every((pe, i) => {
    const te = t[i] as EventSummary;
    if (pe.text === te.text) return true;
    const a = pe.fallback;
    const b = te.fallback;
    if (!a || !b) return false;
    // The same event on the same relation, certificates aside.
    const rest = (e: EventSummary, read: string) => e.text.replace(read, "");
    return rest(pe, a.read) === rest(te, b.read) && a.could.has(a.read) && b.could.has(b.read);
  });
}

const eventsText = (events: readonly EventSummary[]) => events.map((e) => e.text).join(" | ");

/** The first difference between two runs' hooks, or null. */
export function firstDifference(
  python: readonly HookSummary[],
  typescript: readonly HookSummary[],
): string | null {
  const n = Math.max(python.length, typescript.length);
  for (let i = 0; i < n; i++) {
    const p = python[i];
    const t = typescript[i];
    if (!p || !t) {
      const [longer, name] = p ? [p, "upstream Python"] : [t as HookSummary, "TypeScript port"];
      return `hook ${i + 1}: only the ${name} run has a hook here (${longer.what})`;
    }
    if (p.what !== t.what)
      return `hook ${i + 1}: the upstream Python run ran ${p.what}, the TypeScript port ${t.what}`;
    if (p.commits !== t.commits)
      return `hook ${i + 1} (${p.what}): upstream Python committed ${p.commits || "nothing"}; the TypeScript port committed ${t.commits || "nothing"}`;
    const pe = eventsText(p.events);
    const te = eventsText(t.events);
    if (pe !== te && !onlyFallbackUnitDiffers(p.events, t.events))
      return `hook ${i + 1} (${p.what}): upstream Python emitted ${pe || "no library event"}; the TypeScript port emitted ${te || "no library event"}`;
  }
  return null;
}

/**
 * The property: the case runs the Python pair (its catalog); the check runs the same scenario
 * with the TypeScript pair and compares.
 */
function agrees(): PropertyCheck {
  return (run, scenario) => {
    const typescript = typescriptPair(upstreamOrder(run.sim.trace.records));
    const other = runScenario(scenario, { catalog: typescript, onHookError: "skip" });
    return firstDifference(
      hookSummaries(run.sim.trace.records),
      hookSummaries(other.sim.trace.records),
    );
  };
}

/** The campaign's scenarios: the certificate-transfer campaign's, on the dummy pairs. */
export function differentialScenario(): fc.Arbitrary<Scenario> {
  return ctScenario("upstream-v1", "upstream-v1", {
    providerLeadership: true,
    unknownIds: true,
  }).map((s) => ({
    ...s,
    steps: s.steps.map((step) =>
      step.op === "deploy"
        ? { ...step, charm: step.charm.startsWith("ct-provider") ? DIFF_PROVIDER : DIFF_REQUIRER }
        : step,
    ),
  }));
}

/** Run weight: 16 runs at the default budget of 160. */
export const DIFFERENTIAL_WEIGHT = 0.1;

const DESCRIPTION =
  "every hook commits the same databags and emits the same library events with the same payloads on the upstream Python library as on the faithful TypeScript port (Python's set order normalised: lists compared sorted, ca/certificate as a member of chain, and in the requirer's v0 fallback which provider unit's bag was read, as upstream pops an arbitrary member of a set)";
const SOURCES = [
  "python/charms/certificate-transfer-provider/src/charm.py",
  "python/charms/certificate-transfer-requirer/src/charm.py",
  "src/charms/certificate-transfer/v1.ts",
  "src/libs/certificate-transfer/v1.ts",
];

export function ctDifferentialCases(): FuzzCase[] {
  return [
    {
      campaign: "ct-differential",
      property: "ct.differential",
      description: DESCRIPTION,
      variant: "upstream v1 (Python) vs faithful v1 port",
      expect: "hold",
      arbitrary: differentialScenario(),
      check: agrees(),
      catalog: pythonPair(),
      weight: DIFFERENTIAL_WEIGHT,
      // Python hooks (10-30 ms each), and the scenario run twice.
      cost: 100,
      sources: { variant: SOURCES },
    },
    {
      // The port follows 1.0.0; 1.1.0 changed behaviour (sorted lists, no repeated
      // certificate_set_updated, the app bag written in v0 mode too): the first difference found
      // is what the report shows.
      campaign: "ct-differential",
      property: "ct.differential",
      description: DESCRIPTION,
      variant: "upstream v1 1.1.0 (Python) vs faithful v1 port (of 1.0.0)",
      expect: "quirk",
      quirk: "library 1.1.0 behaves otherwise than 1.0.0, which the port follows",
      arbitrary: differentialScenario(),
      check: agrees(),
      catalog: pythonPair({ python: CT_1_1_PYTHON }),
      weight: DIFFERENTIAL_WEIGHT,
      // Python hooks (10-30 ms each), and the scenario run twice.
      cost: 100,
      sources: { variant: SOURCES, quirks: ["src/libs/certificate-transfer/v1.ts"] },
    },
  ];
}
