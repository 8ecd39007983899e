/**
 * LxdFixed's fault paths, driven through the in-memory LXD server's fault injection. After every
 * hook the tests check the requests made to LXD, the trust store and the provider's stored state,
 * not only where a scenario ends.
 *
 * The charm here is a small one written for these tests: it hands its config to the provider
 * (setCredentials when an endpoint is set, even with other fields empty; clearCredentials
 * otherwise), calls retryPending at update-status, and after every hook shows in its status
 * what the provider says (ready or not, server and endpoint, problem), so what is seen is the
 * provider's doing.
 */
import { describe, expect, it } from "vitest";
import { fixtureCertificateFor } from "../../src/charms/lxd-consumer/certificates.js";
import { buildLxdWorld, type LxdWorld } from "../../src/charms/lxd-integrator/variants.js";
import { Context } from "../../src/harness/context.js";
import { CharmBase } from "../../src/harness/ops/charm.js";
import type { Framework } from "../../src/harness/ops/framework.js";
import { LxdFixed, type LxdFixedState } from "../../src/libs/lxd/provider-fixed.js";
import { type Relation, State } from "../../src/model/state.js";
import { ActiveStatus, WaitingStatus } from "../../src/model/status.js";
import { fixtureCertificate, fixtureServerCert } from "../../src/pki/fixtures.js";
import { subjectCommonName } from "../../src/pki/x509.js";
import {
  certsBag,
  nodesOf,
  providerProbeSpec,
  apiRelation as sharedApiRelation,
  trustedClients,
} from "./helpers.js";

class ProviderProbeCharm extends CharmBase {
  /** What the provider's `stored` and setCredentials returned in the last hook. */
  static last: { stored: LxdFixedState | null; usable: boolean | null } = {
    stored: null,
    usable: null,
  };
  readonly lxd: LxdFixed;
  constructor(framework: Framework) {
    super(framework);
    this.lxd = new LxdFixed(this, "api");
    ProviderProbeCharm.last = { stored: null, usable: null };
    const credentials = () => {
      const c = this.config as Record<string, string | undefined>;
      if (c.endpoint) {
        ProviderProbeCharm.last.usable = this.lxd.setCredentials(
          c.endpoint,
          c.cert ?? "",
          c.key ?? "",
          c.server ?? "",
        );
      } else this.lxd.clearCredentials();
    };
    framework.observe(this.on.install, credentials);
    framework.observe(this.on.configChanged, credentials);
    framework.observe(this.on.updateStatus, () => this.lxd.retryPending());
    const show = () => {
      const lxd = this.lxd;
      this.unit.status = lxd.isReady
        ? new ActiveStatus(`${lxd.serverName} at ${lxd.endpoint}`)
        : new WaitingStatus(lxd.problem?.message ?? `not ready (${lxd.endpoint ?? "no endpoint"})`);
      ProviderProbeCharm.last.stored = lxd.stored as LxdFixedState;
    };
    framework.observe(this.on.install, show);
    framework.observe(this.on.configChanged, show);
    framework.observe(this.on.updateStatus, show);
    const api = this.on.relation("api");
    framework.observe(api.created, show);
    framework.observe(api.joined, show);
    framework.observe(api.changed, show);
    framework.observe(api.departed, show);
    framework.observe(api.broken, show);
    framework.observe(this.on.leaderElected, show);
  }
}

const OWNER = "ProviderProbeCharm/LxdFixed[api]";
const TAG = "juju-lxd-integrator:";
const c0 = fixtureCertificateFor(0);
const c1 = fixtureCertificateFor(1);
const c2 = fixtureCertificateFor(2);
const c3 = fixtureCertificateFor(3);
const short = (fp: string) => fp.slice(0, 12);
const LIST = "GET /1.0/certificates?recursion=1";
const VERIFY = "GET /1.0";
const POST = "POST /1.0/certificates";
const del = (fp: string) => `DELETE /1.0/certificates/${fp}`;

function configFor(world: LxdWorld, endpoint = world.credential.endpoint) {
  return {
    endpoint,
    cert: world.config.lxd_client_cert!,
    key: world.config.lxd_client_key!,
    server: world.config.lxd_server_cert!,
  };
}

function storedOf(state: State): LxdFixedState {
  const s = state.storedStates.find((x) => x.ownerPath === OWNER && x.name === "state");
  if (s === undefined) throw new Error("the provider stored no state");
  return s.content as unknown as LxdFixedState;
}

/** A Context on a fresh LXD world; `requests()` returns and clears the requests since the last call. */
function setup() {
  const world = buildLxdWorld();
  const ctx = new Context(ProviderProbeCharm, { ...providerProbeSpec, external: world.external });
  const requests = (server = world.server) => {
    const out = server.requests.map((r) => `${r.method} ${r.path}`);
    server.clearRequestLog();
    return out;
  };
  const trusted = (server = world.server) => trustedClients(world, server);
  return { world, ctx, requests, trusted };
}

