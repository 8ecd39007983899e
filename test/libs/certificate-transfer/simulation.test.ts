/**
 * The dummy certificate_transfer charms in a whole simulated model: several provider and requirer
 * units on both sides of the relation, every row of the spec's version-mix matrix, and relation
 * removal. Every run's trace must satisfy the Juju invariants.
 */
import { describe, expect, it } from "vitest";
import {
  type CertificateTransferVariant,
  certificateTransferVariants,
} from "../../../src/charms/certificate-transfer/index.js";
import type { V1ProviderCharm } from "../../../src/charms/certificate-transfer/v1.js";
import { checkInvariants, formatViolations } from "../../../src/harness/invariants.js";
import type { CharmBase } from "../../../src/harness/ops/charm.js";
import { Simulation } from "../../../src/harness/simulation.js";
import type { TraceRecord } from "../../../src/harness/trace.js";
import { sortedCodePoints } from "../../../src/libs/certificate-transfer/python.js";
import { fixtureClientCerts } from "../../../src/pki/fixtures.js";
import { SteeringScheduler, settleUnit } from "../../sim/charms.js";

const PEMS = fixtureClientCerts()
  .slice(0, 3)
  .map((c) => c.certPem);
const SORTED = sortedCodePoints(PEMS);
const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7];
const REQUIRERS = ["app/0", "app/1", "app/2"];

type EventRecord = Extract<TraceRecord, { t: "event" }>;
type LogRecord = Extract<TraceRecord, { t: "log" }>;

/** What both dummy requirers keep: certificates per relation id, from the library's events. */
interface Holder extends CharmBase {
  heldCertificates(): Map<number, string[]>;
}

function expectInvariants(sim: Simulation): void {
  const v = checkInvariants(sim.trace);
  expect(v, formatViolations(v)).toEqual([]);
}

interface Deployment {
  readonly requirer: CertificateTransferVariant;
  readonly provider: CertificateTransferVariant;
  readonly providerUnits?: number;
  readonly requirerUnits?: number;
}

/** Deploys provider `ca` (offering PEMS) and requirer `app` and relates them; nothing runs yet. */
function deploy(sim: Simulation, d: Deployment): number {
  const p = certificateTransferVariants[d.provider];
  const r = certificateTransferVariants[d.requirer];
  sim.deploy("ca", p.makeProviderCharm({ certificates: PEMS }), {
    ...p.meta.provider,
    units: d.providerUnits ?? 2,
  });
  sim.deploy("app", r.makeRequirerCharm(), { ...r.meta.requirer, units: d.requirerUnits ?? 3 });
  return sim.integrate("ca:certificates", "app:certificates");
}

function settled(seed: number, d: Deployment): { sim: Simulation; rel: number } {
  const sim = new Simulation({ jujuBagKeys: false, seed });
  const rel = deploy(sim, d);
  sim.settle();
  sim.assertNoErrors();
  return { sim, rel };
}

const held = (sim: Simulation, unit: string) => sim.exec(unit, (c: Holder) => c.heldCertificates());

/** getAllCertificates() through the requirer's action (the library's view, v1 requirers). */
function libraryView(sim: Simulation, unit: string): unknown {
  const run = sim.runAction(unit, "get-all-certificates");
  expect(run.failure).toBeNull();
  return run.results.certificates;
}

function events(sim: Simulation, unit: string, kind: string, rel: number): EventRecord[] {
  return sim.trace.records.filter(
    (r): r is EventRecord =>
      r.t === "event" && r.unit === unit && r.kind === kind && r.data.relation_id === rel,
  );
}

function errorLogs(sim: Simulation, unit: string): LogRecord[] {
  return sim.trace.records.filter(
    (r): r is LogRecord => r.t === "log" && r.unit === unit && r.level === "ERROR",
  );
}

const jsonList = (value: string | undefined): unknown =>
  value === undefined ? undefined : JSON.parse(value);
const asSet = (value: unknown) => new Set(Array.isArray(value) ? value : []);

describe("v1 requirer x v1 provider: 2 provider units, 3 requirer units", () => {
  it.each(SEEDS)("seed %i: the provider leader's set reaches every requirer unit", (seed) => {
    const { sim, rel } = settled(seed, { requirer: "v1", provider: "v1" });
    // The v1 layout in the provider's application bag, written by its leader only.
    const appBag = sim.bag(rel, "ca");
    expect(asSet(jsonList(appBag.certificates))).toEqual(new Set(PEMS));
    expect(appBag.version).toBe("1");
    expect(sim.bag(rel, "app")).toEqual({ version: "1" });
    for (const r of sim.trace.records) {
      if (r.t === "commit" && r.owner === "ca") expect(r.unit).toBe("ca/0");
    }
    for (const unit of REQUIRERS) {
      expect(held(sim, unit)).toEqual(new Map([[rel, SORTED]]));
      expect(libraryView(sim, unit)).toEqual(SORTED);
      const last = events(sim, unit, "certificate_set_updated", rel).at(-1);
      expect(asSet(last?.data.certificates)).toEqual(new Set(PEMS));
      expect(sim.unitStatus(unit).name).toBe("active");
    }
    expectInvariants(sim);
  });
});

