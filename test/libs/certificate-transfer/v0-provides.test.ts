// Conformance: every case of the upstream v0 provider tests
// (tests/unit/charms/certificate_transfer_interface/v0/test_certificate_transfer_provides_v0.py,
// Harness calls mapped onto the dummy charm's actions).
import { beforeEach, describe, expect, it } from "vitest";
import { v0ProviderSpec } from "../../../src/charms/certificate-transfer/common.js";
import { V0ProviderCharm } from "../../../src/charms/certificate-transfer/v0.js";
import { Context } from "../../../src/harness/context.js";
import { RelationNotFoundError } from "../../../src/harness/ops/errors.js";
import { Relation, State } from "../../../src/model/state.js";
import { expectCharmRaised } from "../../harness/helpers.js";
import { bags, logs } from "./helpers.js";

const relation = (localUnitData: Record<string, string> = {}) =>
  new Relation({
    endpoint: "certificates",
    interface: "certificate_transfer",
    remoteAppName: "certificate-transfer-requirer",
    localUnitData,
  });

const setParams = (relationId: number) => ({
  certificate: "whatever cert",
  ca: "whatever ca",
  chain: "whatever cert 1, whatever cert 2",
  "relation-id": String(relationId),
});

describe("certificate_transfer v0 provider (upstream test catalogue)", () => {
  let ctx: Context;
  beforeEach(() => {
    ctx = new Context(V0ProviderCharm, v0ProviderSpec());
  });

  it("given a relation, when set certificate, then the four keys are written", () => {
    const rel = relation();
    const out = ctx.run(
      ctx.on.action("set-certificate", { params: setParams(rel.id) }),
      new State({ relations: [rel] }),
    );
    expect(bags(out, rel.id).unit).toEqual({
      certificate: "whatever cert",
      ca: "whatever ca",
      chain: '["whatever cert 1", "whatever cert 2"]', // Python's json.dumps(chain)
      version: "0",
    });
  });

  // Upstream looks the relation up with get_relation, which under current ops hands back an
  // inactive placeholder for an id the unit does not know: the library's own "no relation" check
  // never fires, and the first write fails in the framework (RelationNotFoundError; the upstream
  // tests, written against an older Harness, expect KeyError there).
  it("given a relation, when set certificate with an unknown relation id, then the write fails with RelationNotFoundError", () => {
    const rel = relation();
    const run = () =>
      ctx.run(
        ctx.on.action("set-certificate", { params: setParams(rel.id + 2) }),
        new State({ relations: [rel] }),
      );
    expectCharmRaised(run, RelationNotFoundError, /does not know this relation/);
  });

  it("given no relation, when set certificate with relation id 0, then the write fails with RelationNotFoundError", () => {
    expectCharmRaised(
      () => ctx.run(ctx.on.action("set-certificate", { params: setParams(0) }), new State()),
      RelationNotFoundError,
    );
  });

  it("given certificate data, when remove certificate, then certificate, ca and chain are gone", () => {
    const rel = relation({
      certificate: "whatever cert",
      ca: "whatever ca",
      chain: JSON.stringify(["cert 1", "cert 2"]),
    });
    const out = ctx.run(
      ctx.on.action("remove-certificate", { params: { "relation-id": String(rel.id) } }),
      new State({ relations: [rel] }),
    );
    const unit = bags(out, rel.id).unit;
    expect(unit).not.toHaveProperty("certificate");
    expect(unit).not.toHaveProperty("ca");
    expect(unit).not.toHaveProperty("chain");
  });

  it("given only a certificate, when remove certificate, then it is gone", () => {
    const rel = relation({ certificate: "whatever cert" });
    const out = ctx.run(
      ctx.on.action("remove-certificate", { params: { "relation-id": String(rel.id) } }),
      new State({ relations: [rel] }),
    );
    expect(bags(out, rel.id).unit).not.toHaveProperty("certificate");
    expect(logs(ctx)).toContainEqual(["WARNING", "Certificate removed from relation data"]);
  });

  it("given certificate data, when remove certificate with an unknown relation id, then the data stays", () => {
    const data = {
      certificate: "whatever cert",
      ca: "whatever ca",
      chain: JSON.stringify(["cert 1", "cert 2"]),
    };
    const rel = relation(data);
    const out = ctx.run(
      ctx.on.action("remove-certificate", { params: { "relation-id": String(rel.id + 2) } }),
      new State({ relations: [rel] }),
    );
    expect(bags(out, rel.id).unit).toEqual(data);
    // The placeholder relation's bag reads empty ("dead relations tell no tales").
    expect(logs(ctx)).toContainEqual([
      "WARNING",
      "Can't remove certificate - No certificate in relation data",
    ]);
    expect(logs(ctx)).not.toContainEqual([
      "WARNING",
      "Can't remove certificate - Non-existent relation 'certificates'",
    ]);
  });

  it("given no data, when remove certificate, then a warning is logged", () => {
    const rel = relation();
    ctx.run(
      ctx.on.action("remove-certificate", { params: { "relation-id": String(rel.id) } }),
      new State({ relations: [rel] }),
    );
    expect(logs(ctx)).toContainEqual([
      "WARNING",
      "Can't remove certificate - No certificate in relation data",
    ]);
  });
});
