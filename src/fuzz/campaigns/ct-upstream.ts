/**
 * The `ct-upstream` campaign: the certificate_transfer matrix with the upstream Python library
 * (`charmlibs.interfaces.certificate_transfer`, interface v1, the version python/requirements.txt
 * pins) as one more variant, as provider and as requirer, mixed with the TypeScript variants.
 * The scenarios and properties are the certificate-transfer campaign's; the Python charms serve
 * the campaign's calls through their actions (a Python charm has no TypeScript object for
 * `sim.exec`). The upstream library should show the QUIRKs the faithful port (v1) shows: each
 * row expects what the matching v1 row of the certificate-transfer matrix expects. One more row
 * runs the library 1.1.0 (`upstream-v1.1`, its own interpreter: CT_1_1_PYTHON) against the same
 * expectations, to tell which QUIRKs of 1.0.0 it still shows.
 *
 * Opt-in (`charmsim fuzz --campaign ct-upstream`): a Python hook costs 10-30 ms, so the budget
 * per case is a small fraction of the TypeScript campaign's.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsonValue } from "../../model/json.js";
import { fixtureCertificate } from "../../pki/fixtures.js";
import { type PythonCharmOptions, pythonCharm } from "../../python/charm.js";
import { PROJECT_ROOT } from "../../python/worker.js";
import type { FuzzCase } from "../campaign.js";
import { type ActionInvocation, type CatalogCharm, CharmCatalog } from "../catalog.js";
import { type CtRow, ctCases, ctRows, ctVariantName } from "./certificate-transfer.js";
import { type CtVariant, ctCharms } from "./ct-charms.js";
import { quirkHunts } from "./ct-quirk-hunts.js";

/** A Python charm directory under python/charms/. */
export const charmDir = (name: string): string =>
  fileURLToPath(new URL(`../../../python/charms/${name}`, import.meta.url));

/** The fixture certificates a campaign call names (its first argument), as PEMs. */
const pemsOf = (args: readonly JsonValue[]): string[] =>
  (Array.isArray(args[0]) ? args[0] : [])
    .filter((x): x is string => typeof x === "string")
    .map((n) => fixtureCertificate(n).certPem);

/** The campaign's provider calls as the Python dummy provider's actions. */
export const PROVIDER_ACTION_CALLS: NonNullable<CatalogCharm["actionCalls"]> = {
  add: {
    actions: (args) => {
      const pems = pemsOf(args);
      return pems.length === 0
        ? []
        : [{ action: "add-certificates", params: { certificates: pems.join(",") } }];
    },
  },
  remove: {
    actions: (args) =>
      pemsOf(args).map((certificate) => ({
        action: "remove-certificate",
        params: { certificate },
      })),
  },
  removeAll: { actions: () => [{ action: "remove-all-certificates", params: {} }] },
};

/**
 * The interpreter that runs the library 1.1.0 (`npm run setup:python` builds it): .venv's
 * packages with 1.1.0 in front of 1.0.0.
 */
export const CT_1_1_PYTHON = join(PROJECT_ROOT, ".venv", "ct-1.1", "bin", "python");

/** The upstream v1 provider and requirer, their calls routed to actions. */
export function upstreamCharms(): CatalogCharm[] {
  return [
    ...upstreamPair("upstream-v1", {}),
    ...upstreamPair("upstream-v1.1", { python: CT_1_1_PYTHON }),
  ];
}

