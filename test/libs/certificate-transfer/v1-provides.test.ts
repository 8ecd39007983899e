// Conformance: every case of the upstream v1 provider tests
// (tests/unit/charms/certificate_transfer_interface/v1/test_certificate_transfer_provides_v1.py).
import { beforeEach, describe, expect, it } from "vitest";
import { v1ProviderSpec } from "../../../src/charms/certificate-transfer/common.js";
import { makeV1ProviderCharm } from "../../../src/charms/certificate-transfer/v1.js";
import { Context } from "../../../src/harness/context.js";
import { Relation, State } from "../../../src/model/state.js";
import { bags, jsonSet, logs, v0WarningLine } from "./helpers.js";

const ENDPOINT = "certificate_transfer";
const INTERFACE = "certificate_transfer";
const Provider = makeV1ProviderCharm({ endpoint: ENDPOINT });

const relation = (init: Partial<ConstructorParameters<typeof Relation>[0]> = {}) =>
  new Relation({ endpoint: ENDPOINT, interface: INTERFACE, ...init });

const v1Certs = { certificates: JSON.stringify(["certificate1", "certificate2"]) };
const v0UnitBag = {
  certificate: JSON.stringify("certificate1"),
  ca: JSON.stringify("certificate1"),
  chain: JSON.stringify(["certificate1", "certificate2"]),
  version: JSON.stringify(0),
};

