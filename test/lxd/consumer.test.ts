/**
 * The lxd consumer charm and the requirer library, one hook at a time.
 */
import { describe, expect, it } from "vitest";
import {
  configuredCertificates,
  consumerCertificatePool,
  fixtureCertificateFor,
  INTEGRATOR_IDENTITY_FIXTURE,
} from "../../src/charms/lxd-consumer/certificates.js";
import { LxdConsumerCharm } from "../../src/charms/lxd-consumer/charm.js";
import { lxdConsumerSpec } from "../../src/charms/lxd-consumer/metadata.js";
import { Context } from "../../src/harness/context.js";
import {
  CertificateRegisteredEvent,
  NodesChangedEvent,
  type NodesRemovedEvent,
} from "../../src/libs/lxd/requirer.js";
import { DEFAULT_JUJU_DATABAG, Relation, State } from "../../src/model/state.js";
import { ActiveStatus, BlockedStatus, WaitingStatus } from "../../src/model/status.js";
import { fixtureCertificate } from "../../src/pki/fixtures.js";

const ENDPOINT = "https://10.0.8.1:8443";
const own = fixtureCertificateFor(0);
const other = fixtureCertificateFor(5);

function ctx(unitId = 0) {
  return new Context(LxdConsumerCharm, { ...lxdConsumerSpec, unitId });
}

function providerBag(trusted: string[], version = "1.0", endpoint = ENDPOINT) {
  return {
    version,
    nodes: JSON.stringify([{ endpoint, name: "lxd-node-1", trusted_certs_fp: trusted }]),
  };
}

function lxdRelation(remote: Record<number, Record<string, string>> = { 0: {} }, id?: number) {
  return new Relation({
    endpoint: "lxd",
    interface: "lxd",
    remoteAppName: "lxd-integrator",
    remoteUnitsData: remote,
    ...(id !== undefined ? { id } : {}),
  });
}

const kinds = (c: Context) => c.emitted.map((e) => e.kind);

describe("consumer: which certificate", () => {
  it("draws from the fixture pool by unit number, skipping the integrator's identity", () => {
    const pool = consumerCertificatePool();
    expect(
      pool.some((c) => c.pem === fixtureCertificate(INTEGRATOR_IDENTITY_FIXTURE).certPem),
    ).toBe(false);
    expect(fixtureCertificateFor(0).pem).toBe(fixtureCertificate("client-00").certPem);
    expect(fixtureCertificateFor(3, 10).pem).toBe(fixtureCertificate("client-13").certPem);
    expect(fixtureCertificateFor(pool.length)).toEqual(fixtureCertificateFor(0));
  });

  it("publishes its unit's certificate at relation-created", () => {
    const c = ctx(2);
    const rel = lxdRelation();
    const out = c.run(c.on.relationCreated(rel), new State({ relations: [rel] }));
    expect(out.getRelation(rel.id)?.localUnitData).toEqual({
      ...DEFAULT_JUJU_DATABAG,
      client_certificates: JSON.stringify([fixtureCertificateFor(2).pem]),
    });
    expect(out.unitStatus).toEqual(new WaitingStatus("waiting for LXD nodes from the provider"));
  });

  it("publishes the configured certificate(s) instead, and moves with fixture_offset", () => {
    const c = ctx();
    const rel = lxdRelation();
    const pem = fixtureCertificate("client-20").certPem;
    const configured = c.run(
      c.on.configChanged(),
      new State({ relations: [rel], config: { client_certificate: pem + pem.replace(/\n$/, "") } }),
    );
    expect(
      JSON.parse(configured.getRelation(rel.id)!.localUnitData.client_certificates!),
    ).toHaveLength(2);
    const offset = c.run(
      c.on.configChanged(),
      new State({ relations: [rel], config: { fixture_offset: 7 } }),
    );
    expect(offset.getRelation(rel.id)?.localUnitData.client_certificates).toBe(
      JSON.stringify([fixtureCertificateFor(7).pem]),
    );
  });

  it("is Blocked on an invalid client_certificate option and publishes nothing", () => {
    expect(configuredCertificates("not a pem")).toEqual({
      ok: false,
      problem: "client_certificate holds no PEM certificate",
    });
    const c = ctx();
    const rel = new Relation({
      endpoint: "lxd",
      interface: "lxd",
      remoteAppName: "lxd-integrator",
      localUnitData: { client_certificates: JSON.stringify([own.pem]) },
    });
    const garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const out = c.run(
      c.on.configChanged(),
      new State({ relations: [rel], config: { client_certificate: garbage } }),
    );
    expect(out.getRelation(rel.id)?.localUnitData).toEqual({});
    expect(out.unitStatus.name).toBe("blocked");
    expect(out.unitStatus.message).toMatch(
      /^invalid client_certificate config: client_certificate block 1: /,
    );
    expect(c.jujuLog.some((l) => l.level === "ERROR")).toBe(true);
  });

  it("is Blocked without a relation", () => {
    const c = ctx();
    const out = c.run(c.on.start(), new State());
    expect(out.unitStatus).toEqual(new BlockedStatus("missing relation: lxd"));
  });
});