function upstreamPair(
  variant: "upstream-v1" | "upstream-v1.1",
  options: PythonCharmOptions,
): CatalogCharm[] {
  const provider = pythonCharm(charmDir("ct-campaign-provider"), options);
  const requirer = pythonCharm(charmDir("certificate-transfer-requirer"), options);
  const version = variant === "upstream-v1" ? "1.0.0" : "1.1.0";
  return [
    {
      name: `ct-provider-${variant}`,
      description: `certificate_transfer provider on the upstream Python library ${version} (v1)`,
      charm: provider,
      spec: provider.spec,
      calls: {},
      actionCalls: PROVIDER_ACTION_CALLS,
    },
    {
      name: `ct-requirer-${variant}`,
      description: `certificate_transfer requirer on the upstream Python library ${version} (v1)`,
      charm: requirer,
      spec: requirer.spec,
      calls: {},
      actionCalls: {
        getAll: {
          actions: (args): ActionInvocation[] => {
            const params: Record<string, string> = {};
            if (typeof args[0] === "number") params["relation-id"] = String(args[0]);
            return [{ action: "get-all-certificates", params }];
          },
          value: (results) => {
            const certs = results[0]?.certificates;
            return Array.isArray(certs)
              ? certs.filter((c): c is string => typeof c === "string")
              : null;
          },
        },
      },
    },
  ];
}

const UP: CtVariant = "upstream-v1";
const UP11: CtVariant = "upstream-v1.1";

/** A row of the ct-upstream matrix: the v1 row with upstream in place of v1 where marked. */
function rowLike(requirer: CtVariant, provider: CtVariant): CtRow {
  const asV1 = (v: CtVariant): CtVariant => (v.startsWith("upstream-") ? "v1" : v);
  const like = ctRows.find((r) => r.requirer === asV1(requirer) && r.provider === asV1(provider));
  if (!like) throw new Error(`no certificate-transfer row for ${requirer} x ${provider}`);
  return { requirer, provider, expect: like.expect };
}

/** The version mixes of the campaign. */
export const upstreamRows: readonly CtRow[] = [
  rowLike(UP, UP),
  rowLike(UP, "v1"),
  rowLike("v1", UP),
  rowLike(UP, "v0"),
  rowLike("v0", UP),
  // 1.1.0 against the QUIRKs of 1.0.0: the report tells which of them it still shows.
  rowLike(UP11, UP11),
];

/** Run weights: hold cases 8 runs, quirk cases 24 runs at the default budget of 160. */
export const UPSTREAM_WEIGHTS = { hold: 0.05, quirk: 0.15 } as const;
/** Run weight of the upstream quirk hunts: 48 runs at the default budget. */
export const HUNT_WEIGHT = 0.3;

export function ctUpstreamCases(): FuzzCase[] {
  const matrix = ctCases({
    campaign: "ct-upstream",
    rows: upstreamRows,
    catalog: new CharmCatalog([...ctCharms, ...upstreamCharms()]),
    weights: UPSTREAM_WEIGHTS,
    // Python hooks: 10-30 ms each, against tens of microseconds.
    cost: 100,
  });
  return [...matrix, ...upstreamHuntCases(matrix)];
}

/**
 * The QUIRK hunts of the ct-quirks campaign (narrowed generators, each reaching one quirk's path
 * in a few runs) with the upstream library in place of the faithful v1 port: a quirk the
 * campaign's own generator does not reach within the Python budget is still looked for where it
 * lives. One case per hunt whose faithful mix involves v1, with the matrix's property and oracle
 * for the upstream mix; hunts of v0-only mixes have no upstream counterpart.
 */
export function upstreamHuntCases(matrix: readonly FuzzCase[]): FuzzCase[] {
  const upstream = (v: CtVariant): CtVariant => (v === "v1" ? UP : v);
  return quirkHunts.flatMap((hunt) => {
    const mix = {
      requirer: upstream(hunt.faithful.requirer),
      provider: upstream(hunt.faithful.provider),
    };
    if (mix.requirer !== UP && mix.provider !== UP) return [];
    const variant = ctVariantName(mix.requirer, mix.provider);
    const base = matrix.find((c) => c.property === hunt.property && c.variant === variant);
    if (base?.expect !== "quirk") return [];
    return [
      {
        ...base,
        variant: `${variant} [${hunt.name}]`,
        quirk: hunt.quirk,
        arbitrary: hunt.scenarios(mix),
        // 48 runs at the default budget: the hunts find most quirks in a few runs, the
        // late-leader one (the same scenarios as the TypeScript hunt) at run 36 with seed 1.
        weight: HUNT_WEIGHT,
      },
    ];
  });
}