const sorted = (...fps: string[]) => [...fps].sort();

/** The shared `api` relation, without Juju's address keys: the tests look at exactly what the provider publishes. */
function apiRelation(
  remoteUnitsData: Record<number, Record<string, string>>,
  extra: { id?: number; localUnitData?: Record<string, string>; remoteAppName?: string } = {},
): Relation {
  return sharedApiRelation(remoteUnitsData, { ...extra, localUnitData: extra.localUnitData ?? {} });
}

/** The same relation (id, local bag) with new remote unit data, as the next hook sees it. */
function withRemote(state: State, rel: Relation, remote: Record<number, Record<string, string>>) {
  const now = state.getRelation(rel.id) as Relation;
  const next = apiRelation(remote, {
    id: rel.id,
    localUnitData: { ...now.localUnitData },
    remoteAppName: now.remoteAppName,
  });
  return { rel: next, state: state.with({ relations: [next] }) };
}

describe("LxdFixed before its credentials are verified", () => {
  it("a relation hook verifies first, then registers; while LXD is down it defers and sends nothing else", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    world.server.injectFault({ kind: "unreachable", count: 2 });

    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    expect(requests()).toEqual([VERIFY]);
    expect(storedOf(state)).toMatchObject({ serverName: null, retry: true, managed: [] });
    expect(storedOf(state).problem?.severity).toBe("waiting");

    state = ctx.run(ctx.on.relationChanged(rel), state);
    expect(requests()).toEqual([VERIFY]);
    expect(state.deferred.map((d) => d.kind)).toEqual(["api_relation_changed"]);
    expect(state.getRelation(rel.id)?.localUnitData).toEqual({});
    expect(trusted()).toEqual([]);

    // LXD is back: the deferred relation-changed verifies, lists, registers.
    state = ctx.run(ctx.on.relationChanged(rel), state);
    expect(requests()).toEqual([VERIFY, LIST, POST, LIST]);
    expect(trusted()).toEqual([c0.fingerprint]);
    expect(state.deferred).toEqual([]);
    expect(storedOf(state)).toMatchObject({
      serverName: "lxd-node-1",
      retry: false,
      problem: null,
      managed: [c0.fingerprint],
    });
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
  });

  it("update-status retries the check only while something is pending", () => {
    const { world, ctx, requests } = setup();
    world.server.injectFault({ kind: "unreachable", count: 2 });
    let state = ctx.run(ctx.on.install(), new State({ config: configFor(world) }));
    expect(requests()).toEqual([VERIFY]);
    state = ctx.run(ctx.on.updateStatus(), state);
    expect(requests()).toEqual([VERIFY]);
    expect(storedOf(state)).toMatchObject({ serverName: null, retry: true });
    expect(state.deferred).toEqual([]);
    state = ctx.run(ctx.on.updateStatus(), state);
    expect(requests()).toEqual([VERIFY, LIST]);
    expect(storedOf(state)).toMatchObject({ serverName: "lxd-node-1", retry: false });
    state = ctx.run(ctx.on.updateStatus(), state);
    expect(requests()).toEqual([]);
  });

  it("leader-elected without credentials sends nothing; with them, reconciles", () => {
    const { world, ctx, requests } = setup();
    let state = ctx.run(ctx.on.leaderElected(), new State({ leader: true }));
    expect(requests()).toEqual([]);
    state = ctx.run(ctx.on.configChanged(), state.with({ config: configFor(world) }));
    expect(requests()).toEqual([VERIFY, LIST]);
    ctx.run(ctx.on.leaderElected(), state);
    expect(requests()).toEqual([LIST]);
  });
});

describe("LxdFixed when the same credentials come again", () => {
  it("sends nothing when all is done, and retries what failed", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    expect(requests()).toEqual([VERIFY, LIST, POST]);
    state = ctx.run(ctx.on.configChanged(), state);
    expect(requests()).toEqual([]);

    const next = withRemote(state, rel, { 0: certsBag(c0.pem, c1.pem) });
    world.server.injectFault({ kind: "http-500", methods: ["POST"], count: 1 });
    state = ctx.run(ctx.on.relationChanged(next.rel), next.state);
    expect(requests()).toEqual([LIST, POST]);
    expect(trusted()).toEqual([c0.fingerprint]);
    expect(storedOf(state)).toMatchObject({ retry: true, serverName: "lxd-node-1" });
    expect(ctx.jujuLog.some((l) => l.message.includes("back in reach"))).toBe(false);

    // config-changed with unchanged credentials is the retry (the deferred event comes first).
    state = ctx.run(ctx.on.configChanged(), state.with({ deferred: [] }));
    expect(requests()).toEqual([LIST, POST]);
    expect(trusted()).toEqual(sorted(c0.fingerprint, c1.fingerprint));
    expect(storedOf(state)).toMatchObject({ retry: false, problem: null });
  });
});

