export {
  type LxdCredentials,
  LxdIntegratorCharm,
  LxdIntegratorFixedCharm,
  LxdIntegratorModernPythonCharm,
  MISSING_CREDENTIALS,
} from "./charm.js";
export {
  LXD_INTEGRATOR_ENDPOINT,
  lxdIntegratorConfig,
  lxdIntegratorMeta,
  lxdIntegratorSpec,
} from "./metadata.js";
export {
  buildLxdWorld,
  DEFAULT_LXD_ENDPOINT,
  DEFAULT_LXD_SERVER_NAME,
  IMPOSTOR_SERVER_CERT_FIXTURE,
  type LxdVariant,
  type LxdVariantName,
  type LxdWorld,
  type LxdWorldOptions,
  lxdVariants,
} from "./variants.js";