describe("consumer: reading the provider", () => {
  it("emits nodesChanged when nodes appear and waits for its certificate to be trusted", () => {
    const c = ctx();
    const rel = lxdRelation({ 0: providerBag([other.fingerprint]) });
    const out = c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(kinds(c)).toEqual(["lxd_relation_changed", "nodes_changed"]);
    const event = c.emittedEvents[1] as NodesChangedEvent;
    expect(event).toBeInstanceOf(NodesChangedEvent);
    expect(event.nodes).toEqual([
      { endpoint: ENDPOINT, name: "lxd-node-1", trusted_certs_fp: [other.fingerprint] },
    ]);
    expect(out.unitStatus).toEqual(
      new WaitingStatus(`waiting for LXD to trust certificate ${own.fingerprint.slice(0, 12)}`),
    );
  });

  it("emits certificateRegistered once its fingerprint is listed, then Active", () => {
    const c = ctx();
    const rel = lxdRelation({ 0: providerBag([]) });
    const first = c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    const listed = rel.with({ remoteUnitsData: { 0: providerBag([own.fingerprint]) } });
    const out = c.run(c.on.relationChanged(listed), first.with({ relations: [listed] }));
    expect(kinds(c)).toEqual(["lxd_relation_changed", "nodes_changed", "certificate_registered"]);
    const event = c.emittedEvents[2] as CertificateRegisteredEvent;
    expect(event.fingerprint).toBe(own.fingerprint);
    expect(event.endpoints).toEqual([ENDPOINT]);
    expect(out.unitStatus).toEqual(new ActiveStatus("trusted by 1 LXD node(s)"));
    // Nothing new: no event again.
    c.run(c.on.relationChanged(listed), out);
    expect(kinds(c)).toEqual(["lxd_relation_changed"]);
  });

  it("merges the nodes of several provider units by endpoint", () => {
    const c = ctx();
    const rel = lxdRelation({
      0: providerBag([other.fingerprint]),
      1: providerBag([own.fingerprint]),
    });
    const out = c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    const event = c.emittedEvents.find((e) => e instanceof NodesChangedEvent) as NodesChangedEvent;
    expect(event.nodes).toEqual([
      {
        endpoint: ENDPOINT,
        name: "lxd-node-1",
        trusted_certs_fp: [own.fingerprint, other.fingerprint].sort(),
      },
    ]);
    expect(out.unitStatus.name).toBe("active");
  });

  it("accepts any 1.x version", () => {
    const c = ctx();
    const rel = lxdRelation({ 0: providerBag([own.fingerprint], "1.7") });
    const out = c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(out.unitStatus.name).toBe("active");
  });

  it.each([
    ["2.0", /lxd-integrator\/0 speaks lxd interface version 2\.0; only 1\.x is supported/],
    ["0.9", /speaks lxd interface version 0\.9; only 1\.x is supported/],
    ["one", /publishes version "one", which is not a version number/],
  ])("refuses version %s: no nodes, Blocked, logged", (version, message) => {
    const c = ctx();
    const rel = lxdRelation({ 0: providerBag([own.fingerprint], version) });
    const out = c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(kinds(c)).toEqual(["lxd_relation_changed"]);
    expect(out.unitStatus.name).toBe("blocked");
    expect(out.unitStatus.message).toMatch(message);
    expect(c.jujuLog.some((l) => l.level === "ERROR" && message.test(l.message))).toBe(true);
  });

  it("uses a good provider unit and mentions the unusable one", () => {
    const c = ctx();
    const rel = lxdRelation({ 0: providerBag([own.fingerprint]), 1: providerBag([], "2.0") });
    const out = c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(out.unitStatus.name).toBe("active");
    expect(out.unitStatus.message).toMatch(
      /ignoring: lxd-integrator\/1 speaks lxd interface version 2\.0/,
    );
  });

  it.each([
    ["non-JSON", "nope", /publishes nodes that is not JSON/],
    ["a non-list", '{"endpoint": "x"}', /publishes nodes that is .*expected array/],
    [
      "a node without endpoint",
      '[{"name": "n", "trusted_certs_fp": []}]',
      /ill-formed nodes: \[0\]/,
    ],
    [
      "a bad fingerprint",
      `[{"endpoint": "${ENDPOINT}", "name": "n", "trusted_certs_fp": ["zz"]}]`,
      /ill-formed nodes/,
    ],
  ])("refuses nodes that are %s", (_what, nodes, message) => {
    const c = ctx();
    const rel = lxdRelation({ 0: { version: "1.0", nodes } });
    const out = c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(kinds(c)).toEqual(["lxd_relation_changed"]);
    expect(out.unitStatus.name).toBe("blocked");
    expect(out.unitStatus.message).toMatch(message);
  });

  it("emits nodesChanged when a provider unit departs, and nodesRemoved when the relation breaks", () => {
    const c = ctx();
    const rel = lxdRelation({ 0: providerBag([own.fingerprint]) });
    const active = c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    const departed = c.run(c.on.relationDeparted(rel, { remoteUnit: 0 }), active);
    expect(kinds(c)).toEqual(["lxd_relation_departed", "nodes_changed"]);
    expect((c.emittedEvents[1] as NodesChangedEvent).nodes).toEqual([]);
    expect(departed.unitStatus).toEqual(
      new WaitingStatus("waiting for LXD nodes from the provider"),
    );
    const gone = departed.getRelation(rel.id)!.with({ remoteUnitsData: {} });
    const broken = c.run(c.on.relationBroken(gone), departed.with({ relations: [gone] }));
    expect(kinds(c)).toEqual(["lxd_relation_broken", "nodes_removed"]);
    expect((c.emittedEvents[1] as NodesRemovedEvent).relationId).toBe(rel.id);
    expect(broken.unitStatus).toEqual(new BlockedStatus("missing relation: lxd"));
  });

  it("does not re-read the relation when it is itself the departing unit", () => {
    const c = ctx();
    const rel = lxdRelation({ 0: providerBag([own.fingerprint]) });
    const active = c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    c.run(c.on.relationDeparted(rel, { remoteUnit: 0, departingUnit: "lxd-consumer/0" }), active);
    expect(kinds(c)).toEqual(["lxd_relation_departed"]);
  });

  it("a deferred library event survives a round trip through its snapshot", () => {
    const event = Object.create(CertificateRegisteredEvent.prototype) as CertificateRegisteredEvent;
    event.restore({ relation_id: 3, fingerprint: own.fingerprint, endpoints: [ENDPOINT] });
    expect(event.snapshot()).toEqual({
      relation_id: 3,
      fingerprint: own.fingerprint,
      endpoints: [ENDPOINT],
    });
    const nodes = Object.create(NodesChangedEvent.prototype) as NodesChangedEvent;
    expect(() => nodes.restore({ relation_id: 3, nodes: "x" })).toThrow();
  });
});

