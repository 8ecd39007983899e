import fc from "fast-check";
import {
  consumerCertificatePool,
  fixtureCertificateFor,
  integratorIdentityFixture,
} from "../../charms/lxd-consumer/certificates.js";
import { LxdConsumerCharm } from "../../charms/lxd-consumer/charm.js";
import { LXD_CONSUMER_ENDPOINT, lxdConsumerSpec } from "../../charms/lxd-consumer/metadata.js";
import { LxdIntegratorCharm, LxdIntegratorFixedCharm } from "../../charms/lxd-integrator/charm.js";
import {
  LXD_INTEGRATOR_ENDPOINT,
  lxdIntegratorSpec,
} from "../../charms/lxd-integrator/metadata.js";
import { buildLxdWorld, type LxdWorldOptions } from "../../charms/lxd-integrator/variants.js";
import type { CharmBase, CharmClass } from "../../harness/ops/charm.js";
import type { Simulation } from "../../harness/simulation.js";
import { LXD_EXTERNAL } from "../../libs/lxd/client.js";
import { CLIENT_CERTIFICATES_KEY, NODES_KEY } from "../../libs/lxd/data.js";
import { charmSpec } from "../../model/metadata.js";
import { fixtureServerCert } from "../../pki/fixtures.js";
import type { LxdServerRegistry } from "../../workloads/lxd-registry.js";
import type { LxdServer } from "../../workloads/lxd-server.js";
import {
  type CaseSources,
  type FuzzCase,
  invariantsHold,
  type PropertyCheck,
} from "../campaign.js";
import { type CatalogCharm, type CharmCall, CharmCatalog } from "../catalog.js";
import type { ScenarioRun } from "../execute.js";
import type { Operation, Scenario } from "../operations.js";

/**
 * The lxd campaign: an lxd-integrator application `lxd` (one integrator variant, trusted, so
 * `credential-get` hands it the simulated LXD's credentials) serving one or two lxd-consumer
 * applications (`app` and `web`, whose units use distinct fixture certificates), under consumer
 * unit churn, relation removal and re-creation, integrator leadership moves and interleavings.
 * The properties are those of spec/lxd.md; the matrix at the bottom says which variant is
 * expected to keep which.
 */

const INTEGRATOR = "lxd";
/** Consumer applications and their `fixture_offset` (far enough apart that their units' certificates differ). */
const CONSUMERS = [
  { app: "app", offset: 0 },
  { app: "web", offset: 12 },
] as const;
const CONSUMER_APPS: readonly string[] = CONSUMERS.map((c) => c.app);
const API = `${INTEGRATOR}:${LXD_INTEGRATOR_ENDPOINT}`;
const lxdEnd = (app: string) => `${app}:${LXD_CONSUMER_ENDPOINT}`;

export type LxdCampaignVariant = "faithful" | "fixed";

const integratorSpec = charmSpec(lxdIntegratorSpec);

/** The simulated LXD servers, as the integrator charm reaches them. */
const registryOf = (charm: CharmBase): LxdServerRegistry | undefined =>
  charm.model.external<LxdServerRegistry>(LXD_EXTERNAL);

/** `trustStore`: every simulated LXD server's trusted fingerprints, by endpoint. */
const trustStoreCall: CharmCall = (charm) => {
  const registry = registryOf(charm);
  if (!registry) return {};
  const out: Record<string, string[]> = {};
  for (const [endpoint, snapshot] of Object.entries(registry.snapshot())) {
    out[endpoint] = snapshot.certificates.map((c) => c.fingerprint);
  }
  return out;
};

function integratorEntry(
  name: string,
  description: string,
  charm: CharmClass,
  world: LxdWorldOptions = {},
): CatalogCharm {
  return {
    name,
    description,
    charm,
    spec: integratorSpec,
    calls: { trustStore: trustStoreCall },
    // One LXD server that trusts the integrator's identity, and the cloud credential for it.
    environment: () => {
      const built = buildLxdWorld(world);
      return { external: built.external, credential: built.credential };
    },
  };
}

/** The catalog name of an integrator deployed where an impostor answers at the LXD endpoint. */
const IMPOSTOR_SUFFIX = "-impostor-lxd";
const IMPOSTOR_WORLD =
  "; its LXD endpoint is answered by an impostor presenting another server certificate than the credential names";

