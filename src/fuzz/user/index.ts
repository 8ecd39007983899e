// charmsim/fuzz: fuzz your own charms. Declare the applications (charm class + metadata), the
// properties of a settled model, and let the fuzzer drive Juju operations and hook orders.

export {
  type JujuShowUnit,
  type JujuStatus,
  modelStatus,
  showUnit,
} from "../../harness/juju-status.js";
export type { CaseResult, CaseVerdict, FuzzCase } from "../campaign.js";
export type { CharmEnvironment } from "../catalog.js";
export { runScenario, type ScenarioRun, type StepOutcome } from "../execute.js";
export { describeOperation, type Operation, type Scenario } from "../operations.js";
export {
  BUILTIN_PROPERTIES,
  defineFuzzConfig,
  type FuzzApplication,
  type FuzzBuiltins,
  type FuzzConfig,
  type FuzzProperty,
  type FuzzRun,
  type ResolvedFuzzConfig,
  resolveFuzzConfig,
} from "./config.js";
export {
  type FuzzCasesOptions,
  type FuzzOptions,
  fuzz,
  fuzzCases,
  noHookRaised,
  USER_VARIANT,
} from "./fuzz.js";
export { modelScenario, schemaValue } from "./scenario.js";
