// The dummy charms, deferral of the library events, the variant registry and the metadata fixtures.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type CertificateTransferVariant,
  certificateTransferVariants,
  parseCertificateList,
  V0ProviderCharm,
  V0RequirerCharm,
  V1ProviderCharm,
  V1RequirerCharm,
  v0ProviderMetadata,
  v0RequirerMetadata,
  v1ProviderMetadata,
  v1RequirerMetadata,
} from "../../../src/charms/certificate-transfer/index.js";
import { Context } from "../../../src/harness/context.js";
import type { Framework } from "../../../src/harness/ops/framework.js";
import type { CertificateAvailableEvent } from "../../../src/libs/certificate-transfer/v0.js";
import type { CertificatesAvailableEvent } from "../../../src/libs/certificate-transfer/v1.js";
import { charmSpec, loadCharmSpec } from "../../../src/model/metadata.js";
import { DEFAULT_JUJU_DATABAG, Relation, State } from "../../../src/model/state.js";
import { ActiveStatus, WaitingStatus } from "../../../src/model/status.js";
import { fixtureClientCerts } from "../../../src/pki/fixtures.js";
import { bags, jsonSet, logs } from "./helpers.js";

const PEMS = fixtureClientCerts()
  .slice(0, 3)
  .map((c) => c.certPem);

describe("v1 provider charm", () => {
  it("adds its built-in certificate on relation-joined (leader)", () => {
    const ctx = new Context(V1ProviderCharm, v1ProviderMetadata);
    const rel = new Relation({ endpoint: "certificates", remoteAppData: { version: "1" } });
    const out = ctx.run(ctx.on.relationJoined(rel), new State({ leader: true, relations: [rel] }));
    expect(jsonSet(bags(out, rel.id).app.certificates)).toEqual(new Set(["my certificate"]));
  });

  it("takes its certificates from config when set", () => {
    const ctx = new Context(V1ProviderCharm, v1ProviderMetadata);
    const rel = new Relation({ endpoint: "certificates", remoteAppData: { version: "1" } });
    const out = ctx.run(
      ctx.on.relationJoined(rel),
      new State({ leader: true, relations: [rel], config: { certificates: PEMS.join(",") } }),
    );
    expect(jsonSet(bags(out, rel.id).app.certificates)).toEqual(new Set(PEMS));
  });

  it("does nothing but warn on a non-leader", () => {
    const ctx = new Context(V1ProviderCharm, v1ProviderMetadata);
    const rel = new Relation({ endpoint: "certificates", remoteAppData: { version: "1" } });
    const out = ctx.run(ctx.on.relationJoined(rel), new State({ relations: [rel] }));
    expect(bags(out, rel.id)).toEqual({ app: {}, unit: DEFAULT_JUJU_DATABAG });
    expect(logs(ctx)).toEqual([
      ["WARNING", "Only the leader unit can add certificates to this relation"],
    ]);
  });

  it("parses comma-separated certificates, keeping PEM newlines", () => {
    expect(parseCertificateList("a, b,,c")).toEqual(["a", "b", "c"]);
    expect(parseCertificateList(PEMS.join(", "))).toEqual(PEMS);
  });
});

describe("v1 requirer charm", () => {
  const withCerts = (certs: readonly string[]) =>
    new Relation({
      endpoint: "certificates",
      localAppData: { version: "1" },
      remoteAppData: { certificates: JSON.stringify(certs) },
    });

  it("is Active while it holds certificates, Waiting otherwise", () => {
    const ctx = new Context(V1RequirerCharm, v1RequirerMetadata);
    const rel = withCerts(PEMS);
    let state = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(state.unitStatus).toEqual(new ActiveStatus());
    expect(state.getStoredState("held")?.content).toEqual({
      byRelation: { [rel.id]: [...PEMS].sort() },
    });
    const emptied = withCerts([]).with({ id: rel.id });
    state = ctx.run(ctx.on.relationChanged(emptied), state.with({ relations: [emptied] }));
    expect(state.unitStatus).toEqual(new WaitingStatus());
    state = ctx.run(ctx.on.relationChanged(rel), state.with({ relations: [rel] }));
    expect(state.unitStatus).toEqual(new ActiveStatus());
    state = ctx.run(ctx.on.relationBroken(rel), state);
    expect(state.unitStatus).toEqual(new WaitingStatus());
    expect(state.getStoredState("held")?.content).toEqual({ byRelation: {} });
  });

  it("defers certificate_set_updated and gets it back, certificates restored", () => {
    const received: Set<string>[] = [];
    let defer = true;
    class Deferring extends V1RequirerCharm {
      constructor(framework: Framework) {
        super(framework);
        framework.observe(
          this.certificateTransfer.on.certificateSetUpdated,
          (e: CertificatesAvailableEvent) => {
            received.push(e.certificates);
            if (defer) e.defer();
          },
        );
      }
    }
    const ctx = new Context(Deferring, v1RequirerMetadata);
    const rel = withCerts(PEMS);
    const first = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(first.deferred).toHaveLength(1);
    expect(first.deferred[0]?.kind).toBe("certificate_set_updated");
    defer = false;
    const second = ctx.run(ctx.on.updateStatus(), first);
    expect(second.deferred).toHaveLength(0);
    expect(received).toEqual([new Set(PEMS), new Set(PEMS)]);
    expect(ctx.emitted.map((e) => [e.kind, e.reemitted])).toContainEqual([
      "certificate_set_updated",
      true,
    ]);
  });
});

