/**
 * The v1 library and relations that are not active: the relation being broken (still in the
 * State, no longer listed by the model) and ids the unit does not know. The provider writes only
 * to active relations; the requirer, given an id, reads that relation whatever its state (QUIRK),
 * and without one reads the listed relations only. Also: errors that are not validation errors
 * are not swallowed by the provider.
 */
import { describe, expect, it } from "vitest";
import { Context, UncaughtCharmError } from "../../../src/harness/context.js";
import { CharmBase } from "../../../src/harness/ops/charm.js";
import type { Framework } from "../../../src/harness/ops/framework.js";
import {
  CertificateTransferProvides,
  CertificateTransferRequires,
} from "../../../src/libs/certificate-transfer/v1.js";
import { Relation, State } from "../../../src/model/state.js";
import { bags, jsonSet, logs, probeAtBroken } from "./helpers.js";

const ENDPOINT = "certificates";
const INTERFACE = "certificate_transfer";
const NOT_FOUND = `At least 1 matching relation ID not found with the relation name '${ENDPOINT}'`;
const NONE_ACTIVE = `No active relations found with the relation name '${ENDPOINT}'`;

type ProviderCall = (lib: CertificateTransferProvides, brokenId: number) => void;

/** A provider charm that runs `call` on the library at relation-broken. */
function providerAtBroken(call: ProviderCall) {
  class ProviderAtBroken extends CharmBase {
    constructor(framework: Framework) {
      super(framework);
      const lib = new CertificateTransferProvides(this, ENDPOINT, { stableOrder: true });
      framework.observe(this.on.relation(ENDPOINT).broken, (e) => call(lib, e.relation.id));
      framework.observe(this.on.updateStatus, () => lib.addCertificates(new Set(["c9"])));
    }
  }
  return new Context(ProviderAtBroken, {
    meta: { name: "provider", provides: { [ENDPOINT]: { interface: INTERFACE } } },
  });
}

type RequirerRead = (lib: CertificateTransferRequires, brokenId: number) => unknown;

/** A requirer charm that records what `read` returns at relation-broken. */
const requirerAtBroken = (read: RequirerRead) =>
  probeAtBroken("requirer", (charm) => new CertificateTransferRequires(charm, ENDPOINT), read);

const v1Relation = (certificates: string[], remoteAppName: string) =>
  new Relation({
    endpoint: ENDPOINT,
    interface: INTERFACE,
    remoteAppName,
    remoteAppData: { version: "1" },
    localAppData: { certificates: JSON.stringify(certificates), version: "1" },
  });

describe("v1 provider and the relation being broken", () => {
  it("given its id, writes nothing to it and says the id matched no relation", () => {
    const ctx = providerAtBroken((lib, id) => lib.addCertificates(new Set(["c2"]), id));
    const broken = v1Relation(["c1"], "gone");
    const out = ctx.run(
      ctx.on.relationBroken(broken),
      new State({ leader: true, relations: [broken] }),
    );
    expect(bags(out, broken.id).app).toEqual(broken.localAppData);
    expect(logs(ctx)).toContainEqual(["DEBUG", NOT_FOUND]);
  });

  it.each([
    ["removeCertificate", ((lib, id) => lib.removeCertificate("c1", id)) as ProviderCall],
    ["removeAllCertificates", ((lib, id) => lib.removeAllCertificates(id)) as ProviderCall],
  ])("given its id, %s leaves it alone too", (_name, call) => {
    const ctx = providerAtBroken(call);
    const broken = v1Relation(["c1"], "gone");
    const out = ctx.run(
      ctx.on.relationBroken(broken),
      new State({ leader: true, relations: [broken] }),
    );
    expect(bags(out, broken.id).app).toEqual(broken.localAppData);
    expect(logs(ctx)).toContainEqual(["DEBUG", NOT_FOUND]);
  });

  it("without an id, updates the other relations only", () => {
    const ctx = providerAtBroken((lib) => lib.removeAllCertificates());
    const broken = v1Relation(["c1"], "gone");
    const kept = v1Relation(["c1"], "kept");
    const out = ctx.run(
      ctx.on.relationBroken(broken),
      new State({ leader: true, relations: [broken, kept] }),
    );
    expect(bags(out, broken.id).app).toEqual(broken.localAppData);
    expect(jsonSet(bags(out, kept.id).app.certificates)).toEqual(new Set());
  });

  it("without an id and nothing else related, says no relation is active", () => {
    const ctx = providerAtBroken((lib) => lib.addCertificates(new Set(["c2"])));
    const broken = v1Relation(["c1"], "gone");
    const out = ctx.run(
      ctx.on.relationBroken(broken),
      new State({ leader: true, relations: [broken] }),
    );
    expect(bags(out, broken.id).app).toEqual(broken.localAppData);
    expect(logs(ctx)).toContainEqual(["DEBUG", NONE_ACTIVE]);
  });

  it("an active relation with the same content is written (the control case)", () => {
    const ctx = providerAtBroken(() => {});
    const rel = v1Relation(["c1"], "here");
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(jsonSet(bags(out, rel.id).app.certificates)).toEqual(new Set(["c1", "c9"]));
  });
});

