/**
 * The v1 library's databag handling at its edges: which writes clear the bag first, a `chain`
 * that is JSON null, a relation id of null (Python's None), a relation the requirer's provider
 * has not written to, entities a relation has no bag for, and errors that are not validation
 * errors in isReady.
 */
import { describe, expect, it } from "vitest";
import { Context, UncaughtCharmError } from "../../../src/harness/context.js";
import { CharmBase } from "../../../src/harness/ops/charm.js";
import type { Framework } from "../../../src/harness/ops/framework.js";
import {
  bagOrNull,
  CertificateTransferProvides,
  CertificateTransferRequires,
  requirerVersion,
} from "../../../src/libs/certificate-transfer/v1.js";
import { Relation, State } from "../../../src/model/state.js";
import { bags, jsonSet, logs, type Probe, probeCharm } from "./helpers.js";

const ENDPOINT = "certificates";
const INTERFACE = "certificate_transfer";
/** What a JavaScript caller passes for Python's None. */
const NONE = null as unknown as undefined;

/** A provider charm that runs `probe` at update-status; `seen` collects what it returns. */
const provider = (probe: Probe<CertificateTransferProvides>) =>
  probeCharm(
    "provider",
    (charm) => new CertificateTransferProvides(charm, ENDPOINT, { stableOrder: true }),
    probe,
  );

/** A requirer charm that runs `probe` at update-status; `seen` collects what it returns. */
const requirer = (probe: Probe<CertificateTransferRequires>) =>
  probeCharm("requirer", (charm) => new CertificateTransferRequires(charm, ENDPOINT), probe);

const relation = (init: Partial<ConstructorParameters<typeof Relation>[0]> = {}) =>
  new Relation({ endpoint: ENDPOINT, interface: INTERFACE, ...init });

describe("v1 provider writes", () => {
  it("in the v1 layout, replace the whole application bag", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c2"])));
    const rel = relation({
      remoteAppData: { version: "1" },
      localAppData: { certificates: JSON.stringify(["c1"]), stray: "x" },
    });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({ certificates: '["c1", "c2"]', version: "1" });
  });

  it("in the v0 layout, replace the whole unit bag", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c2"])));
    const rel = relation({
      localUnitData: {
        ca: JSON.stringify("c1"),
        certificate: JSON.stringify("c1"),
        chain: JSON.stringify(["c1"]),
        stray: "x",
      },
    });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(Object.keys(bags(out, rel.id).unit).sort()).toEqual([
      "ca",
      "certificate",
      "chain",
      "version",
    ]);
    expect(jsonSet(bags(out, rel.id).unit.chain)).toEqual(new Set(["c1", "c2"]));
  });

  it("in the v0 layout, start from nothing when the stored chain is null", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c2"])));
    const rel = relation({
      localUnitData: { ca: JSON.stringify("c1"), certificate: JSON.stringify("c1"), chain: "null" },
    });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(jsonSet(bags(out, rel.id).unit.chain)).toEqual(new Set(["c2"]));
    expect(logs(ctx).filter(([level]) => level === "ERROR")).toEqual([]);
  });
});

describe("v1 requirer's version", () => {
  it("is written at relation-created without clearing the application bag", () => {
    class Requirer extends CharmBase {
      constructor(framework: Framework) {
        super(framework);
        new CertificateTransferRequires(this, ENDPOINT);
      }
    }
    const ctx = new Context(Requirer, {
      meta: { name: "requirer", requires: { [ENDPOINT]: { interface: INTERFACE } } },
    });
    const rel = relation({ localAppData: { other: "kept" } });
    const out = ctx.run(ctx.on.relationCreated(rel), new State({ leader: true, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({ other: "kept", version: "1" });
  });
});

describe("a relation id of null (Python's None) means every active relation", () => {
  it("for the provider's writes", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c1"]), NONE));
    const a = relation({ remoteAppData: { version: "1" }, remoteAppName: "a" });
    const b = relation({ remoteAppData: { version: "1" }, remoteAppName: "b" });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [a, b] }));
    expect(jsonSet(bags(out, a.id).app.certificates)).toEqual(new Set(["c1"]));
    expect(jsonSet(bags(out, b.id).app.certificates)).toEqual(new Set(["c1"]));
  });

  it("for the provider's notice when nothing is related", () => {
    const { ctx } = provider((lib) => lib.removeAllCertificates(NONE));
    ctx.run(ctx.on.updateStatus(), new State({ leader: true }));
    expect(logs(ctx)).toContainEqual([
      "DEBUG",
      `No active relations found with the relation name '${ENDPOINT}'`,
    ]);
  });

  it("for the requirer's reads", () => {
    const { ctx, seen } = requirer((lib) => [...lib.getAllCertificates(NONE)].sort());
    const a = relation({ remoteAppData: { certificates: JSON.stringify(["c1"]) } });
    const b = relation({ remoteAppData: { certificates: JSON.stringify(["c2"]) } });
    ctx.run(ctx.on.updateStatus(), new State({ relations: [a, b] }));
    expect(seen).toEqual([["c1", "c2"]]);
  });
});

