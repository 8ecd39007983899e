/**
 * The faithful provider (Lxd) at the edges the integrator scenarios do not reach: the set
 * arithmetic over the requirer's bag when it does carry `trusted_certs_fp` (the unregister
 * branch upstream has, fed with certificates so that it runs), the node lookup in this unit's
 * own `nodes`, Python's error messages for ill-typed data, what LXD answers to each request, and
 * the properties a charm reads. After every hook the tests look at the requests made to LXD, the
 * trust store and what the provider wrote, as upstream's src/interface.py (at ae66661) does it.
 */
import { describe, expect, it } from "vitest";
import { fixtureCertificateFor } from "../../src/charms/lxd-consumer/certificates.js";
import { LxdIntegratorCharm } from "../../src/charms/lxd-integrator/charm.js";
import { Context } from "../../src/harness/context.js";
import { CharmBase } from "../../src/harness/ops/charm.js";
import { KeyError, TooManyRelatedAppsError } from "../../src/harness/ops/errors.js";
import type { Framework } from "../../src/harness/ops/framework.js";
import { Lxd, type LxdState, PythonTypeError, pythonSet } from "../../src/libs/lxd/provider.js";
import { DEFAULT_JUJU_DATABAG, State, StoredState } from "../../src/model/state.js";
import { ActiveStatus, WaitingStatus } from "../../src/model/status.js";
import { InvalidPemError } from "../../src/pki/pem.js";
import { LxdConnectionError } from "../../src/workloads/lxd-server.js";
import { expectCharmRaised } from "../harness/helpers.js";
import {
  apiRelation,
  buildLxdWorld,
  certsBag,
  installed,
  integratorContext,
  type LxdWorld,
  nodesOf,
  providerProbeSpec,
  trustedClients,
} from "./helpers.js";

const OWNER = "LxdIntegratorCharm/Lxd[api]";
const c0 = fixtureCertificateFor(0);
const c1 = fixtureCertificateFor(1);
const c2 = fixtureCertificateFor(2);
const POST = "POST /1.0/certificates";
const del = (fp: string) => `DELETE /1.0/certificates/${fp}`;

/** The requests LXD received since the last call, as "METHOD path status"; clears the log. */
function takeRequests(world: LxdWorld): string[] {
  const out = world.server.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
  world.server.clearRequestLog();
  return out;
}

/** The interface object's log lines of the last hook, as "LEVEL message". */
function interfaceLog(ctx: Context): string[] {
  return ctx.jujuLog.filter((l) => l.logger === "interface").map((l) => `${l.level} ${l.message}`);
}

/** This unit's published node, as relation-joined writes it. */
function publishedNode(world: LxdWorld, trustedCertsFp: unknown = []) {
  return {
    endpoint: world.credential.endpoint,
    name: "lxd-node-1",
    trusted_certs_fp: trustedCertsFp,
  };
}

/**
 * A ready integrator and a relation whose remote unit 0 has `remote`; this unit's `nodes` is
 * `nodesFor(world)`, any JSON value. The request log starts empty.
 */
function readyWithNodes(remote: Record<string, string>, nodesFor: (world: LxdWorld) => unknown) {
  const { ctx, world } = integratorContext(LxdIntegratorCharm);
  const rel = apiRelation(
    { 0: remote },
    { localUnitData: { nodes: JSON.stringify(nodesFor(world)) } },
  );
  const state = installed(ctx, world, { relations: [rel] });
  world.server.clearRequestLog();
  return { ctx, world, rel, state };
}

/** As readyWithNodes, `nodes` being `localNodes` (default: what relation-joined publishes). */
const ready = (remote: Record<string, string>, localNodes?: unknown[]) =>
  readyWithNodes(remote, (world) => localNodes ?? [publishedNode(world)]);

