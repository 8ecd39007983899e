/**
 * The fixed integrator (LxdIntegratorFixedCharm + LxdFixed), one hook at a time: each defect of
 * the faithful port corrected, ill-formed input refused, LXD faults survived.
 */
import { describe, expect, it } from "vitest";
import { fixtureCertificateFor } from "../../src/charms/lxd-consumer/certificates.js";
import {
  LxdIntegratorFixedCharm,
  MISSING_CREDENTIALS,
} from "../../src/charms/lxd-integrator/charm.js";
import { evaluate } from "../../src/fuzz/campaign.js";
import { lxdCases } from "../../src/fuzz/campaigns/lxd.js";
import { type Scenario, scenarioSchema } from "../../src/fuzz/operations.js";
import type { Context } from "../../src/harness/context.js";
import type { LxdFixedState } from "../../src/libs/lxd/provider-fixed.js";
import { DEFAULT_JUJU_DATABAG, State } from "../../src/model/state.js";
import { ActiveStatus, BlockedStatus, WaitingStatus } from "../../src/model/status.js";
import { fixtureCertificate } from "../../src/pki/fixtures.js";
import {
  apiRelation,
  buildLxdWorld,
  certsBag,
  installed,
  integratorContext,
  type LxdWorld,
  nodesOf,
} from "./helpers.js";

const OWNER = "LxdIntegratorFixedCharm/LxdFixed[api]";
const c0 = fixtureCertificateFor(0);
const c1 = fixtureCertificateFor(1);
const c2 = fixtureCertificateFor(2);

function storedOf(state: State): LxdFixedState {
  const s = state.storedStates.find((x) => x.ownerPath === OWNER && x.name === "state");
  return s?.content as unknown as LxdFixedState;
}

function fixed() {
  return integratorContext(LxdIntegratorFixedCharm);
}

/** Installed first, then the relation appears and relation-changed runs. */
function changedAll(ctx: Context, world: LxdWorld, remote: Record<number, Record<string, string>>) {
  const rel = apiRelation(remote);
  const ready = installed(ctx, world).with({ relations: [rel] });
  const state = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), ready);
  return { rel, state };
}

/** Makes the server answer 500 to the next `count` POST requests (and only to those). */
function failPosts(server: LxdWorld["server"], count: number): () => void {
  const original = server.request.bind(server);
  let left = count;
  server.request = (method, path, options) => {
    if (method === "POST" && left > 0) {
      left -= 1;
      server.injectFault({ kind: "http-500", count: 1 });
    }
    return original(method, path, options);
  };
  return () => {
    server.request = original;
  };
}