/** Catalog entries of the lxd charms: the integrator variants and the consumer. */
export const lxdCharms: CatalogCharm[] = [
  integratorEntry("lxd-integrator", "faithful port of the LXD integrator", LxdIntegratorCharm),
  integratorEntry(
    "lxd-integrator-fixed",
    "the LXD integrator with upstream's defects fixed",
    LxdIntegratorFixedCharm,
  ),
  integratorEntry(
    `lxd-integrator${IMPOSTOR_SUFFIX}`,
    `faithful port of the LXD integrator${IMPOSTOR_WORLD}`,
    LxdIntegratorCharm,
    { impostor: true },
  ),
  integratorEntry(
    `lxd-integrator-fixed${IMPOSTOR_SUFFIX}`,
    `the LXD integrator with upstream's defects fixed${IMPOSTOR_WORLD}`,
    LxdIntegratorFixedCharm,
    { impostor: true },
  ),
  {
    name: "lxd-consumer",
    description:
      "publishes its client certificate on the lxd relation (fixture pool, by unit number and fixture_offset)",
    charm: LxdConsumerCharm,
    spec: charmSpec(lxdConsumerSpec),
    calls: {
      fingerprints: (charm) =>
        (charm as LxdConsumerCharm).certificates().certificates.map((c) => c.fingerprint),
    },
  },
];

const charmOf: Readonly<Record<LxdCampaignVariant, string>> = {
  faithful: "lxd-integrator",
  fixed: "lxd-integrator-fixed",
};

export const catalog = new CharmCatalog(lxdCharms);

// ---- scenarios ---------------------------------------------------------------------------------

/** Values a peer that ignores the protocol might put in `client_certificates`. */
const garbageCertificates = fc.constantFrom(
  "",
  "not json",
  "{",
  "42",
  "null",
  '"x"',
  "[1, 2]",
  '[{"a": 1}]',
  '["not a certificate"]',
  JSON.stringify(["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"]),
);

export interface LxdOptions {
  /** Consumer units write ill-formed `client_certificates` into their own bags. */
  readonly garbage?: boolean;
  /** Relations removed and re-created, and a second consumer application (default true). */
  readonly relationChurn?: boolean;
  /** Integrator units added, and removed (never its last one). */
  readonly integratorScaling?: boolean;
  /** An impostor, presenting another server certificate, answers at the LXD endpoint. */
  readonly impostor?: boolean;
}

/** Random steps of the campaign. */
export function lxdOperation(options: LxdOptions = {}): fc.Arbitrary<Operation> {
  const churn = options.relationChurn ?? true;
  const consumerApp = churn
    ? fc.constantFrom(...CONSUMER_APPS)
    : fc.constant(CONSUMER_APPS[0] as string);
  const arbs: { weight: number; arbitrary: fc.Arbitrary<Operation> }[] = [
    { weight: 2, arbitrary: consumerApp.map((app): Operation => ({ op: "add-unit", app })) },
    {
      weight: 2,
      arbitrary: fc
        .record({ app: consumerApp, index: fc.nat({ max: 5 }) })
        .map((unit): Operation => ({ op: "remove-unit", unit })),
    },
    {
      weight: 1,
      arbitrary: fc
        .nat({ max: 3 })
        .map((index): Operation => ({ op: "set-leader", unit: { app: INTEGRATOR, index } })),
    },
    {
      weight: 3,
      arbitrary: fc.integer({ min: 1, max: 15 }).map((count): Operation => ({ op: "step", count })),
    },
    { weight: 1, arbitrary: fc.constant<Operation>({ op: "settle", maxHooks: 20_000 }) },
  ];
  if (churn) {
    arbs.push(
      {
        weight: 1,
        arbitrary: consumerApp.map(
          (app): Operation => ({ op: "remove-relation", a: API, b: lxdEnd(app) }),
        ),
      },
      {
        weight: 1,
        arbitrary: consumerApp.map(
          (app): Operation => ({ op: "integrate", a: API, b: lxdEnd(app) }),
        ),
      },
    );
  }
  if (options.integratorScaling) {
    arbs.push(
      { weight: 1, arbitrary: fc.constant<Operation>({ op: "add-unit", app: INTEGRATOR }) },
      {
        weight: 1,
        arbitrary: fc.nat({ max: 3 }).map(
          (nonLeader): Operation => ({
            op: "remove-unit",
            unit: { app: INTEGRATOR, nonLeader },
          }),
        ),
      },
    );
  }
  if (options.garbage) {
    arbs.push({
      weight: 3,
      arbitrary: fc
        .record({ app: consumerApp, index: fc.nat({ max: 3 }), value: garbageCertificates })
        .map(
          ({ app, index, value }): Operation => ({
            op: "write-bag",
            unit: { app, index },
            endpoint: LXD_CONSUMER_ENDPOINT,
            scope: "unit",
            data: { [CLIENT_CERTIFICATES_KEY]: value },
          }),
        ),
    });
  }
  return fc.oneof(...arbs);
}

