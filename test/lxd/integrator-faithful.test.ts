/**
 * The faithful integrator (LxdIntegratorCharm + Lxd), one hook at a time: every handler, and
 * every QUIRK of spec/lxd.md reproduced.
 */
import { describe, expect, it } from "vitest";
import { fixtureCertificateFor } from "../../src/charms/lxd-consumer/certificates.js";
import {
  LxdIntegratorCharm,
  LxdIntegratorFixedCharm,
  LxdIntegratorModernPythonCharm,
  MISSING_CREDENTIALS,
} from "../../src/charms/lxd-integrator/charm.js";
import { bundledCatalog } from "../../src/fuzz/campaigns/index.js";
import { UncaughtCharmError } from "../../src/harness/context.js";
import { KeyError, TooManyRelatedAppsError } from "../../src/harness/ops/errors.js";
import { PythonInvalidUrlError, PythonSslError } from "../../src/libs/lxd/client.js";
import { LxdNotTrustedError, PythonTypeError } from "../../src/libs/lxd/provider.js";
import { DEFAULT_JUJU_DATABAG, DeferredEvent, State, StoredState } from "../../src/model/state.js";
import { ActiveStatus, BlockedStatus, MaintenanceStatus } from "../../src/model/status.js";
import { fixtureCertificate } from "../../src/pki/fixtures.js";
import { fingerprintSha256, InvalidPemError } from "../../src/pki/pem.js";
import { LxdConnectionError, PythonValueError } from "../../src/workloads/lxd-server.js";
import { expectCharmRaised } from "../harness/helpers.js";
import {
  apiRelation,
  buildLxdWorld,
  certsBag,
  installed,
  integratorContext,
  type LxdWorld,
  nodesOf,
} from "./helpers.js";

const OWNER = "LxdIntegratorCharm/Lxd[api]";
const c0 = fixtureCertificateFor(0);
const c1 = fixtureCertificateFor(1);

function storedOf(state: State, owner = OWNER) {
  return state.storedStates.find((s) => s.ownerPath === owner && s.name === "state")?.content;
}

/** A State whose interface object is ready, with a relation whose local nodes were published. */
function readyWithRelation(remote: Record<number, Record<string, string>>) {
  const { ctx, world } = integratorContext(LxdIntegratorCharm);
  const rel = apiRelation(remote);
  const joined = ctx.run(
    ctx.on.relationJoined(rel, { remoteUnit: 0 }),
    installed(ctx, world, { relations: [rel] }),
  );
  return { ctx, world, rel, state: joined };
}

