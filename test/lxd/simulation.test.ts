/**
 * The lxd charms in a whole simulated model: integrator and consumer on both sides of the
 * relation, a simulated LXD, trust, config, faults, units and relations coming and going.
 */
import { describe, expect, it } from "vitest";
import { fixtureCertificateFor } from "../../src/charms/lxd-consumer/certificates.js";
import { MISSING_CREDENTIALS } from "../../src/charms/lxd-integrator/charm.js";
import {
  buildLxdWorld,
  type LxdVariantName,
  type LxdWorld,
  lxdVariants,
} from "../../src/charms/lxd-integrator/variants.js";
import { Simulation } from "../../src/harness/simulation.js";
import { ActiveStatus, BlockedStatus } from "../../src/model/status.js";
import {
  expectNoViolations,
  FakeProviderCharm,
  failedHooks,
  fakeProviderSpec,
  logs,
  RawConsumerCharm,
  rawConsumerSpec,
  simNodes,
} from "./helpers.js";

interface Setup {
  readonly sim: Simulation;
  readonly world: LxdWorld;
  readonly rel: number;
}

/** Integrator (trusted, cloud credential set) and a consumer, related and settled. */
function setup(
  variant: LxdVariantName,
  options: {
    seed?: number;
    consumers?: number;
    integrators?: number;
    trusted?: boolean;
    viaConfig?: boolean;
  } = {},
): Setup {
  const world = buildLxdWorld();
  const v = lxdVariants[variant];
  const sim = new Simulation({
    jujuBagKeys: false,
    seed: options.seed ?? 1,
    external: world.external,
  });
  sim.setCloudCredential(world.credential);
  sim.deploy("lxd", v.integratorCharm, {
    ...v.metas.integrator,
    units: options.integrators ?? 1,
    trusted: options.trusted ?? true,
    ...(options.viaConfig ? { configValues: world.config } : {}),
  });
  sim.deploy("app", v.consumerCharm, { ...v.metas.consumer, units: options.consumers ?? 1 });
  const rel = sim.integrate("lxd:api", "app:lxd");
  sim.settle();
  return { sim, world, rel };
}

const certOf = (unit: string) => fixtureCertificateFor(Number(unit.split("/")[1]));

function consumerFingerprints(sim: Simulation): string[] {
  return sim.units("app").map((u) => certOf(u).fingerprint);
}

describe.each(["faithful", "fixed"] as const)("%s integrator with a consumer", (variant) => {
  it("trusted via the cloud credential: the certificate reaches LXD and trusted_certs_fp", () => {
    const { sim, world, rel } = setup(variant);
    sim.assertNoErrors();
    const fp = certOf("app/0").fingerprint;
    expect(world.server.trustedFingerprints()).toEqual([world.integratorFingerprint, fp].sort());
    expect(simNodes(sim, rel, "lxd/0")).toEqual([
      { endpoint: world.credential.endpoint, name: "lxd-node-1", trusted_certs_fp: [fp] },
    ]);
    expect(sim.bag(rel, "lxd/0").version).toBe("1.0");
    expect(sim.unitStatus("lxd/0")).toEqual(new ActiveStatus());
    expect(sim.unitStatus("app/0")).toEqual(new ActiveStatus("trusted by 1 LXD node(s)"));
    const events = sim.trace.records.filter((r) => r.t === "event" && r.unit === "app/0");
    expect(events.map((e) => (e.t === "event" ? e.kind : ""))).toEqual(
      expect.arrayContaining(["nodes_changed", "certificate_registered"]),
    );
    expectNoViolations(sim);
  });

  it("untrusted without config: Blocked, nothing published, nothing registered", () => {
    const { sim, world, rel } = setup(variant, { trusted: false });
    sim.assertNoErrors();
    expect(sim.unitStatus("lxd/0")).toEqual(new BlockedStatus(MISSING_CREDENTIALS));
    expect(sim.bag(rel, "lxd/0")).toEqual({});
    expect(world.server.trustedFingerprints()).toEqual([world.integratorFingerprint]);
    expect(sim.unitStatus("app/0").name).toBe("waiting");
    expectNoViolations(sim);
  });

  it("credentials via config instead of trust", () => {
    const { sim, world, rel } = setup(variant, { trusted: false, viaConfig: true });
    sim.assertNoErrors();
    expect(sim.unitStatus("lxd/0")).toEqual(new ActiveStatus());
    expect(simNodes(sim, rel, "lxd/0")[0]?.trusted_certs_fp).toEqual([certOf("app/0").fingerprint]);
    expect(world.server.isTrusted(certOf("app/0").fingerprint)).toBe(true);
    expectNoViolations(sim);
  });

  it("trust granted after the relation: credentials arrive at config-changed", () => {
    const { sim, world, rel } = setup(variant, { trusted: false });
    sim.trust("lxd");
    sim.settle();
    expect(sim.unitStatus("lxd/0")).toEqual(new ActiveStatus());
    if (variant === "fixed") {
      expect(world.server.isTrusted(certOf("app/0").fingerprint)).toBe(true);
      expect(simNodes(sim, rel, "lxd/0")[0]?.trusted_certs_fp).toEqual([
        certOf("app/0").fingerprint,
      ]);
      expect(sim.model.unit("lxd/0").deferred).toEqual([]);
    } else {
      // Upstream's deferral: the deferred relation hooks are re-emitted before the
      // config-changed that makes the interface ready, so they wait for the next hook.
      expect(sim.bag(rel, "lxd/0")).toEqual({});
      expect(sim.model.unit("lxd/0").deferred.length).toBeGreaterThan(0);
      sim.updateStatus("lxd/0");
      sim.settle();
      expect(world.server.isTrusted(certOf("app/0").fingerprint)).toBe(true);
      expect(sim.model.unit("lxd/0").deferred).toEqual([]);
    }
    expectNoViolations(sim);
  });
});

