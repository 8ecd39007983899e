/**
 * The lxd campaign: its properties on hand-written scenarios, the fuzzer finding each QUIRK of
 * the faithful ports within the default budget (with a shrunk counterexample that shows it),
 * and the fixed integrator keeping every property.
 */
import { describe, expect, it } from "vitest";
import { caseSeed } from "../../src/cli.js";
import { evaluate, type FuzzCase, runCase } from "../../src/fuzz/campaign.js";
import { campaigns } from "../../src/fuzz/campaigns/index.js";
import { lxdCases, lxdRows } from "../../src/fuzz/campaigns/lxd.js";
import { type ScenarioInput, scenarioSchema } from "../../src/fuzz/operations.js";
import { findingOf } from "../../src/fuzz/report.js";

const cases = lxdCases();
const caseOf = (property: string, variant: "faithful" | "fixed"): FuzzCase => {
  const c = cases.find((x) => x.property === `lxd.${property}` && x.variant.includes(variant));
  if (!c) throw new Error(`no case lxd.${property} for ${variant}`);
  return c;
};
const charm = {
  faithful: "lxd-integrator",
  fixed: "lxd-integrator-fixed",
} as const;

/** The integrator and `app` (2 units) related and settled, then `more` steps and a settle. */
function scenario(variant: keyof typeof charm, more: ScenarioInput["steps"] = [], web = false) {
  return scenarioSchema.parse({
    seed: 4,
    steps: [
      { op: "deploy", app: "lxd", charm: charm[variant], trusted: true },
      { op: "deploy", app: "app", charm: "lxd-consumer", units: 2 },
      ...(web
        ? [{ op: "deploy", app: "web", charm: "lxd-consumer", config: { fixture_offset: 12 } }]
        : []),
      { op: "integrate", a: "lxd:api", b: "app:lxd" },
      ...(web ? [{ op: "integrate", a: "lxd:api", b: "web:lxd" }] : []),
      { op: "settle" },
      ...more,
      { op: "settle" },
    ],
  });
}
const verdict = (property: string, variant: keyof typeof charm, s: ReturnType<typeof scenario>) =>
  evaluate(caseOf(property, variant), s).message;