describe("LxdFixed when LXD refuses a certificate (4xx)", () => {
  it("leaves that certificate out, names the units asking for it, and does not retry on its own", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem), 1: certsBag(c0.pem), 2: certsBag(c1.pem) });
    world.server.injectFault({
      kind: "http-error",
      status: 400,
      error: "bad certificate",
      methods: ["POST"],
      count: 1,
    });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    expect(requests()).toEqual([VERIFY, LIST, POST, POST]);
    expect(trusted()).toEqual([c1.fingerprint]);
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual([c1.fingerprint]);
    expect(storedOf(state)).toMatchObject({
      retry: false,
      problem: null,
      managed: [c1.fingerprint],
      rejected: [
        `consumer/0, consumer/1: LXD refused certificate ${short(c0.fingerprint)} (400 bad certificate)`,
      ],
    });
    expect(state.deferred).toEqual([]);

    state = ctx.run(ctx.on.updateStatus(), state);
    expect(requests()).toEqual([]);

    // The next relation hook asks again; this time LXD takes it.
    state = ctx.run(ctx.on.relationChanged(rel), state);
    expect(requests()).toEqual([LIST, POST]);
    expect(trusted()).toEqual(sorted(c0.fingerprint, c1.fingerprint));
    expect(storedOf(state).rejected).toEqual([]);
  });

  it("takes 'already in trust store' as trusted", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    world.server.injectFault({
      kind: "http-error",
      status: 400,
      error: "Certificate already in trust store",
      methods: ["POST"],
      count: 1,
    });
    const state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    expect(requests()).toEqual([VERIFY, LIST, POST]);
    // The injected answer did not add it, but the provider believes LXD and lists it.
    expect(trusted()).toEqual([]);
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
    expect(storedOf(state)).toMatchObject({ managed: [c0.fingerprint], rejected: [] });
    expect(ctx.jujuLog.map((l) => l.message)).toContain(
      `certificate ${short(c0.fingerprint)} of consumer/0 was already trusted`,
    );
  });
});

describe("LxdFixed when LXD stops trusting it in the middle of a sync (403)", () => {
  it("stops at the 403, removes nothing, and verifies again before the next attempt", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c2.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    expect(requests()).toEqual([VERIFY, LIST, POST]);
    expect(trusted()).toEqual([c2.fingerprint]);

    // The requirer now asks for c0 and c1 instead of c2.
    const next = withRemote(state, rel, { 0: certsBag(c0.pem, c1.pem) });
    world.server.injectFault({
      kind: "http-error",
      status: 403,
      error: "not authorized",
      methods: ["POST"],
      count: 1,
    });
    state = ctx.run(ctx.on.relationChanged(next.rel), next.state);
    expect(requests()).toEqual([LIST, POST]);
    expect(trusted()).toEqual([c2.fingerprint]);
    expect(storedOf(state)).toMatchObject({
      serverName: null,
      retry: true,
      managed: [c2.fingerprint],
      problem: {
        severity: "blocked",
        message: `LXD at ${world.credential.endpoint} no longer trusts the integrator's client certificate`,
      },
    });
    expect(state.deferred).toHaveLength(1);
    // What LXD still trusts stays published: none of the new ones.
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual([]);

    state = ctx.run(ctx.on.updateStatus(), state.with({ deferred: [] }));
    expect(requests()).toEqual([VERIFY, LIST, POST, POST, del(c2.fingerprint)]);
    expect(trusted()).toEqual(sorted(c0.fingerprint, c1.fingerprint));
    expect(storedOf(state)).toMatchObject({
      serverName: "lxd-node-1",
      retry: false,
      problem: null,
      managed: sorted(c0.fingerprint, c1.fingerprint),
    });
  });

  it("a 403 on one removal stops the removals", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem, c1.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    requests();
    const next = withRemote(state, rel, { 0: {} });
    world.server.injectFault({ kind: "http-error", status: 403, methods: ["DELETE"], count: 1 });
    state = ctx.run(ctx.on.relationChanged(next.rel), next.state);
    const [first] = sorted(c0.fingerprint, c1.fingerprint);
    expect(requests()).toEqual([LIST, del(first!)]);
    expect(trusted()).toEqual(sorted(c0.fingerprint, c1.fingerprint));
    expect(storedOf(state)).toMatchObject({ serverName: null, retry: true });
    expect(storedOf(state).problem?.severity).toBe("blocked");
  });

  it("a 403 while listing the trust store: nothing else is sent, nothing published", () => {
    const { world, ctx, requests } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    let state = ctx.run(ctx.on.install(), new State({ config: configFor(world) }));
    requests();
    world.server.injectFault({
      kind: "http-error",
      status: 403,
      methods: ["GET"],
      paths: ["/1.0/certificates"],
      count: 1,
    });
    state = ctx.run(ctx.on.relationChanged(rel), state.with({ relations: [rel] }));
    expect(requests()).toEqual([LIST]);
    expect(state.getRelation(rel.id)?.localUnitData).toEqual({});
    expect(storedOf(state)).toMatchObject({ serverName: null, retry: true, managed: [] });
  });
});

