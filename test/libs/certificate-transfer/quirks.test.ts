// Each QUIRK of the spec: the faithful v1 port has it, the fixed variant does not.
import { describe, expect, it } from "vitest";
import { v1ProviderSpec, v1RequirerSpec } from "../../../src/charms/certificate-transfer/common.js";
import {
  makeV1ProviderCharm,
  makeV1RequirerCharm,
  type V1RequirerCharm,
} from "../../../src/charms/certificate-transfer/v1.js";
import {
  makeV1FixedProviderCharm,
  makeV1FixedRequirerCharm,
} from "../../../src/charms/certificate-transfer/v1-fixed.js";
import { Context, UncaughtCharmError } from "../../../src/harness/context.js";
import type { CharmClass } from "../../../src/harness/ops/charm.js";
import { KeyError } from "../../../src/harness/ops/errors.js";
import type { Framework } from "../../../src/harness/ops/framework.js";
import { pyJsonDumps } from "../../../src/libs/certificate-transfer/python.js";
import type { CertificatesAvailableEvent } from "../../../src/libs/certificate-transfer/v1.js";
import { type Databag, DEFAULT_JUJU_DATABAG, Relation, State } from "../../../src/model/state.js";
import { fixtureClientCerts } from "../../../src/pki/fixtures.js";
import { bags, jsonSet, logs } from "./helpers.js";

const PEMS = fixtureClientCerts()
  .slice(0, 6)
  .map((c) => c.certPem);
const [PEM0, PEM1] = [PEMS[0]!, PEMS[1]!];
const sorted = (xs: Iterable<string>) => [...xs].sort();

const faithful = {
  Provider: makeV1ProviderCharm(),
  Requirer: makeV1RequirerCharm(),
};
const fixed = {
  Provider: makeV1FixedProviderCharm(),
  Requirer: makeV1FixedRequirerCharm(),
};
type Variant = typeof faithful;

const providerCtx = (v: Variant, seed = 0) =>
  new Context(v.Provider, { ...v1ProviderSpec(), seed });
const requirerCtx = (Requirer: CharmClass<V1RequirerCharm>) =>
  new Context(Requirer, v1RequirerSpec());

const v0Bag = (list: readonly string[]): Databag => ({
  ca: JSON.stringify(list[0]),
  certificate: JSON.stringify(list[0]),
  chain: JSON.stringify(list),
  version: "0",
});

const providerRelation = (init: Partial<ConstructorParameters<typeof Relation>[0]> = {}) =>
  new Relation({ endpoint: "certificates", interface: "certificate_transfer", ...init });

/** What a requirer unit sees of a provider unit's output: its app bag and its unit bag as unit 0. */
function requirerRelationFrom(providerOut: State, providerRelationId: number): Relation {
  const b = bags(providerOut, providerRelationId);
  return new Relation({
    endpoint: "certificates",
    interface: "certificate_transfer",
    localAppData: { version: "1" },
    remoteAppData: b.app,
    remoteUnitsData: { 0: b.unit },
  });
}

/** The certificates a requirer built on `Requirer` reports for that relation (update-status). */
function requirerSees(Requirer: CharmClass<V1RequirerCharm>, rel: Relation): Set<string> {
  const ctx = requirerCtx(Requirer);
  ctx.run(ctx.on.action("get-all-certificates"), new State({ relations: [rel] }));
  return new Set(ctx.actionResults?.certificates as string[]);
}

const action = (ctx: Context, name: string, params: Record<string, string> = {}) =>
  ctx.on.action(name, { params });

describe("QUIRK: the non-leader warning says 'add' for every mutator", () => {
  it.each([
    ["remove-certificate", { certificate: "x" }, "remove certificates from"],
    ["remove-all-certificates", {}, "remove all certificates from"],
  ] as const)("%s", (name, params, fixedText) => {
    const rel = providerRelation({ remoteAppData: { version: "1" } });
    const state = new State({ leader: false, relations: [rel] });
    const f = providerCtx(faithful);
    const out = f.run(action(f, name, params), state);
    expect(logs(f)).toContainEqual([
      "WARNING",
      "Only the leader unit can add certificates to this relation",
    ]);
    expect(bags(out, rel.id)).toEqual({ app: {}, unit: DEFAULT_JUJU_DATABAG });
    const x = providerCtx(fixed);
    x.run(action(x, name, params), state);
    expect(logs(x)).toContainEqual([
      "WARNING",
      `Only the leader unit can ${fixedText} this relation`,
    ]);
  });
});