describe("the version-mix matrix (spec/certificate-transfer.md), in a whole model", () => {
  it.each(SEEDS)(
    "seed %i: v1 x v1, provider wrote before seeing version: v0 layout (JSON-encoded), the requirer's fallback reads it",
    (seed) => {
      const sched = new SteeringScheduler(seed);
      const sim = new Simulation({ jujuBagKeys: false, scheduler: sched });
      const rel = deploy(sim, { requirer: "v1", provider: "v1", providerUnits: 1 });
      // Only the provider runs: the requirer has advertised nothing when its leader writes.
      settleUnit(sim, sched, "ca/0");
      sim.exec("ca/0", (c: V1ProviderCharm) =>
        c.certificateTransfer.addCertificates(new Set(PEMS)),
      );
      expect(sim.bag(rel, "ca")).toEqual({});
      const unitBag = sim.bag(rel, "ca/0");
      expect(unitBag.version).toBe("0");
      expect(asSet(jsonList(unitBag.chain))).toEqual(new Set(PEMS));
      expect(PEMS).toContain(jsonList(unitBag.ca));
      expect(jsonList(unitBag.certificate)).toBe(jsonList(unitBag.ca));
      // Now the requirer units run (the provider's relation-joined hooks wait).
      for (const unit of REQUIRERS) settleUnit(sim, sched, unit);
      expect(sim.bag(rel, "app")).toEqual({ version: "1" });
      for (const unit of REQUIRERS) {
        const updates = events(sim, unit, "certificate_set_updated", rel);
        expect(updates.length).toBeGreaterThan(0);
        expect(asSet(updates.at(-1)?.data.certificates)).toEqual(new Set(PEMS));
        expect(held(sim, unit)).toEqual(new Map([[rel, SORTED]]));
      }
      sim.settle();
      sim.assertNoErrors();
      for (const unit of REQUIRERS) expect(held(sim, unit)).toEqual(new Map([[rel, SORTED]]));
      expectInvariants(sim);
    },
  );

  it.each(SEEDS)(
    "seed %i: the same with two provider units and the leader not first: the fallback reads the other unit, nothing arrives (QUIRK)",
    (seed) => {
      const sched = new SteeringScheduler(seed);
      const sim = new Simulation({ jujuBagKeys: false, scheduler: sched });
      const rel = deploy(sim, { requirer: "v1", provider: "v1", providerUnits: 2 });
      sim.setLeader("ca/1");
      settleUnit(sim, sched, "ca/0");
      settleUnit(sim, sched, "ca/1");
      sim.exec("ca/1", (c: V1ProviderCharm) =>
        c.certificateTransfer.addCertificates(new Set(PEMS)),
      );
      expect(asSet(jsonList(sim.bag(rel, "ca/1").chain))).toEqual(new Set(PEMS));
      expect(sim.bag(rel, "ca/0")).toEqual({});
      for (const unit of REQUIRERS) settleUnit(sim, sched, unit);
      for (const unit of REQUIRERS) {
        const updates = events(sim, unit, "certificate_set_updated", rel);
        expect(updates.length).toBeGreaterThan(0);
        expect(updates.at(-1)?.data.certificates).toEqual([]);
        expect(held(sim, unit)).toEqual(new Map([[rel, []]]));
        expect(sim.unitStatus(unit).name).toBe("waiting");
      }
      sim.settle();
      sim.assertNoErrors();
      expectInvariants(sim);
    },
  );

  it.each(SEEDS)(
    "seed %i: v0 requirer x v1 provider: v0 layout in the leader's unit bag, certificate_available with chain = the set",
    (seed) => {
      const { sim, rel } = settled(seed, { requirer: "v0", provider: "v1" });
      expect(sim.bag(rel, "app")).toEqual({ version: "0" });
      expect(sim.bag(rel, "ca")).toEqual({});
      expect(sim.bag(rel, "ca/1")).toEqual({});
      const unitBag = sim.bag(rel, "ca/0");
      expect(unitBag.version).toBe("0");
      expect(unitBag.certificate?.startsWith('"')).toBe(true);
      for (const unit of REQUIRERS) {
        const last = events(sim, unit, "certificate_available", rel).at(-1);
        const chain = last?.data.chain;
        expect(Array.isArray(chain) && chain.length).toBe(PEMS.length);
        expect(asSet(chain)).toEqual(new Set(PEMS));
        expect(last?.data.ca).toBe(Array.isArray(chain) ? chain[0] : undefined);
        expect(last?.data.certificate).toBe(last?.data.ca);
        expect(held(sim, unit)).toEqual(new Map([[rel, SORTED]]));
        expect(sim.unitStatus(unit).name).toBe("active");
      }
      expectInvariants(sim);
    },
  );

  it.each(SEEDS)(
    "seed %i: v1 requirer x v0 provider: raw PEM in the unit bags, NOTHING reaches the v1 requirer (QUIRK)",
    (seed) => {
      const { sim, rel } = settled(seed, { requirer: "v1", provider: "v0" });
      for (const unit of ["ca/0", "ca/1"]) {
        expect(sim.bag(rel, unit)).toEqual({
          certificate: PEMS[0],
          ca: PEMS[0],
          chain: JSON.stringify(PEMS).replaceAll('","', '", "'),
          version: "0",
        });
      }
      for (const unit of REQUIRERS) {
        const updates = events(sim, unit, "certificate_set_updated", rel);
        expect(updates.length).toBeGreaterThan(0);
        for (const e of updates) expect(e.data.certificates).toEqual([]);
        expect(held(sim, unit)).toEqual(new Map([[rel, []]]));
        expect(libraryView(sim, unit)).toEqual([]);
        expect(sim.unitStatus(unit).name).toBe("waiting");
        expect(
          errorLogs(sim, unit).some((l) =>
            l.message.includes("invalid databag contents: expecting json"),
          ),
        ).toBe(true);
      }
      expectInvariants(sim);
    },
  );

  it.each(SEEDS)(
    "seed %i: v1-fixed requirer x v0 provider: the fixed fallback reads the raw PEM",
    (seed) => {
      const { sim, rel } = settled(seed, { requirer: "v1-fixed", provider: "v0" });
      for (const unit of REQUIRERS) {
        expect(held(sim, unit)).toEqual(new Map([[rel, SORTED]]));
        expect(libraryView(sim, unit)).toEqual(SORTED);
        expect(sim.unitStatus(unit).name).toBe("active");
        expect(errorLogs(sim, unit)).toEqual([]);
      }
      expectInvariants(sim);
    },
  );

  it.each(SEEDS)(
    "seed %i: v0 requirer x v0 provider: raw PEM, certificate_available on every requirer unit",
    (seed) => {
      const { sim, rel } = settled(seed, { requirer: "v0", provider: "v0" });
      expect(sim.bag(rel, "app")).toEqual({ version: "0" });
      for (const unit of REQUIRERS) {
        const available = events(sim, unit, "certificate_available", rel);
        // One per provider unit (each v0 provider unit sets its certificate).
        expect(available.length).toBeGreaterThanOrEqual(2);
        for (const e of available) {
          expect(e.data).toEqual({
            certificate: PEMS[0],
            ca: PEMS[0],
            chain: PEMS,
            relation_id: rel,
          });
        }
        expect(held(sim, unit)).toEqual(new Map([[rel, SORTED]]));
        expect(sim.unitStatus(unit).name).toBe("active");
      }
      expectInvariants(sim);
    },
  );
});