describe("faithful integrator: credentials (install / config-changed)", () => {
  it("uses the cloud credential when trusted, verifies it with LXD and goes Active", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const out = installed(ctx, world);
    expect(out.unitStatus).toEqual(new ActiveStatus());
    expect(storedOf(out)).toEqual({
      endpoint: world.credential.endpoint,
      serverName: "lxd-node-1",
      clientCert: world.credential.attrs["client-cert"],
      clientKey: world.credential.attrs["client-key"],
      serverCert: world.credential.attrs["server-cert"],
    });
    expect(world.server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /1.0 200",
    ]);
    expect(ctx.jujuLog).toContainEqual({
      level: "INFO",
      logger: "interface",
      message: "credentials configured",
    });
  });

  it("is Blocked without trust and without config, and asks LXD nothing", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const out = ctx.run(ctx.on.install(), new State({ credential: world.credential }));
    expect(out.unitStatus).toEqual(new BlockedStatus(MISSING_CREDENTIALS));
    expect(out.unitStatus.message).toBe("Missing credentials access; grant with: juju trust");
    expect(storedOf(out)).toMatchObject({ endpoint: null, serverName: null });
    expect(world.server.requests).toEqual([]);
  });

  it("falls back to the four config options when not trusted", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const out = ctx.run(ctx.on.configChanged(), new State({ config: world.config }));
    expect(out.unitStatus).toEqual(new ActiveStatus());
    expect(storedOf(out)).toMatchObject({
      endpoint: world.config.lxd_endpoint,
      serverName: "lxd-node-1",
    });
  });

  it("falls back to config when the trusted credential is incomplete", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const credential = {
      ...world.credential,
      attrs: { ...world.credential.attrs, "client-key": "" },
    };
    const blocked = ctx.run(ctx.on.install(), new State({ trusted: true, credential }));
    expect(blocked.unitStatus).toEqual(new BlockedStatus(MISSING_CREDENTIALS));
    const viaConfig = ctx.run(
      ctx.on.install(),
      new State({ trusted: true, credential, config: world.config }),
    );
    expect(viaConfig.unitStatus).toEqual(new ActiveStatus());
  });

  it("fails the hook when the credential lacks an attribute (upstream indexes it directly)", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const { "server-cert": _dropped, ...attrs } = world.credential.attrs;
    const credential = { ...world.credential, attrs };
    expectCharmRaised(
      () => ctx.run(ctx.on.install(), new State({ trusted: true, credential })),
      KeyError,
      /server-cert/,
    );
  });

  it('fails the hook with "invalid credentials: not trusted" when LXD does not trust them', () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const stranger = fixtureCertificate("client-05");
    const config = {
      ...world.config,
      lxd_client_cert: stranger.certPem,
      lxd_client_key: stranger.keyPem,
    };
    expectCharmRaised(
      () => ctx.run(ctx.on.configChanged(), new State({ config })),
      LxdNotTrustedError,
      /^invalid credentials: not trusted$/,
    );
  });

  it("fails the hook when LXD is unreachable (as upstream's connection error does)", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    world.server.injectFault({ kind: "unreachable" });
    expectCharmRaised(() => installed(ctx, world), LxdConnectionError, /connection refused/);
  });

  // Upstream's set_credentials call is commented out only in the repository's first commit,
  // which had no lxd interface at all; every revision with the interface wires the credentials
  // (src/charm.py, lines 56 and 72). There is no unwired flavour to model.
  it("hands the credentials to the interface object, and there is no unwired flavour", async () => {
    const charmModule: Record<string, unknown> = await import(
      "../../src/charms/lxd-integrator/index.js"
    );
    expect(Object.keys(charmModule).filter((name) => /wiring/i.test(name))).toEqual([]);
    const catalog = bundledCatalog();
    const integrators = catalog.names().filter((name) => name.startsWith("lxd-integrator"));
    expect(integrators.filter((name) => /wiring/.test(name))).toEqual([]);
    expect(new Set(integrators.map((name) => catalog.get(name).charm))).toEqual(
      new Set([LxdIntegratorCharm, LxdIntegratorFixedCharm]),
    );
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const out = installed(ctx, world);
    expect(storedOf(out)).toMatchObject({ endpoint: world.credential.endpoint });
    expect(world.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /1.0"]);
  });
});

describe("faithful integrator: a ready interface ignores install and config-changed", () => {
  // Upstream's _check_credentials begins with `if self.client.is_ready: return`
  // (src/charm.py, lines 40-41).
  it("config-changed on a ready unit asks LXD nothing, leaves the status and keeps the endpoint", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const ready = installed(ctx, world);
    world.server.clearRequestLog();
    world.server.injectFault({ kind: "unreachable" });
    const other = fixtureCertificate("client-05");
    const config = {
      lxd_endpoint: "https://10.0.9.9:8443",
      lxd_client_cert: other.certPem,
      lxd_client_key: other.keyPem,
      lxd_server_cert: world.config.lxd_server_cert!,
    };
    const busy = ready.with({
      unitStatus: new MaintenanceStatus("upgrading"),
      config,
      trusted: false,
    });
    const out = ctx.run(ctx.on.configChanged(), busy);
    expect(world.server.requests).toEqual([]);
    expect(out.unitStatus).toEqual(new MaintenanceStatus("upgrading"));
    expect(storedOf(out)).toEqual(storedOf(ready));
  });

  it("install on a ready unit does not even read the credential", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const ready = installed(ctx, world);
    world.server.clearRequestLog();
    const { "server-cert": _dropped, ...attrs } = world.credential.attrs;
    const out = ctx.run(
      ctx.on.install(),
      ready.with({
        credential: { ...world.credential, attrs },
        unitStatus: new BlockedStatus("x"),
      }),
    );
    expect(out.unitStatus).toEqual(new BlockedStatus("x"));
    expect(world.server.requests).toEqual([]);
  });
});