describe("LxdFixed when a removal fails", () => {
  it("a 500 on one DELETE: the others go on, the failed one is retried later", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem, c1.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    requests();
    const [first, second] = sorted(c0.fingerprint, c1.fingerprint) as [string, string];
    const next = withRemote(state, rel, { 0: {} });
    world.server.injectFault({
      kind: "http-500",
      methods: ["DELETE"],
      paths: [`/1.0/certificates/${first}`],
      count: 1,
    });
    state = ctx.run(ctx.on.relationChanged(next.rel), next.state);
    expect(requests()).toEqual([LIST, del(first), del(second)]);
    expect(trusted()).toEqual([first]);
    expect(storedOf(state)).toMatchObject({ managed: [first], retry: true });
    expect(storedOf(state).problem).toEqual({
      severity: "waiting",
      message: `LXD at ${world.credential.endpoint} answered 500 to removing certificate ${short(first)} (internal server error); retrying`,
    });
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual([]);

    state = ctx.run(ctx.on.updateStatus(), state.with({ deferred: [] }));
    expect(requests()).toEqual([LIST, del(first)]);
    expect(trusted()).toEqual([]);
    expect(storedOf(state)).toMatchObject({ managed: [], retry: false, problem: null });
  });

  it("LXD unreachable in the middle of a sync: what was done stays, the rest waits", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem, c1.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    requests();
    const [first] = sorted(c0.fingerprint, c1.fingerprint) as [string, string];
    // c2 replaces c0 and c1: the registration goes through, the first removal cannot reach LXD.
    const next = withRemote(state, rel, { 0: certsBag(c2.pem) });
    world.server.injectFault({ kind: "unreachable", methods: ["DELETE"], count: 1 });
    state = ctx.run(ctx.on.relationChanged(next.rel), next.state);
    expect(requests()).toEqual([LIST, POST, del(first)]);
    expect(trusted()).toEqual(sorted(c0.fingerprint, c1.fingerprint, c2.fingerprint));
    expect(storedOf(state)).toMatchObject({
      managed: sorted(c0.fingerprint, c1.fingerprint, c2.fingerprint),
      retry: true,
      serverName: "lxd-node-1",
    });
    expect(storedOf(state).problem?.message).toMatch(/^cannot reach LXD at .*; retrying$/);
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual([c2.fingerprint]);
    expect(state.deferred).toHaveLength(1);

    state = ctx.run(ctx.on.updateStatus(), state.with({ deferred: [] }));
    expect(requests()).toEqual(
      [LIST].concat(sorted(c0.fingerprint, c1.fingerprint).map((fp) => del(fp))),
    );
    expect(trusted()).toEqual([c2.fingerprint]);
    expect(storedOf(state)).toMatchObject({ managed: [c2.fingerprint], retry: false });
  });

  it("a managed certificate someone else already removed is dropped without a request", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    requests();
    world.server.untrust(c0.fingerprint);
    const next = withRemote(state, rel, { 0: {} });
    state = ctx.run(ctx.on.relationChanged(next.rel), next.state);
    expect(requests()).toEqual([LIST]);
    expect(trusted()).toEqual([]);
    expect(storedOf(state)).toMatchObject({ managed: [], retry: false });
  });
});

describe("LxdFixed's own identity", () => {
  it("is never taken for a requirer's certificate, neither registered nor managed", () => {
    const { world, ctx, requests, trusted } = setup();
    const own = world.config.lxd_client_cert!;
    const rel = apiRelation({ 0: certsBag(own, c0.pem) });
    const state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    expect(requests()).toEqual([VERIFY, LIST, POST]);
    expect(trusted()).toEqual([c0.fingerprint]);
    expect(storedOf(state).managed).toEqual([c0.fingerprint]);
  });
});

describe("LxdFixed when the endpoint changes", () => {
  it("forgets what it managed on the old server: the new server's certificates are not its own", () => {
    const { world, ctx, requests, trusted } = setup();
    const other = world.registry.create({
      serverName: "lxd-node-2",
      serverCertPem: fixtureServerCert().certPem,
      endpoint: "https://10.0.9.1:8443",
    });
    other.trust(world.config.lxd_client_cert!);
    // The operator trusts c0 on the new server by hand.
    other.trust(c0.pem, "operator");
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    expect(storedOf(state).managed).toEqual([c0.fingerprint]);
    requests();

    // Credentials withdrawn, then the requirer drops c0: nothing can be done meanwhile.
    state = ctx.run(ctx.on.configChanged(), state.with({ config: {} }));
    const next = withRemote(state, rel, { 0: certsBag(c1.pem) });
    state = ctx.run(ctx.on.relationChanged(next.rel), next.state);
    expect(requests()).toEqual([]);

    // New credentials, for the other server.
    state = ctx.run(
      ctx.on.configChanged(),
      state.with({ config: configFor(world, other.endpoint) }),
    );
    expect(requests()).toEqual([]);
    expect(requests(other)).toEqual([VERIFY, LIST, POST]);
    expect(trusted(other)).toEqual(sorted(c0.fingerprint, c1.fingerprint));
    // The old server keeps what it had: its credentials are no longer ours to use.
    expect(trusted()).toEqual([c0.fingerprint]);
    expect(storedOf(state)).toMatchObject({
      endpoint: other.endpoint,
      serverName: "lxd-node-2",
      managed: [c1.fingerprint],
    });
    expect(nodesOf(state, rel.id)[0]).toEqual({
      endpoint: other.endpoint,
      name: "lxd-node-2",
      trusted_certs_fp: [c1.fingerprint],
    });
  });
});