describe("certificates after a consumer leaves", () => {
  const leave = {
    "its unit is removed": (s: Setup) => s.sim.removeUnit("app/1"),
    "the relation is removed": (s: Setup) => s.sim.removeRelation(s.rel),
    "the application is removed": (s: Setup) => s.sim.removeApplication("app"),
  } as const;
  const leaving = (how: keyof typeof leave) =>
    how === "its unit is removed" ? ["app/1"] : ["app/0", "app/1"];

  it.each(Object.keys(leave) as (keyof typeof leave)[])(
    "QUIRK (security), faithful: the certificates stay trusted when %s",
    (how) => {
      const s = setup("faithful", { consumers: 2 });
      const gone = leaving(how).map((u) => certOf(u).fingerprint);
      for (const fp of gone) expect(s.world.server.isTrusted(fp)).toBe(true);
      leave[how](s);
      s.sim.settle();
      s.sim.assertNoErrors();
      for (const fp of gone) expect(s.world.server.isTrusted(fp)).toBe(true);
      expectNoViolations(s.sim);
    },
  );

  it.each(Object.keys(leave) as (keyof typeof leave)[])(
    "fixed: the certificates are removed when %s",
    (how) => {
      const s = setup("fixed", { consumers: 2 });
      leave[how](s);
      s.sim.settle();
      s.sim.assertNoErrors();
      const stay = ["app/0", "app/1"]
        .filter((u) => !leaving(how).includes(u))
        .map((u) => certOf(u).fingerprint);
      expect(s.world.server.trustedFingerprints()).toEqual(
        [s.world.integratorFingerprint, ...stay].sort(),
      );
      if (how === "its unit is removed") {
        expect(simNodes(s.sim, s.rel, "lxd/0")[0]?.trusted_certs_fp).toEqual(stay);
      }
      expectNoViolations(s.sim);
    },
  );

  it("the integrator application is removed: faithful leaves the certificates, fixed removes them", () => {
    for (const variant of ["faithful", "fixed"] as const) {
      const s = setup(variant, { consumers: 2, integrators: 2 });
      s.sim.removeApplication("lxd");
      s.sim.settle();
      s.sim.assertNoErrors();
      const consumers = consumerFingerprints(s.sim);
      for (const fp of consumers) {
        expect(s.world.server.isTrusted(fp), variant).toBe(variant === "faithful");
      }
      expect(s.world.server.isTrusted(s.world.integratorFingerprint)).toBe(true);
      expectNoViolations(s.sim);
    }
  });

  it("fixed: scaling the integrator down keeps the consumers' certificates", () => {
    const s = setup("fixed", { consumers: 2, integrators: 2 });
    s.sim.removeUnit("lxd/1");
    s.sim.settle();
    expect(s.world.server.trustedFingerprints()).toEqual(
      [s.world.integratorFingerprint, ...consumerFingerprints(s.sim)].sort(),
    );
    expectNoViolations(s.sim);
  });

  it("fixed: a consumer swapping its certificate gets the old one removed", () => {
    const s = setup("fixed");
    const replacement = fixtureCertificateFor(9);
    s.sim.setConfig("app", { client_certificate: replacement.pem });
    s.sim.settle();
    expect(s.world.server.trustedFingerprints()).toEqual(
      [s.world.integratorFingerprint, replacement.fingerprint].sort(),
    );
    expect(simNodes(s.sim, s.rel, "lxd/0")[0]?.trusted_certs_fp).toEqual([replacement.fingerprint]);
    expect(s.sim.unitStatus("app/0")).toEqual(new ActiveStatus("trusted by 1 LXD node(s)"));
    expectNoViolations(s.sim);
  });

  it("faithful: the swapped-out certificate stays trusted and listed", () => {
    const s = setup("faithful");
    const replacement = fixtureCertificateFor(9);
    s.sim.setConfig("app", { client_certificate: replacement.pem });
    s.sim.settle();
    expect(s.world.server.isTrusted(certOf("app/0").fingerprint)).toBe(true);
    expect(simNodes(s.sim, s.rel, "lxd/0")[0]?.trusted_certs_fp).toEqual([
      certOf("app/0").fingerprint,
      replacement.fingerprint,
    ]);
    expectNoViolations(s.sim);
  });
});