describe("faithful integrator: the endpoint as Python's http.client reads it", () => {
  // Upstream strips "https://" and "http://" and hands the rest to HTTPSConnection, which splits
  // host:port (src/interface.py, lines 74-75).
  const withEndpoint = (world: LxdWorld, endpoint: string) =>
    new State({ config: { ...world.config, lxd_endpoint: endpoint } });

  it.each([
    ["a trailing slash", "https://10.0.8.1:8443/", "8443/"],
    ["a path after the port", "https://10.0.8.1:8443/1.0", "8443/1.0"],
    ["a port that is not a number", "https://10.0.8.1:lxd", "lxd"],
  ])(
    "%s fails the hook with InvalidURL: nonnumeric port, and nothing reaches LXD",
    (_w, url, tail) => {
      const { ctx, world } = integratorContext(LxdIntegratorCharm);
      expectCharmRaised(
        () => ctx.run(ctx.on.configChanged(), withEndpoint(world, url)),
        PythonInvalidUrlError,
        new RegExp(`^nonnumeric port: '${tail.replace(/[./]/g, "\\$&")}'$`),
      );
      expect(world.server.requests).toEqual([]);
    },
  );

  it("host:port without a scheme reaches the same server", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const out = ctx.run(ctx.on.configChanged(), withEndpoint(world, "10.0.8.1:8443"));
    expect(out.unitStatus).toEqual(new ActiveStatus());
    expect(world.server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /1.0 200",
    ]);
  });

  it("no port means port 443, where no LXD listens: the hook fails to connect", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    expectCharmRaised(
      () => ctx.run(ctx.on.configChanged(), withEndpoint(world, "https://10.0.8.1")),
      LxdConnectionError,
      /10\.0\.8\.1:443/,
    );
  });
});

describe("faithful integrator: TLS as upstream does it", () => {
  // Upstream's context is ssl.create_default_context(purpose=Purpose.CLIENT_AUTH,
  // cafile=server_cert) with check_hostname off (src/interface.py, lines 67-73): a context for
  // servers, which verifies no server certificate.
  it("QUIRK (security): a server presenting another certificate is trusted and gets the client certificates", () => {
    const world = buildLxdWorld({ impostor: true });
    const { ctx } = integratorContext(LxdIntegratorCharm, world);
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    const ready = installed(ctx, world, { relations: [rel] });
    expect(ready.unitStatus).toEqual(new ActiveStatus());
    const joined = ctx.run(ctx.on.relationJoined(rel, { remoteUnit: 0 }), ready);
    ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), joined);
    expect(world.server.serverFingerprint).not.toBe(
      fingerprintSha256(world.config.lxd_server_cert!),
    );
    expect(world.server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /1.0 200",
      "POST /1.0/certificates 201",
    ]);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
  });

  it("the configured server certificate must still load as a CA file: no certificate fails the hook before any connection", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const config = { ...world.config, lxd_server_cert: "not a certificate" };
    expectCharmRaised(
      () => ctx.run(ctx.on.configChanged(), new State({ config })),
      PythonSslError,
      /NO_CERTIFICATE_OR_CRL_FOUND/,
    );
    expect(world.server.requests).toEqual([]);
  });

  it("Python 3.10 and later (a switch, off by default): no client socket from that context, so every credential check fails", () => {
    expect(LxdIntegratorCharm.python).toBe("3.8");
    const { ctx, world } = integratorContext(LxdIntegratorModernPythonCharm);
    expectCharmRaised(
      () => installed(ctx, world),
      PythonValueError,
      /^Cannot create a client socket with a PROTOCOL_TLS_SERVER context$/,
    );
    expectCharmRaised(
      () => ctx.run(ctx.on.configChanged(), new State({ config: world.config })),
      PythonValueError,
    );
    // The TCP connection was made each time; nothing reached LXD's API.
    expect(world.server.requests.map((r) => r.status)).toEqual([null, null]);
    // Unreachable LXD still fails first at the connection.
    world.server.injectFault({ kind: "unreachable" });
    expectCharmRaised(() => installed(ctx, world), LxdConnectionError);
  });
});