describe("LxdFixed checking the same endpoint again", () => {
  it("keeps what it manages there, and removes what the requirer dropped meanwhile", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    requests();
    // The requirer drops c0 just as LXD stops trusting the integrator (403 listing).
    world.server.injectFault({ kind: "http-error", status: 403, methods: ["GET"], count: 1 });
    const next = withRemote(state, rel, { 0: {} });
    state = ctx.run(ctx.on.relationChanged(next.rel), next.state);
    expect(requests()).toEqual([LIST]);
    expect(storedOf(state)).toMatchObject({ serverName: null, managed: [c0.fingerprint] });
    expect(trusted()).toEqual([c0.fingerprint]);
    // The same credentials are handed over again: checked again, nothing forgotten.
    state = ctx.run(ctx.on.configChanged(), state.with({ deferred: [] }));
    expect(requests()).toEqual([VERIFY, LIST, del(c0.fingerprint)]);
    expect(trusted()).toEqual([]);
    expect(storedOf(state)).toMatchObject({ serverName: "lxd-node-1", managed: [] });
  });
});

describe("LxdFixed cleaning up what another unit of the application registered", () => {
  /** A trust store holding, besides the integrator, certificates under several names. */
  function seeded() {
    const env = setup();
    const { world } = env;
    world.server.trust(c1.pem, `${TAG}consumer-9`); // another unit of this application
    world.server.trust(c2.pem, "juju-lxd-integrator-2:consumer-9"); // another application
    world.server.trust(c3.pem, "operator"); // by hand
    return env;
  }

  it("the leader removes them outside relation-broken; the rest of the trust store stays", () => {
    const { world, ctx, requests, trusted } = seeded();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    const state = ctx.run(
      ctx.on.install(),
      new State({ leader: true, config: configFor(world), relations: [rel] }),
    );
    expect(requests()).toEqual([VERIFY, LIST, POST, del(c1.fingerprint)]);
    expect(trusted()).toEqual(sorted(c0.fingerprint, c2.fingerprint, c3.fingerprint));
    expect(storedOf(state).managed).toEqual([c0.fingerprint]);
  });

  it("a unit that is not the leader leaves them", () => {
    const { world, ctx, requests, trusted } = seeded();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    ctx.run(
      ctx.on.install(),
      new State({ leader: false, config: configFor(world), relations: [rel] }),
    );
    expect(requests()).toEqual([VERIFY, LIST, POST]);
    expect(trusted()).toEqual(
      sorted(c0.fingerprint, c1.fingerprint, c2.fingerprint, c3.fingerprint),
    );
  });

  it("the leader leaves them at relation-broken, and removes them when elected", () => {
    const { world, ctx, requests, trusted } = seeded();
    const a = apiRelation({ 0: certsBag(c0.pem) }, { remoteAppName: "one" });
    const b = apiRelation({}, { remoteAppName: "two" });
    let state = ctx.run(
      ctx.on.install(),
      new State({ leader: false, config: configFor(world), relations: [a, b] }),
    );
    requests();
    state = ctx.run(ctx.on.relationBroken(b), state.with({ leader: true }));
    expect(requests()).toEqual([LIST]);
    expect(trusted()).toContain(c1.fingerprint);
    state = ctx.run(ctx.on.leaderElected(), state.with({ relations: [state.getRelation(a.id)!] }));
    expect(requests()).toEqual([LIST, del(c1.fingerprint)]);
    expect(trusted()).toEqual(sorted(c0.fingerprint, c2.fingerprint, c3.fingerprint));
  });
});

