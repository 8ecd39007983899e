/**
 * The `ct-differential` campaign: each scenario runs twice with the same seed and scheduler
 * choices, once with the dummy charms on the upstream Python certificate_transfer library
 * (python/charms/certificate-transfer-{provider,requirer}, the pinned v1 package) and once with
 * the dummy charms on charmsim's faithful TypeScript v1 port (src/charms/certificate-transfer/v1.ts).
 * Both pairs have the same actions, so every step is the same call in both runs. The property:
 * hook by hook, both runs commit the same databags and emit the same library events with the
 * same payloads.
 *
 * Python's set order is the one legitimate difference, normalised before comparing: a bag value
 * that is a JSON list of strings written as Python's json.dumps writes it is compared as its
 * sorted list; a `ca` or `certificate` value that is a member of the same bag's `chain` is
 * compared as "a member of chain"; an event payload's lists are compared sorted. Any other
 * difference (a hook's outcome, a key, the JSON formatting, an event) is a finding.
 *
 * Opt-in (`charmsim fuzz --campaign ct-differential`): a Python hook costs 10-30 ms.
 */
import type fc from "fast-check";
import { v1ProviderSpec, v1RequirerSpec } from "../../charms/certificate-transfer/common.js";
import { makeV1ProviderCharm, V1RequirerCharm } from "../../charms/certificate-transfer/index.js";
import type { TraceRecord } from "../../harness/trace.js";
import { pyJsonDumps, sortedCodePoints } from "../../libs/certificate-transfer/python.js";
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
import { ctScenario } from "./certificate-transfer.js";
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
export function typescriptPair(): CharmCatalog {
  const entries: CatalogCharm[] = [
    {
      name: DIFF_PROVIDER,
      description: "dummy provider on the faithful TypeScript v1 port",
      charm: makeV1ProviderCharm(),
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

/** The library events compared; the dummies observe only these. */
const LIBRARY_EVENTS = ["certificate_set_updated", "certificates_removed"];

/** A bag value as compared: Python's set order taken out (see the module comment). */
function normaliseValue(key: string, value: string, bag: Readonly<Record<string, string>>): string {
  if ((key === "ca" || key === "certificate") && bag.chain !== undefined) {
    const chain = stringList(bag.chain);
    if (chain?.includes(value)) return "<a member of chain>";
  }
  const list = stringList(value);
  return list ? `<sorted> ${pyJsonDumps(sortedCodePoints(list))}` : value;
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

/** One hook as compared: what ran, what it committed and which library events it emitted. */
interface HookSummary {
  readonly what: string;
  readonly commits: string;
  readonly events: string;
}

/** The hooks of a trace, normalised, in order. */
export function hookSummaries(records: readonly TraceRecord[]): HookSummary[] {
  const out: HookSummary[] = [];
  const bySeq = new Map<number, { what: string; commits: string[]; events: string[] }>();
  const order: number[] = [];
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
    } else if (r.t === "commit") {
      const bag = r.set;
      const set = Object.keys(bag)
        .sort()
        .map((k) => `${k}=${normaliseValue(k, bag[k] as string, bag)}`);
      bySeq
        .get(r.hook)
        ?.commits.push(
          `relation ${r.rel} ${r.owner}: set {${set.join("; ")}} del [${[...r.del].sort().join(", ")}]`,
        );
    } else if (r.t === "event" && LIBRARY_EVENTS.includes(r.kind)) {
      bySeq
        .get(r.hook)
        ?.events.push(`${r.kind} ${JSON.stringify(normaliseJson(r.data as JsonValue))}`);
    }
  }
  for (const seq of order) {
    const h = bySeq.get(seq);
    if (h) out.push({ what: h.what, commits: h.commits.join(" | "), events: h.events.join(" | ") });
  }
  return out;
}

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
    if (p.events !== t.events)
      return `hook ${i + 1} (${p.what}): upstream Python emitted ${p.events || "no library event"}; the TypeScript port emitted ${t.events || "no library event"}`;
  }
  return null;
}

/**
 * The property: the case runs the Python pair (its catalog); the check runs the same scenario
 * with the TypeScript pair and compares.
 */
function agrees(typescript: CharmCatalog): PropertyCheck {
  return (run, scenario) => {
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
  "every hook commits the same databags and emits the same library events with the same payloads on the upstream Python library as on the faithful TypeScript port (Python's set order normalised: lists compared sorted, ca/certificate as a member of chain)";
const SOURCES = [
  "python/charms/certificate-transfer-provider/src/charm.py",
  "python/charms/certificate-transfer-requirer/src/charm.py",
  "src/charms/certificate-transfer/v1.ts",
  "src/libs/certificate-transfer/v1.ts",
];

export function ctDifferentialCases(): FuzzCase[] {
  const typescript = typescriptPair();
  return [
    {
      campaign: "ct-differential",
      property: "ct.differential",
      description: DESCRIPTION,
      variant: "upstream v1 (Python) vs faithful v1 port",
      expect: "hold",
      arbitrary: differentialScenario(),
      check: agrees(typescript),
      catalog: pythonPair(),
      weight: DIFFERENTIAL_WEIGHT,
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
      check: agrees(typescript),
      catalog: pythonPair({ python: CT_1_1_PYTHON }),
      weight: DIFFERENTIAL_WEIGHT,
      sources: { variant: SOURCES, quirks: ["src/libs/certificate-transfer/v1.ts"] },
    },
  ];
}