describe("QUIRK: in v0 mode an empty set writes nothing", () => {
  it.each([
    ["remove-certificate", { certificate: PEM0 }],
    ["remove-all-certificates", {}],
  ] as const)(
    "%s leaves the last certificate in the unit bag (faithful) / clears it (fixed)",
    (name, params) => {
      const rel = providerRelation({
        remoteAppData: { version: "0" },
        localUnitData: v0Bag([PEM0]),
      });
      const state = new State({ leader: true, relations: [rel] });

      const f = providerCtx(faithful);
      const outF = f.run(action(f, name, params), state);
      expect(bags(outF, rel.id).unit).toEqual(v0Bag([PEM0]));
      expect(requirerSees(faithful.Requirer, requirerRelationFrom(outF, rel.id))).toEqual(
        new Set([PEM0]),
      );

      const x = providerCtx(fixed);
      const outX = x.run(action(x, name, params), state);
      expect(bags(outX, rel.id).unit).toEqual({});
      expect(requirerSees(fixed.Requirer, requirerRelationFrom(outX, rel.id))).toEqual(new Set());
    },
  );
});

describe("QUIRK: a layout switch drops the certificates of the other layout", () => {
  /** Provider adds PEM0 before the requirer's version arrives, then PEM1, then removes all. */
  function scenario(v: Variant) {
    const ctx = providerCtx(v);
    const rel0 = providerRelation();
    const s1 = ctx.run(
      action(ctx, "add-certificates", { certificates: PEM0 }),
      new State({ leader: true, relations: [rel0] }),
    );
    const afterV0 = bags(s1, rel0.id);
    const rel1 = s1.getRelation(rel0.id) as Relation;
    const s2 = ctx.run(
      action(ctx, "add-certificates", { certificates: PEM1 }),
      s1.with({ relations: [rel1.with({ remoteAppData: { version: "1" } })] }),
    );
    const s3 = ctx.run(action(ctx, "remove-all-certificates"), s2);
    return { id: rel0.id, afterV0, s2, s3 };
  }

  it("faithful: PEM0 is lost from the v1 list, then resurrected by the fallback after remove-all", () => {
    const { id, afterV0, s2, s3 } = scenario(faithful);
    expect(jsonSet(afterV0.unit.chain)).toEqual(new Set([PEM0]));
    expect(jsonSet(bags(s2, id).app.certificates)).toEqual(new Set([PEM1]));
    expect(bags(s2, id).unit).toEqual(afterV0.unit);
    expect(requirerSees(faithful.Requirer, requirerRelationFrom(s2, id))).toEqual(new Set([PEM1]));
    expect(jsonSet(bags(s3, id).app.certificates)).toEqual(new Set());
    expect(requirerSees(faithful.Requirer, requirerRelationFrom(s3, id))).toEqual(new Set([PEM0]));
  });

  it("fixed: PEM0 is carried into the v1 list, the v0 layout is cleared, remove-all empties", () => {
    const { id, s2, s3 } = scenario(fixed);
    expect(jsonSet(bags(s2, id).app.certificates)).toEqual(new Set([PEM0, PEM1]));
    expect(bags(s2, id).unit).toEqual({});
    expect(requirerSees(fixed.Requirer, requirerRelationFrom(s2, id))).toEqual(
      new Set([PEM0, PEM1]),
    );
    expect(requirerSees(fixed.Requirer, requirerRelationFrom(s3, id))).toEqual(new Set());
  });
});

