/**
 * The fixed v1 variant at its edges, on hand-built States: what each of its changes (see the
 * module comment of src/libs/certificate-transfer/v1-fixed.ts) does with bags the faithful port
 * would mishandle.
 */
import { describe, expect, it } from "vitest";
import { UncaughtCharmError } from "../../../src/harness/context.js";
import type { DatabagModel } from "../../../src/libs/certificate-transfer/databag.js";
import {
  CertificateTransferProvides,
  CertificateTransferRequires,
} from "../../../src/libs/certificate-transfer/v1-fixed.js";
import { Relation, State } from "../../../src/model/state.js";
import { bags, logs, type Probe, parseErrorLine, probeAtBroken, probeCharm } from "./helpers.js";

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

/** What a JavaScript caller passes for Python's None. */
const NONE = null as unknown as undefined;

/** The error a run failed with: the charm's own error inside UncaughtCharmError. */
function hookError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UncaughtCharmError);
    return (error as UncaughtCharmError).cause;
  }
  return undefined;
}

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

describe("fixed v1 provider, reading its own bags", () => {
  it("v0 data without a `version` key is still the v0 layout: its chain is carried over", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c2"])));
    const rel = relation({
      remoteAppData: { version: "1" },
      localUnitData: { ca: '"c1"', certificate: '"c1"', chain: '["c1"]' },
    });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({ certificates: '["c1", "c2"]', version: "1" });
  });

  it("v0 data without a chain carries nothing: the set is the chain, not ca/certificate", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c2"])));
    const rel = relation({
      remoteAppData: { version: "1" },
      localUnitData: { ca: '"c1"', certificate: '"c1"', version: "0" },
    });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({ certificates: '["c2"]', version: "1" });
  });

  it("a unit bag without any v0 key is not loaded: no validation failure is logged", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c1"])));
    const rel = relation({ remoteAppData: { version: "1" } });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({ certificates: '["c1"]', version: "1" });
    expect(logs(ctx).filter(([level]) => level === "ERROR" || level === "DEBUG")).toEqual([]);
  });
});