describe("requirer library: each provider unit read on its own", () => {
  const node = (endpoint: string, trusted: string[]) => ({
    endpoint,
    name: `node ${endpoint}`,
    trusted_certs_fp: trusted,
  });
  const unitBag = (nodes: unknown[], version = "1.0") => ({
    version,
    nodes: JSON.stringify(nodes),
  });

  it("nodes without a version are a problem; a version without nodes is no problem and no node", () => {
    const c = ctx();
    const nodesOnly = lxdRelation({ 0: { nodes: JSON.stringify([node(ENDPOINT, [])]) } });
    const blocked = c.run(c.on.relationChanged(nodesOnly), new State({ relations: [nodesOnly] }));
    expect(blocked.unitStatus).toEqual(
      new BlockedStatus("lxd-integrator/0 publishes nodes without a version"),
    );
    const versionOnly = lxdRelation({ 0: { version: "1.0" } });
    const waiting = c.run(
      c.on.relationChanged(versionOnly),
      new State({ relations: [versionOnly] }),
    );
    expect(waiting.unitStatus).toEqual(
      new WaitingStatus("waiting for LXD nodes from the provider"),
    );
    expect(c.jujuLog.filter((l) => l.level === "ERROR")).toEqual([]);
  });

  it("publishes its certificate on relation-joined too", () => {
    const c = ctx(1);
    const rel = lxdRelation();
    const out = c.run(c.on.relationJoined(rel, { remoteUnit: 0 }), new State({ relations: [rel] }));
    expect(out.getRelation(rel.id)?.localUnitData.client_certificates).toBe(
      JSON.stringify([fixtureCertificateFor(1).pem]),
    );
  });

  it("lists nodes by endpoint, each endpoint's fingerprints sorted, whichever unit said what", () => {
    const c = ctx();
    const [a, b] = [own.fingerprint, other.fingerprint].sort();
    const rel = lxdRelation({
      0: unitBag([node("https://z:8443", [b as string, a as string])]),
      1: unitBag([node("https://a:8443", [b as string]), node("https://z:8443", [a as string])]),
    });
    c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    const event = c.emittedEvents.find((e) => e instanceof NodesChangedEvent) as NodesChangedEvent;
    expect(event.nodes).toEqual([
      node("https://a:8443", [b as string]),
      node("https://z:8443", [a as string, b as string]),
    ]);
  });

  it("logs a provider problem once, not again on every hook while it lasts", () => {
    const c = ctx();
    const rel = lxdRelation({ 0: providerBag([own.fingerprint], "2.0") });
    const first = c.run(c.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(c.jujuLog.filter((l) => l.level === "ERROR")).toHaveLength(1);
    c.run(c.on.relationChanged(rel), first);
    expect(c.jujuLog.filter((l) => l.level === "ERROR")).toEqual([]);
  });

  it("names only the nodes that trust the certificate, and warns when it is no longer listed", () => {
    const c = ctx();
    const both = lxdRelation({
      0: unitBag([node("https://a:8443", [own.fingerprint]), node("https://b:8443", [])]),
    });
    const trusted = c.run(c.on.relationChanged(both), new State({ relations: [both] }));
    const registered = c.emittedEvents.find(
      (e) => e instanceof CertificateRegisteredEvent,
    ) as CertificateRegisteredEvent;
    expect(registered.endpoints).toEqual(["https://a:8443"]);
    // Still listed on the next hook: nothing to warn about.
    c.run(c.on.relationChanged(both), trusted);
    expect(c.jujuLog.some((l) => l.level === "WARNING")).toBe(false);
    const dropped = trusted.getRelation(both.id)!.with({
      remoteUnitsData: { 0: unitBag([node("https://a:8443", []), node("https://b:8443", [])]) },
    });
    c.run(c.on.relationChanged(dropped), trusted.with({ relations: [dropped] }));
    expect(c.jujuLog.filter((l) => l.level === "WARNING").map((l) => l.message)).toEqual([
      `certificate ${own.fingerprint.slice(0, 12)} is no longer listed as trusted`,
    ]);
  });
});