/** A whole case: deploy the integrator and one or two consumers, relate them, random steps, settle. */
export function lxdScenario(
  variant: LxdCampaignVariant,
  options: LxdOptions = {},
): fc.Arbitrary<Scenario> {
  return fc
    .record({
      integratorUnits: fc.integer({ min: 1, max: 2 }),
      consumerUnits: fc.array(fc.integer({ min: 1, max: 3 }), {
        minLength: 1,
        maxLength: (options.relationChurn ?? true) ? 2 : 1,
      }),
      ops: fc.array(lxdOperation(options), { maxLength: 12 }),
      choices: fc.array(fc.nat({ max: 1_000 }), { maxLength: 120 }),
      seed: fc.nat(),
      settleFirst: fc.boolean(),
    })
    .map(({ integratorUnits, consumerUnits, ops, choices, seed, settleFirst }) => {
      const consumers = consumerUnits.map((units, i) => ({
        ...(CONSUMERS[i] as (typeof CONSUMERS)[number]),
        units,
      }));
      const steps: Operation[] = [
        {
          op: "deploy",
          app: INTEGRATOR,
          charm: `${charmOf[variant]}${options.impostor ? IMPOSTOR_SUFFIX : ""}`,
          units: integratorUnits,
          config: {},
          trusted: true,
        },
        ...consumers.map(
          (c): Operation => ({
            op: "deploy",
            app: c.app,
            charm: "lxd-consumer",
            units: c.units,
            config: c.offset === 0 ? {} : { fixture_offset: c.offset },
            trusted: false,
          }),
        ),
        ...consumers.map((c): Operation => ({ op: "integrate", a: API, b: lxdEnd(c.app) })),
        ...(settleFirst ? [{ op: "settle" as const, maxHooks: 50_000 }] : []),
        ...ops,
        { op: "settle", maxHooks: 50_000 },
      ];
      return { seed, choices, steps };
    });
}

// ---- what the model says should be trusted -----------------------------------------------------

const INTEGRATOR_FINGERPRINT = integratorIdentityFixture().fingerprint;
/** The server certificate the integrator's credentials name. */
const CONFIGURED_SERVER_FINGERPRINT = fixtureServerCert().fingerprint;
const short = (fp: string) => fp.slice(0, 12);

/** The fingerprint a consumer unit publishes (its app's fixture_offset, its unit number). */
function unitFingerprint(sim: Simulation, unit: string): string {
  const app = sim.model.apps.get(unit.slice(0, unit.indexOf("/")));
  const offset = app?.config.fixture_offset;
  const number = Number(unit.slice(unit.indexOf("/") + 1));
  return fixtureCertificateFor(number, typeof offset === "number" ? offset : 0).fingerprint;
}

interface Related {
  readonly relation: number;
  readonly app: string;
  readonly units: readonly string[];
}

/** Every alive relation of the integrator with a consumer application, and its alive units. */
function relatedConsumers(sim: Simulation): Related[] {
  const out: Related[] = [];
  for (const rel of sim.model.relations.values()) {
    if (rel.peer || rel.life !== "alive") continue;
    if (!rel.ends.some((e) => e.app === INTEGRATOR && e.endpoint === LXD_INTEGRATOR_ENDPOINT))
      continue;
    const other = rel.ends.find((e) => e.app !== INTEGRATOR);
    if (!other || !CONSUMER_APPS.includes(other.app)) continue;
    const app = sim.model.apps.get(other.app);
    const units = app?.units.filter((u) => sim.model.units.get(u)?.life === "alive").sort() ?? [];
    out.push({ relation: rel.id, app: other.app, units });
  }
  return out.sort((a, b) => a.relation - b.relation);
}

