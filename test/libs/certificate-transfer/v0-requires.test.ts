// Conformance: every case of the upstream v0 requirer tests
// (tests/unit/charms/certificate_transfer_interface/v0/test_certificate_transfer_requires_v0.py).
import { beforeEach, describe, expect, it } from "vitest";
import { v0RequirerSpec } from "../../../src/charms/certificate-transfer/common.js";
import { V0RequirerCharm } from "../../../src/charms/certificate-transfer/v0.js";
import { Context } from "../../../src/harness/context.js";
import {
  CertificateAvailableEvent,
  CertificateRemovedEvent,
} from "../../../src/libs/certificate-transfer/v0.js";
import { Relation, State } from "../../../src/model/state.js";
import { logs } from "./helpers.js";

const ENDPOINT = "certificates";
const INTERFACE = "certificate_transfer";

const relation = (init: Partial<ConstructorParameters<typeof Relation>[0]> = {}) =>
  new Relation({ endpoint: ENDPOINT, interface: INTERFACE, ...init });

const fullData = {
  certificate: "whatever certificate",
  ca: "whatever CA certificate",
  chain: JSON.stringify(["cert1", "cert2"]),
};
const foreignKeys = { banana: "whatever banana content", pizza: "whatever pizza content" };

describe("certificate_transfer v0 requirer (upstream test catalogue)", () => {
  let ctx: Context;
  beforeEach(() => {
    ctx = new Context(V0RequirerCharm, v0RequirerSpec());
  });

  it("given leader, when relation-created, then version 0 is in the app databag", () => {
    const rel = relation();
    const out = ctx.run(ctx.on.relationCreated(rel), new State({ leader: true, relations: [rel] }));
    expect(out.getRelation(rel.id)?.localAppData.version).toBe("0");
  });

  it("given certificates in unit data, when relation-changed, then certificate_available carries them", () => {
    const rel = relation({ remoteUnitsData: { 0: fullData } });
    ctx.run(ctx.on.relationChanged(rel), new State({ leader: true, relations: [rel] }));
    const last = ctx.emittedEvents.at(-1) as CertificateAvailableEvent;
    expect(last).toBeInstanceOf(CertificateAvailableEvent);
    expect(last.certificate).toBe("whatever certificate");
    expect(last.ca).toBe("whatever CA certificate");
    expect(last.chain).toEqual(["cert1", "cert2"]);
  });

  it("given only a certificate, when relation-changed, then certificate_available is emitted", () => {
    const rel = relation({ remoteUnitsData: { 0: { certificate: "whatever certificate" } } });
    ctx.run(ctx.on.relationChanged(rel), new State({ leader: true, relations: [rel] }));
    const last = ctx.emittedEvents.at(-1) as CertificateAvailableEvent;
    expect(last).toBeInstanceOf(CertificateAvailableEvent);
    expect(last.certificate).toBe("whatever certificate");
    expect(last.ca).toBeNull();
    expect(last.chain).toBeNull();
  });

  it("given none of the expected keys, when relation-changed, then a warning is logged", () => {
    const rel = relation({ remoteUnitsData: { 0: foreignKeys } });
    ctx.run(ctx.on.relationChanged(rel), new State({ leader: true, relations: [rel] }));
    expect(logs(ctx)).toContainEqual([
      "WARNING",
      "Provider relation data did not pass JSON Schema validation: {'banana': 'whatever banana content', 'pizza': 'whatever pizza content'}",
    ]);
    expect(ctx.emittedEvents).toHaveLength(1);
  });

  it("given the provider uses the app databag, when relation-changed with a unit, then a warning is logged", () => {
    const rel = relation({
      remoteAppData: { certificate: "whatever cert" },
      remoteUnitsData: { 0: {} },
    });
    ctx.run(
      ctx.on.relationChanged(rel, { remoteUnit: 0 }),
      new State({ leader: true, relations: [rel] }),
    );
    expect(logs(ctx)).toContainEqual([
      "WARNING",
      "Provider relation data did not pass JSON Schema validation: {}",
    ]);
  });

  it("given no remote unit on the event, when relation-changed, then an info line and no event", () => {
    const rel = relation({ remoteAppData: { certificate: "whatever cert" } });
    ctx.run(
      ctx.on.relationChanged(rel, { remoteUnit: null }),
      new State({ leader: true, relations: [rel] }),
    );
    expect(logs(ctx)).toContainEqual(["INFO", "No remote unit in relation: certificates"]);
    expect(ctx.emittedEvents).toHaveLength(1);
  });

  it("given certificates, when relation-broken, then certificate_removed is emitted", () => {
    const rel = relation({ remoteUnitsData: { 0: fullData } });
    ctx.run(ctx.on.relationBroken(rel), new State({ leader: true, relations: [rel] }));
    const last = ctx.emittedEvents.at(-1) as CertificateRemovedEvent;
    expect(last).toBeInstanceOf(CertificateRemovedEvent);
    expect(last.relationId).toBe(rel.id);
  });

  it("given invalid relation data, when is-ready, then false", () => {
    const rel = relation({ remoteUnitsData: { 0: foreignKeys } });
    ctx.run(
      ctx.on.action("is-ready", { params: { "relation-id": String(rel.id) } }),
      new State({ leader: true, relations: [rel] }),
    );
    expect(ctx.actionResults).toEqual({ ready: false });
    expect(logs(ctx)).toContainEqual([
      "WARNING",
      "Provider relation data did not pass JSON Schema validation: ",
    ]);
  });

  it("given valid relation data, when is-ready, then true", () => {
    const rel = relation({ remoteUnitsData: { 0: { certificate: "whatever cert" } } });
    ctx.run(
      ctx.on.action("is-ready", { params: { "relation-id": String(rel.id) } }),
      new State({ leader: true, relations: [rel] }),
    );
    expect(ctx.actionResults).toEqual({ ready: true });
  });
});