describe("fixed integrator: credentials", () => {
  it("verifies the cloud credential and goes Active", () => {
    const { ctx, world } = fixed();
    const out = installed(ctx, world);
    expect(out.unitStatus).toEqual(new ActiveStatus());
    expect(storedOf(out)).toMatchObject({
      endpoint: world.credential.endpoint,
      serverName: "lxd-node-1",
    });
  });

  it("is Blocked with upstream's message without credentials", () => {
    const { ctx } = fixed();
    const out = ctx.run(ctx.on.install(), new State());
    expect(out.unitStatus).toEqual(new BlockedStatus(MISSING_CREDENTIALS));
  });

  it("uses config when untrusted", () => {
    const { ctx, world } = fixed();
    const out = ctx.run(ctx.on.configChanged(), new State({ config: world.config }));
    expect(out.unitStatus).toEqual(new ActiveStatus());
  });

  it("is Blocked, not failed, when LXD does not trust the credentials", () => {
    const { ctx, world } = fixed();
    const stranger = fixtureCertificate("client-05");
    const config = {
      ...world.config,
      lxd_client_cert: stranger.certPem,
      lxd_client_key: stranger.keyPem,
    };
    const out = ctx.run(ctx.on.configChanged(), new State({ config }));
    expect(out.unitStatus.name).toBe("blocked");
    expect(out.unitStatus.message).toMatch(
      /does not trust the integrator's client certificate \(fingerprint [0-9a-f]{12}\)/,
    );
    expect(ctx.jujuLog.some((l) => l.level === "ERROR" && /does not trust/.test(l.message))).toBe(
      true,
    );
  });

  it("is Blocked when the client key does not match (TLS handshake)", () => {
    const { ctx, world } = fixed();
    const config = { ...world.config, lxd_client_key: fixtureCertificate("client-05").keyPem };
    const out = ctx.run(ctx.on.configChanged(), new State({ config }));
    expect(out.unitStatus.name).toBe("blocked");
    expect(out.unitStatus.message).toMatch(/tls handshake .* failed: client key does not match/);
  });

  it("refuses a server presenting another certificate than the configured one: Blocked, nothing sent", () => {
    const world = buildLxdWorld({ impostor: true });
    const { ctx } = integratorContext(LxdIntegratorFixedCharm, world);
    const out = installed(ctx, world);
    expect(out.unitStatus.name).toBe("blocked");
    expect(out.unitStatus.message).toMatch(/server certificate does not match the pinned one/);
    expect(world.server.requests.map((r) => r.status)).toEqual([null]);
  });

  it("waits while LXD is unreachable and recovers at update-status", () => {
    const { ctx, world } = fixed();
    world.server.injectFault({ kind: "unreachable" });
    const down = installed(ctx, world);
    expect(down.unitStatus).toEqual(
      new WaitingStatus(
        `cannot reach LXD at ${world.credential.endpoint} (connection refused: ${world.credential.endpoint}); retrying`,
      ),
    );
    expect(storedOf(down)).toMatchObject({ serverName: null, retry: true });
    world.server.clearFaults();
    const up = ctx.run(ctx.on.updateStatus(), down);
    expect(up.unitStatus).toEqual(new ActiveStatus());
    expect(storedOf(up)).toMatchObject({ serverName: "lxd-node-1", retry: false, problem: null });
  });

  it("forgets withdrawn credentials and goes Blocked", () => {
    const { ctx, world } = fixed();
    const on = installed(ctx, world);
    const off = ctx.run(ctx.on.configChanged(), on.with({ trusted: false }));
    expect(off.unitStatus).toEqual(new BlockedStatus(MISSING_CREDENTIALS));
    expect(storedOf(off)).toMatchObject({ endpoint: null, serverName: null });
  });
});

