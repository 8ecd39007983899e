import fc from "fast-check";
import { checkInvariants, formatViolations } from "../harness/invariants.js";
import type { CharmCatalog } from "./catalog.js";
import { type RunOptions, runScenario, type ScenarioRun } from "./execute.js";
import type { Scenario } from "./operations.js";

/**
 * Where a case's code and its QUIRKs are described, as paths from the package root: the files of
 * the variant under test, and the files whose doc comments describe the QUIRKs it may show.
 */
export interface CaseSources {
  readonly variant: readonly string[];
  readonly quirks?: readonly string[];
}

/** What a property says about a run: null when it holds, else why not. */
export type PropertyCheck = (run: ScenarioRun, scenario: Scenario) => string | null;

/**
 * One property checked against one library variant. `expect: "hold"` means a counterexample is
 * a failure of charmsim's users' code or of a fixed variant; `expect: "quirk"` means upstream is
 * known to break it (spec/ QUIRK), so a counterexample is a finding, not a failure.
 */
export interface FuzzCase {
  readonly campaign: string;
  readonly property: string;
  readonly description: string;
  readonly variant: string;
  readonly expect: "hold" | "quirk";
  /** The QUIRK (spec/) a counterexample shows, when expect = quirk. */
  readonly quirk?: string;
  readonly arbitrary: fc.Arbitrary<Scenario>;
  /** The property; or `oracle`, when checking needs to watch the steps as they run. */
  readonly check?: PropertyCheck;
  readonly oracle?: () => Oracle;
  readonly catalog: CharmCatalog;
  /** Run count relative to the campaign budget (default 1). */
  readonly weight?: number;
  /**
   * The time one run takes, relative to a certificate-transfer run (default 1), as measured on
   * this project's machine: the worker pool starts the costliest cases first, so that no long
   * case is left to run alone at the end. It changes no result.
   */
  readonly cost?: number;
  /** The variant's source files and its QUIRKs' descriptions, for reports. */
  readonly sources?: CaseSources;
}

export type CaseVerdict = "holds" | "fails" | "quirk-found" | "quirk-not-found";

export interface CaseResult {
  readonly campaign: string;
  readonly property: string;
  readonly variant: string;
  readonly expect: "hold" | "quirk";
  readonly quirk?: string;
  readonly runs: number;
  readonly seed: number;
  readonly verdict: CaseVerdict;
  readonly sources?: CaseSources;
  /** The shrunk counterexample, when one was found. */
  readonly counterexample?: {
    readonly scenario: Scenario;
    readonly path: string;
    readonly message: string;
    readonly size: number;
  };
}

/** A property that watches steps as they run (e.g. to know what a provider was asked to serve). */
export interface Oracle {
  readonly beforeStep?: RunOptions["beforeStep"];
  readonly afterStep?: RunOptions["afterStep"];
  readonly check: PropertyCheck;
}

class PropertyViolation extends Error {
  override name = "PropertyViolation";
}

/** Evaluates one case's property on one scenario: the violation message, or null. */
export function evaluate(
  fuzzCase: Pick<FuzzCase, "check" | "oracle" | "catalog">,
  scenario: Scenario,
): { run: ScenarioRun; message: string | null } {
  const oracle: Oracle | undefined =
    fuzzCase.oracle?.() ?? (fuzzCase.check ? { check: fuzzCase.check } : undefined);
  if (!oracle) throw new Error("a fuzz case needs a check or an oracle");
  const run = runScenario(scenario, {
    catalog: fuzzCase.catalog,
    onHookError: "skip",
    ...(oracle.beforeStep ? { beforeStep: oracle.beforeStep } : {}),
    ...(oracle.afterStep ? { afterStep: oracle.afterStep } : {}),
  });
  return { run, message: oracle.check(run, scenario) };
}

/** Runs fast-check on one case with a seed and budget; shrinks any counterexample. */
export function runCase(
  fuzzCase: FuzzCase,
  options: {
    seed: number;
    runs: number;
    path?: string;
    /** Called after each evaluation (runs, then shrinking steps), e.g. to draw progress. */
    onRun?: () => void;
  },
): CaseResult {
  let lastMessage = "";
  const onRun = options.onRun;
  const property = fc.property(fuzzCase.arbitrary, (scenario) => {
    const { message } = evaluate(fuzzCase, scenario);
    onRun?.();
    if (message !== null) {
      lastMessage = message;
      throw new PropertyViolation(message);
    }
  });
  const details = fc.check(property, {
    seed: options.seed,
    numRuns: options.runs,
    ...(options.path ? { path: options.path } : {}),
  });
  const base = {
    campaign: fuzzCase.campaign,
    property: fuzzCase.property,
    variant: fuzzCase.variant,
    expect: fuzzCase.expect,
    ...(fuzzCase.quirk ? { quirk: fuzzCase.quirk } : {}),
    runs: details.numRuns,
    seed: options.seed,
    ...(fuzzCase.sources ? { sources: fuzzCase.sources } : {}),
  };
  if (!details.failed) {
    return { ...base, verdict: fuzzCase.expect === "hold" ? "holds" : "quirk-not-found" };
  }
  if (!details.counterexample)
    throw new Error(`fuzzing ${fuzzCase.property} stopped without a counterexample`);
  const scenario = details.counterexample[0];
  // Re-evaluate the shrunk case so the message belongs to it, not to the last case tried.
  const { message } = evaluate(fuzzCase, scenario);
  return {
    ...base,
    verdict: fuzzCase.expect === "hold" ? "fails" : "quirk-found",
    counterexample: {
      scenario,
      path: details.counterexamplePath ?? "",
      message: message ?? lastMessage,
      size: scenario.steps.length,
    },
  };
}

/** The property every campaign shares: the trace is one Juju could produce (I1-I11). */
export const invariantsHold: PropertyCheck = (run) => {
  const v = checkInvariants(run.sim.trace);
  return v.length === 0 ? null : formatViolations(v.slice(0, 5));
};

/** Every settle step reached quiescence (no livelock within its hook budget). */
export const settles: PropertyCheck = (run) => {
  const failed = run.steps.find((s) => s.op.op === "settle" && s.status === "failed");
  return failed ? `settle did not finish: ${failed.detail ?? ""}` : null;
};