describe("faithful integrator: relation-joined", () => {
  it("defers when not ready and writes nothing", () => {
    const { ctx } = integratorContext(LxdIntegratorCharm);
    const rel = apiRelation();
    const out = ctx.run(ctx.on.relationJoined(rel), new State({ relations: [rel] }));
    expect(out.deferred.map((d) => d.kind)).toEqual(["api_relation_joined"]);
    expect(out.getRelation(rel.id)?.localUnitData).toEqual(DEFAULT_JUJU_DATABAG);
  });

  it("publishes one node and version 1.0 in this unit's bag, as upstream's json.dumps", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const rel = apiRelation();
    const out = ctx.run(ctx.on.relationJoined(rel), installed(ctx, world, { relations: [rel] }));
    expect(out.getRelation(rel.id)?.localUnitData).toEqual({
      ...DEFAULT_JUJU_DATABAG,
      nodes: `[{"endpoint": "${world.credential.endpoint}", "name": "lxd-node-1", "trusted_certs_fp": []}]`,
      version: "1.0",
    });
    expect(out.getRelation(rel.id)?.localAppData).toEqual({});
  });

  it("a deferred relation-joined stays deferred through the config-changed that completes the credentials, then runs at the next hook", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const rel = apiRelation();
    const deferred = ctx.run(ctx.on.relationJoined(rel), new State({ relations: [rel] }));
    const configured = ctx.run(ctx.on.configChanged(), deferred.with({ config: world.config }));
    expect(configured.unitStatus).toEqual(new ActiveStatus());
    expect(configured.deferred.map((d) => d.kind)).toEqual(["api_relation_joined"]);
    expect(configured.getRelation(rel.id)?.localUnitData).toEqual(DEFAULT_JUJU_DATABAG);
    const next = ctx.run(ctx.on.updateStatus(), configured);
    expect(next.deferred).toEqual([]);
    expect(next.getRelation(rel.id)?.localUnitData.version).toBe("1.0");
  });

  it("raises once the endpoint has two relations (upstream looks the relation up by name)", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const a = apiRelation({ 0: {} }, { remoteAppName: "one" });
    const b = apiRelation({ 0: {} }, { remoteAppName: "two" });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationJoined(b), installed(ctx, world, { relations: [a, b] })),
      TooManyRelatedAppsError,
    );
  });

  it("overwrites trusted_certs_fp with [] when another unit joins (fingerprints are lost)", () => {
    const { ctx, world, rel, state } = readyWithRelation({ 0: certsBag(c0.pem), 1: {} });
    const changed = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(nodesOf(changed, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
    const joined1 = ctx.run(ctx.on.relationJoined(rel, { remoteUnit: 1 }), changed);
    expect(nodesOf(joined1, rel.id)[0]?.trusted_certs_fp).toEqual([]);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
  });
});