describe("eventually every consumer certificate is listed and the trust store is exact", () => {
  it("fixed: holds for every seed, with several integrator and consumer units and churn", () => {
    for (let seed = 0; seed < 12; seed++) {
      const s = setup("fixed", { seed, consumers: 3, integrators: 2 });
      const check = () => {
        s.sim.assertNoErrors();
        const wanted = consumerFingerprints(s.sim).sort();
        expect(s.world.server.trustedFingerprints(), `seed ${seed}`).toEqual(
          [s.world.integratorFingerprint, ...wanted].sort(),
        );
        for (const u of s.sim.units("lxd")) {
          expect(simNodes(s.sim, s.rel, u)[0]?.trusted_certs_fp, `seed ${seed} ${u}`).toEqual(
            wanted,
          );
        }
        for (const u of s.sim.units("app")) expect(s.sim.unitStatus(u).name).toBe("active");
      };
      check();
      s.sim.addUnit("app");
      s.sim.removeUnit("app/0");
      s.sim.settle();
      check();
      s.sim.removeUnit("lxd/0");
      s.sim.addUnit("lxd");
      s.sim.settle();
      check();
      expectNoViolations(s.sim);
    }
  });

  it("fixed: still exact after an outage, churn, a re-added relation and a certificate change", () => {
    for (let seed = 0; seed < 20; seed++) {
      const world = buildLxdWorld();
      const v = lxdVariants.fixed;
      const sim = new Simulation({ jujuBagKeys: false, seed, external: world.external });
      sim.setCloudCredential(world.credential);
      sim.deploy("lxd", v.integratorCharm, { ...v.metas.integrator, units: 3, trusted: true });
      sim.deploy("app", v.consumerCharm, { ...v.metas.consumer, units: 2 });
      sim.deploy("b", v.consumerCharm, {
        ...v.metas.consumer,
        units: 2,
        configValues: { fixture_offset: 10 },
      });
      const r1 = sim.integrate("lxd:api", "app:lxd");
      const r2 = sim.integrate("lxd:api", "b:lxd");
      sim.addUnit("app");
      sim.removeUnit("app/0");
      sim.removeUnit("lxd/0");
      sim.settle();
      sim.removeRelation(r1);
      sim.settle();
      const r3 = sim.integrate("lxd:api", "app:lxd");
      sim.settle();
      world.server.injectFault({ kind: seed % 2 ? "unreachable" : "http-500" });
      sim.setConfig("b", { fixture_offset: 15 });
      sim.removeUnit("app/1");
      sim.settle();
      world.server.clearFaults();
      sim.updateStatus();
      sim.settle();
      sim.assertNoErrors();
      const appFps = sim
        .units("app")
        .map((u) => certOf(u).fingerprint)
        .sort();
      const bFps = sim
        .units("b")
        .map((u) => fixtureCertificateFor(Number(u.split("/")[1]), 15).fingerprint)
        .sort();
      expect(world.server.trustedFingerprints(), `seed ${seed}`).toEqual(
        [world.integratorFingerprint, ...appFps, ...bFps].sort(),
      );
      for (const u of sim.units("lxd")) {
        expect(simNodes(sim, r3, u)[0]?.trusted_certs_fp, `seed ${seed} ${u}`).toEqual(appFps);
        expect(simNodes(sim, r2, u)[0]?.trusted_certs_fp, `seed ${seed} ${u}`).toEqual(bFps);
        expect(sim.unitStatus(u), `seed ${seed} ${u}`).toEqual(new ActiveStatus());
      }
      for (const u of [...sim.units("app"), ...sim.units("b")]) {
        expect(sim.unitStatus(u).name, `seed ${seed} ${u}`).toBe("active");
      }
      expectNoViolations(sim);
    }
  });

  it("faithful: some seed leaves a consumer's fingerprint out (relation-joined resets the list)", () => {
    const missing: number[] = [];
    for (let seed = 0; seed < 12; seed++) {
      const s = setup("faithful", { seed, consumers: 3 });
      s.sim.assertNoErrors();
      const listed = simNodes(s.sim, s.rel, "lxd/0")[0]?.trusted_certs_fp ?? [];
      // LXD trusts them all: only the published list is wrong.
      for (const fp of consumerFingerprints(s.sim)) {
        expect(s.world.server.isTrusted(fp)).toBe(true);
      }
      if (consumerFingerprints(s.sim).some((fp) => !listed.includes(fp))) missing.push(seed);
      expectNoViolations(s.sim);
    }
    expect(missing.length).toBeGreaterThan(0);
  });
});