describe("fixed integrator: relation hooks", () => {
  it("does not defer relation hooks while credentials are missing; serves every relation once they come", () => {
    const { ctx, world } = fixed();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    const out = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(out.deferred).toEqual([]);
    expect(out.getRelation(rel.id)?.localUnitData).toEqual(DEFAULT_JUJU_DATABAG);
    expect(out.unitStatus).toEqual(new BlockedStatus(MISSING_CREDENTIALS));
    const ready = ctx.run(ctx.on.configChanged(), out.with({ config: world.config }));
    expect(nodesOf(ready, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
    expect(ready.unitStatus).toEqual(new ActiveStatus());
  });

  it("publishes nodes and version at relation-joined", () => {
    const { ctx, world } = fixed();
    const rel = apiRelation();
    const out = ctx.run(ctx.on.relationJoined(rel), installed(ctx, world, { relations: [rel] }));
    expect(out.getRelation(rel.id)?.localUnitData).toEqual({
      ...DEFAULT_JUJU_DATABAG,
      nodes: `[{"endpoint": "${world.credential.endpoint}", "name": "lxd-node-1", "trusted_certs_fp": []}]`,
      version: "1.0",
    });
  });

  it("registers every related unit's certificates and lists exactly those", () => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, {
      0: certsBag(c0.pem),
      1: certsBag(c1.pem, c2.pem),
    });
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual(
      [c0.fingerprint, c1.fingerprint, c2.fingerprint].sort(),
    );
    expect(world.server.trustedFingerprints()).toEqual(
      [world.integratorFingerprint, c0.fingerprint, c1.fingerprint, c2.fingerprint].sort(),
    );
    world.server.clearRequestLog();
    ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 1 }), state);
    expect(world.server.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("ignores a trusted_certs_fp in the requirer's bag", () => {
    const { ctx, world } = fixed();
    const bag = { ...certsBag(c0.pem), trusted_certs_fp: JSON.stringify([c1.fingerprint]) };
    const { rel, state } = changedAll(ctx, world, { 0: bag });
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
  });

  it("unregisters a certificate the requirer dropped", () => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, { 0: certsBag(c0.pem, c1.pem) });
    const swapped = apiRelation(
      { 0: certsBag(c1.pem) },
      {
        id: rel.id,
        localUnitData: { ...state.getRelation(rel.id)!.localUnitData },
      },
    );
    const out = ctx.run(ctx.on.relationChanged(swapped), state.with({ relations: [swapped] }));
    expect(world.server.isTrusted(c0.fingerprint)).toBe(false);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c1.fingerprint]);
    expect(ctx.jujuLog.map((l) => l.message)).toContain(
      `removed certificate ${c0.fingerprint.slice(0, 12)} from the trust store: no related unit asks for it any more`,
    );
  });

  it("unregisters a departed unit's certificates and keeps the others'", () => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, { 0: certsBag(c0.pem), 1: certsBag(c1.pem) });
    const out = ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 1 }), state);
    expect(world.server.isTrusted(c1.fingerprint)).toBe(false);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
  });

  it("keeps a certificate another unit still asks for when one unit departs", () => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, { 0: certsBag(c0.pem), 1: certsBag(c0.pem) });
    ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 1 }), state);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
  });

  it("unregisters the certificates of a broken relation, not another relation's nor its own", () => {
    const { ctx, world } = fixed();
    const a = apiRelation({ 0: certsBag(c0.pem) }, { remoteAppName: "one" });
    const b = apiRelation({ 0: certsBag(c1.pem) }, { remoteAppName: "two" });
    let state = installed(ctx, world, { relations: [a, b] });
    state = ctx.run(ctx.on.relationChanged(a), state);
    expect(world.server.isTrusted(c1.fingerprint)).toBe(true);
    const bGone = state.getRelation(b.id)!.with({ remoteUnitsData: {} });
    state = ctx.run(
      ctx.on.relationBroken(bGone),
      state.with({ relations: [state.getRelation(a.id)!, bGone] }),
    );
    expect(world.server.trustedFingerprints()).toEqual(
      [world.integratorFingerprint, c0.fingerprint].sort(),
    );
    expect(nodesOf(state, a.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
  });

  it("never removes its own identity, even when a requirer published it and then dropped it", () => {
    const { ctx, world } = fixed();
    const own = fixtureCertificate("client-rsa-00").certPem;
    const { rel, state } = changedAll(ctx, world, { 0: certsBag(own) });
    const out = ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 0 }), state);
    expect(world.server.isTrusted(world.integratorFingerprint)).toBe(true);
    expect(out.unitStatus).toEqual(new ActiveStatus());
  });

  it("leaves the trust store alone when this unit is the one leaving", () => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, { 0: certsBag(c0.pem) });
    world.server.clearRequestLog();
    const departed = ctx.run(
      ctx.on.relationDeparted(rel, { remoteUnit: 0, departingUnit: "lxd-integrator/0" }),
      state,
    );
    const gone = departed.getRelation(rel.id)!.with({ remoteUnitsData: {} });
    const broken = ctx.run(ctx.on.relationBroken(gone), departed.with({ relations: [gone] }));
    expect(world.server.requests).toEqual([]);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
    expect(storedOf(broken).leaving).toEqual([]);
  });

  it("removes the relation's certificates when the whole application leaves (no unit planned)", () => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, { 0: certsBag(c0.pem) });
    const departed = ctx.run(
      ctx.on.relationDeparted(rel, { remoteUnit: 0, departingUnit: "lxd-integrator/0" }),
      state.with({ plannedUnits: 0 }),
    );
    expect(world.server.isTrusted(c0.fingerprint)).toBe(false);
    expect(world.server.isTrusted(world.integratorFingerprint)).toBe(true);
    const gone = departed.getRelation(rel.id)!.with({ remoteUnitsData: {} });
    const broken = ctx.run(ctx.on.relationBroken(gone), departed.with({ relations: [gone] }));
    expect(storedOf(broken)).toMatchObject({ leaving: [], closing: [] });
  });

  it("handles an application-level relation-changed", () => {
    const { ctx, world } = fixed();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    const out = ctx.run(
      ctx.on.relationChanged(rel, { remoteUnit: null }),
      installed(ctx, world, { relations: [rel] }),
    );
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
  });
});