/** Fingerprint → the related units publishing it. */
function wantedFingerprints(sim: Simulation): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of relatedConsumers(sim)) {
    for (const u of r.units) {
      const fp = unitFingerprint(sim, u);
      out.set(fp, [...(out.get(fp) ?? []), u]);
    }
  }
  return out;
}

const aliveIntegratorUnits = (sim: Simulation): string[] =>
  sim.model.apps
    .get(INTEGRATOR)
    ?.units.filter(
      (u) => sim.model.units.get(u)?.life === "alive" && sim.model.units.get(u)?.installed,
    ) ?? [];

/** The simulated LXD's trust store, read through any unit that is up (null if none is). */
function trustStore(sim: Simulation): Set<string> | null {
  const unit = [...sim.model.units.values()].find((u) => u.life === "alive" && u.installed);
  if (unit === undefined) return null;
  const stores = sim.exec(unit.name, (charm: CharmBase) => trustStoreCall(charm, [])) as Record<
    string,
    string[]
  >;
  return new Set(Object.values(stores).flat());
}

/** The simulated LXD servers, reached through any unit that is up (none if no unit is). */
function lxdServers(sim: Simulation): LxdServer[] {
  const unit = [...sim.model.units.values()].find((u) => u.life === "alive" && u.installed);
  if (unit === undefined) return [];
  const registry = sim.exec(unit.name, (charm: CharmBase) => registryOf(charm));
  return (registry?.endpoints() ?? []).flatMap((endpoint) => registry?.get(endpoint) ?? []);
}

/** Who a fingerprint belongs to, for messages. */
function ownerOf(sim: Simulation, fp: string): string {
  if (fp === INTEGRATOR_FINGERPRINT) return "the integrator";
  const units = [...sim.model.units.values()]
    .filter((u) => CONSUMER_APPS.includes(u.app) && unitFingerprint(sim, u.name) === fp)
    .map((u) => u.name);
  return units.length > 0 ? units.join("/") : "unknown";
}

/** The scenario's final settle must have finished for post-settle properties to mean anything. */
function finalSettleProblem(run: ScenarioRun): string | null {
  const last = run.steps.at(-1);
  if (last && last.op.op === "settle" && last.status === "failed")
    return `the final settle did not finish: ${last.detail ?? ""}`;
  return null;
}

// ---- properties --------------------------------------------------------------------------------

/** (a) After settle, LXD trusts exactly the related consumer units' certificates and the integrator. */
const trustStoreExact: PropertyCheck = (run) => {
  const settle = finalSettleProblem(run);
  if (settle) return settle;
  const sim = run.sim;
  const store = trustStore(sim);
  if (store === null) return "no unit is up to read LXD's trust store through";
  const wanted = wantedFingerprints(sim);
  const missing = [...wanted.keys()].filter((fp) => !store.has(fp));
  if (missing.length > 0) {
    return `LXD does not trust the certificate of related unit(s) ${missing
      .map((fp) => `${(wanted.get(fp) ?? []).join("/")} (${short(fp)})`)
      .join(", ")}`;
  }
  const extra = [...store].filter((fp) => fp !== INTEGRATOR_FINGERPRINT && !wanted.has(fp));
  if (extra.length > 0) {
    return `LXD still trusts certificate(s) no related unit publishes: ${extra
      .map((fp) => `${short(fp)} of ${ownerOf(sim, fp)}`)
      .join(", ")}`;
  }
  if (!store.has(INTEGRATOR_FINGERPRINT))
    return "LXD no longer trusts the integrator's own certificate";
  return null;
};