describe("faithful provider: the requirer's trusted_certs_fp, when a requirer writes certificates there", () => {
  // Upstream: removed = set(trusted_certs_fp) - set(client_certificates), each unregistered;
  // new = set(client_certificates) - set(trusted_certs_fp), each registered (lines 204-232).
  // No requirer writes the key (the QUIRK), but the arithmetic is there for one that does.
  it("unregisters a certificate listed there and no longer offered, and registers nothing", () => {
    const { ctx, world, rel, state } = ready({
      client_certificates: "[]",
      trusted_certs_fp: JSON.stringify([c0.pem]),
    });
    world.server.trust(c0.pem);
    world.server.clearRequestLog();
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(world)).toEqual([`${del(c0.fingerprint)} 202`]);
    expect(trustedClients(world)).toEqual([]);
    expect(interfaceLog(ctx)).toEqual([
      `INFO removing certificate ${c0.fingerprint} from trust store`,
    ]);
    // The node's list is rewritten as it was: unregistering does not touch it.
    expect(nodesOf(out, rel.id)).toEqual([publishedNode(world)]);
  });

  it("of listed and offered certificates, removes the listed-only, posts the offered-only and leaves the rest alone", () => {
    const { ctx, world, rel, state } = ready({
      client_certificates: JSON.stringify([c1.pem, c2.pem]),
      trusted_certs_fp: JSON.stringify([c0.pem, c1.pem]),
    });
    world.server.trust(c0.pem);
    world.server.clearRequestLog();
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(world)).toEqual([`${del(c0.fingerprint)} 202`, `${POST} 201`]);
    expect(trustedClients(world)).toEqual([c2.fingerprint]);
    // Only what was posted is added to the node's list.
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c2.fingerprint]);
  });

  it("a certificate both listed and offered is neither removed nor posted", () => {
    const { ctx, world, rel, state } = ready({
      client_certificates: JSON.stringify([c0.pem]),
      trusted_certs_fp: JSON.stringify([c0.pem]),
    });
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(world)).toEqual([]);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([]);
  });

  it("LXD not holding the certificate (404): its answer is logged as an error, as it came, and the hook goes on", () => {
    const { ctx, world, rel, state } = ready({
      client_certificates: JSON.stringify([c1.pem]),
      trusted_certs_fp: JSON.stringify([c0.pem]),
    });
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(world)).toEqual([`${del(c0.fingerprint)} 404`, `${POST} 201`]);
    expect(interfaceLog(ctx)).toEqual([
      `INFO removing certificate ${c0.fingerprint} from trust store`,
      'ERROR {"type":"error","error":"Certificate not found","error_code":404}',
      `INFO adding certificate ${c1.fingerprint} to trust store`,
    ]);
    expect(trustedClients(world)).toEqual([c1.fingerprint]);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c1.fingerprint]);
  });

  it("a failed unregistration (500) is logged with LXD's answer as it came; the certificate stays trusted", () => {
    const { ctx, world, rel, state } = ready({
      client_certificates: "[]",
      trusted_certs_fp: JSON.stringify([c0.pem]),
    });
    world.server.trust(c0.pem);
    world.server.clearRequestLog();
    world.server.injectFault({ kind: "http-500", methods: ["DELETE"], count: 1 });
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(world)).toEqual([`${del(c0.fingerprint)} 500`]);
    expect(interfaceLog(ctx)).toEqual([
      `INFO removing certificate ${c0.fingerprint} from trust store`,
      'ERROR {"type":"error","error":"internal server error","error_code":500}',
    ]);
    expect(trustedClients(world)).toEqual([c0.fingerprint]);
    expect(nodesOf(out, rel.id)).toEqual([publishedNode(world)]);
  });

  it("LXD unreachable while unregistering fails the hook before anything is posted", () => {
    const { ctx, world, rel, state } = ready({
      client_certificates: JSON.stringify([c1.pem]),
      trusted_certs_fp: JSON.stringify([c0.pem]),
    });
    world.server.trust(c0.pem);
    world.server.clearRequestLog();
    world.server.injectFault({ kind: "unreachable", count: 1 });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state),
      LxdConnectionError,
      /connection refused/,
    );
    expect(takeRequests(world)).toEqual([`${del(c0.fingerprint)} null`]);
    expect(trustedClients(world)).toEqual([c0.fingerprint]);
  });
});

