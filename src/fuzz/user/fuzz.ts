import type fc from "fast-check";
import { InputError } from "../../model/errors.js";
import {
  type CaseResult,
  type FuzzCase,
  invariantsHold,
  type PropertyCheck,
  runCase,
  settles,
} from "../campaign.js";
import type { ScenarioRun } from "../execute.js";
import { describeOperation, type Scenario } from "../operations.js";
import {
  BUILTIN_PROPERTIES,
  type FuzzConfig,
  type FuzzProperty,
  type ResolvedFuzzConfig,
  resolveFuzzConfig,
} from "./config.js";
import { modelScenario } from "./scenario.js";

/** The variant column of a user campaign's results: the charms as the config gives them. */
export const USER_VARIANT = "user";

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Whether the scenario ended settled (its last step, a settle, reached quiescence). */
const endedSettled = (run: ScenarioRun): boolean => {
  const last = run.steps.at(-1);
  return last?.op.op === "settle" && last.status === "ok";
};

/**
 * A step of a generated scenario that did not run: the generator only makes steps Juju accepts,
 * so this is a charmsim defect, reported rather than skipped. Steps after a settle that did not
 * finish are exempt (units may not have installed), as that settle is reported already.
 */
function refusedStep(run: ScenarioRun): string | null {
  for (const step of run.steps) {
    if (step.op.op === "settle" && step.status === "failed") return null;
    if (step.status === "skipped") {
      return `charmsim generated a step Juju refused (a charmsim defect): step ${step.index + 1} (${describeOperation(step.op)}): ${step.detail ?? ""}`;
    }
  }
  return null;
}

/** No hook or action of any charm raised. */
export const noHookRaised: PropertyCheck = (run) => {
  const failed = run.sim.trace.hooks().find((h) => !h.ok);
  if (!failed) return null;
  const what = `${failed.kind}${failed.action ? ` ${failed.action}` : ""}${failed.rel !== undefined ? ` (relation ${failed.rel})` : ""}`;
  return `${failed.unit} ${what} raised ${failed.error ?? ""}`.trimEnd();
};

/** A user property as a check: run on the settled end state; a throw is a violation. */
function userCheck(property: FuzzProperty): PropertyCheck {
  return (run, scenario) => {
    // No settled end state to check: the settle property reports that scenario.
    if (!endedSettled(run)) return null;
    let verdict: unknown;
    try {
      verdict = property({ sim: run.sim, trace: run.sim.trace, steps: run.steps, scenario });
    } catch (e) {
      return `the property threw ${errorText(e)}`;
    }
    if (verdict === null || verdict === undefined) return null;
    if (typeof verdict !== "string")
      return `the property returned ${typeof verdict}; return null when it holds, else a message`;
    return verdict === "" ? "(the property returned an empty message)" : verdict;
  };
}

const withValidSteps =
  (check: PropertyCheck): PropertyCheck =>
  (run, scenario) =>
    refusedStep(run) ?? check(run, scenario);

export interface FuzzCasesOptions {
  /**
   * Names: only these properties (as reports name them; built-ins included). Or properties by
   * name, run instead of the config's own (the built-ins still run as configured). Default: the
   * config's properties and the enabled built-ins.
   */
  readonly properties?: readonly string[] | Readonly<Record<string, FuzzProperty>>;
}

/**
 * The config's properties as fuzz cases (one per property, built-ins first), all over the same
 * scenario generator: what `fuzz` runs and `charmsim fuzz --config` reports and replays.
 */
export function fuzzCases(config: FuzzConfig, options: FuzzCasesOptions = {}): FuzzCase[] {
  const selected = options.properties;
  const resolved =
    selected === undefined || Array.isArray(selected)
      ? resolveFuzzConfig(config)
      : resolveFuzzConfig({ ...config, properties: selected as Record<string, FuzzProperty> });
  const all = casesOf(resolved, modelScenario(config));
  if (!Array.isArray(selected)) return all;
  const names = selected as readonly string[];
  const known = all.map((c) => c.property);
  const unknown = names.filter((p) => !known.includes(p));
  if (unknown.length > 0) {
    throw new InputError("fuzz options", [
      {
        path: "properties",
        message: `unknown propert${unknown.length === 1 ? "y" : "ies"} ${unknown.map((p) => `"${p}"`).join(", ")}; properties: ${known.join(", ")}`,
      },
    ]);
  }
  return all.filter((c) => names.includes(c.property));
}

function casesOf(config: ResolvedFuzzConfig, arbitrary: fc.Arbitrary<Scenario>): FuzzCase[] {
  const base = {
    campaign: config.name,
    variant: USER_VARIANT,
    expect: "hold" as const,
    arbitrary,
    catalog: config.catalog,
  };
  const cases: FuzzCase[] = [];
  if (config.builtins.invariants) {
    cases.push({
      ...base,
      property: BUILTIN_PROPERTIES.invariants,
      description: "every trace satisfies Juju's ordering invariants I1-I11",
      check: withValidSteps(invariantsHold),
    });
  }
  if (config.builtins.settles) {
    cases.push({
      ...base,
      property: BUILTIN_PROPERTIES.settles,
      description: "every settle reaches quiescence within its hook budget",
      check: withValidSteps(settles),
    });
  }
  if (config.builtins.noHookRaised) {
    cases.push({
      ...base,
      property: BUILTIN_PROPERTIES.noHookRaised,
      description: "no hook or action of any charm raised",
      check: withValidSteps(noHookRaised),
    });
  }
  for (const [name, property] of config.properties) {
    cases.push({
      ...base,
      property: name,
      description: `${config.name}: ${name}`,
      check: withValidSteps(userCheck(property)),
    });
  }
  return cases;
}

export interface FuzzOptions extends FuzzCasesOptions {
  /** Seeds fast-check (every property sees the same scenarios for one seed). */
  readonly seed: number;
  /** Scenarios per property. */
  readonly runs: number;
}

/**
 * Fuzzes the config's charms: runs each property (and the enabled built-ins) over `runs`
 * generated scenarios and returns one result per property, as the bundled campaigns do, with the
 * shrunk counterexample of any that fails.
 */
export function fuzz(config: FuzzConfig, options: FuzzOptions): CaseResult[] {
  return fuzzCases(config, options).map((c) =>
    runCase(c, { seed: options.seed, runs: options.runs }),
  );
}
