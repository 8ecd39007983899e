import type { InputIssue } from "../model/errors.js";
import type { Scenario } from "./operations.js";

/**
 * Limits on a scenario file, so a file cannot make `charmsim run` or `charmsim replay` run for
 * hours or fill memory: the cost of a model grows with its steps and, for peer relations, with
 * the square of an application's units. Fuzz campaigns stay far below them.
 */
export interface ScenarioLimits {
  /** Steps in the file. */
  readonly steps: number;
  /** Units one application gets over the scenario (deploy units plus add-unit steps). */
  readonly unitsPerApp: number;
  /** Units of all applications together, counted the same way. */
  readonly units: number;
}

export const DEFAULT_SCENARIO_LIMITS: ScenarioLimits = Object.freeze({
  steps: 1000,
  unitsPerApp: 50,
  units: 200,
});

/** No limit at all (`--no-limits`). */
export const NO_SCENARIO_LIMITS: ScenarioLimits = Object.freeze({
  steps: Number.POSITIVE_INFINITY,
  unitsPerApp: Number.POSITIVE_INFINITY,
  units: Number.POSITIVE_INFINITY,
});

/** The flag that raises each limit, for messages. */
export const LIMIT_FLAGS: Readonly<Record<keyof ScenarioLimits, string>> = {
  steps: "--max-steps",
  unitsPerApp: "--max-units-per-app",
  units: "--max-units",
};

const raise = (limit: keyof ScenarioLimits) =>
  `raise it with ${LIMIT_FLAGS[limit]} N, or lift every limit with --no-limits`;

/** The step limit alone, for a count known before the steps are read one by one. */
export function stepCountIssue(count: number, limits: ScenarioLimits): InputIssue | null {
  if (count <= limits.steps) return null;
  return {
    path: "steps",
    message: `${count} steps, over the limit of ${limits.steps}; ${raise("steps")}`,
  };
}

/**
 * The first limit a scenario goes past, as an input issue at the step that crosses it (path
 * `steps[i]`), or null when it stays within them. Units are counted as they are created, so an
 * application removed and deployed again counts both times: the work is done both times.
 */
export function scenarioLimitIssue(scenario: Scenario, limits: ScenarioLimits): InputIssue | null {
  const steps = stepCountIssue(scenario.steps.length, limits);
  if (steps) return steps;
  const perApp = new Map<string, number>();
  let total = 0;
  for (const [i, step] of scenario.steps.entries()) {
    if (step.op !== "deploy" && step.op !== "add-unit") continue;
    const added = step.op === "deploy" ? step.units : 1;
    const app = step.app;
    const units = (perApp.get(app) ?? 0) + added;
    perApp.set(app, units);
    total += added;
    if (units > limits.unitsPerApp) {
      return {
        path: `steps[${i}]`,
        message: `application "${app}" reaches ${units} units, over the limit of ${limits.unitsPerApp} per application; ${raise("unitsPerApp")}`,
      };
    }
    if (total > limits.units) {
      return {
        path: `steps[${i}]`,
        message: `the model reaches ${total} units, over the limit of ${limits.units}; ${raise("units")}`,
      };
    }
  }
  return null;
}
