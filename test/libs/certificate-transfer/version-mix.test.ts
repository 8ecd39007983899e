// The version-mix matrix of the spec, one provider unit and one requirer unit wired by hand:
// the requirer's relation-created output feeds the provider's view, the provider's output feeds
// the requirer's relation-changed.
import { describe, expect, it } from "vitest";
import {
  v0ProviderSpec,
  v0RequirerSpec,
  v1ProviderSpec,
  v1RequirerSpec,
} from "../../../src/charms/certificate-transfer/common.js";
import {
  makeV0ProviderCharm,
  V0RequirerCharm,
} from "../../../src/charms/certificate-transfer/v0.js";
import {
  makeV1ProviderCharm,
  V1RequirerCharm,
} from "../../../src/charms/certificate-transfer/v1.js";
import { V1FixedRequirerCharm } from "../../../src/charms/certificate-transfer/v1-fixed.js";
import { Context } from "../../../src/harness/context.js";
import type { CharmBase, CharmClass } from "../../../src/harness/ops/charm.js";
import type { CertificateAvailableEvent } from "../../../src/libs/certificate-transfer/v0.js";
import type { CertificatesAvailableEvent } from "../../../src/libs/certificate-transfer/v1.js";
import type { CharmSpecInput } from "../../../src/model/metadata.js";
import { type Databag, DEFAULT_JUJU_DATABAG, Relation, State } from "../../../src/model/state.js";
import { fixtureClientCerts } from "../../../src/pki/fixtures.js";
import { bags } from "./helpers.js";

const PEMS = fixtureClientCerts()
  .slice(0, 3)
  .map((c) => c.certPem);

interface Side {
  readonly charm: CharmClass<CharmBase>;
  readonly spec: CharmSpecInput;
}
const v1Provider: Side = {
  charm: makeV1ProviderCharm({ certificates: PEMS }),
  spec: v1ProviderSpec(),
};
const v0Provider: Side = {
  charm: makeV0ProviderCharm({
    certificates: { certificate: PEMS[0]!, ca: PEMS[1]!, chain: PEMS },
  }),
  spec: v0ProviderSpec(),
};
const v1Requirer: Side = { charm: V1RequirerCharm, spec: v1RequirerSpec() };
const v1FixedRequirer: Side = { charm: V1FixedRequirerCharm, spec: v1RequirerSpec() };
const v0Requirer: Side = { charm: V0RequirerCharm, spec: v0RequirerSpec() };

/** The requirer's app bag after its relation-created as leader (its advertised version). */
function advertised(requirer: Side): Databag {
  const ctx = new Context(requirer.charm, requirer.spec);
  const rel = new Relation({ endpoint: "certificates" });
  return bags(
    ctx.run(ctx.on.relationCreated(rel), new State({ leader: true, relations: [rel] })),
    rel.id,
  ).app;
}

/** Provider leader's bags after relation-joined with a requirer that advertised `requirerApp`. */
function providerWrites(provider: Side, requirerApp: Databag) {
  const ctx = new Context(provider.charm, provider.spec);
  const rel = new Relation({ endpoint: "certificates", remoteAppData: requirerApp });
  const out = ctx.run(ctx.on.relationJoined(rel), new State({ leader: true, relations: [rel] }));
  return bags(out, rel.id);
}

/** The library event the requirer emits on relation-changed from provider unit 0. */
function requirerReceives(requirer: Side, provider: { app: Databag; unit: Databag }) {
  const ctx = new Context(requirer.charm, requirer.spec);
  const rel = new Relation({
    endpoint: "certificates",
    remoteAppData: provider.app,
    remoteUnitsData: { 0: provider.unit },
  });
  ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), new State({ relations: [rel] }));
  return ctx.emittedEvents.slice(1);
}

describe("version-mix matrix (one unit per side)", () => {
  it("v1 requirer x v1 provider: provider app bag, certificate_set_updated with the set", () => {
    const app = advertised(v1Requirer);
    expect(app).toEqual({ version: "1" });
    const written = providerWrites(v1Provider, app);
    expect(written.unit).toEqual(DEFAULT_JUJU_DATABAG);
    const [event] = requirerReceives(v1Requirer, written) as [CertificatesAvailableEvent];
    expect(event.certificates).toEqual(new Set(PEMS));
  });

  it("v1 x v1, provider wrote before seeing version: v0 layout, the fallback reads it", () => {
    const written = providerWrites(v1Provider, {});
    expect(written.app).toEqual({});
    expect(written.unit.version).toBe("0");
    const [event] = requirerReceives(v1Requirer, written) as [CertificatesAvailableEvent];
    expect(event.certificates).toEqual(new Set(PEMS));
  });

  it("v0 requirer x v1 provider: v0 layout JSON-encoded, certificate_available with chain = the set", () => {
    const app = advertised(v0Requirer);
    expect(app).toEqual({ version: "0" });
    const written = providerWrites(v1Provider, app);
    const [event] = requirerReceives(v0Requirer, written) as [CertificateAvailableEvent];
    expect(new Set(event.chain)).toEqual(new Set(PEMS));
    expect(event.chain).toHaveLength(PEMS.length);
    expect(event.ca).toBe(event.chain?.[0]);
    expect(event.certificate).toBe(event.chain?.[0]);
  });

  it("v1 requirer x v0 provider: raw PEM, NOTHING reaches the faithful v1 requirer", () => {
    const written = providerWrites(v0Provider, advertised(v1Requirer));
    expect(written.unit.certificate).toBe(PEMS[0]);
    const [event] = requirerReceives(v1Requirer, written) as [CertificatesAvailableEvent];
    expect(event.certificates).toEqual(new Set());
    const [fixedEvent] = requirerReceives(v1FixedRequirer, written) as [CertificatesAvailableEvent];
    expect(fixedEvent.certificates).toEqual(new Set(PEMS));
  });

  it("v0 requirer x v0 provider: certificate_available", () => {
    const written = providerWrites(v0Provider, advertised(v0Requirer));
    const [event] = requirerReceives(v0Requirer, written) as [CertificateAvailableEvent];
    expect(event.certificate).toBe(PEMS[0]);
    expect(event.ca).toBe(PEMS[1]);
    expect(event.chain).toEqual(PEMS);
  });
});