describe("QUIRK: unstable list order (per-hook Python set order)", () => {
  const addAll = (v: Variant, version: string | undefined, runs: number) => {
    const ctx = providerCtx(v, 42);
    const rel = providerRelation(version ? { remoteAppData: { version } } : {});
    const state = new State({ leader: true, relations: [rel] });
    return Array.from({ length: runs }, () =>
      bags(
        ctx.run(action(ctx, "add-certificates", { certificates: PEMS.join(",") }), state),
        rel.id,
      ),
    );
  };

  it("faithful: the same set is written in different orders by different hooks", () => {
    const written = addAll(faithful, "1", 8).map((b) => b.app.certificates);
    expect(new Set(written).size).toBeGreaterThan(1);
    for (const w of written) expect(jsonSet(w)).toEqual(new Set(PEMS));
  });

  it("faithful v0 mode: which certificate becomes ca changes between hooks", () => {
    const cas = addAll(faithful, undefined, 8).map((b) => b.unit.ca);
    expect(new Set(cas).size).toBeGreaterThan(1);
  });

  it("faithful with stableOrder, and fixed: always the sorted list", () => {
    const stable = makeV1ProviderCharm({ stableOrder: true });
    const runs = [
      ...addAll({ ...faithful, Provider: stable }, "1", 4),
      ...addAll(fixed, "1", 4),
    ].map((b) => b.app.certificates);
    expect(new Set(runs)).toEqual(new Set([pyJsonDumps(sorted(PEMS))]));
  });

  it("faithful: re-adding the same set rewrites the bag (a spurious relation-changed); fixed does not", () => {
    const rewrites = (v: Variant) => {
      const ctx = providerCtx(v, 7);
      const rel = providerRelation({ remoteAppData: { version: "1" } });
      let state = new State({ leader: true, relations: [rel] });
      let changes = 0;
      for (let i = 0; i < 6; i++) {
        const next = ctx.run(
          action(ctx, "add-certificates", { certificates: PEMS.join(",") }),
          state,
        );
        if (i > 0 && bags(next, rel.id).app.certificates !== bags(state, rel.id).app.certificates) {
          changes += 1;
        }
        state = next;
      }
      return changes;
    };
    expect(rewrites(faithful)).toBeGreaterThan(0);
    expect(rewrites(fixed)).toBe(0);
  });
});

describe("QUIRK: the requirer reads ONE provider unit and pops it from relation.units", () => {
  /** Requirer whose certificate_set_updated handler reads again and looks at relation.units. */
  function probe(Requirer: CharmClass<V1RequirerCharm>) {
    const seen: { first: Set<string>; second: Set<string>; units: number }[] = [];
    class Probe extends Requirer {
      constructor(framework: Framework) {
        super(framework);
        framework.observe(
          this.certificateTransfer.on.certificateSetUpdated,
          (e: CertificatesAvailableEvent) => {
            const relation = this.model.getRelation("certificates", e.relationId)!;
            seen.push({
              first: e.certificates,
              second: this.certificateTransfer.getAllCertificates(e.relationId),
              units: relation.units.size,
            });
          },
        );
      }
    }
    return { Probe, seen };
  }

  const run = (Requirer: CharmClass<V1RequirerCharm>, units: Record<number, Databag>) => {
    const { Probe, seen } = probe(Requirer);
    const ctx = requirerCtx(Probe);
    const rel = new Relation({
      endpoint: "certificates",
      localAppData: { version: "1" },
      remoteUnitsData: units,
    });
    ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), new State({ relations: [rel] }));
    return { seen: seen[0]!, ctx };
  };

  it("faithful: a second read in the same hook returns nothing and relation.units shrank", () => {
    const { seen } = run(faithful.Requirer, { 0: v0Bag([PEM0]) });
    expect(seen).toEqual({ first: new Set([PEM0]), second: new Set(), units: 0 });
  });

  it("fixed: the second read sees the same and relation.units is intact", () => {
    const { seen } = run(fixed.Requirer, { 0: v0Bag([PEM0]) });
    expect(seen).toEqual({ first: new Set([PEM0]), second: new Set([PEM0]), units: 1 });
  });

  it("faithful: with several provider units only the first is read (here a non-leader's empty bag)", () => {
    const { seen, ctx } = run(faithful.Requirer, { 0: {}, 1: v0Bag([PEM0]) });
    expect(seen.first).toEqual(new Set());
    expect(
      logs(ctx).some(([level, m]) => level === "ERROR" && m.includes("failed to validate")),
    ).toBe(true);
    const { seen: fixedSeen } = run(fixed.Requirer, { 0: {}, 1: v0Bag([PEM0]) });
    expect(fixedSeen.first).toEqual(new Set([PEM0]));
  });
});

