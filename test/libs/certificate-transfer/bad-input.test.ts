// Bad input: garbage in any bag never throws out of the libraries where upstream only logs;
// where upstream throws, the port throws the same kind of error with a clear message.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  v0ProviderSpec,
  v0RequirerSpec,
  v1ProviderSpec,
  v1RequirerSpec,
} from "../../../src/charms/certificate-transfer/common.js";
import { V0ProviderCharm, V0RequirerCharm } from "../../../src/charms/certificate-transfer/v0.js";
import { V1ProviderCharm, V1RequirerCharm } from "../../../src/charms/certificate-transfer/v1.js";
import {
  V1FixedProviderCharm,
  V1FixedRequirerCharm,
} from "../../../src/charms/certificate-transfer/v1-fixed.js";
import { ActionFailed, Context, UncaughtCharmError } from "../../../src/harness/context.js";
import { CharmBase, type CharmClass } from "../../../src/harness/ops/charm.js";
import { KeyError } from "../../../src/harness/ops/errors.js";
import type { Framework } from "../../../src/harness/ops/framework.js";
import { CertificateTransferProvides } from "../../../src/libs/certificate-transfer/v1.js";
import type { CharmSpecInput } from "../../../src/model/metadata.js";
import { type Databag, Relation, State } from "../../../src/model/state.js";
import { fixtureClientCerts } from "../../../src/pki/fixtures.js";

const PEM = fixtureClientCerts()[0]!.certPem;
const INVALID_PEM = "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n";
const HUGE_STRING = "A".repeat(1_000_000);
const MANY_PEMS = JSON.stringify(Array.from({ length: 2000 }, (_, i) => `${PEM}#${i}`));

const specials = [
  "NaN",
  "-Infinity",
  "[NaN]",
  "null",
  "true",
  "0",
  "-1",
  "1.5",
  "1e999",
  '"\\ud800"',
  '["\\udc00"]',
  "{}",
  "[]",
  "[[]]",
  "[1]",
  '"',
  "\\",
  "",
  " ",
  "\u0000",
  "é😀",
  PEM,
  JSON.stringify(PEM),
  INVALID_PEM,
  JSON.stringify(INVALID_PEM),
  JSON.stringify([INVALID_PEM, 1]),
  HUGE_STRING,
  JSON.stringify(HUGE_STRING),
  MANY_PEMS,
  "9".repeat(4300),
  `${"[".repeat(900)}${"]".repeat(900)}`,
];
/** Values Python cannot decode: upstream raises (uncaught) on these. */
const beyondPython = ["9".repeat(4301), `${"[".repeat(1500)}${"]".repeat(1500)}`];

const value = (extra: readonly string[] = []) =>
  fc.oneof(
    fc.string(),
    fc.string({ unit: "binary" }),
    fc.json(),
    fc.array(fc.string({ unit: "binary" }), { maxLength: 4 }).map((a) => JSON.stringify(a)),
    fc.constantFrom(...specials, ...extra),
  );
const key = fc
  .oneof(
    fc.constantFrom("certificates", "version", "ca", "certificate", "chain"),
    fc.string({ minLength: 1, maxLength: 8 }),
  )
  .filter((k) => k !== "__proto__");
const bag = (extra: readonly string[] = []): fc.Arbitrary<Databag> =>
  fc.dictionary(key, value(extra), { maxKeys: 5 });

const RUNS = { numRuns: 150, seed: 20240611 };