describe("LXD faults", () => {
  it("fixed, unreachable: Waiting with a clear message, nothing lost, settle ends, recovers", () => {
    const world = buildLxdWorld();
    const v = lxdVariants.fixed;
    const sim = new Simulation({ jujuBagKeys: false, seed: 3, external: world.external });
    sim.setCloudCredential(world.credential);
    sim.deploy("lxd", v.integratorCharm, { ...v.metas.integrator, trusted: true });
    sim.deploy("app", v.consumerCharm, { ...v.metas.consumer, units: 1 });
    const rel = sim.integrate("lxd:api", "app:lxd");
    sim.settle();
    const before = sim.bag(rel, "lxd/0");
    world.server.injectFault({ kind: "unreachable" });
    sim.addUnit("app");
    const ran = sim.settle({ maxHooks: 500 });
    expect(ran).toBeLessThan(500);
    sim.assertNoErrors();
    expect(sim.bag(rel, "lxd/0")).toEqual(before);
    expect(sim.unitStatus("lxd/0").name).toBe("waiting");
    expect(sim.unitStatus("lxd/0").message).toMatch(
      /^cannot reach LXD at https:\/\/10\.0\.8\.1:8443 .*retrying$/,
    );
    expect(
      logs(sim, "lxd/0").some((l) => l.level === "ERROR" && /cannot reach LXD/.test(l.message)),
    ).toBe(true);
    expect(sim.unitStatus("app/1").name).toBe("waiting");
    world.server.clearFaults();
    sim.updateStatus("lxd/0");
    sim.settle();
    expect(sim.unitStatus("lxd/0")).toEqual(new ActiveStatus());
    expect(world.server.isTrusted(certOf("app/1").fingerprint)).toBe(true);
    expect(simNodes(sim, rel, "lxd/0")[0]?.trusted_certs_fp).toEqual(
      ["app/0", "app/1"].map((u) => certOf(u).fingerprint).sort(),
    );
    expect(sim.unitStatus("app/1")).toEqual(new ActiveStatus("trusted by 1 LXD node(s)"));
    expect(sim.model.unit("lxd/0").deferred).toEqual([]);
    expectNoViolations(sim);
  });

  it("fixed, 500 on every request: Waiting, settle ends; a removal missed meanwhile happens later", () => {
    const s = setup("fixed", { consumers: 2 });
    s.world.server.injectFault({ kind: "http-500" });
    s.sim.removeUnit("app/1");
    s.sim.settle({ maxHooks: 500 });
    s.sim.assertNoErrors();
    expect(s.sim.unitStatus("lxd/0").message).toMatch(
      /answered 500 listing its trust store \(internal server error\); retrying/,
    );
    expect(s.world.server.isTrusted(certOf("app/1").fingerprint)).toBe(true);
    s.world.server.clearFaults();
    s.sim.updateStatus();
    s.sim.settle();
    expect(s.world.server.isTrusted(certOf("app/1").fingerprint)).toBe(false);
    expect(s.sim.unitStatus("lxd/0")).toEqual(new ActiveStatus());
    expectNoViolations(s.sim);
  });

  it("faithful, unreachable: the hook fails and the unit waits in error; resolving after recovery works", () => {
    const s = setup("faithful");
    s.world.server.injectFault({ kind: "unreachable" });
    s.sim.addUnit("app");
    s.sim.settle({ maxHooks: 500 });
    const failed = failedHooks(s.sim, "lxd/0");
    expect(failed.length).toBe(1);
    expect(failed[0]?.error).toMatch(/^LxdConnectionError: connection refused/);
    expect(s.sim.unitsInError().map((e) => e.unit)).toEqual(["lxd/0"]);
    s.world.server.clearFaults();
    s.sim.resolve("lxd/0");
    s.sim.settle();
    s.sim.assertNoErrors();
    expect(s.world.server.isTrusted(certOf("app/1").fingerprint)).toBe(true);
    expectNoViolations(s.sim);
  });
});