describe("fixed v1 provider, writing", () => {
  it("a non-leader's addCertificates warning names adding", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c1"])));
    const rel = relation({ remoteAppData: { version: "1" } });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: false, relations: [rel] }));
    expect(logs(ctx)).toEqual([
      ["WARNING", "Only the leader unit can add certificates to this relation"],
    ]);
    expect(bags(out, rel.id).app).toEqual({});
  });

  it("the v1 layout replaces the whole application bag, foreign keys included", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c2"])));
    const rel = relation({
      remoteAppData: { version: "1" },
      localAppData: { certificates: '["c1"]', stale: "x" },
    });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({ certificates: '["c1", "c2"]', version: "1" });
  });

  it("in v0 mode the set goes to the unit bag and, in the v1 layout, to a cleared application bag", () => {
    const { ctx } = provider((lib) => lib.addCertificates(new Set(["c2", "c1"])));
    const rel = relation({ localAppData: { stale: "x" } });
    const out = ctx.run(ctx.on.updateStatus(), new State({ leader: true, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({ certificates: '["c1", "c2"]', version: "1" });
    // Written clearing the unit bag first, as upstream's dump does (Juju's own keys included).
    expect(bags(out, rel.id).unit).toEqual({
      ca: '"c1"',
      certificate: '"c1"',
      chain: '["c1", "c2"]',
      version: "0",
    });
  });
});

/** A load that fails the way no databag content can: a defect, not invalid data. */
class LoadDefect extends TypeError {}

describe("fixed v1 errors that are not invalid data fail the hook (upstream catches only DataValidationError)", () => {
  it("in the provider's read of its bags", () => {
    class DefectiveProvides extends CertificateTransferProvides {
      protected override load<T>(_model: DatabagModel<T>): T {
        throw new LoadDefect("load defect");
      }
    }
    const { ctx } = probeCharm(
      "provider",
      (charm) => new DefectiveProvides(charm, ENDPOINT),
      (lib) => lib.addCertificates(new Set(["c1"])),
    );
    const rel = relation({ remoteAppData: { version: "1" } });
    const state = new State({ leader: true, relations: [rel] });
    expect(hookError(() => ctx.run(ctx.on.updateStatus(), state))).toBeInstanceOf(LoadDefect);
  });

  it("in the requirer's read of the provider application bag", () => {
    class DefectiveRequires extends CertificateTransferRequires {
      protected override load<T>(_model: DatabagModel<T>): T {
        throw new LoadDefect("load defect");
      }
    }
    const { ctx } = probeCharm(
      "requirer",
      (charm) => new DefectiveRequires(charm, ENDPOINT),
      (lib) => lib.getAllCertificates(),
    );
    const rel = relation({ remoteAppData: { certificates: '["c1"]' } });
    const state = new State({ leader: true, relations: [rel] });
    expect(hookError(() => ctx.run(ctx.on.updateStatus(), state))).toBeInstanceOf(LoadDefect);
  });
});

describe("fixed v1 requirer advertising its version", () => {
  it("on a non-leader, upgrade-charm neither reads nor writes the application bag", () => {
    const { ctx } = requirer(() => undefined);
    const rel = relation();
    const out = ctx.run(ctx.on.upgradeCharm(), new State({ leader: false, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({});
  });

  it("the leader rewrites only `version`: the rest of its application bag stays", () => {
    const { ctx } = requirer(() => undefined);
    const rel = relation({ localAppData: { version: "0", other: "kept" } });
    const out = ctx.run(ctx.on.leaderElected(), new State({ leader: true, relations: [rel] }));
    expect(bags(out, rel.id).app).toEqual({ version: "1", other: "kept" });
  });
});

describe("fixed v1 requirer selecting relations", () => {
  it("a relation id of null (Python's None) reads every active relation, as no id does", () => {
    const { ctx, seen } = requirer((lib) => [
      sortedOf(lib.getAllCertificates(NONE)),
      sortedOf(lib.getAllCertificates()),
      [...lib.getAllCertificatesByRelation(NONE).keys()].length,
    ]);
    const a = relation({ remoteAppName: "a", remoteAppData: { certificates: '["c1"]' } });
    const b = relation({ remoteAppName: "b", remoteAppData: { certificates: '["c2"]' } });
    ctx.run(ctx.on.updateStatus(), new State({ relations: [a, b] }));
    expect(seen).toEqual([[["c1", "c2"], ["c1", "c2"], 2]]);
  });

  it("the relation being broken, asked for by id, is not active: nothing is read from it", () => {
    const { ctx, seen } = probeAtBroken(
      "requirer",
      (charm) => new CertificateTransferRequires(charm, ENDPOINT),
      (lib, brokenId) => [
        [...lib.getAllCertificatesByRelation(brokenId).entries()],
        [...lib.getAllCertificatesByRelation().entries()],
      ],
    );
    const broken = relation({ remoteAppName: "gone", remoteAppData: { certificates: '["c1"]' } });
    const kept = relation({ remoteAppName: "kept", remoteAppData: { certificates: '["c3"]' } });
    ctx.run(ctx.on.relationBroken(broken), new State({ relations: [broken, kept] }));
    expect(seen).toEqual([[[], [[kept.id, ["c3"]]]]]);
  });

  it("isReady: true for valid provider data and for an empty bag, false for invalid data", () => {
    const { ctx, seen } = requirer((lib, charm) =>
      charm.model.relations(ENDPOINT).map((r) => [r.app?.name, lib.isReady(r)]),
    );
    const valid = relation({ remoteAppName: "valid", remoteAppData: { certificates: '["c1"]' } });
    const empty = relation({ remoteAppName: "empty" });
    const invalid = relation({ remoteAppName: "invalid", remoteAppData: { certificates: "[1" } });
    ctx.run(ctx.on.updateStatus(), new State({ relations: [valid, empty, invalid] }));
    expect(seen).toEqual([
      [
        ["valid", true],
        ["empty", true],
        ["invalid", false],
      ],
    ]);
  });
});

describe("fixed v1 requirer reading provider units (v0 layout)", () => {
  it("a corrupt application bag is logged as upstream logs it, then the unit bags are read", () => {
    const { ctx, seen } = requirer((lib) => sortedOf(lib.getAllCertificates()));
    const rel = relation({
      remoteAppData: { certificates: "not json" },
      remoteUnitsData: { 0: { ca: '"c0"', certificate: '"c0"', chain: '["c0"]' } },
    });
    ctx.run(ctx.on.updateStatus(), new State({ relations: [rel] }));
    expect(seen).toEqual([["c0"]]);
    const message = "invalid databag contents: expecting json. {'certificates': 'not json'}";
    expect(logs(ctx)).toEqual([
      ["ERROR", message],
      ["ERROR", parseErrorLine(`("${message}",)`)],
    ]);
  });

  it("units that wrote no chain: their ca is read, whichever of ca/certificate they wrote", () => {
    const { ctx, seen } = requirer((lib) => sortedOf(lib.getAllCertificates()));
    const rel = relation({
      remoteUnitsData: {
        0: { ca: "ca0", certificate: "cert0", version: "0" },
        1: { ca: "ca1" },
        2: { certificate: "cert2" },
      },
    });
    ctx.run(ctx.on.updateStatus(), new State({ relations: [rel] }));
    expect(seen).toEqual([["ca0", "ca1"]]);
    expect(logs(ctx).filter(([level]) => level === "WARNING")).toEqual([]);
  });

  it("a unit whose only v0 key is an ill-typed `certificate` is ignored with a warning", () => {
    const { ctx, seen } = requirer((lib) => sortedOf(lib.getAllCertificates()));
    const rel = relation({ remoteUnitsData: { 0: { certificate: "42" } } });
    ctx.run(ctx.on.updateStatus(), new State({ relations: [rel] }));
    expect(seen).toEqual([[]]);
    expect(logs(ctx)).toEqual([
      [
        "WARNING",
        "Ignoring provider unit remote/0 data that is not in the v0 layout: {'certificate': '42'}",
      ],
    ]);
  });
});