describe("LxdFixed when this unit or the application leaves", () => {
  it("this unit leaving (one relation-departed per remote unit): recorded once, no request", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem), 1: certsBag(c1.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    requests();
    for (const remoteUnit of [0, 1]) {
      state = ctx.run(
        ctx.on.relationDeparted(rel, { remoteUnit, departingUnit: "lxd-integrator/0" }),
        state,
      );
      expect(requests()).toEqual([]);
      expect(storedOf(state)).toMatchObject({ leaving: [rel.id], closing: [] });
    }
    const gone = (state.getRelation(rel.id) as Relation).with({ remoteUnitsData: {} });
    state = ctx.run(ctx.on.relationBroken(gone), state.with({ relations: [gone] }));
    expect(requests()).toEqual([]);
    expect(storedOf(state)).toMatchObject({ leaving: [], closing: [] });
    expect(trusted()).toEqual(sorted(c0.fingerprint, c1.fingerprint));
  });

  it("once this unit has departed as itself (it is being removed), a later hook of another relation leaves LXD and both bags alone", () => {
    const { world, ctx, requests, trusted } = setup();
    const a = apiRelation({ 0: certsBag(c0.pem) }, { remoteAppName: "one" });
    const b = apiRelation({ 0: certsBag(c1.pem) }, { remoteAppName: "two" });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [a, b] }),
    );
    requests();
    state = ctx.run(
      ctx.on.relationDeparted(a, { remoteUnit: 0, departingUnit: "lxd-integrator/0" }),
      state,
    );
    const publishedToA = { ...(state.getRelation(a.id) as Relation).localUnitData };
    // The operator removes c0 by hand meanwhile; c1 is dropped by its requirer.
    world.server.untrust(c0.fingerprint);
    const bNow = state.getRelation(b.id) as Relation;
    const bNext = apiRelation(
      { 0: certsBag(c2.pem) },
      { id: b.id, localUnitData: { ...bNow.localUnitData }, remoteAppName: "two" },
    );
    state = ctx.run(
      ctx.on.relationChanged(bNext),
      state.with({ relations: [state.getRelation(a.id)!, bNext] }),
    );
    // Departing as itself means this unit is being removed (Juju names the local unit only when
    // it, or its application, is no longer alive): it leaves every relation, so the units that
    // stay serve b. Nothing is sent to LXD; c1 stays; neither bag changes.
    expect(requests()).toEqual([]);
    expect(trusted()).toEqual([c1.fingerprint]);
    expect((state.getRelation(a.id) as Relation).localUnitData).toEqual(publishedToA);
    expect(state.getRelation(b.id)?.localUnitData).toEqual(bNow.localUnitData);
  });

  it("the application going (no unit planned): the relation's certificates go at the first departure, recorded once", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem), 1: certsBag(c1.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel], plannedUnits: 0 }),
    );
    requests();
    state = ctx.run(
      ctx.on.relationDeparted(rel, { remoteUnit: 0, departingUnit: "lxd-integrator/0" }),
      state,
    );
    expect(requests()).toEqual([LIST].concat(sorted(c0.fingerprint, c1.fingerprint).map(del)));
    expect(trusted()).toEqual([]);
    expect(storedOf(state)).toMatchObject({ leaving: [], closing: [rel.id], managed: [] });
    state = ctx.run(
      ctx.on.relationDeparted(rel, { remoteUnit: 1, departingUnit: "lxd-integrator/0" }),
      state,
    );
    expect(requests()).toEqual([LIST]);
    expect(storedOf(state)).toMatchObject({ closing: [rel.id] });
    const gone = (state.getRelation(rel.id) as Relation).with({ remoteUnitsData: {} });
    state = ctx.run(ctx.on.relationBroken(gone), state.with({ relations: [gone] }));
    expect(requests()).toEqual([LIST]);
    expect(storedOf(state)).toMatchObject({ leaving: [], closing: [] });
  });
});

describe("LxdFixed's notices about ill-formed requirer data", () => {
  it("logs a problem when it first sees it, not again while it stays", () => {
    const { world, ctx } = setup();
    const rel = apiRelation({ 0: { client_certificates: "oops" } });
    const errors = () => ctx.jujuLog.filter((l) => l.level === "ERROR").map((l) => l.message);
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatch(/^ignoring invalid client_certificates from consumer\/0: /);
    state = ctx.run(ctx.on.relationChanged(rel), state);
    expect(errors()).toEqual([]);
    expect(storedOf(state).rejected).toHaveLength(1);
  });
});