describe("bad requirer input in a model", () => {
  const pem = fixtureCertificateFor(4).pem;
  const cases = [
    ["non-JSON", "{{not json", /^SyntaxError: /],
    ["a non-list", "42", /^TypeError: 'int' object is not iterable/],
    [
      "an invalid PEM",
      JSON.stringify(["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"]),
      /^InvalidPemError: /,
    ],
    ["a list of numbers", "[1, 2]", /^TypeError: initial_value must be str or None, not int/],
  ] as const;

  /** The integrator, a consumer publishing `raw` and (unless faithful) a well-behaved one. */
  function rawSetup(variant: LxdVariantName, raw: string) {
    const world = buildLxdWorld();
    const v = lxdVariants[variant];
    const sim = new Simulation({ jujuBagKeys: false, seed: 2, external: world.external });
    sim.setCloudCredential(world.credential);
    sim.deploy("lxd", v.integratorCharm, { ...v.metas.integrator, trusted: true });
    sim.deploy("bad", RawConsumerCharm, { ...rawConsumerSpec, configValues: { raw } });
    const bad = sim.integrate("lxd:api", "bad:lxd");
    // The faithful port cannot serve two relations at once (relation-joined raises), so it
    // gets the ill-formed consumer alone.
    let good = -1;
    if (variant === "fixed") {
      sim.deploy("app", v.consumerCharm, { ...v.metas.consumer });
      good = sim.integrate("lxd:api", "app:lxd");
    }
    return { sim, world, bad, good };
  }

  it.each(cases)(
    "fixed: %s is logged and shown, never trusted; the good consumer is served",
    (_what, raw) => {
      const { sim, world, bad, good } = rawSetup("fixed", raw);
      sim.settle();
      sim.assertNoErrors();
      expect(world.server.trustedFingerprints()).toEqual(
        [world.integratorFingerprint, certOf("app/0").fingerprint].sort(),
      );
      expect(simNodes(sim, bad, "lxd/0")[0]?.trusted_certs_fp).toEqual([]);
      expect(simNodes(sim, good, "lxd/0")[0]?.trusted_certs_fp).toEqual([
        certOf("app/0").fingerprint,
      ]);
      expect(sim.unitStatus("lxd/0")).toEqual(
        new ActiveStatus("ignoring invalid client certificates from bad/0 (see juju debug-log)"),
      );
      expect(
        logs(sim, "lxd/0").some(
          (l) =>
            l.level === "ERROR" &&
            l.message.startsWith("ignoring invalid client_certificates from bad/0: "),
        ),
      ).toBe(true);
      // Fixing the data clears the notice and serves the unit.
      sim.setConfig("bad", { raw: JSON.stringify([pem]) });
      sim.settle();
      expect(sim.unitStatus("lxd/0")).toEqual(new ActiveStatus());
      expect(world.server.isTrusted(fixtureCertificateFor(4).fingerprint)).toBe(true);
      expectNoViolations(sim);
    },
  );

  it.each(cases)(
    "faithful: %s fails the integrator's relation-changed (as upstream) and trusts nothing",
    (_what, raw, error) => {
      const { sim, world } = rawSetup("faithful", raw);
      sim.settle({ maxHooks: 500 });
      const failed = failedHooks(sim, "lxd/0");
      expect(failed.map((h) => h.kind)).toEqual(["relation-changed"]);
      expect(failed[0]?.error).toMatch(error);
      expect(sim.unitsInError().map((e) => e.unit)).toEqual(["lxd/0"]);
      expect(world.server.trustedFingerprints()).toEqual([world.integratorFingerprint]);
      expectNoViolations(sim);
    },
  );

  it("consumer facing a provider that speaks version 2.0: Blocked and logged", () => {
    const sim = new Simulation({ jujuBagKeys: false, seed: 4 });
    const v = lxdVariants.fixed;
    const nodes = JSON.stringify([
      { endpoint: "https://x:8443", name: "n", trusted_certs_fp: [certOf("app/0").fingerprint] },
    ]);
    sim.deploy("lxd", FakeProviderCharm, {
      ...fakeProviderSpec,
      configValues: { version: "2.0", nodes },
    });
    sim.deploy("app", v.consumerCharm, { ...v.metas.consumer });
    sim.integrate("lxd:api", "app:lxd");
    sim.settle();
    sim.assertNoErrors();
    expect(sim.unitStatus("app/0")).toEqual(
      new BlockedStatus("lxd/0 speaks lxd interface version 2.0; only 1.x is supported"),
    );
    expect(
      logs(sim, "app/0").some((l) => l.level === "ERROR" && /version 2\.0/.test(l.message)),
    ).toBe(true);
    const events = sim.trace.records.filter((r) => r.t === "event" && r.unit === "app/0");
    expect(events.some((e) => e.t === "event" && e.kind === "certificate_registered")).toBe(false);
    sim.setConfig("lxd", { version: "1.0" });
    sim.settle();
    expect(sim.unitStatus("app/0")).toEqual(new ActiveStatus("trusted by 1 LXD node(s)"));
    expectNoViolations(sim);
  });
});

