// charmsim: the public API.

export {
  ActionFailed,
  Context,
  type ContextOptions,
  contextEvents,
  Manager,
  UncaughtCharmError,
} from "./harness/context.js";
export { type DispatchOutcome, dispatch } from "./harness/dispatch.js";
export type {
  ActionOutcome,
  BagWrite,
  EmittedEventRecord,
  EnvRelation,
  HookEnvironment,
  HookResult,
  JujuLogLine,
  LogLevel,
} from "./harness/hook.js";
export {
  checkInvariants,
  formatViolations,
  type InvariantId,
  invariantDescriptions,
  type Violation,
} from "./harness/invariants.js";
export {
  type JujuApplicationRelation,
  type JujuApplicationStatus,
  type JujuRelationInfo,
  type JujuShowUnit,
  type JujuStatus,
  type JujuStatusInfo,
  type JujuUnitInfo,
  type JujuUnitRelationData,
  type JujuUnitStatus,
  modelStatus,
  showUnit,
} from "./harness/juju-status.js";
export { type MermaidOptions, traceToMermaid } from "./harness/mermaid.js";
export { CharmBase, type CharmClass } from "./harness/ops/charm.js";
export {
  InvalidStatusError,
  KeyError,
  ModelError,
  PermissionDeniedError,
  RelationDataAccessError,
  RelationDataTypeError,
  RelationNotFoundError,
  TooManyRelatedAppsError,
} from "./harness/ops/errors.js";
export {
  ActionEvent,
  CharmEvents,
  ConfigChangedEvent,
  HookEvent,
  InstallEvent,
  LeaderElectedEvent,
  LeaderSettingsChangedEvent,
  RelationBrokenEvent,
  RelationChangedEvent,
  RelationCreatedEvent,
  RelationDepartedEvent,
  RelationEvent,
  type RelationEvents,
  RelationJoinedEvent,
  RemoveEvent,
  StartEvent,
  StopEvent,
  UpdateStatusEvent,
  UpgradeCharmEvent,
} from "./harness/ops/events.js";
export {
  BoundEvent,
  CHARM_LOGGER,
  DeferredRelationGoneError,
  type DeferredRelationGonePolicy,
  EventBase,
  type EventType,
  FRAMEWORK_LOGGER,
  Framework,
  FrameworkObject,
  Handle,
  JujuLogger,
  type LogLine,
  ObjectEvents,
} from "./harness/ops/framework.js";
export {
  Application,
  Model,
  Relation as OpsRelation,
  RelationData,
  RelationDataContent,
  Unit,
} from "./harness/ops/model.js";
export {
  ListScheduler,
  Prng,
  RecordingScheduler,
  type Scheduler,
  SeededScheduler,
} from "./harness/scheduler.js";
export {
  type ActionRun,
  type DeployOptions,
  type HookErrorPolicy,
  SettleLimitError,
  Simulation,
  type SimulationOptions,
} from "./harness/simulation.js";
export {
  type CommitRecord,
  type HookRecord,
  Trace,
  type TraceFile,
  type TraceRecord,
} from "./harness/trace.js";
export {
  type ConsistencyInput,
  checkConsistency,
  consistencyRules,
  InconsistentScenarioError,
} from "./model/consistency.js";
export { InputError, type InputIssue } from "./model/errors.js";
export type { ContextEvent } from "./model/event.js";
export { type Hook, type HookKind, relationHookKinds, unitHookKinds } from "./model/hooks.js";
export type { JsonObject, JsonValue } from "./model/json.js";
export { JujuModel, ModelOperationError } from "./model/juju-model.js";
export {
  type ActionsMeta,
  type ActionsMetaInput,
  type CharmMeta,
  type CharmMetaInput,
  type CharmSpec,
  type CharmSpecInput,
  type ConfigMeta,
  type ConfigMetaInput,
  type ConfigValue,
  charmSpec,
  type EndpointMeta,
  loadCharmSpec,
} from "./model/metadata.js";
export {
  type AnyRelation,
  type CloudCredential,
  type Databag,
  DEFAULT_JUJU_ADDRESS,
  DEFAULT_JUJU_DATABAG,
  DeferredEvent,
  PeerRelation,
  type PeerRelationInit,
  Relation,
  type RelationInit,
  State,
  type StateInit,
  StoredState,
  SubordinateRelation,
  type SubordinateRelationInit,
} from "./model/state.js";
export {
  ActiveStatus,
  BlockedStatus,
  ErrorStatus,
  MaintenanceStatus,
  Status,
  type StatusName,
  statusFrom,
  UnknownStatus,
  WaitingStatus,
} from "./model/status.js";
