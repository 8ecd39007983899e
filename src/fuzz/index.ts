// charmsim/arbitraries: scenarios, fast-check arbitraries, campaigns and the runner, for users
// who fuzz their own charms or extend the bundled campaigns. The user-facing fuzzing API
// (charmsim/fuzz) is re-exported here too.

export {
  type CaseResult,
  type CaseSources,
  type CaseVerdict,
  evaluate,
  type FuzzCase,
  invariantsHold,
  type Oracle,
  type PropertyCheck,
  runCase,
  settles,
} from "./campaign.js";
export {
  BUNDLED_CHARM_NAMES,
  CAMPAIGN_NAMES,
  loadCampaign,
  loadCatalog,
} from "./campaigns/bundled.js";
export {
  type CtOptions,
  certificateTransferCases,
  ctOperation,
  ctRows,
  ctScenario,
} from "./campaigns/certificate-transfer.js";
export { type CtVariant, ctCharms, ctVariants } from "./campaigns/ct-charms.js";
export {
  ctQuirkCases,
  type QuirkHunt,
  quirkHuntCase,
  quirkHunts,
} from "./campaigns/ct-quirk-hunts.js";
export { bundledCatalog, campaignNames, campaigns } from "./campaigns/index.js";
export { chattyCharms, orderingOperation, orderingScenario } from "./campaigns/juju-ordering.js";
export {
  type LxdOptions,
  lxdCases,
  lxdCharms,
  lxdOperation,
  lxdRows,
  lxdScenario,
} from "./campaigns/lxd.js";
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
  DEFAULT_SCENARIO_LIMITS,
  NO_SCENARIO_LIMITS,
  type ScenarioLimits,
  scenarioLimitIssue,
} from "./limits.js";
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
export {
  makeReplay,
  parseReplay,
  REPLAY_VERSION,
  type ReplayFile,
  type ReplayRecord,
  replayDigest,
  replaySchema,
  replayToJsonText,
} from "./replay.js";
export {
  type FuzzReport,
  findingOf,
  formatTable,
  type ReportMeta,
  runDiagram,
} from "./report.js";
export {
  BUILTIN_PROPERTIES,
  defineFuzzConfig,
  type FuzzApplication,
  type FuzzBuiltins,
  type FuzzCasesOptions,
  type FuzzConfig,
  type FuzzOptions,
  type FuzzProperty,
  type FuzzRun,
  fuzz,
  fuzzCases,
  modelScenario,
  noHookRaised,
  type ResolvedFuzzConfig,
  resolveFuzzConfig,
  schemaValue,
  USER_VARIANT,
} from "./user/index.js";
