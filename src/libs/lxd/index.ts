/** The `lxd` interface: provider (faithful Lxd and fixed LxdFixed) and requirer. */
export {
  certificateFingerprint,
  LXD_EXTERNAL,
  LxdApiError,
  LxdClient,
  type LxdIdentity,
  type LxdServerInfo,
  type RegisterOutcome,
  type UnregisterOutcome,
} from "./client.js";
export {
  CLIENT_CERTIFICATES_KEY,
  type ClientCertificate,
  type ClientCertificatesReading,
  certificateProblem,
  type FieldResult,
  LXD_INTERFACE_VERSION,
  type LxdNode,
  lxdNodeSchema,
  lxdNodesSchema,
  NODES_KEY,
  parseJsonField,
  pythonJsonDumps,
  readClientCertificates,
  SUPPORTED_MAJOR_VERSION,
  TRUSTED_CERTS_FP_KEY,
  VERSION_KEY,
  versionSchema,
} from "./data.js";
export {
  Lxd,
  LxdNotTrustedError,
  type LxdProvider,
  type LxdState,
  PythonTypeError,
  pythonSet,
} from "./provider.js";
export { LxdFixed, type LxdFixedState, type LxdProblem } from "./provider-fixed.js";
export {
  CertificateRegisteredEvent,
  type LxdRelationView,
  LxdRequirerEvents,
  LxdRequires,
  type LxdRequiresOptions,
  NodesChangedEvent,
  NodesRemovedEvent,
  type ProviderProblem,
} from "./requirer.js";
