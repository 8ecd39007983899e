// charmsim/arbitraries: scenarios, fast-check arbitraries, campaigns and the runner, for users
// who fuzz their own charms or extend the bundled campaigns.

export {
  type CaseResult,
  type CaseVerdict,
  evaluate,
  type FuzzCase,
  invariantsHold,
  type PropertyCheck,
  runCase,
  settles,
} from "./campaign.js";
export { bundledCatalog, campaignNames, campaigns } from "./campaigns/index.js";
export { chattyCharms, orderingOperation, orderingScenario } from "./campaigns/juju-ordering.js";
export {
  type CatalogCharm,
  type CharmCall,
  CharmCatalog,
  type CharmEnvironment,
} from "./catalog.js";
export {
  type RunOptions,
  resolveUnit,
  runScenario,
  type ScenarioRun,
  ScenarioStepError,
  type StepOutcome,
} from "./execute.js";
export {
  describeOperation,
  type Operation,
  type OperationInput,
  operationSchema,
  type Scenario,
  type ScenarioInput,
  scenarioSchema,
  type UnitRef,
  unitRefSchema,
} from "./operations.js";
export { parseReplay, type ReplayFile, replaySchema, replayToJsonText } from "./replay.js";
