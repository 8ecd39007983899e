/**
 * Python and TypeScript charms in one simulated model: the upstream certificate_transfer
 * library (Python dummy charms, python/charms/) against charmsim's faithful TypeScript v1 port,
 * both ways round, settled with Juju's ordering invariants holding; leadership rules hold for
 * Python units as for TypeScript ones.
 */
import { describe, expect, it } from "vitest";
import {
  makeV1ProviderCharm,
  V1RequirerCharm,
  v1ProviderSpec,
  v1RequirerSpec,
} from "../../src/charms/certificate-transfer/index.js";
import { CharmCatalog } from "../../src/fuzz/catalog.js";
import { runScenario } from "../../src/fuzz/execute.js";
import { checkInvariants, formatViolations } from "../../src/harness/invariants.js";
import { CharmBase } from "../../src/harness/ops/charm.js";
import { Simulation } from "../../src/harness/simulation.js";
import type { TraceRecord } from "../../src/harness/trace.js";
import { sortedCodePoints } from "../../src/libs/certificate-transfer/python.js";
import { charmSpec } from "../../src/model/metadata.js";
import { ActiveStatus, WaitingStatus } from "../../src/model/status.js";
import { fixtureClientCerts } from "../../src/pki/fixtures.js";
import { pythonCharm } from "../../src/python/charm.js";

const charmDir = (name: string) => new URL(`../../python/charms/${name}`, import.meta.url).pathname;
const pyProvider = pythonCharm(charmDir("certificate-transfer-provider"));
const pyRequirer = pythonCharm(charmDir("certificate-transfer-requirer"));
const probe = pythonCharm(new URL("../../python/tests/charms/probe", import.meta.url).pathname);
const PEMS = fixtureClientCerts()
  .slice(0, 3)
  .map((c) => c.certPem);
const SORTED = sortedCodePoints(PEMS);

/** A TypeScript charm that observes nothing. */
class Quiet extends CharmBase {}

function expectInvariants(sim: Simulation): void {
  const v = checkInvariants(sim.trace);
  expect(v, formatViolations(v)).toEqual([]);
}

function heldBy(sim: Simulation, unit: string): unknown {
  const run = sim.runAction(unit, "get-all-certificates");
  expect(run.error).toBeNull();
  return run.results.certificates;
}

type EventRecord = Extract<TraceRecord, { t: "event" }>;