describe("QUIRK: getAllCertificates(unknown id) throws on the requirer; the provider checks active", () => {
  const rel = () => new Relation({ endpoint: "certificates", localAppData: { version: "1" } });

  it("faithful requirer: KeyError (the placeholder relation has no remote application)", () => {
    const r = rel();
    const ctx = requirerCtx(faithful.Requirer);
    let caught: unknown;
    try {
      ctx.run(
        ctx.on.action("get-all-certificates", { params: { "relation-id": String(r.id + 50) } }),
        new State({ relations: [r] }),
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UncaughtCharmError);
    expect((caught as UncaughtCharmError).cause).toBeInstanceOf(KeyError);
  });

  it("fixed requirer: empty result; provider (both): a debug line", () => {
    const r = rel();
    const ctx = requirerCtx(fixed.Requirer);
    ctx.run(
      ctx.on.action("get-all-certificates", { params: { "relation-id": String(r.id + 50) } }),
      new State({ relations: [r] }),
    );
    expect(ctx.actionResults).toEqual({ certificates: [] });
    const p = providerCtx(faithful);
    const pr = providerRelation();
    p.run(
      action(p, "add-certificates", { certificates: PEM0, "relation-id": String(pr.id + 50) }),
      new State({ leader: true, relations: [pr] }),
    );
    expect(logs(p)).toContainEqual([
      "DEBUG",
      "At least 1 matching relation ID not found with the relation name 'certificates'",
    ]);
  });
});

describe("QUIRK: v0-library data (raw PEM) does not load in the v1 requirer", () => {
  const rawV0 = { certificate: PEM0, ca: PEM1, chain: JSON.stringify([PEM0]), version: "0" };

  it("faithful: the event carries no certificates and an error is logged", () => {
    const ctx = requirerCtx(faithful.Requirer);
    const rel = new Relation({ endpoint: "certificates", remoteUnitsData: { 0: rawV0 } });
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect((ctx.emittedEvents[1] as CertificatesAvailableEvent).certificates).toEqual(new Set());
    expect(
      logs(ctx).some(
        ([level, m]) =>
          level === "ERROR" && m.includes("invalid databag contents: expecting json."),
      ),
    ).toBe(true);
  });

  it("fixed: chain and ca are read as raw PEM", () => {
    const ctx = requirerCtx(fixed.Requirer);
    const rel = new Relation({ endpoint: "certificates", remoteUnitsData: { 0: rawV0 } });
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect((ctx.emittedEvents[1] as CertificatesAvailableEvent).certificates).toEqual(
      new Set([PEM0, PEM1]),
    );
  });
});

describe("QUIRK: version is only advertised at relation-created", () => {
  it.each(["leaderElected", "upgradeCharm"] as const)(
    "%s: faithful writes nothing, fixed advertises version 1",
    (hook) => {
      const rel = new Relation({ endpoint: "certificates" });
      const state = new State({ leader: true, relations: [rel] });
      const f = requirerCtx(faithful.Requirer);
      expect(bags(f.run(f.on[hook](), state), rel.id).app).toEqual({});
      const x = requirerCtx(fixed.Requirer);
      expect(bags(x.run(x.on[hook](), state), rel.id).app).toEqual({ version: "1" });
    },
  );
});

describe("databag values Python cannot decode", () => {
  const huge = "9".repeat(5000);
  const deep = `${"[".repeat(2000)}${"]".repeat(2000)}`;

  it.each([
    ["an integer over 4300 digits", huge, "ValueError"],
    ["nesting past the recursion limit", deep, "RecursionError"],
  ])(
    "%s: faithful fails the hook (%s upstream), fixed logs and reads nothing",
    (_, value, kind) => {
      const rel = new Relation({
        endpoint: "certificates",
        remoteAppData: { certificates: value },
      });
      const f = requirerCtx(faithful.Requirer);
      let caught: unknown;
      try {
        f.run(f.on.relationChanged(rel), new State({ relations: [rel] }));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UncaughtCharmError);
      expect(((caught as UncaughtCharmError).cause as Error).name).toBe(kind);
      expect((caught as Error).message).toContain(kind);

      const x = requirerCtx(fixed.Requirer);
      x.run(x.on.relationChanged(rel), new State({ relations: [rel] }));
      expect((x.emittedEvents[1] as CertificatesAvailableEvent).certificates).toEqual(new Set());
      expect(logs(x).some(([level]) => level === "ERROR")).toBe(true);
    },
  );
});