describe("faithful integrator: relation-changed", () => {
  it("defers when not ready", () => {
    const { ctx } = integratorContext(LxdIntegratorCharm);
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    const out = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(out.deferred.map((d) => d.kind)).toEqual(["api_relation_changed"]);
    expect(out.getRelation(rel.id)?.localUnitData).toEqual(DEFAULT_JUJU_DATABAG);
  });

  it("registers every client certificate with LXD and lists its fingerprint", () => {
    const { ctx, world, rel, state } = readyWithRelation({ 0: certsBag(c0.pem, c1.pem) });
    world.server.clearRequestLog();
    const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
    expect(world.server.isTrusted(c1.fingerprint)).toBe(true);
    expect(world.server.trustedCertificate(c0.fingerprint)?.name).toBe("client-00");
    expect(nodesOf(out, rel.id)).toEqual([
      {
        endpoint: world.credential.endpoint,
        name: "lxd-node-1",
        trusted_certs_fp: [c0.fingerprint, c1.fingerprint],
      },
    ]);
    expect(world.server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "POST /1.0/certificates 201",
      "POST /1.0/certificates 201",
    ]);
    expect(ctx.jujuLog).toContainEqual({
      level: "INFO",
      logger: "interface",
      message: `adding certificate ${c0.fingerprint} to trust store`,
    });
  });

  it("QUIRK: posts every certificate again on every relation-changed (a warning each time)", () => {
    const { ctx, world, rel, state } = readyWithRelation({ 0: certsBag(c0.pem) });
    const once = ctx.run(ctx.on.relationChanged(rel), state);
    world.server.clearRequestLog();
    const twice = ctx.run(ctx.on.relationChanged(rel), once);
    expect(world.server.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["POST 400"]);
    expect(ctx.jujuLog).toContainEqual({
      level: "WARNING",
      logger: "interface",
      message: "certificate already provisioned. Skipping provision",
    });
    expect(nodesOf(twice, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
  });

  it("QUIRK: reads trusted_certs_fp from the requirer's bag and fails fingerprinting a fingerprint", () => {
    const requirerBag = {
      client_certificates: "[]",
      trusted_certs_fp: JSON.stringify([c0.fingerprint]),
    };
    const { ctx, world, rel, state } = readyWithRelation({ 0: requirerBag });
    world.server.trust(c0.pem);
    world.server.clearRequestLog();
    expectCharmRaised(() => ctx.run(ctx.on.relationChanged(rel), state), InvalidPemError);
    expect(world.server.requests).toEqual([]);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
  });

  it("QUIRK: a certificate the requirer dropped stays trusted and listed", () => {
    const { ctx, world, rel, state } = readyWithRelation({ 0: certsBag(c0.pem) });
    const first = ctx.run(ctx.on.relationChanged(rel), state);
    const dropped = first.getRelation(rel.id)!;
    const swapped = apiRelation(
      { 0: certsBag(c1.pem) },
      {
        id: rel.id,
        localUnitData: { ...dropped.localUnitData },
      },
    );
    const out = ctx.run(ctx.on.relationChanged(swapped), first.with({ relations: [swapped] }));
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
    expect(world.server.isTrusted(c1.fingerprint)).toBe(true);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint, c1.fingerprint]);
    expect(world.server.requests.some((r) => r.method === "DELETE")).toBe(false);
  });

  it("QUIRK: an application-level relation-changed fails the hook once ready, and is deferred before", () => {
    const { ctx, rel, state } = readyWithRelation({ 0: certsBag(c0.pem) });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel, { remoteUnit: null }), state),
      KeyError,
    );
    const notReady = integratorContext(LxdIntegratorCharm).ctx;
    const out = notReady.run(
      notReady.on.relationChanged(rel, { remoteUnit: null }),
      new State({ relations: [rel] }),
    );
    expect(out.deferred.map((d) => d.kind)).toEqual(["api_relation_changed"]);
  });

  it("fails clearly when this unit's nodes have no node for the endpoint (upstream: StopIteration)", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    const err = (() => {
      try {
        ctx.run(ctx.on.relationChanged(rel), installed(ctx, world, { relations: [rel] }));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(UncaughtCharmError);
    expect(String((err as UncaughtCharmError).cause)).toMatch(
      /no node with endpoint .*10\.0\.8\.1/,
    );
  });

  it("QUIRK: lists a fingerprint even when LXD answered 500 to its registration", () => {
    const { ctx, world, rel, state } = readyWithRelation({ 0: certsBag(c0.pem) });
    world.server.injectFault({ kind: "http-500", paths: ["/1.0/certificates"] });
    const out = ctx.run(ctx.on.relationChanged(rel), state);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(false);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
    // Upstream logs the body as it came (logger.error(data)).
    expect(ctx.jujuLog.filter((l) => l.level === "ERROR").map((l) => l.message)).toEqual([
      '{"type":"error","error":"internal server error","error_code":500}',
    ]);
  });

  it("fails the hook when LXD is unreachable; nothing is written", () => {
    const { ctx, world, rel, state } = readyWithRelation({ 0: certsBag(c0.pem) });
    world.server.injectFault({ kind: "unreachable" });
    expectCharmRaised(() => ctx.run(ctx.on.relationChanged(rel), state), LxdConnectionError);
    expect(world.server.trustedFingerprints()).toEqual([buildLxdWorld().integratorFingerprint]);
  });

  it.each([
    ["non-JSON", "not json", SyntaxError],
    ["a number", "42", PythonTypeError],
    ["a list of lists", "[[1]]", PythonTypeError],
    ["a list with a number", "[7]", PythonTypeError],
    [
      "an invalid PEM",
      JSON.stringify(["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"]),
      InvalidPemError,
    ],
    ["a plain string", JSON.stringify("hello"), InvalidPemError],
  ])(
    "ill-formed client_certificates (%s) fails the hook and trusts nothing",
    (_what, raw, type) => {
      const { ctx, world, rel, state } = readyWithRelation({ 0: { client_certificates: raw } });
      const before = world.server.trustedFingerprints();
      expectCharmRaised(() => ctx.run(ctx.on.relationChanged(rel), state), type);
      expect(world.server.trustedFingerprints()).toEqual(before);
    },
  );

  // Upstream parses each client certificate with pyOpenSSL's load_certificate(FILETYPE_PEM, ...)
  // and posts the body of the first CERTIFICATE block (src/interface.py, lines 163-175): the
  // first certificate in the text counts, whatever comes before or after it.
  describe("client certificates are read as pyOpenSSL's load_certificate reads them", () => {
    const key = fixtureCertificate("client-05").keyPem;
    it.each([
      ["a comment line before it", `issued for app/0 by the team CA\n${c0.pem}`],
      ["a private key before it", `${key}${c0.pem}`],
      ["another certificate after it", `${c0.pem}${c1.pem}`],
      ["text after it", `${c0.pem}that was the certificate\n`],
    ])("%s: the first certificate is registered and listed", (_what, text) => {
      const { ctx, world, rel, state } = readyWithRelation({ 0: certsBag(text) });
      world.server.clearRequestLog();
      const out = ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
      expect(world.server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        "POST /1.0/certificates 201",
      ]);
      expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
      expect(world.server.trustedCertificate(c0.fingerprint)?.name).toBe("client-00");
      expect(world.server.isTrusted(c1.fingerprint)).toBe(false);
      expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
    });

    it("a text with a key but no certificate fails the hook and trusts nothing", () => {
      const { ctx, world, rel, state } = readyWithRelation({ 0: certsBag(key) });
      const before = world.server.trustedFingerprints();
      expectCharmRaised(() => ctx.run(ctx.on.relationChanged(rel), state), InvalidPemError);
      expect(world.server.trustedFingerprints()).toEqual(before);
    });
  });

  it("an empty JSON object counts as no certificates, as Python's set({}) does", () => {
    const { ctx, world, rel, state } = readyWithRelation({ 0: { client_certificates: "{}" } });
    const out = ctx.run(ctx.on.relationChanged(rel), state);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([]);
    expect(world.server.trustedFingerprints()).toHaveLength(1);
  });

  it("QUIRK (security): no relation-departed or relation-broken handler; certificates stay", () => {
    const { ctx, world, rel, state } = readyWithRelation({ 0: certsBag(c0.pem) });
    const registered = ctx.run(ctx.on.relationChanged(rel), state);
    world.server.clearRequestLog();
    const departed = ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 0 }), registered);
    const broken = ctx.run(ctx.on.relationBroken(rel), departed);
    expect(world.server.requests).toEqual([]);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
    expect(broken.deferred).toEqual([]);
  });

  it("restores a deferred relation-changed and handles it once credentials are there", () => {
    const { ctx, world } = integratorContext(LxdIntegratorCharm);
    const rel = apiRelation(
      { 0: certsBag(c0.pem) },
      {
        localUnitData: {
          nodes: `[{"endpoint": "${world.credential.endpoint}", "name": "lxd-node-1", "trusted_certs_fp": []}]`,
        },
      },
    );
    const stored = new StoredState({
      ownerPath: OWNER,
      name: "state",
      content: {
        endpoint: world.credential.endpoint,
        serverName: "lxd-node-1",
        clientCert: world.config.lxd_client_cert!,
        clientKey: world.config.lxd_client_key!,
        serverCert: world.config.lxd_server_cert!,
      },
    });
    const deferred = new DeferredEvent({
      handlePath: "LxdIntegratorCharm/on/api_relation_changed[1]",
      owner: "LxdIntegratorCharm/on",
      observer: "LxdIntegratorCharm/on/api_relation_changed#0",
      snapshot: {
        relation_name: "api",
        relation_id: rel.id,
        app_name: "consumer",
        unit_name: "consumer/0",
      },
    });
    const out = ctx.run(
      ctx.on.updateStatus(),
      new State({ relations: [rel], storedStates: [stored], deferred: [deferred] }),
    );
    expect(out.deferred).toEqual([]);
    expect(nodesOf(out, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
  });
});