describe("a mixed TypeScript and Python model", () => {
  it.each([0, 1, 2])("TypeScript v1 provider, upstream Python requirer (seed %i)", (seed) => {
    const sim = new Simulation({ seed });
    sim.deploy("ca", makeV1ProviderCharm({ certificates: PEMS }), {
      ...v1ProviderSpec(),
      units: 2,
    });
    sim.deploy("app", pyRequirer, { spec: pyRequirer.spec, units: 2 });
    const rel = sim.integrate("ca:certificates", "app:certificates");
    sim.settle();
    sim.assertNoErrors();
    expectInvariants(sim);
    for (const unit of sim.units("app")) {
      expect(sim.unitStatus(unit)).toEqual(new ActiveStatus());
      expect(heldBy(sim, unit)).toEqual(SORTED);
    }
    // The upstream requirer's events reach the trace with their payloads (sets sorted).
    const updates = sim.trace.records.filter(
      (r): r is EventRecord => r.t === "event" && r.kind === "certificate_set_updated",
    );
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.at(-1)?.data).toEqual({ certificates: SORTED, relation_id: rel });
    sim.removeRelation(rel);
    sim.settle();
    sim.assertNoErrors();
    expectInvariants(sim);
    for (const unit of sim.units("app")) expect(sim.unitStatus(unit)).toEqual(new WaitingStatus());
  });

  it.each([0, 1])("upstream Python provider, TypeScript v1 requirer (seed %i)", (seed) => {
    const sim = new Simulation({ seed });
    sim.deploy("ca", pyProvider, {
      spec: pyProvider.spec,
      units: 2,
      configValues: { certificates: PEMS.join(",") },
    });
    sim.deploy("app", V1RequirerCharm, { ...v1RequirerSpec(), units: 2 });
    sim.integrate("ca:certificates", "app:certificates");
    sim.settle();
    sim.assertNoErrors();
    expectInvariants(sim);
    // Only the leader of the Python provider wrote the application bag.
    const commits = sim.trace.records.filter(
      (r) => r.t === "commit" && r.owner === "ca" && r.unit !== sim.leader("ca"),
    );
    expect(commits).toEqual([]);
    for (const unit of sim.units("app")) {
      expect(sim.unitStatus(unit)).toEqual(new ActiveStatus());
      expect(heldBy(sim, unit)).toEqual(SORTED);
    }
  });

  it("a Python non-leader writing its application bag fails; the leader's write commits", () => {
    const sim = new Simulation({ seed: 3 });
    sim.deploy("probe", probe, { spec: probe.spec, units: 2 });
    sim.deploy("app", Quiet, {
      meta: { name: "quiet", requires: { db: { interface: "probe-db" } } },
    });
    const rel = sim.integrate("probe:db", "app:db");
    sim.settle();
    sim.assertNoErrors();
    const leader = sim.leader("probe");
    const follower = sim.units("probe").find((u) => u !== leader);
    if (!leader || !follower) throw new Error("expected a leader and a follower");
    const params = { "relation-id": rel, app: true, key: "k", value: "v" };
    const refused = sim.runAction(follower, "write", params);
    expect(String(refused.error)).toMatch(/RelationDataAccessError: .* is not leader/);
    expect(sim.bag(rel, "probe")).toEqual({});
    const accepted = sim.runAction(leader, "write", params);
    expect(accepted.error).toBeNull();
    expect(sim.bag(rel, "probe")).toEqual({ k: "v" });
    expectInvariants(sim);
  });

  it("execModel and garbage write-bag steps reach a Python unit; its stored state stays", () => {
    const quietSpec = charmSpec({
      meta: { name: "quiet", requires: { db: { interface: "probe-db" } } },
    });
    const catalog = new CharmCatalog([
      { name: "probe", description: "probe", charm: probe, spec: probe.spec, calls: {} },
      { name: "quiet", description: "quiet", charm: Quiet, spec: quietSpec, calls: {} },
    ]);
    const seenAt: string[][] = [];
    const { sim, steps } = runScenario(
      {
        seed: 4,
        steps: [
          { op: "deploy", app: "probe", charm: "probe", units: 1, config: {}, trusted: false },
          { op: "deploy", app: "app", charm: "quiet", units: 1, config: {}, trusted: false },
          { op: "integrate", a: "probe:db", b: "app:db" },
          { op: "settle", maxHooks: 1000 },
          { op: "write-bag", unit: "probe/0", endpoint: "db", scope: "unit", data: { g: "{x" } },
          { op: "settle", maxHooks: 1000 },
        ],
      },
      {
        catalog,
        afterStep: (outcome, s) => {
          if (outcome.op.op !== "settle") return;
          const run = s.runAction("probe/0", "inspect");
          expect(run.error).toBeNull();
          seenAt.push((JSON.parse(String(run.results.view)) as { seen: string[] }).seen);
        },
      },
    );
    expect(steps[4]).toMatchObject({ status: "ok", unit: "probe/0" });
    const rel = [...sim.model.relations.values()].find((r) => !r.peer)?.id ?? -1;
    expect(sim.bag(rel, "probe/0")).toMatchObject({ g: "{x" });
    sim.assertNoErrors();
    // The probe's own stored state (kept by ops between hooks) is untouched by a write that ran
    // no charm code.
    expect(seenAt).toHaveLength(2);
    expect(seenAt[0]?.length).toBeGreaterThan(0);
    expect(seenAt[1]).toEqual(seenAt[0]);
    // The write woke the other side like any committed write.
    const wrote = steps[4]?.records?.from ?? Number.POSITIVE_INFINITY;
    const woken = sim.trace.records.filter(
      (r) => r.t === "hook" && r.unit === "app/0" && (r.seq ?? 0) > wrote,
    );
    expect(woken.length).toBeGreaterThan(0);
    expect(() => sim.exec("probe/0", () => 1)).toThrow(TypeError);
    expectInvariants(sim);
  });
});