describe("fixed integrator: ill-formed requirer data", () => {
  it.each([
    ["non-JSON", "not json", /client_certificates is not JSON/],
    ["a number", "42", /client_certificates is not a list of PEM certificates/],
    ["an object", '{"a": 1}', /client_certificates is not a list of PEM certificates/],
    ["a list with a number", "[7]", /client_certificates\[0\] is a number, not a string/],
    [
      "an invalid PEM",
      JSON.stringify(["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"]),
      /client_certificates\[0\] is not a PEM certificate/,
    ],
    ["plain text", JSON.stringify(["hello"]), /client_certificates\[0\] is not a PEM certificate/],
  ])("refuses %s clearly and still serves the other units", (_what, raw, message) => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, {
      0: { client_certificates: raw },
      1: certsBag(c1.pem),
    });
    expect(world.server.trustedFingerprints()).toEqual(
      [world.integratorFingerprint, c1.fingerprint].sort(),
    );
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual([c1.fingerprint]);
    const errors = ctx.jujuLog.filter((l) => l.level === "ERROR").map((l) => l.message);
    expect(
      errors.some(
        (m) =>
          m.startsWith("ignoring invalid client_certificates from consumer/0:") && message.test(m),
      ),
    ).toBe(true);
    expect(state.unitStatus).toEqual(
      new ActiveStatus("ignoring invalid client certificates from consumer/0 (see juju debug-log)"),
    );
  });

  it("keeps the valid items of a partly invalid list", () => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, {
      0: { client_certificates: JSON.stringify(["junk", c0.pem]) },
    });
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
  });

  it("clears the notice once the requirer's data is fixed", () => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, { 0: { client_certificates: "oops" } });
    const fixedRel = apiRelation(
      { 0: certsBag(c0.pem) },
      {
        id: rel.id,
        localUnitData: { ...state.getRelation(rel.id)!.localUnitData },
      },
    );
    const out = ctx.run(ctx.on.relationChanged(fixedRel), state.with({ relations: [fixedRel] }));
    expect(out.unitStatus).toEqual(new ActiveStatus());
  });
});