type Hook = (ctx: Context, rel: Relation) => ReturnType<Context["on"]["install"]>;
const requirerHooks: Record<string, Hook> = {
  "relation-changed (unit)": (ctx, rel) =>
    ctx.on.relationChanged(rel, { remoteUnit: rel.remoteUnitIds.length > 0 ? undefined : null }),
  "relation-changed (app)": (ctx, rel) => ctx.on.relationChanged(rel, { remoteUnit: null }),
  "relation-created": (ctx, rel) => ctx.on.relationCreated(rel),
  "relation-broken": (ctx, rel) => ctx.on.relationBroken(rel),
  "update-status": (ctx) => ctx.on.updateStatus(),
  "get-all-certificates": (ctx, rel) =>
    ctx.on.action("get-all-certificates", { params: { "relation-id": String(rel.id) } }),
  "is-ready": (ctx, rel) =>
    ctx.on.action("is-ready", { params: { "relation-id": String(rel.id) } }),
};

function v1RequirerNeverThrows(charm: CharmClass<CharmBase>, extra: readonly string[]): void {
  const ctx = new Context(charm, v1RequirerSpec());
  fc.assert(
    fc.property(
      fc.boolean(),
      bag(extra),
      fc.array(bag(extra), { minLength: 0, maxLength: 3 }),
      bag(extra),
      fc.constantFrom(...Object.keys(requirerHooks)),
      (leader, remoteApp, units, localApp, hook) => {
        const rel = new Relation({
          endpoint: "certificates",
          remoteAppData: remoteApp,
          remoteUnitsData: Object.fromEntries(units.map((b, i) => [i, b])),
          localAppData: localApp,
        });
        ctx.run(requirerHooks[hook]!(ctx, rel), new State({ leader, relations: [rel] }));
      },
    ),
    RUNS,
  );
}

function v1ProviderNeverThrows(charm: CharmClass<CharmBase>, extra: readonly string[]): void {
  const ctx = new Context(charm, v1ProviderSpec());
  const actions = fc.constantFrom(
    ["add-certificates", { certificates: `${PEM},${INVALID_PEM}` }],
    ["remove-certificate", { certificate: PEM }],
    ["remove-all-certificates", {}],
  );
  fc.assert(
    fc.property(
      fc.boolean(),
      bag(extra),
      bag(extra),
      bag(extra),
      actions,
      fc.boolean(),
      (leader, localApp, localUnit, remoteApp, [name, params], withId) => {
        const rel = new Relation({
          endpoint: "certificates",
          remoteAppData: remoteApp,
          localAppData: localApp,
          localUnitData: localUnit,
        });
        ctx.run(
          ctx.on.action(name, {
            params: withId ? { ...params, "relation-id": String(rel.id) } : params,
          }),
          new State({ leader, relations: [rel] }),
        );
      },
    ),
    RUNS,
  );
}

describe("garbage in any bag never throws where upstream only logs", () => {
  it("v1 requirer (faithful)", () => v1RequirerNeverThrows(V1RequirerCharm, []));
  it("v1 provider (faithful)", () => v1ProviderNeverThrows(V1ProviderCharm, []));
  it("v1 requirer (fixed), including values Python cannot decode", () =>
    v1RequirerNeverThrows(V1FixedRequirerCharm, beyondPython));
  it("v1 provider (fixed), including values Python cannot decode", () =>
    v1ProviderNeverThrows(V1FixedProviderCharm, beyondPython));

  it("v0 requirer", () => {
    const ctx = new Context(V0RequirerCharm, v0RequirerSpec());
    fc.assert(
      fc.property(bag(), bag(), fc.boolean(), (unit, remoteApp, isReady) => {
        const rel = new Relation({
          endpoint: "certificates",
          remoteAppData: remoteApp,
          remoteUnitsData: { 0: unit },
        });
        const event = isReady
          ? ctx.on.action("is-ready", { params: { "relation-id": String(rel.id) } })
          : ctx.on.relationChanged(rel, { remoteUnit: 0 });
        ctx.run(event, new State({ relations: [rel] }));
      }),
      RUNS,
    );
  });

  it("v0 provider", () => {
    const ctx = new Context(V0ProviderCharm, v0ProviderSpec());
    fc.assert(
      fc.property(bag(), fc.boolean(), (unit, set) => {
        const rel = new Relation({ endpoint: "certificates", localUnitData: unit });
        const name = set ? "set-certificate" : "remove-certificate";
        ctx.run(
          ctx.on.action(name, { params: { "relation-id": String(rel.id) } }),
          new State({ relations: [rel] }),
        );
      }),
      RUNS,
    );
  });

  it("invalid PEM text is carried as opaque text (upstream does not parse certificates)", () => {
    const p = new Context(V1ProviderCharm, v1ProviderSpec());
    const pr = new Relation({ endpoint: "certificates", remoteAppData: { version: "1" } });
    const out = p.run(
      p.on.action("add-certificates", { params: { certificates: INVALID_PEM } }),
      new State({ leader: true, relations: [pr] }),
    );
    const r = new Context(V1RequirerCharm, v1RequirerSpec());
    const rel = new Relation({
      endpoint: "certificates",
      remoteAppData:
        out.getRelation(pr.id)!.kind === "regular"
          ? (out.getRelation(pr.id) as Relation).localAppData
          : {},
    });
    r.run(r.on.action("get-all-certificates"), new State({ relations: [rel] }));
    expect(r.actionResults).toEqual({ certificates: [INVALID_PEM] });
  });
});