describe("faithful provider: LXD's answer to a registration", () => {
  it("added: an info line and nothing else", () => {
    const { ctx, world, rel, state } = ready(certsBag(c0.pem));
    ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(world)).toEqual([`${POST} 201`]);
    expect(interfaceLog(ctx)).toEqual([`INFO adding certificate ${c0.fingerprint} to trust store`]);
  });

  it("already trusted: a warning, no error, and the fingerprint is listed", () => {
    const { ctx, world, rel, state } = ready(certsBag(c0.pem));
    world.server.trust(c0.pem);
    world.server.clearRequestLog();
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(world)).toEqual([`${POST} 400`]);
    expect(interfaceLog(ctx)).toEqual([
      `INFO adding certificate ${c0.fingerprint} to trust store`,
      "WARNING certificate already provisioned. Skipping provision",
    ]);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
  });

  it("refused (403): LXD's answer is logged as an error, as it came, no warning, and the fingerprint is still listed", () => {
    const { ctx, world, rel, state } = ready(certsBag(c0.pem, c1.pem));
    world.server.injectFault({
      kind: "http-error",
      status: 403,
      error: "not authorized",
      methods: ["POST"],
      count: 1,
    });
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(world)).toEqual([`${POST} 403`, `${POST} 201`]);
    expect(interfaceLog(ctx)).toEqual([
      `INFO adding certificate ${c0.fingerprint} to trust store`,
      'ERROR {"type":"error","error":"not authorized","error_code":403}',
      `INFO adding certificate ${c1.fingerprint} to trust store`,
    ]);
    expect(trustedClients(world)).toEqual([c1.fingerprint]);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint, c1.fingerprint]);
  });
});

describe("faithful provider: this unit's own nodes", () => {
  // Upstream: current_node = next(node for node in nodes if node["endpoint"] == endpoint), then
  // writes back json.dumps([current_node]) (lines 219-237).
  it("picks the node of the stored endpoint among several, keeps its other keys, and writes back only it", () => {
    const { world } = integratorContext(LxdIntegratorCharm);
    const other = { endpoint: "https://10.0.9.9:8443", name: "elsewhere", trusted_certs_fp: [] };
    const mine = { ...publishedNode(world), zone: "a" };
    const { ctx, rel, state, world: w } = ready(certsBag(c0.pem), [other, mine]);
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(w)).toEqual([`${POST} 201`]);
    expect(JSON.parse(out.getRelation(rel.id)?.localUnitData.nodes ?? "")).toEqual([
      { ...mine, trusted_certs_fp: [c0.fingerprint] },
    ]);
  });

  it("reads a trusted_certs_fp written as a JSON string, and drops duplicates in it", () => {
    const { world } = integratorContext(LxdIntegratorCharm);
    const listed = JSON.stringify([c1.fingerprint, c1.fingerprint]);
    const { ctx, rel, state } = ready(certsBag(c0.pem), [publishedNode(world, listed)]);
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c1.fingerprint, c0.fingerprint]);
  });

  it("keeps fingerprints already listed, adding a re-posted one only once", () => {
    const { world } = integratorContext(LxdIntegratorCharm);
    const { ctx, rel, state } = ready(certsBag(c0.pem), [
      publishedNode(world, [c0.fingerprint, c1.fingerprint]),
    ]);
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint, c1.fingerprint]);
  });

  it("a node without trusted_certs_fp fails the hook naming the key (upstream: KeyError), before LXD is asked anything", () => {
    const { world } = integratorContext(LxdIntegratorCharm);
    const { trusted_certs_fp: _dropped, ...bare } = publishedNode(world);
    const { ctx, rel, state, world: w } = ready(certsBag(c0.pem), [bare]);
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state),
      Error,
      /trusted_certs_fp/,
    );
    expect(takeRequests(w)).toEqual([]);
  });

  it("looks no further than the matching node: ill-formed nodes after it, and keys missing from nodes before it, change nothing", () => {
    const { world } = integratorContext(LxdIntegratorCharm);
    const before = { endpoint: "https://10.0.9.9:8443" }; // no trusted_certs_fp: never read
    const mine = publishedNode(world);
    const { ctx, rel, state, world: w } = ready(certsBag(c0.pem), [before, mine, 7, "x", {}]);
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(w)).toEqual([`${POST} 201`]);
    expect(nodesOf(out, rel.id)).toEqual([{ ...mine, trusted_certs_fp: [c0.fingerprint] }]);
  });

  it.each([
    [
      "a node without endpoint before the match",
      (mine: unknown) => [{ name: "n" }, mine],
      KeyError,
      /^'endpoint'$/,
    ],
    [
      "a number before the match",
      (mine: unknown) => [3, mine],
      PythonTypeError,
      /^'int' object is not subscriptable$/,
    ],
    [
      "null before the match",
      (mine: unknown) => [null, mine],
      PythonTypeError,
      /^'NoneType' object is not subscriptable$/,
    ],
    [
      "a list before the match",
      (mine: unknown) => [[], mine],
      PythonTypeError,
      /^list indices must be integers or slices, not str$/,
    ],
    [
      "nodes that are a dict (its keys are iterated)",
      (mine: unknown) => ({ a: mine }),
      PythonTypeError,
      /^string indices must be integers$/,
    ],
    ["nodes that are a number", () => 5, PythonTypeError, /^'int' object is not iterable$/],
    ["nodes that are null", () => null, PythonTypeError, /^'NoneType' object is not iterable$/],
    [
      "nodes that are a string (its characters are iterated)",
      () => "ab",
      PythonTypeError,
      /^string indices must be integers$/,
    ],
  ])(
    "%s fails the hook as Python's next() over the nodes does, before LXD is asked anything",
    (_label, nodesAround, type, message) => {
      const { ctx, rel, state, world } = readyWithNodes(certsBag(c0.pem), (w) =>
        nodesAround(publishedNode(w)),
      );
      expectCharmRaised(
        () => ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state),
        type,
        message,
      );
      expect(takeRequests(world)).toEqual([]);
    },
  );

  it("no nodes at all fails the hook (upstream: StopIteration), before LXD is asked anything", () => {
    const { ctx, world, rel, state } = ready(certsBag(c0.pem), []);
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state),
      Error,
      /^no node with endpoint "https:\/\/10\.0\.8\.1:8443" in this unit's nodes/,
    );
    expect(takeRequests(world)).toEqual([]);
  });
});