/** (b) Every related consumer unit's fingerprint is in trusted_certs_fp of every integrator unit's node. */
const fingerprintsListed: PropertyCheck = (run) => {
  const settle = finalSettleProblem(run);
  if (settle) return settle;
  const sim = run.sim;
  for (const r of relatedConsumers(sim)) {
    for (const provider of aliveIntegratorUnits(sim)) {
      const raw = sim.bag(r.relation, provider)[NODES_KEY];
      if (raw === undefined && r.units.length > 0)
        return `${provider} publishes no ${NODES_KEY} in relation ${r.relation} (${r.app}), which has units ${r.units.join(", ")}`;
      let listed: string[] = [];
      try {
        const nodes = JSON.parse(raw ?? "[]") as { trusted_certs_fp?: unknown }[];
        listed = nodes.flatMap((n) =>
          Array.isArray(n.trusted_certs_fp)
            ? n.trusted_certs_fp.filter((x): x is string => typeof x === "string")
            : [],
        );
      } catch {
        return `${provider}'s ${NODES_KEY} in relation ${r.relation} is not JSON: ${raw}`;
      }
      const unlisted = r.units.filter((u) => !listed.includes(unitFingerprint(sim, u)));
      if (unlisted.length > 0) {
        return `${provider}'s node in relation ${r.relation} (${r.app}) does not list the fingerprint of ${unlisted
          .map((u) => `${u} (${short(unitFingerprint(sim, u))})`)
          .join(", ")}; trusted_certs_fp = [${listed.map(short).join(", ")}]`;
      }
    }
  }
  return null;
};

/** (c) A consumer unit that left (unit removed or relation gone) has its certificate untrusted. */
const departedUntrusted: PropertyCheck = (run) => {
  const settle = finalSettleProblem(run);
  if (settle) return settle;
  const sim = run.sim;
  const store = trustStore(sim);
  if (store === null) return "no unit is up to read LXD's trust store through";
  const wanted = wantedFingerprints(sim);
  const related = new Set(relatedConsumers(sim).flatMap((r) => r.units));
  const departed = [...sim.model.units.values()]
    .filter((u) => CONSUMER_APPS.includes(u.app) && !related.has(u.name))
    .map((u) => u.name)
    .sort();
  for (const unit of departed) {
    const fp = unitFingerprint(sim, unit);
    if (wanted.has(fp)) continue; // another related unit publishes the same certificate
    if (store.has(fp)) {
      const life = sim.model.units.get(unit)?.life;
      return `${unit} (${life === "alive" ? "no longer related" : "removed"}) left, but LXD still trusts its certificate ${short(fp)}`;
    }
  }
  return null;
};

/** The first failed hook of a run, described; null when every hook succeeded. */
function firstFailedHook(run: ScenarioRun): string | null {
  const failed = run.sim.trace.records.find((r) => r.t === "hook" && !r.ok);
  if (failed && failed.t === "hook") {
    return `${failed.unit} ${failed.kind}${failed.rel !== undefined ? ` (relation ${failed.rel})` : ""} failed: ${failed.error}`;
  }
  return null;
}

/** No hook fails (the scenario's input is well formed). */
const noHookFails: PropertyCheck = (run) => firstFailedHook(run);

const POOL_FINGERPRINTS = new Set(consumerCertificatePool().map((c) => c.fingerprint));

/** Ill-formed `client_certificates` never fail a hook and never get anything but real certificates trusted. */
const illFormedHandled: PropertyCheck = (run) => {
  const failed = firstFailedHook(run);
  if (failed) return failed;
  const store = trustStore(run.sim);
  const garbage = [...(store ?? [])].filter(
    (fp) => fp !== INTEGRATOR_FINGERPRINT && !POOL_FINGERPRINTS.has(fp),
  );
  return garbage.length > 0
    ? `LXD trusts ${garbage.length} certificate(s) no consumer published: ${garbage.map(short).join(", ")}`
    : null;
};

/**
 * LXD is reached only at a server presenting the server certificate the credentials name: a
 * server presenting another one gets no request through (the handshake fails before any).
 */
const serverIdentity: PropertyCheck = (run) => {
  for (const server of lxdServers(run.sim)) {
    if (server.serverFingerprint === CONFIGURED_SERVER_FINGERPRINT) continue;
    const answered = server.requests.filter((r) => r.status !== null);
    if (answered.length === 0) continue;
    const shown = answered
      .slice(0, 4)
      .map((r) => `${r.method} ${r.path} ${r.status}`)
      .join(", ");
    return `the LXD at ${server.endpoint} presents certificate ${short(server.serverFingerprint)}, not the configured ${short(CONFIGURED_SERVER_FINGERPRINT)}, yet answered ${answered.length} request(s) of the integrator: ${shown}${answered.length > 4 ? ", ..." : ""}`;
  }
  return null;
};

// ---- the matrix --------------------------------------------------------------------------------

const HOLD = "hold";

