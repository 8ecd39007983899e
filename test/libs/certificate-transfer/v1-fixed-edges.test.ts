/**
 * The fixed v1 variant at its edges, on hand-built States: what each of its changes (see the
 * module comment of src/libs/certificate-transfer/v1-fixed.ts) does with bags the faithful port
 * would mishandle.
 */
import { describe, expect, it } from "vitest";
import {
  CertificateTransferProvides,
  CertificateTransferRequires,
} from "../../../src/libs/certificate-transfer/v1-fixed.js";
import { Relation, State } from "../../../src/model/state.js";
import { bags, logs, type Probe, probeCharm } from "./helpers.js";

const ENDPOINT = "certificates";
const INTERFACE = "certificate_transfer";

/** A provider charm that runs `probe` at update-status; `seen` collects what it returns. */
const provider = (probe: Probe<CertificateTransferProvides>) =>
  probeCharm("provider", (charm) => new CertificateTransferProvides(charm, ENDPOINT), probe);

/** A requirer charm that runs `probe` at update-status; `seen` collects what it returns. */
const requirer = (probe: Probe<CertificateTransferRequires>) =>
  probeCharm("requirer", (charm) => new CertificateTransferRequires(charm, ENDPOINT), probe);

const relation = (init: Partial<ConstructorParameters<typeof Relation>[0]> = {}) =>
  new Relation({ endpoint: ENDPOINT, interface: INTERFACE, ...init });

const sortedOf = (s: unknown) => [...(s as Set<string>)].sort();

describe("fixed v1 requirer reading relations", () => {
  it("an id it does not know gives nothing instead of throwing; a known id and no id read the relation", () => {
    const { ctx, seen } = requirer((lib) => [
      sortedOf(lib.getAllCertificates(99)),
      sortedOf(lib.getAllCertificates(1)),
      sortedOf(lib.getAllCertificates()),
      [...lib.getAllCertificatesByRelation(99).keys()],
    ]);
    const rel = relation({ id: 1, remoteAppData: { certificates: '["c1"]', version: "1" } });
    ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(seen).toEqual([[[], ["c1"], ["c1"], []]]);
  });

  it("an application bag that lists no certificates is authoritative: old v0 unit data is not read", () => {
    const { ctx, seen } = requirer((lib) => sortedOf(lib.getAllCertificates()));
    const rel = relation({
      remoteAppData: { certificates: "[]", version: "1" },
      remoteUnitsData: { 0: { chain: '["old"]', ca: "old", certificate: "old", version: "0" } },
    });
    ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(seen).toEqual([[]]);
  });

  it("with no application data, every provider unit's v0 data is read: raw PEM ca included", () => {
    const { ctx, seen } = requirer((lib) => sortedOf(lib.getAllCertificates()));
    const rel = relation({
      remoteUnitsData: {
        0: { ca: "raw-ca", certificate: "raw-ca", chain: '["c0"]', version: "0" },
        1: { chain: '["c1"]' },
        2: { version: "0" },
      },
    });
    ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(seen).toEqual([["c0", "c1", "raw-ca"]]);
    // A unit with none of the v0 keys is skipped without a warning.
    expect(logs(ctx).filter(([level]) => level === "WARNING")).toEqual([]);
  });
});

describe("fixed v1 provider", () => {
  it("carries certificates of its v0 unit bag into the v1 layout and clears the v0 keys", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c2"])));
    const rel = relation({
      remoteAppData: { version: "1" },
      localUnitData: { ca: '"c1"', certificate: '"c1"', chain: '["c1"]', version: "0" },
    });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({ certificates: '["c1", "c2"]', version: "1" });
    expect(Object.keys(bags(out, rel.id).unit).filter((k) => !k.includes("-"))).toEqual([]);
  });
});