describe("the lxd campaign", () => {
  it("is bundled, and its matrix expects the fixed integrator to keep every property", () => {
    expect(campaigns.lxd).toBe(lxdCases);
    const fixed = lxdRows.find((r) => r.variant === "fixed");
    expect(Object.values(fixed?.expect ?? {}).every((e) => e === "hold")).toBe(true);
    for (const c of cases) {
      expect(c.expect === "quirk", c.property).toBe(c.quirk !== undefined);
      if (c.variant === "fixed integrator") expect(c.expect).toBe("hold");
    }
    expect(cases.map((c) => `${c.property} / ${c.variant}`)).toContain(
      "lxd.departed / faithful integrator",
    );
    expect(cases.some((c) => /wiring/.test(c.variant) || /never wired/.test(c.quirk ?? ""))).toBe(
      false,
    );
  });

  describe("properties on hand-written scenarios", () => {
    const removeUnit = [{ op: "remove-unit" as const, unit: "app/1" }];
    const removeRelation = [{ op: "remove-relation" as const, a: "lxd:api", b: "app:lxd" }];

    it("a removed consumer unit: the faithful port keeps trusting it, the fixed one does not", () => {
      const faithful = scenario("faithful", removeUnit);
      expect(verdict("departed", "faithful", faithful)).toMatch(
        /^app\/1 \(removed\) left, but LXD still trusts its certificate [0-9a-f]{12}$/,
      );
      expect(verdict("trust-store", "faithful", faithful)).toMatch(
        /^LXD still trusts certificate\(s\) no related unit publishes: [0-9a-f]{12} of app\/1$/,
      );
      const fixed = scenario("fixed", removeUnit);
      for (const p of ["departed", "trust-store", "listed", "no-hook-failure", "invariants"]) {
        expect(verdict(p, "fixed", fixed), p).toBeNull();
      }
    });

    it("a removed relation: its units are no longer related, so no longer trusted", () => {
      expect(verdict("departed", "faithful", scenario("faithful", removeRelation))).toMatch(
        /^app\/0 \(no longer related\) left, but LXD still trusts its certificate/,
      );
      expect(verdict("departed", "fixed", scenario("fixed", removeRelation))).toBeNull();
      expect(verdict("trust-store", "fixed", scenario("fixed", removeRelation))).toBeNull();
    });

    it("two consumer applications: the faithful port's relation-joined raises", () => {
      const s = scenario("faithful", [], true);
      expect(verdict("no-hook-failure", "faithful", s)).toMatch(
        /^lxd\/0 relation-joined \(relation \d\) failed: TooManyRelatedAppsError: /,
      );
      const fixed = scenario("fixed", [], true);
      for (const p of ["departed", "trust-store", "listed", "no-hook-failure"]) {
        expect(verdict(p, "fixed", fixed), p).toBeNull();
      }
    });

    // Found by the campaign (fixtures/scenarios/lxd-fixed-replaced-integrator.yaml): the only
    // integrator unit is replaced while the consumer's only unit leaves. The leaving unit removes
    // nothing and the new one never registered that certificate; LxdFixed now recognises the
    // certificates its application registered by their LXD name, so the new unit removes it.
    it("fixed: the integrator replaced while a consumer leaves still untrusts it", () => {
      const s = scenarioSchema.parse({
        seed: 0,
        steps: [
          { op: "deploy", app: "lxd", charm: charm.fixed, trusted: true },
          { op: "deploy", app: "app", charm: "lxd-consumer" },
          { op: "integrate", a: "lxd:api", b: "app:lxd" },
          { op: "settle" },
          { op: "add-unit", app: "lxd" },
          { op: "remove-unit", unit: "lxd/0" },
          { op: "remove-unit", unit: "app/0" },
          { op: "settle" },
        ],
      });
      expect(verdict("departed", "fixed", s)).toBeNull();
    });

    it("an impostor at the LXD endpoint: the faithful port talks to it, the fixed one refuses it", () => {
      const impostor = (variant: keyof typeof charm) => {
        const s = scenario(variant);
        return {
          ...s,
          steps: s.steps.map((step) =>
            step.op === "deploy" && step.app === "lxd"
              ? { ...step, charm: `${charm[variant]}-impostor-lxd` }
              : step,
          ),
        };
      };
      expect(verdict("server-identity", "faithful", impostor("faithful"))).toMatch(
        /yet answered 3 request\(s\) of the integrator: GET \/1\.0 200, POST \/1\.0\/certificates 201, POST \/1\.0\/certificates 201$/,
      );
      expect(verdict("server-identity", "faithful", scenario("faithful"))).toBeNull();
      const fixed = impostor("fixed");
      for (const p of ["server-identity", "no-hook-failure", "invariants"]) {
        expect(verdict(p, "fixed", fixed), p).toBeNull();
      }
    });

    it("ill-formed client_certificates: the faithful port's hook fails, the fixed one trusts nothing new", () => {
      const garbage = [
        {
          op: "write-bag" as const,
          unit: "app/1",
          endpoint: "lxd",
          scope: "unit" as const,
          data: { client_certificates: '["not a certificate"]' },
        },
      ];
      expect(verdict("ill-formed", "faithful", scenario("faithful", garbage))).toMatch(
        /^lxd\/0 relation-changed \(relation 1\) failed: InvalidPemError: /,
      );
      expect(verdict("ill-formed", "fixed", scenario("fixed", garbage))).toBeNull();
    });
  });

  describe("the fuzzer, with the default budget and seed of `charmsim fuzz`", () => {
    const quirkCases = cases.filter((c) => c.expect === "quirk");
    /** What the shrunk counterexample of each quirk case must show. */
    const shows: Record<string, { message: RegExp; step?: RegExp }> = {
      "lxd.trust-store / faithful integrator": {
        message: /^LXD (still trusts|does not trust) /,
      },
      "lxd.listed / faithful integrator": {
        message: /does not list the fingerprint of|publishes no nodes/,
      },
      "lxd.departed / faithful integrator": {
        message: /left, but LXD still trusts its certificate/,
        step: /^(remove-unit|remove-relation)$/,
      },
      "lxd.no-hook-failure / faithful integrator": {
        message: /relation-joined .*failed: TooManyRelatedAppsError/,
      },
      "lxd.ill-formed / faithful integrator": {
        message: /relation-changed .*failed: /,
        step: /^write-bag$/,
      },
      "lxd.server-identity / faithful integrator": {
        message:
          /^the LXD at https:\/\/10\.0\.8\.1:8443 presents certificate [0-9a-f]{12}, not the configured [0-9a-f]{12}, yet answered \d+ request\(s\) of the integrator: GET \/1\.0 200/,
      },
    };

    it("covers every quirk case", () => {
      expect(quirkCases.map((c) => `${c.property} / ${c.variant}`).sort()).toEqual(
        Object.keys(shows).sort(),
      );
    });

    it.each(quirkCases.map((c) => [`${c.property} / ${c.variant}`, c] as const))(
      "finds %s, shrunk to a few steps that show the quirk, and it replays",
      (name, c) => {
        const seed = caseSeed(1, `${c.campaign}/${c.property}/${c.variant}`, 0);
        const result = runCase(c, { seed, runs: 100 * (c.weight ?? 1) });
        expect(result.verdict).toBe("quirk-found");
        const cx = result.counterexample;
        const expected = shows[name];
        expect(cx?.message).toMatch(expected?.message ?? /^$/);
        if (expected?.step) {
          expect(cx?.scenario.steps.some((s) => expected.step?.test(s.op))).toBe(true);
        }
        expect(cx?.size).toBeLessThanOrEqual(8);
        // The recorded counterexample re-runs to the same verdict and trace.
        const finding = findingOf(c, result);
        const again = evaluate(
          c,
          cx?.scenario ?? scenarioSchema.parse({ steps: [{ op: "settle" }] }),
        );
        expect(again.message).toBe(cx?.message);
        expect(JSON.stringify(again.run.sim.trace.toJSON())).toBe(
          JSON.stringify(finding?.replay.trace),
        );
      },
    );

    it.each(
      cases
        .filter((c) => c.expect === "hold")
        .map((c) => [`${c.property} / ${c.variant}`, c] as const),
    )("%s holds over many runs", (_name, c) => {
      const result = runCase(c, { seed: 20261121, runs: 50 });
      expect(result.counterexample?.message ?? null).toBeNull();
      expect(result.verdict).toBe("holds");
    });
  });
});