describe("where upstream throws, the port throws the same kind of error", () => {
  const catchRun = (run: () => unknown): UncaughtCharmError => {
    try {
      run();
    } catch (error) {
      if (error instanceof UncaughtCharmError) return error;
      throw error;
    }
    throw new Error("expected the hook to fail");
  };

  it("v0 isReady on a relation without remote units: KeyError", () => {
    const ctx = new Context(V0RequirerCharm, v0RequirerSpec());
    const rel = new Relation({ endpoint: "certificates", remoteUnitsData: {} });
    const error = catchRun(() =>
      ctx.run(
        ctx.on.action("is-ready", { params: { "relation-id": String(rel.id) } }),
        new State({ relations: [rel] }),
      ),
    );
    expect(error.cause).toBeInstanceOf(KeyError);
    expect(error.message).toMatch(/has no remote unit to read \(pop from an empty set\)/);
  });

  it("v1 requirer isReady / getAllCertificates on an unknown relation: KeyError", () => {
    const ctx = new Context(V1RequirerCharm, v1RequirerSpec());
    for (const name of ["is-ready", "get-all-certificates"]) {
      const error = catchRun(() =>
        ctx.run(ctx.on.action(name, { params: { "relation-id": "999" } }), new State()),
      );
      expect(error.cause).toBeInstanceOf(KeyError);
      expect(error.message).toContain("has no databag for null");
    }
    const fixed = new Context(V1FixedRequirerCharm, v1RequirerSpec());
    fixed.run(fixed.on.action("is-ready", { params: { "relation-id": "999" } }), new State());
    expect(fixed.actionResults).toEqual({ "is-ready": false });
  });

  it("v1 addCertificates given a string instead of a set: TypeError", () => {
    const spec: CharmSpecInput = {
      meta: { name: "p", provides: { certificates: { interface: "certificate_transfer" } } },
    };
    class Probe extends CharmBase {
      constructor(framework: Framework) {
        super(framework);
        const lib = new CertificateTransferProvides(this, "certificates");
        framework.observe(this.on.install, () =>
          lib.addCertificates(PEM as unknown as ReadonlySet<string>),
        );
      }
    }
    const ctx = new Context(Probe, spec);
    const error = catchRun(() => ctx.run(ctx.on.install(), new State({ leader: true })));
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.message).toContain("addCertificates takes a Set of PEM strings, got a string");
  });

  it("a bad relation-id action parameter fails the action, not the library", () => {
    const ctx = new Context(V1ProviderCharm, v1ProviderSpec());
    expect(() =>
      ctx.run(
        ctx.on.action("remove-all-certificates", { params: { "relation-id": "abc" } }),
        new State({ leader: true }),
      ),
    ).toThrow(ActionFailed);
  });
});