describe("v1 requirer and the relation being broken", () => {
  const providerApp = (certificates: string[], remoteAppName: string) =>
    new Relation({
      endpoint: ENDPOINT,
      interface: INTERFACE,
      remoteAppName,
      localAppData: { version: "1" },
      remoteAppData: { certificates: JSON.stringify(certificates) },
    });

  it("QUIRK: given its id, still reads it, and finds its remote bags empty", () => {
    const { ctx, seen } = requirerAtBroken((lib, id) => [...lib.getAllCertificates(id)].sort());
    const broken = providerApp(["c1", "c2"], "gone");
    const kept = providerApp(["c3"], "kept");
    ctx.run(ctx.on.relationBroken(broken), new State({ relations: [broken, kept] }));
    expect(seen).toEqual([[]]);
  });

  it("without an id, reads only the relations still listed", () => {
    const { ctx, seen } = requirerAtBroken((lib) => [...lib.getAllCertificates()].sort());
    const broken = providerApp(["c1"], "gone");
    const kept = providerApp(["c3"], "kept");
    ctx.run(ctx.on.relationBroken(broken), new State({ relations: [broken, kept] }));
    expect(seen).toEqual([["c3"]]);
  });

  it("by relation: the broken one (empty) only when asked for by id", () => {
    const { ctx, seen } = requirerAtBroken((lib, id) => [
      [...lib.getAllCertificatesByRelation().entries()],
      [...lib.getAllCertificatesByRelation(id).entries()],
    ]);
    const broken = providerApp(["c2", "c1"], "gone");
    const kept = providerApp(["c3"], "kept");
    ctx.run(ctx.on.relationBroken(broken), new State({ relations: [broken, kept] }));
    expect(seen).toEqual([[[[kept.id, ["c3"]]], [[broken.id, []]]]]);
  });
});

describe("v1 provider and errors that are not validation errors", () => {
  // Values Python's json module fails on with an error the library does not catch.
  const values: Record<string, string> = {
    ValueError: "9".repeat(5000), // an integer over 4300 digits
    RecursionError: `${"[".repeat(2000)}${"]".repeat(2000)}`, // nesting past the recursion limit
  };
  it.each(Object.keys(values))("%s in its own bag fails the hook, not logged away", (kind) => {
    const value = values[kind] as string;
    const ctx = providerAtBroken(() => {});
    const rel = new Relation({
      endpoint: ENDPOINT,
      interface: INTERFACE,
      remoteAppData: { version: "1" },
      localAppData: { certificates: value },
    });
    let caught: unknown;
    try {
      ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UncaughtCharmError);
    expect(((caught as UncaughtCharmError).cause as Error).name).toBe(kind);
  });

  it("the same values in a v0-layout unit bag fail the hook as well", () => {
    const ctx = providerAtBroken(() => {});
    const rel = new Relation({
      endpoint: ENDPOINT,
      interface: INTERFACE,
      localUnitData: { chain: "9".repeat(5000) },
    });
    expect(() =>
      ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] })),
    ).toThrow(UncaughtCharmError);
  });
});
