/** Simulated workloads the charms talk to. */
export { LxdServerRegistry } from "./lxd-registry.js";
export {
  type ActiveLxdFault,
  endpointAddress,
  LxdConnectionError,
  type LxdErrorBody,
  type LxdFault,
  type LxdFaultKind,
  LxdInputError,
  type LxdMethod,
  type LxdRequestOptions,
  type LxdRequestRecord,
  type LxdResponse,
  LxdServer,
  type LxdServerOptions,
  type LxdServerSnapshot,
  type LxdSyncBody,
  LxdTlsError,
  normaliseEndpoint,
  PythonValueError,
  type TrustedCertificate,
} from "./lxd-server.js";