const REMOVAL_MIXES: readonly (Deployment & { removed: string })[] = [
  { requirer: "v1", provider: "v1", removed: "certificates_removed" },
  { requirer: "v1-fixed", provider: "v1-fixed", removed: "certificates_removed" },
  { requirer: "v1", provider: "v0", removed: "certificates_removed" },
  { requirer: "v0", provider: "v1", removed: "certificate_removed" },
  { requirer: "v0", provider: "v0", removed: "certificate_removed" },
];
const CT_EVENTS = [
  "certificate_set_updated",
  "certificates_removed",
  "certificate_available",
  "certificate_removed",
];

describe.each(REMOVAL_MIXES)(
  "relation removal, $requirer requirer x $provider provider",
  ({ removed, ...mix }) => {
    it.each(SEEDS)(
      `seed %i: every requirer unit gets ${removed} once, as the relation's last event`,
      (seed) => {
        const { sim, rel } = settled(seed, mix);
        const before = sim.trace.length;
        sim.removeRelation(rel);
        sim.settle();
        sim.assertNoErrors();
        for (const unit of REQUIRERS) {
          const ofRelation = sim.trace.records.filter(
            (r): r is EventRecord =>
              r.t === "event" &&
              r.unit === unit &&
              CT_EVENTS.includes(r.kind) &&
              r.data.relation_id === rel,
          );
          const removals = ofRelation.filter((e) => e.kind === removed);
          expect(removals).toHaveLength(1);
          expect(removals[0]?.seq).toBeGreaterThan(before);
          expect(ofRelation.at(-1)).toBe(removals[0]);
          expect(held(sim, unit)).toEqual(new Map());
          expect(sim.unitStatus(unit).name).toBe("waiting");
        }
        expectInvariants(sim);
      },
    );
  },
);