describe("fixed integrator: LXD faults", () => {
  it("LXD answering 500: Waiting with a clear message, event deferred, recovers later", () => {
    const { ctx, world } = fixed();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    const ready = installed(ctx, world).with({ relations: [rel] });
    world.server.injectFault({ kind: "http-500", paths: ["/1.0/certificates"] });
    const down = ctx.run(ctx.on.relationChanged(rel), ready);
    expect(down.unitStatus).toEqual(
      new WaitingStatus(
        `LXD at ${world.credential.endpoint} answered 500 listing its trust store (internal server error); retrying`,
      ),
    );
    expect(down.deferred.map((d) => d.kind)).toEqual(["api_relation_changed"]);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(false);
    const stillDown = ctx.run(ctx.on.updateStatus(), down);
    expect(stillDown.unitStatus.name).toBe("waiting");
    expect(stillDown.deferred).toHaveLength(1);
    world.server.clearFaults();
    const up = ctx.run(ctx.on.updateStatus(), stillDown);
    expect(up.unitStatus).toEqual(new ActiveStatus());
    expect(up.deferred).toEqual([]);
    expect(nodesOf(up, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
  });

  it("a registration answered 500 is not listed while the others are, and is retried", () => {
    const { ctx, world } = fixed();
    const rel = apiRelation({ 0: certsBag(c0.pem), 1: certsBag(c1.pem) });
    const ready = installed(ctx, world).with({ relations: [rel] });
    const restore = failPosts(world.server, 1);
    const out = ctx.run(ctx.on.relationChanged(rel), ready);
    restore();
    expect(out.unitStatus.name).toBe("waiting");
    expect(out.unitStatus.message).toMatch(
      /answered 500 to registering the certificate of consumer\/0 \(internal server error\); retrying$/,
    );
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c1.fingerprint]);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(false);
    expect(out.deferred).toHaveLength(1);
    const retried = ctx.run(ctx.on.updateStatus(), out);
    expect(retried.unitStatus).toEqual(new ActiveStatus());
    expect(nodesOf(retried, rel.id)[0]?.trusted_certs_fp).toEqual(
      [c0.fingerprint, c1.fingerprint].sort(),
    );
  });

  it("LXD unreachable: keeps what it published, defers, Waiting with a clear message", () => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, { 0: certsBag(c0.pem) });
    const published = state.getRelation(rel.id)!.localUnitData;
    world.server.injectFault({ kind: "unreachable" });
    const withNew = apiRelation(
      { 0: certsBag(c0.pem), 1: certsBag(c1.pem) },
      {
        id: rel.id,
        localUnitData: { ...published },
      },
    );
    const down = ctx.run(
      ctx.on.relationChanged(withNew, { remoteUnit: 1 }),
      state.with({ relations: [withNew] }),
    );
    expect(down.getRelation(rel.id)?.localUnitData).toEqual(published);
    expect(down.unitStatus.name).toBe("waiting");
    expect(down.unitStatus.message).toMatch(
      /^cannot reach LXD at https:\/\/10\.0\.8\.1:8443 .*retrying$/,
    );
    expect(down.deferred).toHaveLength(1);
    expect(ctx.jujuLog.some((l) => l.level === "ERROR" && /cannot reach LXD/.test(l.message))).toBe(
      true,
    );
    world.server.clearFaults();
    const up = ctx.run(ctx.on.updateStatus(), down);
    expect(nodesOf(up, rel.id)[0]?.trusted_certs_fp).toEqual(
      [c0.fingerprint, c1.fingerprint].sort(),
    );
    expect(up.unitStatus).toEqual(new ActiveStatus());
  });

  it("LXD revoking the integrator: Blocked, and the credentials are checked again later", () => {
    const { ctx, world } = fixed();
    const { rel, state } = changedAll(ctx, world, { 0: certsBag(c0.pem) });
    world.server.untrust(world.integratorFingerprint);
    const out = ctx.run(ctx.on.relationChanged(rel), state);
    expect(out.unitStatus).toEqual(
      new BlockedStatus(
        `LXD at ${world.credential.endpoint} no longer trusts the integrator's client certificate`,
      ),
    );
    expect(storedOf(out).serverName).toBeNull();
    world.server.trust(fixtureCertificate("client-rsa-00").certPem);
    const back = ctx.run(ctx.on.updateStatus(), out);
    expect(back.unitStatus).toEqual(new ActiveStatus());
  });
});

/** The lxd campaign's trust-store property, on the fixed integrator, for one scenario. */
function fixedTrustStore(scenario: Scenario): ReturnType<typeof evaluate> {
  const trustStoreCase = lxdCases().find(
    (c) => c.property.endsWith("trust-store") && c.variant.includes("fixed"),
  );
  if (!trustStoreCase) throw new Error("no fixed trust-store case");
  return evaluate(trustStoreCase, scenario);
}