describe("certificate_transfer v1 provider (upstream test catalogue)", () => {
  let ctx: Context;
  beforeEach(() => {
    ctx = new Context(Provider, v1ProviderSpec(ENDPOINT));
  });

  it("given no relation, when add certificates, then a debug line is logged", () => {
    ctx.run(
      ctx.on.action("add-certificates", { params: { certificates: "certificate" } }),
      new State({ leader: true }),
    );
    expect(logs(ctx)).toContainEqual([
      "DEBUG",
      "No active relations found with the relation name 'certificate_transfer'",
    ]);
  });

  it("given an unrelated relation id, when add certificates, then a debug line is logged", () => {
    const rel = relation();
    ctx.run(
      ctx.on.action("add-certificates", {
        params: { certificates: "certificate", "relation-id": String(rel.id + 1) },
      }),
      new State({ leader: true, relations: [rel] }),
    );
    expect(logs(ctx)).toContainEqual([
      "DEBUG",
      "At least 1 matching relation ID not found with the relation name 'certificate_transfer'",
    ]);
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
    "given a broken databag (%s), when add certificates, then the error is logged",
    (value, message) => {
      const rel = relation({
        remoteAppData: { version: "1" },
        localAppData: { certificates: value },
      });
      ctx.run(
        ctx.on.action("add-certificates", {
          params: { certificates: "certificate", "relation-id": String(rel.id) },
        }),
        new State({ leader: true, relations: [rel] }),
      );
      expect(logs(ctx)).toContainEqual(["ERROR", message]);
    },
  );

  it("given several relations, when add certificates, then they are sent to all", () => {
    const r1 = relation({ remoteAppData: { version: "1" } });
    const r2 = relation({ remoteAppData: { version: "1" } });
    const r3 = relation({ remoteAppData: { version: "0" } });
    const out = ctx.run(
      ctx.on.action("add-certificates", { params: { certificates: "certificate1, certificate2" } }),
      new State({ leader: true, relations: [r1, r2, r3] }),
    );
    const expected = new Set(["certificate1", "certificate2"]);
    expect(jsonSet(bags(out, r1.id).app.certificates)).toEqual(expected);
    expect(jsonSet(bags(out, r2.id).app.certificates)).toEqual(expected);
    expect(jsonSet(bags(out, r3.id).unit.chain)).toEqual(expected);
    expect(bags(out, r1.id).app.version).toBe("1");
    expect(bags(out, r2.id).app.version).toBe("1");
    expect(bags(out, r3.id).app).not.toHaveProperty("version");
  });

  it("given several relations, when add certificates with a relation id, then only that one gets them", () => {
    const r1 = relation({ remoteAppData: { version: "1" } });
    const r2 = relation({ remoteAppData: { version: "1" } });
    const r3 = relation({ remoteAppData: { version: "0" } });
    const out = ctx.run(
      ctx.on.action("add-certificates", {
        params: { certificates: "certificate1, certificate2", "relation-id": String(r2.id) },
      }),
      new State({ leader: true, relations: [r1, r2, r3] }),
    );
    expect(bags(out, r1.id).app).toEqual({});
    expect(jsonSet(bags(out, r2.id).app.certificates)).toEqual(
      new Set(["certificate1", "certificate2"]),
    );
    expect(bags(out, r2.id).app.version).toBe("1");
    expect(bags(out, r3.id).app).toEqual({});
  });

  it("given several relations, when add certificates with the id of a version 0 requirer, then only its unit bag gets them", () => {
    const r1 = relation({ remoteAppData: { version: "1" } });
    const r2 = relation({ remoteAppData: { version: "1" } });
    const r3 = relation({ remoteAppData: { version: "0" } });
    const out = ctx.run(
      ctx.on.action("add-certificates", {
        params: { certificates: "certificate1, certificate2", "relation-id": String(r3.id) },
      }),
      new State({ leader: true, relations: [r1, r2, r3] }),
    );
    expect(bags(out, r1.id).app).toEqual({});
    expect(bags(out, r2.id).app).toEqual({});
    const chain = jsonSet(bags(out, r3.id).unit.chain);
    expect(chain.size).toBe(2);
    expect(chain).toEqual(new Set(["certificate1", "certificate2"]));
    expect(logs(ctx)).toContainEqual(["WARNING", v0WarningLine(r3.id, "0")]);
    expect(v0WarningLine(r3.id, "0")).toBe(
      `('Requirer in relation ${r3.id} is using version 0 of the interface,', 'defaulting to version 0.', 'This is deprecated, please consider upgrading the requirer', 'to version 1 of the library.')`,
    );
  });

  it("given several relations, when add certificates with the id of a requirer without version, then only its unit bag gets them", () => {
    const r1 = relation({ remoteAppData: { version: "1" } });
    const r2 = relation({ remoteAppData: { version: "1" } });
    const r3 = relation();
    const out = ctx.run(
      ctx.on.action("add-certificates", {
        params: { certificates: "certificate1, certificate2", "relation-id": String(r3.id) },
      }),
      new State({ leader: true, relations: [r1, r2, r3] }),
    );
    expect(bags(out, r1.id).app).toEqual({});
    expect(bags(out, r2.id).app).toEqual({});
    const chain = jsonSet(bags(out, r3.id).unit.chain);
    expect(chain.size).toBe(2);
    expect(chain).toEqual(new Set(["certificate1", "certificate2"]));
    expect(logs(ctx)).toContainEqual([
      "WARNING",
      `('Requirer in relation ${r3.id} did not provide version field,', 'defaulting to version 0.', 'This is deprecated, please consider upgrading the requirer', 'to version 1 of the library.')`,
    ]);
  });

  it("given no relation, when remove a certificate, then a debug line is logged", () => {
    ctx.run(
      ctx.on.action("remove-certificate", { params: { certificate: "certificate" } }),
      new State({ leader: true }),
    );
    expect(logs(ctx)).toContainEqual([
      "DEBUG",
      "No active relations found with the relation name 'certificate_transfer'",
    ]);
  });

  it("given an unrelated relation id, when remove a certificate, then a debug line is logged", () => {
    const rel = relation();
    ctx.run(
      ctx.on.action("remove-certificate", {
        params: { certificate: "certificate", "relation-id": String(rel.id + 1) },
      }),
      new State({ leader: true, relations: [rel] }),
    );
    expect(logs(ctx)).toContainEqual([
      "DEBUG",
      "At least 1 matching relation ID not found with the relation name 'certificate_transfer'",
    ]);
  });

  const fourRelations = () => [
    relation({ remoteAppData: { version: "1" }, localAppData: v1Certs }),
    relation({ remoteAppData: { version: "1" }, localAppData: v1Certs }),
    relation({ remoteAppData: { version: "0" }, localUnitData: v0UnitBag }),
    relation({ localUnitData: v0UnitBag }),
  ];
  const both = new Set(["certificate1", "certificate2"]);
  const second = new Set(["certificate2"]);

  it("given several relations, when remove a certificate, then it is removed from all", () => {
    const [r1, r2, r3, r4] = fourRelations();
    const out = ctx.run(
      ctx.on.action("remove-certificate", { params: { certificate: "certificate1" } }),
      new State({ leader: true, relations: [r1!, r2!, r3!, r4!] }),
    );
    expect(jsonSet(bags(out, r1!.id).app.certificates)).toEqual(second);
    expect(jsonSet(bags(out, r2!.id).app.certificates)).toEqual(second);
    expect(jsonSet(bags(out, r3!.id).unit.chain)).toEqual(second);
    expect(jsonSet(bags(out, r4!.id).unit.chain)).toEqual(second);
  });

  it("given several relations, when remove a certificate with a relation id, then only that one changes", () => {
    const [r1, r2, r3, r4] = fourRelations();
    const out = ctx.run(
      ctx.on.action("remove-certificate", {
        params: { certificate: "certificate1", "relation-id": String(r2!.id) },
      }),
      new State({ leader: true, relations: [r1!, r2!, r3!, r4!] }),
    );
    expect(jsonSet(bags(out, r1!.id).app.certificates)).toEqual(both);
    expect(jsonSet(bags(out, r2!.id).app.certificates)).toEqual(second);
    expect(jsonSet(bags(out, r3!.id).unit.chain)).toEqual(both);
    expect(jsonSet(bags(out, r4!.id).unit.chain)).toEqual(both);
  });

  it("given several relations, when remove a certificate with the id of a version 0 requirer, then only its unit bag changes", () => {
    const [r1, r2, r3] = fourRelations();
    const out = ctx.run(
      ctx.on.action("remove-certificate", {
        params: { certificate: "certificate1", "relation-id": String(r3!.id) },
      }),
      new State({ leader: true, relations: [r1!, r2!, r3!] }),
    );
    expect(jsonSet(bags(out, r1!.id).app.certificates)).toEqual(both);
    expect(jsonSet(bags(out, r2!.id).app.certificates)).toEqual(both);
    expect(jsonSet(bags(out, r3!.id).unit.chain)).toEqual(second);
  });

  it("given several relations, when remove a certificate with the id of a requirer without version, then only its unit bag changes", () => {
    const [r1, r2, , r4] = fourRelations();
    const out = ctx.run(
      ctx.on.action("remove-certificate", {
        params: { certificate: "certificate1", "relation-id": String(r4!.id) },
      }),
      new State({ leader: true, relations: [r1!, r2!, r4!] }),
    );
    expect(jsonSet(bags(out, r1!.id).app.certificates)).toEqual(both);
    expect(jsonSet(bags(out, r2!.id).app.certificates)).toEqual(both);
    expect(jsonSet(bags(out, r4!.id).unit.chain)).toEqual(second);
  });

  const threeV1Relations = () => [
    relation({ remoteAppData: { version: "1" }, localAppData: v1Certs }),
    relation({ remoteAppData: { version: "1" }, localAppData: v1Certs }),
    relation({ remoteAppData: { version: "1" }, localAppData: v1Certs }),
  ];

  it("given several relations, when remove all certificates, then every relation is emptied", () => {
    const rels = threeV1Relations();
    const out = ctx.run(
      ctx.on.action("remove-all-certificates"),
      new State({ leader: true, relations: rels }),
    );
    for (const r of rels) expect(jsonSet(bags(out, r.id).app.certificates)).toEqual(new Set());
  });

  it("given several relations, when remove all certificates with a relation id, then only that one is emptied", () => {
    const [r1, r2, r3] = threeV1Relations();
    const out = ctx.run(
      ctx.on.action("remove-all-certificates", { params: { "relation-id": String(r2!.id) } }),
      new State({ leader: true, relations: [r1!, r2!, r3!] }),
    );
    expect(jsonSet(bags(out, r1!.id).app.certificates)).toEqual(both);
    expect(jsonSet(bags(out, r2!.id).app.certificates)).toEqual(new Set());
    expect(jsonSet(bags(out, r3!.id).app.certificates)).toEqual(both);
  });
});
