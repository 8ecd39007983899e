// Conformance: every case of the upstream v0 provider tests
// (tests/unit/charms/certificate_transfer_interface/v0/test_certificate_transfer_provides_v0.py,
// Harness calls mapped onto the dummy charm's actions).
import { beforeEach, describe, expect, it } from "vitest";
import { v0ProviderSpec } from "../../../src/charms/certificate-transfer/common.js";
import { V0ProviderCharm } from "../../../src/charms/certificate-transfer/v0.js";
import { Context, UncaughtCharmError } from "../../../src/harness/context.js";
import { KeyError } from "../../../src/harness/ops/errors.js";
import { Relation, State } from "../../../src/model/state.js";
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

  it("given a relation, when set certificate with an unknown relation id, then a KeyError is thrown", () => {
    const rel = relation();
    const run = () =>
      ctx.run(
        ctx.on.action("set-certificate", { params: setParams(rel.id + 2) }),
        new State({ relations: [rel] }),
      );
    expect(run).toThrow(UncaughtCharmError);
    try {
      run();
    } catch (error) {
      const cause = (error as UncaughtCharmError).cause;
      expect(cause).toBeInstanceOf(KeyError);
      expect((cause as Error).message).toBe(
        `No relation found with relation name certificates and relation ID ${rel.id + 2}`,
      );
    }
  });

  it("given no relation, when set certificate with relation id 0, then a KeyError is thrown", () => {
    const run = () =>
      ctx.run(ctx.on.action("set-certificate", { params: setParams(0) }), new State());
    expect(run).toThrow(
      /KeyError: No relation found with relation name certificates and relation ID 0/,
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
    expect(logs(ctx)).toContainEqual([
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