interface Row {
  readonly variant: LxdCampaignVariant;
  readonly description: string;
  /** Expected outcome per property: "hold", or the QUIRK (spec/lxd.md) a counterexample shows. */
  readonly expect: Readonly<Record<string, string>>;
}

export const lxdRows: readonly Row[] = [
  {
    variant: "faithful",
    description: "faithful integrator",
    expect: {
      // Two relations on the endpoint make relation-joined raise before anything is published.
      "trust-store": "certificates never removed / relation-joined raises with two relations",
      listed: "relation-joined resets trusted_certs_fp / relation-joined raises with two relations",
      departed: "certificates never removed",
      "no-hook-failure": "relation-joined raises with two relations (getRelation by endpoint)",
      "ill-formed": "ill-formed client_certificates crash relation-changed",
      "server-identity": "server certificate never checked (Purpose.CLIENT_AUTH TLS context)",
      invariants: HOLD,
    },
  },
  {
    variant: "fixed",
    description: "fixed integrator",
    expect: {
      "trust-store": HOLD,
      listed: HOLD,
      departed: HOLD,
      "no-hook-failure": HOLD,
      "ill-formed": HOLD,
      "server-identity": HOLD,
      invariants: HOLD,
    },
  },
];

const properties: Readonly<
  Record<
    string,
    { description: string; check: PropertyCheck; garbage?: boolean; impostor?: boolean }
  >
> = {
  "trust-store": {
    description:
      "after settle, LXD's trust store holds exactly the certificates of the related consumer units (and the integrator's own)",
    check: trustStoreExact,
  },
  listed: {
    description:
      "after settle, every related consumer unit's fingerprint is in trusted_certs_fp of every integrator unit's node",
    check: fingerprintsListed,
  },
  departed: {
    description:
      "after settle, a consumer unit that left the relation has its certificate untrusted",
    check: departedUntrusted,
  },
  "no-hook-failure": {
    description: "no hook fails on well-formed input",
    check: noHookFails,
  },
  "ill-formed": {
    description:
      "ill-formed client_certificates never fail a hook and never get a certificate trusted",
    check: illFormedHandled,
    garbage: true,
  },
  "server-identity": {
    description:
      "with an impostor answering at the LXD endpoint (another server certificate), no request of the integrator gets through",
    check: serverIdentity,
    impostor: true,
  },
  invariants: {
    description: "every trace satisfies I1-I11 of spec/juju-hooks.md",
    check: invariantsHold,
  },
};

/** The integrator's files per variant; the faithful interface port describes its QUIRKs. */
const lxdSources: Readonly<Record<LxdCampaignVariant, CaseSources>> = {
  faithful: {
    variant: ["src/libs/lxd/provider.ts", "src/charms/lxd-integrator/charm.ts"],
    quirks: ["src/libs/lxd/provider.ts"],
  },
  fixed: {
    variant: ["src/libs/lxd/provider-fixed.ts", "src/charms/lxd-integrator/charm.ts"],
  },
};

/** The cases of the campaign: every property of every row of the matrix. */
export function lxdCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const row of lxdRows) {
    const plain = lxdScenario(row.variant, { integratorScaling: true });
    // One consumer application and no relation churn: only the ill-formed data can break it.
    const garbage = lxdScenario(row.variant, { garbage: true, relationChurn: false });
    const impostor = lxdScenario(row.variant, { impostor: true, integratorScaling: true });
    for (const [property, expectation] of Object.entries(row.expect)) {
      const p = properties[property];
      if (!p) throw new Error(`lxd campaign: no property "${property}"`);
      cases.push({
        campaign: "lxd",
        property: `lxd.${property}`,
        description: p.description,
        variant: row.description,
        expect: expectation === HOLD ? "hold" : "quirk",
        ...(expectation === HOLD ? {} : { quirk: expectation }),
        arbitrary: p.garbage ? garbage : p.impostor ? impostor : plain,
        check: p.check,
        catalog,
        sources: lxdSources[row.variant],
        // A case that holds runs its full budget, 5-7 ms a run with the fixed integrator (a TLS
        // handshake's worth of certificate checks per hook), ten times a certificate-transfer
        // run; a quirk is found within a few runs, and the case stops (9-261 ms in all, against
        // 700-1,100 ms for one that holds). The pool starts the long ones first.
        cost: expectation === HOLD ? 10 : 1,
      });
    }
  }
  return cases;
}