describe("faithful provider: ill-typed relation data fails as Python does", () => {
  // set(value) on the decoded client_certificates (line 212), then io.StringIO(cert) for each
  // certificate (line 160).
  it.each([
    ["null", "'NoneType' object is not iterable"],
    ["true", "'bool' object is not iterable"],
    ["42", "'int' object is not iterable"],
    ["1.5", "'float' object is not iterable"],
    ["[{}]", "unhashable type: 'dict'"],
    ["[[1]]", "unhashable type: 'list'"],
    ["[7]", "initial_value must be str or None, not int"],
    ["[2.5]", "initial_value must be str or None, not float"],
    ["[false]", "initial_value must be str or None, not bool"],
  ])("client_certificates %s: TypeError %s, and nothing reaches LXD", (raw, message) => {
    const { ctx, world, rel, state } = ready({ client_certificates: raw });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state),
      PythonTypeError,
      new RegExp(`^${message.replace(/[()]/g, "\\$&")}`),
    );
    expect(takeRequests(world)).toEqual([]);
  });

  it("client_certificates [null]: fails as a text without a certificate does (StringIO(None) is empty), and nothing reaches LXD", () => {
    const { ctx, world, rel, state } = ready({ client_certificates: "[null]" });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state),
      InvalidPemError,
      /no "-----BEGIN CERTIFICATE-----" block/,
    );
    expect(takeRequests(world)).toEqual([]);
  });

  it("a JSON object counts its keys as certificates, as Python's set(dict) does", () => {
    const { ctx, world, rel, state } = ready({
      client_certificates: JSON.stringify({ [c0.pem]: 1 }),
    });
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(world)).toEqual([`${POST} 201`]);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
  });

  it("a certificate offered twice is posted once", () => {
    const { ctx, world, rel, state } = ready(certsBag(c0.pem, c0.pem));
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(takeRequests(world)).toEqual([`${POST} 201`]);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
  });

  it("a string in the requirer's trusted_certs_fp counts its characters, each unregistered as a certificate: the hook fails", () => {
    const { ctx, world, rel, state } = ready({
      client_certificates: "[]",
      trusted_certs_fp: JSON.stringify("ab"),
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state),
      InvalidPemError,
    );
    expect(takeRequests(world)).toEqual([]);
  });
});