describe("v0 charms", () => {
  it("provider sets the built-in data on relation-joined, or config's (certificate = ca = first)", () => {
    const ctx = new Context(V0ProviderCharm, v0ProviderMetadata);
    const rel = new Relation({ endpoint: "certificates" });
    const out = ctx.run(ctx.on.relationJoined(rel), new State({ relations: [rel] }));
    expect(bags(out, rel.id).unit).toEqual({
      ...DEFAULT_JUJU_DATABAG,
      certificate: "my certificate",
      ca: "my CA certificate",
      chain: '["certificate 1", "certificate 2"]',
      version: "0",
    });
    const configured = ctx.run(
      ctx.on.relationJoined(rel),
      new State({ relations: [rel], config: { certificates: PEMS.join(",") } }),
    );
    expect(bags(configured, rel.id).unit.certificate).toBe(PEMS[0]);
    expect(bags(configured, rel.id).unit.ca).toBe(PEMS[0]);
    expect(jsonSet(bags(configured, rel.id).unit.chain)).toEqual(new Set(PEMS));
  });

  it("requirer holds what certificate_available carried, can defer it, and drops it on removal", () => {
    let defer = true;
    class Deferring extends V0RequirerCharm {
      constructor(framework: Framework) {
        super(framework);
        framework.observe(
          this.certificateTransfer.on.certificateAvailable,
          (e: CertificateAvailableEvent) => {
            if (defer) e.defer();
          },
        );
      }
    }
    const ctx = new Context(Deferring, v0RequirerMetadata);
    const rel = new Relation({
      endpoint: "certificates",
      remoteUnitsData: { 0: { certificate: "c", ca: "a", chain: '["x"]' } },
    });
    let state = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(state.unitStatus).toEqual(new ActiveStatus());
    expect(state.deferred[0]?.snapshot).toEqual({
      certificate: "c",
      ca: "a",
      chain: ["x"],
      relation_id: rel.id,
    });
    defer = false;
    state = ctx.run(ctx.on.action("get-all-certificates"), state);
    expect(ctx.actionResults).toEqual({ certificates: ["a", "c", "x"] });
    expect(state.deferred).toHaveLength(0);
    state = ctx.run(ctx.on.relationBroken(rel), state);
    expect(state.unitStatus).toEqual(new WaitingStatus());
  });
});

describe("variant registry", () => {
  const names: CertificateTransferVariant[] = ["v0", "v1", "v1-fixed"];

  it.each(names)("%s: provider and requirer charms deliver chosen certificates", (name) => {
    const variant = certificateTransferVariants[name];
    const Provider = variant.makeProviderCharm({ certificates: PEMS });
    const p = new Context(Provider, variant.meta.provider);
    const r = new Context(variant.requirerCharm, variant.meta.requirer);
    const created = new Relation({ endpoint: "certificates" });
    const advertised = bags(
      r.run(r.on.relationCreated(created), new State({ leader: true, relations: [created] })),
      created.id,
    ).app;
    expect(advertised).toEqual({ version: String(variant.interfaceVersion) });
    const pr = new Relation({ endpoint: "certificates", remoteAppData: advertised });
    const written = bags(
      p.run(p.on.relationJoined(pr), new State({ leader: true, relations: [pr] })),
      pr.id,
    );
    const rr = new Relation({
      endpoint: "certificates",
      localAppData: advertised,
      remoteAppData: written.app,
      remoteUnitsData: { 0: written.unit },
    });
    const out = r.run(r.on.relationChanged(rr), new State({ relations: [rr] }));
    expect(out.unitStatus).toEqual(new ActiveStatus());
    r.run(r.on.action("get-all-certificates"), out);
    expect(r.actionResults).toEqual({ certificates: [...PEMS].sort() });
  });

  it("offers another endpoint name", () => {
    const variant = certificateTransferVariants.v1;
    const meta = variant.metaFor("ca-bundle");
    const ctx = new Context(variant.makeRequirerCharm({ endpoint: "ca-bundle" }), meta.requirer);
    const rel = new Relation({ endpoint: "ca-bundle" });
    const out = ctx.run(ctx.on.relationCreated(rel), new State({ leader: true, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({ version: "1" });
    expect(variant.faithful).toBe(true);
    expect(certificateTransferVariants["v1-fixed"].faithful).toBe(false);
  });
});

describe("metadata fixtures", () => {
  const dir = (name: string) => join(import.meta.dirname, "../../../fixtures/charms", name);
  it.each([
    ["certificate-transfer-v1-provider", v1ProviderMetadata],
    ["certificate-transfer-v1-requirer", v1RequirerMetadata],
    ["certificate-transfer-v0-provider", v0ProviderMetadata],
    ["certificate-transfer-v0-requirer", v0RequirerMetadata],
  ])("fixtures/charms/%s matches the charm's metadata", (name, metadata) => {
    expect(loadCharmSpec(dir(name))).toEqual(charmSpec(metadata));
  });
});
