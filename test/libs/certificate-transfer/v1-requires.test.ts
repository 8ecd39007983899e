// Conformance: every case of the upstream v1 requirer tests
// (tests/unit/charms/certificate_transfer_interface/v1/test_certificate_transfer_requires_v1.py).
import { beforeEach, describe, expect, it } from "vitest";
import { v1RequirerSpec } from "../../../src/charms/certificate-transfer/common.js";
import { makeV1RequirerCharm } from "../../../src/charms/certificate-transfer/v1.js";
import { Context } from "../../../src/harness/context.js";
import type { Framework } from "../../../src/harness/ops/framework.js";
import {
  CertificatesAvailableEvent,
  CertificatesRemovedEvent,
} from "../../../src/libs/certificate-transfer/v1.js";
import { Relation, State } from "../../../src/model/state.js";
import { WaitingStatus } from "../../../src/model/status.js";
import { logs } from "./helpers.js";

const ENDPOINT = "certificate_transfer";
const INTERFACE = "certificate_transfer";
const Requirer = makeV1RequirerCharm({ endpoint: ENDPOINT });

const relation = (init: Partial<ConstructorParameters<typeof Relation>[0]> = {}) =>
  new Relation({
    endpoint: ENDPOINT,
    interface: INTERFACE,
    localAppData: { version: "1" },
    ...init,
  });

/** Runs update-status and calls getAllCertificatesByRelation() inside the hook (Scenario's manager). */
function certificatesByRelation(state: State): Map<number, string[]> {
  let result: Map<number, string[]> | undefined;
  class Probe extends Requirer {
    constructor(framework: Framework) {
      super(framework);
      framework.observe(this.on.updateStatus, () => {
        result = this.certificateTransfer.getAllCertificatesByRelation();
      });
    }
  }
  const ctx = new Context(Probe, v1RequirerSpec(ENDPOINT));
  ctx.run(ctx.on.updateStatus(), state);
  if (!result) throw new Error("update-status did not run");
  return result;
}