describe("two consumer applications", () => {
  function twoApps(variant: LxdVariantName) {
    const world = buildLxdWorld();
    const v = lxdVariants[variant];
    const sim = new Simulation({ jujuBagKeys: false, seed: 6, external: world.external });
    sim.setCloudCredential(world.credential);
    sim.deploy("lxd", v.integratorCharm, { ...v.metas.integrator, trusted: true });
    sim.deploy("one", v.consumerCharm, { ...v.metas.consumer });
    sim.deploy("two", v.consumerCharm, {
      ...v.metas.consumer,
      configValues: { fixture_offset: 10 },
    });
    const a = sim.integrate("lxd:api", "one:lxd");
    const b = sim.integrate("lxd:api", "two:lxd");
    sim.settle({ maxHooks: 500 });
    return { sim, world, a, b };
  }

  it("faithful: relation-joined fails once the endpoint has two relations (upstream getRelation)", () => {
    const { sim } = twoApps("faithful");
    const failed = failedHooks(sim, "lxd/0");
    expect(failed.map((h) => h.kind)).toEqual(["relation-joined"]);
    expect(failed[0]?.error).toMatch(/^TooManyRelatedAppsError: endpoint "api" has 2 relations/);
    expectNoViolations(sim);
  });

  it("fixed: serves both, each relation listing its own certificates", () => {
    const { sim, world, a, b } = twoApps("fixed");
    sim.assertNoErrors();
    const one = fixtureCertificateFor(0).fingerprint;
    const two = fixtureCertificateFor(0, 10).fingerprint;
    expect(simNodes(sim, a, "lxd/0")[0]?.trusted_certs_fp).toEqual([one]);
    expect(simNodes(sim, b, "lxd/0")[0]?.trusted_certs_fp).toEqual([two]);
    sim.removeRelation(a);
    sim.settle();
    expect(world.server.trustedFingerprints()).toEqual([world.integratorFingerprint, two].sort());
    expectNoViolations(sim);
  });
});