describe("pythonSet", () => {
  it("a string gives its distinct characters in order", () => {
    expect(pythonSet("abcab")).toEqual(["a", "b", "c"]);
  });
  it("a list gives its distinct items in order", () => {
    expect(pythonSet(["x", 1, "x", true, 1])).toEqual(["x", 1, true]);
  });
  it("a dict gives its keys", () => {
    expect(pythonSet({ b: 1, a: [2] })).toEqual(["b", "a"]);
  });
  it.each([
    [null, "'NoneType' object is not iterable"],
    [3, "'int' object is not iterable"],
    [[1, null, { a: 1 }], "unhashable type: 'dict'"],
    [[[]], "unhashable type: 'list'"],
  ])("%j raises TypeError %s", (value, message) => {
    expect(() => pythonSet(value)).toThrow(PythonTypeError);
    expect(() => pythonSet(value)).toThrow(message);
  });
  it("null inside a list is hashable", () => {
    expect(pythonSet([null, null])).toEqual([null]);
  });
});

describe("faithful provider: ready means all four credentials are set", () => {
  // is_ready = all([endpoint, client_cert, client_key, server_cert]) (lines 53-61).
  const fields = ["endpoint", "clientCert", "clientKey", "serverCert"] as const;
  it.each(fields.flatMap((field) => [[field, null] as const, [field, ""] as const]))(
    "with %s = %j the relation hooks defer and LXD is asked nothing",
    (field, value) => {
      const { ctx, world } = integratorContext(LxdIntegratorCharm);
      const complete: LxdState = {
        endpoint: world.credential.endpoint,
        serverName: "lxd-node-1",
        clientCert: world.config.lxd_client_cert!,
        clientKey: world.config.lxd_client_key!,
        serverCert: world.config.lxd_server_cert!,
      };
      const stored = new StoredState({
        ownerPath: OWNER,
        name: "state",
        content: { ...complete, [field]: value },
      });
      const rel = apiRelation({ 0: certsBag(c0.pem) });
      const base = new State({ relations: [rel], storedStates: [stored] });
      const joined = ctx.run(ctx.on.relationJoined(rel, { remoteUnit: 0 }), base);
      expect(joined.deferred.map((d) => d.kind)).toEqual(["api_relation_joined"]);
      expect(joined.getRelation(rel.id)?.localUnitData).toEqual(DEFAULT_JUJU_DATABAG);
      const changed = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), base);
      expect(changed.deferred.map((d) => d.kind)).toEqual(["api_relation_changed"]);
      expect(world.server.requests).toEqual([]);

      // The same stored state complete: both hooks run.
      const whole = base.with({
        storedStates: [new StoredState({ ...stored, content: complete })],
      });
      const published = ctx.run(ctx.on.relationJoined(rel, { remoteUnit: 0 }), whole);
      expect(published.deferred).toEqual([]);
      const registered = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), published);
      expect(registered.deferred).toEqual([]);
      expect(takeRequests(world)).toEqual([`${POST} 201`]);
    },
  );
});

describe("faithful provider: relation-joined finds its relation by endpoint name", () => {
  it("a deferred relation-joined that runs during relation-broken finds no relation and fails the hook", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const rel = apiRelation({ 0: {} });
    const deferred = ctx.run(
      ctx.on.relationJoined(rel, { remoteUnit: 0 }),
      new State({ relations: [rel] }),
    );
    expect(deferred.deferred.map((d) => d.kind)).toEqual(["api_relation_joined"]);
    const configured = ctx.run(ctx.on.configChanged(), deferred.with({ config: world.config }));
    expect(configured.unitStatus).toEqual(new ActiveStatus());
    expect(configured.deferred.map((d) => d.kind)).toEqual(["api_relation_joined"]);
    // Upstream: get_relation("api") is None while the relation breaks, and None has no `data`.
    expectCharmRaised(
      () => ctx.run(ctx.on.relationBroken(rel), configured),
      PythonTypeError,
      /^'NoneType' object has no attribute 'data'$/,
    );
  });
});