describe("v1 requirer reading a relation", () => {
  it("with nothing written and no provider unit: the empty set, nothing logged", () => {
    const { ctx, seen } = requirer((lib) => [...lib.getAllCertificates()]);
    const rel = relation({ remoteUnitsData: {} });
    ctx.run(ctx.on.updateStatus(), new State({ relations: [rel] }));
    expect(seen).toEqual([[]]);
    expect(logs(ctx).filter(([level]) => level !== "DEBUG")).toEqual([]);
  });

  it("falls back to a provider unit's v0 bag, whose null chain means no certificates", () => {
    const { ctx, seen } = requirer((lib) => [...lib.getAllCertificates()]);
    const rel = relation({
      remoteUnitsData: {
        0: { ca: JSON.stringify("c1"), certificate: JSON.stringify("c1"), chain: "null" },
      },
    });
    ctx.run(ctx.on.updateStatus(), new State({ relations: [rel] }));
    expect(seen).toEqual([[]]);
    expect(logs(ctx).filter(([level]) => level === "ERROR")).toEqual([]);
  });

  it("isReady lets an error that is not a validation error escape (ValueError upstream)", () => {
    const { ctx } = requirer((lib, charm) => {
      const rel = charm.model.getRelation(ENDPOINT);
      if (rel === null) throw new Error("no relation");
      return lib.isReady(rel);
    });
    const rel = relation({ remoteAppData: { certificates: "9".repeat(5000) } });
    let caught: unknown;
    try {
      ctx.run(ctx.on.updateStatus(), new State({ relations: [rel] }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UncaughtCharmError);
    expect(((caught as UncaughtCharmError).cause as Error).name).toBe("ValueError");
  });
});

describe("bagOrNull and requirerVersion", () => {
  it("give null / undefined where the relation has no bag for the entity", () => {
    const { ctx, seen } = requirer((_lib, charm) => {
      const rel = charm.model.getRelation(ENDPOINT);
      const unknown = charm.model.getRelation(ENDPOINT, 999);
      if (rel === null || unknown === null) throw new Error("no relation");
      return [
        bagOrNull(rel, charm.model.getUnit("stranger/0")),
        bagOrNull(rel, rel.app)?.get("version"),
        requirerVersion(rel),
        requirerVersion(unknown),
        bagOrNull(unknown, unknown.app),
      ];
    });
    const rel = relation({ remoteAppData: { version: "1" }, remoteAppName: "provider" });
    ctx.run(ctx.on.updateStatus(), new State({ relations: [rel] }));
    expect(seen).toEqual([[null, "1", "1", undefined, null]]);
  });
});

describe("addCertificates given something else than a Set", () => {
  it.each([
    ["a string", "c1", /got a string$/],
    ["a number", 42, /got 42$/],
    ["an array", ["c1"], /got c1$/],
  ])("refuses %s, naming what it got", (_what, value, message) => {
    const { ctx } = provider((lib) => lib.addCertificates(value as unknown as Set<string>));
    let caught: unknown;
    try {
      ctx.run(ctx.on.updateStatus(), new State({ leader: true }));
    } catch (error) {
      caught = error;
    }
    const cause = (caught as UncaughtCharmError).cause as Error;
    expect(cause).toBeInstanceOf(TypeError);
    expect(cause.message).toMatch(/^addCertificates takes a Set of PEM strings, /);
    expect(cause.message).toMatch(message);
  });
});