describe("LxdFixed's view of its credentials", () => {
  it("says whether they are usable, and shows the server and endpoint once verified", () => {
    const { world, ctx, requests } = setup();
    world.server.injectFault({ kind: "unreachable", count: 1 });
    let state = ctx.run(ctx.on.install(), new State({ config: configFor(world) }));
    expect(ProviderProbeCharm.last.usable).toBe(false);
    expect(state.unitStatus).toEqual(
      new WaitingStatus(
        `cannot reach LXD at ${world.credential.endpoint} (connection refused: ${world.credential.endpoint}); retrying`,
      ),
    );
    expect(ProviderProbeCharm.last.stored).toEqual(storedOf(state));
    requests();
    state = ctx.run(ctx.on.configChanged(), state);
    expect(requests()).toEqual([VERIFY, LIST]);
    expect(ProviderProbeCharm.last.usable).toBe(true);
    expect(state.unitStatus).toEqual(
      new ActiveStatus(`lxd-node-1 at ${world.credential.endpoint}`),
    );
    expect(ProviderProbeCharm.last.stored).toEqual(storedOf(state));
    expect(ctx.jujuLog.map((l) => [l.level, l.message])).toContainEqual([
      "INFO",
      `LXD at ${world.credential.endpoint} is back in reach`,
    ]);
    // Unchanged and ready: nothing to do, still usable, and nothing said about being back.
    state = ctx.run(ctx.on.configChanged(), state);
    expect(requests()).toEqual([]);
    expect(ProviderProbeCharm.last.usable).toBe(true);
    expect(ctx.jujuLog.filter((l) => l.level === "INFO")).toEqual([]);
  });

  it.each(["cert", "key", "server"])(
    "with an empty %s they are incomplete: relation hooks and update-status send nothing",
    (field) => {
      const { world, ctx, requests } = setup();
      const config = { ...configFor(world), [field]: "" };
      let state = ctx.run(ctx.on.install(), new State({ config }));
      expect(ProviderProbeCharm.last.usable).toBe(false);
      expect(storedOf(state).problem?.severity).toBe("blocked");
      requests();
      const rel = apiRelation({ 0: certsBag(c0.pem) });
      state = ctx.run(ctx.on.relationChanged(rel), state.with({ relations: [rel] }));
      state = ctx.run(ctx.on.updateStatus(), state);
      state = ctx.run(ctx.on.leaderElected(), state.with({ leader: true }));
      expect(requests()).toEqual([]);
      expect(state.deferred).toEqual([]);
      expect(state.unitStatus.name).toBe("waiting");
    },
  );

  const stranger = fixtureCertificate("client-05");
  it.each([
    ["the client certificate", { cert: stranger.certPem }],
    ["the client key", { key: stranger.keyPem }],
    ["the server certificate", { server: stranger.certPem }],
  ])("a change of %s alone is checked with LXD again", (_what, change) => {
    const { world, ctx, requests } = setup();
    let state = ctx.run(ctx.on.install(), new State({ config: configFor(world) }));
    requests();
    state = ctx.run(
      ctx.on.configChanged(),
      state.with({ config: { ...configFor(world), ...change } }),
    );
    expect(requests()).toEqual([VERIFY]);
    expect(ProviderProbeCharm.last.usable).toBe(false);
    expect(storedOf(state)).toMatchObject({ serverName: null, retry: true });
    expect(storedOf(state).problem?.severity).toBe("blocked");
  });

  it("a change of endpoint alone is checked with the new server", () => {
    const { world, ctx, requests } = setup();
    const other = world.registry.create({
      serverName: "lxd-node-2",
      serverCertPem: fixtureServerCert().certPem,
      endpoint: "https://10.0.9.1:8443",
    });
    other.trust(world.config.lxd_client_cert!);
    let state = ctx.run(ctx.on.install(), new State({ config: configFor(world) }));
    requests();
    state = ctx.run(
      ctx.on.configChanged(),
      state.with({ config: configFor(world, other.endpoint) }),
    );
    expect(requests()).toEqual([]);
    expect(requests(other)).toEqual([VERIFY, LIST]);
    expect(state.unitStatus).toEqual(new ActiveStatus(`lxd-node-2 at ${other.endpoint}`));
  });

  it("withdrawn: says so once, forgets the pending retry and the problem", () => {
    const { world, ctx, requests } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    world.server.injectFault({ kind: "http-500", methods: ["POST"] });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    expect(storedOf(state)).toMatchObject({ retry: true });
    world.server.clearFaults();
    requests();
    state = ctx.run(ctx.on.configChanged(), state.with({ config: {} }));
    expect(ctx.jujuLog.map((l) => [l.level, l.message])).toContainEqual([
      "WARNING",
      "LXD credentials withdrawn",
    ]);
    expect(storedOf(state)).toMatchObject({ retry: false, problem: null, endpoint: null });
    expect(state.unitStatus).toEqual(new WaitingStatus("not ready (no endpoint)"));
    state = ctx.run(ctx.on.configChanged(), state);
    expect(ctx.jujuLog.filter((l) => l.level === "WARNING")).toEqual([]);
    state = ctx.run(ctx.on.updateStatus(), state);
    expect(requests()).toEqual([]);
  });
});