/** A charm that hands its config to Lxd and shows what Lxd reports. */
class LxdProbeCharm extends CharmBase {
  static seen: {
    isJoined: boolean;
    isReady: boolean;
    endpoint: string | null;
    serverName: string | null;
    stored: Readonly<LxdState>;
  } | null = null;
  readonly lxd: Lxd;
  constructor(framework: Framework) {
    super(framework);
    this.lxd = new Lxd(this, "api");
    LxdProbeCharm.seen = null;
    framework.observe(this.on.configChanged, () => {
      const c = this.config as Record<string, string | undefined>;
      this.lxd.setCredentials(c.endpoint ?? "", c.cert ?? "", c.key ?? "", c.server ?? "");
    });
    const show = () => {
      const lxd = this.lxd;
      // `stored` is a copy: changing it changes nothing the provider keeps.
      (lxd.stored as LxdState).endpoint = "changed by the charm";
      LxdProbeCharm.seen = {
        isJoined: lxd.isJoined,
        isReady: lxd.isReady,
        endpoint: lxd.endpoint,
        serverName: lxd.serverName,
        stored: lxd.stored,
      };
      this.unit.status = lxd.isReady ? new ActiveStatus() : new WaitingStatus("no credentials");
    };
    framework.observe(this.on.configChanged, show);
    framework.observe(this.on.updateStatus, show);
  }
}

describe("faithful provider: what a charm reads from it", () => {
  const probeOwner = "LxdProbeCharm/Lxd[api]";

  it("nothing before credentials; endpoint, server name and the stored state after", () => {
    const world = buildLxdWorld();
    const ctx = new Context(LxdProbeCharm, { ...providerProbeSpec, external: world.external });
    let state = ctx.run(ctx.on.updateStatus(), new State());
    expect(LxdProbeCharm.seen).toEqual({
      isJoined: false,
      isReady: false,
      endpoint: null,
      serverName: null,
      stored: {
        endpoint: null,
        serverName: null,
        clientCert: null,
        clientKey: null,
        serverCert: null,
      },
    });
    const config = {
      endpoint: world.credential.endpoint,
      cert: world.config.lxd_client_cert!,
      key: world.config.lxd_client_key!,
      server: world.config.lxd_server_cert!,
    };
    state = ctx.run(ctx.on.configChanged(), state.with({ config }));
    const expected = {
      endpoint: config.endpoint,
      serverName: "lxd-node-1",
      clientCert: config.cert,
      clientKey: config.key,
      serverCert: config.server,
    };
    expect(LxdProbeCharm.seen).toEqual({
      isJoined: false,
      isReady: true,
      endpoint: config.endpoint,
      serverName: "lxd-node-1",
      stored: expected,
    });
    expect(
      state.storedStates.find((s) => s.ownerPath === probeOwner && s.name === "state")?.content,
    ).toEqual(expected);
    expect(state.unitStatus).toEqual(new ActiveStatus());
  });

  it("isJoined: whether the endpoint has a relation; with two it raises, as get_relation does", () => {
    const world = buildLxdWorld();
    const ctx = new Context(LxdProbeCharm, { ...providerProbeSpec, external: world.external });
    const one = apiRelation({ 0: {} }, { remoteAppName: "one" });
    ctx.run(ctx.on.updateStatus(), new State({ relations: [one] }));
    expect(LxdProbeCharm.seen?.isJoined).toBe(true);
    const two = apiRelation({ 0: {} }, { remoteAppName: "two" });
    expectCharmRaised(
      () => ctx.run(ctx.on.updateStatus(), new State({ relations: [one, two] })),
      TooManyRelatedAppsError,
    );
  });
});