describe("fixed integrator: lagging views", () => {
  // Found by the lxd campaign once unit agents lag: lxd/1, being removed, breaks relation 1
  // while it still lists web/0 in relation 2 (removed meanwhile; lxd/1 has not run its
  // departed there yet). Before the fix it registered web/0's certificate again, after the
  // leader had removed it, and nothing removed it again.
  it("a unit tearing down registers nothing for a relation that has gone", () => {
    const scenario = scenarioSchema.parse({
      seed: 0,
      choices: [],
      steps: [
        { op: "deploy", app: "lxd", charm: "lxd-integrator-fixed", units: 2, trusted: true },
        { op: "deploy", app: "app", charm: "lxd-consumer", units: 1 },
        {
          op: "deploy",
          app: "web",
          charm: "lxd-consumer",
          units: 1,
          config: { fixture_offset: 12 },
        },
        { op: "integrate", a: "lxd:api", b: "app:lxd" },
        { op: "integrate", a: "lxd:api", b: "web:lxd" },
        { op: "remove-unit", unit: { app: "app", index: 0 } },
        { op: "settle", maxHooks: 20000 },
        { op: "remove-unit", unit: { app: "lxd", nonLeader: 0 } },
        { op: "remove-relation", a: "lxd:api", b: "web:lxd" },
        { op: "settle", maxHooks: 50000 },
      ],
    });
    const { run, message } = fixedTrustStore(scenario);
    expect(message).toBeNull();
    // lxd/1 broke relation 1 while relation 2's web/0 was still among its members.
    const hooks = run.sim.trace.hooks().filter((h) => h.unit === "lxd/1");
    const broken1 = hooks.findIndex((h) => h.kind === "relation-broken" && h.rel === 1);
    const departed2 = hooks.findIndex((h) => h.kind === "relation-departed" && h.rel === 2);
    expect(broken1).toBeGreaterThanOrEqual(0);
    expect(broken1).toBeLessThan(departed2);
  });

  // Also found under lag: lxd/1, being removed, departs app/0 (itself the departing unit) and
  // breaks relation 1, then breaks relation 2, where it never saw itself depart (no member). It
  // used to reconcile there, with relation 1 no longer listed, and remove app/0's certificate,
  // which lxd/0 still serves.
  it("a unit being removed leaves the trust store alone in every later hook", () => {
    const scenario = scenarioSchema.parse({
      seed: 0,
      choices: [],
      steps: [
        { op: "deploy", app: "lxd", charm: "lxd-integrator-fixed", units: 2, trusted: true },
        { op: "deploy", app: "app", charm: "lxd-consumer", units: 1 },
        {
          op: "deploy",
          app: "web",
          charm: "lxd-consumer",
          units: 1,
          config: { fixture_offset: 12 },
        },
        { op: "integrate", a: "lxd:api", b: "app:lxd" },
        { op: "integrate", a: "lxd:api", b: "web:lxd" },
        { op: "remove-unit", unit: { app: "web", index: 0 } },
        { op: "settle", maxHooks: 20000 },
        { op: "remove-unit", unit: { app: "lxd", nonLeader: 0 } },
        { op: "settle", maxHooks: 50000 },
      ],
    });
    const { run, message } = fixedTrustStore(scenario);
    expect(message).toBeNull();
    const labels = run.sim.trace
      .hooks()
      .filter((h) => h.unit === "lxd/1" && h.rel !== undefined)
      .map((h) => `${h.kind} ${h.rel}${h.departing ? ` ${h.departing}` : ""}`);
    expect(labels.slice(-3)).toEqual([
      "relation-departed 1 lxd/1",
      "relation-broken 1",
      "relation-broken 2",
    ]);
  });
});