describe("certificate_transfer v1 requirer (upstream test catalogue)", () => {
  let ctx: Context;
  beforeEach(() => {
    ctx = new Context(Requirer, v1RequirerSpec(ENDPOINT));
  });

  it("given leader, when relation-created, then the version is in the app databag", () => {
    const rel = relation();
    const out = ctx.run(ctx.on.relationCreated(rel), new State({ leader: true, relations: [rel] }));
    const r = out.getRelations(ENDPOINT)[0];
    expect(r?.localAppData.version).toBe("1");
  });

  it("given not leader, when relation-created, then a debug line is logged", () => {
    const rel = relation();
    ctx.run(ctx.on.relationCreated(rel), new State({ leader: false, relations: [rel] }));
    expect(logs(ctx)).toContainEqual([
      "DEBUG",
      "Only leader unit sets the version number in the app databag",
    ]);
  });

  it("given certificates in the app databag, when relation-changed, then certificate_set_updated carries them", () => {
    const rel = relation({ remoteAppData: { certificates: JSON.stringify(["cert1"]) } });
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(ctx.emittedEvents).toHaveLength(2);
    const event = ctx.emittedEvents[1];
    expect(event).toBeInstanceOf(CertificatesAvailableEvent);
    expect((event as CertificatesAvailableEvent).certificates).toEqual(new Set(["cert1"]));
    expect((event as CertificatesAvailableEvent).relationId).toBe(rel.id);
  });

  it("given a relation with no remote units, when update-status, then no crash and Waiting", () => {
    const rel = relation({ remoteUnitsData: {} });
    const out = ctx.run(ctx.on.updateStatus(), new State({ relations: [rel] }));
    expect(out.unitStatus).toEqual(new WaitingStatus());
  });

  it("given v0-layout certificates in a unit bag, when relation-changed, then the event carries them", () => {
    const rel = relation({
      remoteUnitsData: {
        0: {
          certificate: JSON.stringify("cert1"),
          ca: JSON.stringify("cert1"),
          chain: JSON.stringify(["cert1"]),
          version: JSON.stringify(0),
        },
      },
    });
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(ctx.emittedEvents).toHaveLength(2);
    const event = ctx.emittedEvents[1] as CertificatesAvailableEvent;
    expect(event).toBeInstanceOf(CertificatesAvailableEvent);
    expect(event.certificates).toEqual(new Set(["cert1"]));
    expect(event.relationId).toBe(rel.id);
  });

  it("given none of the expected keys, when relation-changed, then the event carries the empty set", () => {
    const rel = relation({ remoteAppData: { "bad-key": JSON.stringify(["cert1"]) } });
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(ctx.emittedEvents).toHaveLength(2);
    const event = ctx.emittedEvents[1] as CertificatesAvailableEvent;
    expect(event).toBeInstanceOf(CertificatesAvailableEvent);
    expect(event.certificates).toEqual(new Set());
    expect(event.relationId).toBe(rel.id);
  });

  it("given certificates, when relation-broken, then certificates_removed is emitted", () => {
    const rel = relation({ remoteAppData: { certificates: JSON.stringify(["cert1"]) } });
    ctx.run(ctx.on.relationBroken(rel), new State({ relations: [rel] }));
    expect(ctx.emittedEvents).toHaveLength(2);
    const event = ctx.emittedEvents[1] as CertificatesRemovedEvent;
    expect(event).toBeInstanceOf(CertificatesRemovedEvent);
    expect(event.relationId).toBe(rel.id);
  });

  it("given no relation, when get-all-certificates, then the empty set is returned", () => {
    ctx.run(ctx.on.action("get-all-certificates"), new State());
    expect(ctx.actionResults).toEqual({ certificates: [] });
  });

  it.each([
    [
      '"some string"',
      `('Error parsing relation databag: ('failed to validate databag: {\\'certificates\\': \\'"some string"\\'}',). ', 'Make sure not to interact with the databags except using the public methods in the provider library and use version V1.')`,
    ],
    [
      "unloadable",
      `('Error parsing relation databag: ("invalid databag contents: expecting json. {'certificates': 'unloadable'}",). ', 'Make sure not to interact with the databags except using the public methods in the provider library and use version V1.')`,
    ],
  ])(
    "given a broken databag (%s), when relation-changed, then the error is logged",
    (value, message) => {
      const rel = relation({ remoteAppData: { certificates: value } });
      ctx.run(ctx.on.relationChanged(rel), new State({ leader: true, relations: [rel] }));
      expect(logs(ctx)).toContainEqual(["ERROR", message]);
    },
  );

  it("given invalid relation data, when is-ready, then false", () => {
    const rel = relation({ remoteAppData: { certificates: "some string" } });
    ctx.run(
      ctx.on.action("is-ready", { params: { "relation-id": String(rel.id) } }),
      new State({ leader: true, relations: [rel] }),
    );
    expect(ctx.actionResults).toEqual({ "is-ready": false });
  });

  it("given valid relation data, when is-ready, then true", () => {
    const rel = relation({ remoteAppData: { certificates: JSON.stringify(["cert1"]) } });
    ctx.run(
      ctx.on.action("is-ready", { params: { "relation-id": String(rel.id) } }),
      new State({ leader: true, relations: [rel] }),
    );
    expect(ctx.actionResults).toEqual({ "is-ready": true });
  });

  it("given certificates, when get all certificates by relation, then the list is sorted", () => {
    const rel = relation({
      remoteAppData: { certificates: JSON.stringify(["cert_z", "cert_a", "cert_m"]) },
    });
    const result = certificatesByRelation(new State({ leader: true, relations: [rel] }));
    expect(result.has(rel.id)).toBe(true);
    expect(result.get(rel.id)).toEqual(["cert_a", "cert_m", "cert_z"]);
  });

  it("given several relations, when get all certificates by relation, then every relation is returned", () => {
    const r1 = relation({ remoteAppData: { certificates: JSON.stringify(["cert_b", "cert_a"]) } });
    const r2 = relation({ remoteAppData: { certificates: JSON.stringify(["cert_y", "cert_x"]) } });
    const result = certificatesByRelation(new State({ leader: true, relations: [r1, r2] }));
    expect(result.get(r1.id)).toEqual(["cert_a", "cert_b"]);
    expect(result.get(r2.id)).toEqual(["cert_x", "cert_y"]);
  });

  it("given no relation, when get all certificates by relation, then the result is empty", () => {
    expect(certificatesByRelation(new State())).toEqual(new Map());
  });
});