describe("LxdFixed registering a certificate", () => {
  it("at relation-created, names it after the application and the certificate's CN", () => {
    const { world, ctx, requests } = setup();
    let state = ctx.run(ctx.on.install(), new State({ config: configFor(world) }));
    requests();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    state = ctx.run(ctx.on.relationCreated(rel), state.with({ relations: [rel] }));
    expect(requests()).toEqual([LIST, POST]);
    expect(world.server.trustedCertificate(c0.fingerprint)?.name).toBe(
      `${TAG}${subjectCommonName(c0.pem)}`,
    );
    expect(nodesOf(state, rel.id)[0]?.trusted_certs_fp).toEqual([c0.fingerprint]);
    expect(ctx.jujuLog.map((l) => [l.level, l.message])).toContainEqual([
      "INFO",
      `trusted certificate ${short(c0.fingerprint)} of consumer/0`,
    ]);
    // Nothing had gone wrong, so nothing is said about LXD being back.
    expect(ctx.jujuLog.some((l) => l.message.includes("back in reach"))).toBe(false);
  });

  it("never at relation-departed: a wanted certificate missing from LXD waits for the next hook that is not a departure", () => {
    const { world, ctx, requests, trusted } = setup();
    const rel = apiRelation({ 0: certsBag(c0.pem), 1: certsBag(c1.pem) });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [rel] }),
    );
    expect(trusted()).toEqual(sorted(c0.fingerprint, c1.fingerprint));
    // The operator removes c0 by hand; then consumer/1 leaves.
    world.server.untrust(c0.fingerprint);
    requests();
    state = ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 1, departingUnit: 1 }), state);
    expect(requests()).toEqual([LIST, del(c1.fingerprint)]);
    expect(trusted()).toEqual([]);
    // The next relation hook that is not a departure brings c0 back.
    const next = withRemote(state, rel, { 0: certsBag(c0.pem) });
    state = ctx.run(ctx.on.relationChanged(next.rel, { remoteUnit: 0 }), next.state);
    expect(requests()).toEqual([LIST, POST]);
    expect(trusted()).toEqual([c0.fingerprint]);
  });

  it("at relation-joined, the same", () => {
    const { world, ctx, requests, trusted } = setup();
    let state = ctx.run(ctx.on.install(), new State({ config: configFor(world) }));
    requests();
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    state = ctx.run(ctx.on.relationJoined(rel), state.with({ relations: [rel] }));
    expect(requests()).toEqual([LIST, POST]);
    expect(trusted()).toEqual([c0.fingerprint]);
  });
});

describe("LxdFixed leaving several relations", () => {
  it("this unit leaving two relations: each relation-broken forgets only its own", () => {
    const { world, ctx, requests } = setup();
    const a = apiRelation({ 0: certsBag(c0.pem) }, { remoteAppName: "one" });
    const b = apiRelation({ 0: certsBag(c1.pem) }, { remoteAppName: "two" });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [a, b] }),
    );
    requests();
    for (const rel of [a, b]) {
      state = ctx.run(
        ctx.on.relationDeparted(rel, { remoteUnit: 0, departingUnit: "lxd-integrator/0" }),
        state,
      );
    }
    expect(storedOf(state).leaving).toEqual([a.id, b.id]);
    const aGone = (state.getRelation(a.id) as Relation).with({ remoteUnitsData: {} });
    state = ctx.run(
      ctx.on.relationBroken(aGone),
      state.with({ relations: [aGone, state.getRelation(b.id)!] }),
    );
    expect(storedOf(state).leaving).toEqual([b.id]);
    expect(requests()).toEqual([]);
  });

  it("the application going with two relations: each relation-broken forgets only its own", () => {
    const { world, ctx, requests, trusted } = setup();
    const a = apiRelation({ 0: certsBag(c0.pem) }, { remoteAppName: "one" });
    const b = apiRelation({ 0: certsBag(c1.pem) }, { remoteAppName: "two" });
    let state = ctx.run(
      ctx.on.install(),
      new State({ config: configFor(world), relations: [a, b], plannedUnits: 0 }),
    );
    requests();
    for (const rel of [a, b]) {
      state = ctx.run(
        ctx.on.relationDeparted(rel, { remoteUnit: 0, departingUnit: "lxd-integrator/0" }),
        state,
      );
    }
    expect(storedOf(state).closing).toEqual([a.id, b.id]);
    expect(trusted()).toEqual([]);
    const aGone = (state.getRelation(a.id) as Relation).with({ remoteUnitsData: {} });
    state = ctx.run(
      ctx.on.relationBroken(aGone),
      state.with({ relations: [aGone, state.getRelation(b.id)!] }),
    );
    expect(storedOf(state).closing).toEqual([b.id]);
  });
});

describe("LxdFixed's own identity registered under this application's name", () => {
  it("is not removed by the leader's clean-up", () => {
    const { world, ctx, requests, trusted } = setup();
    const own = world.config.lxd_client_cert!;
    world.server.untrust(world.integratorFingerprint);
    world.server.trust(own, `${TAG}${subjectCommonName(own)}`);
    const rel = apiRelation({ 0: certsBag(c0.pem) });
    const state = ctx.run(
      ctx.on.install(),
      new State({ leader: true, config: configFor(world), relations: [rel] }),
    );
    expect(requests()).toEqual([VERIFY, LIST, POST]);
    expect(world.server.isTrusted(world.integratorFingerprint)).toBe(true);
    expect(trusted()).toEqual([c0.fingerprint]);
    expect(storedOf(state).managed).toContain(c0.fingerprint);
    // A later hook still leaves it alone.
    ctx.run(ctx.on.updateStatus(), state.with({ config: configFor(world) }));
    ctx.run(ctx.on.leaderElected(), state);
    expect(world.server.isTrusted(world.integratorFingerprint)).toBe(true);
  });
});
