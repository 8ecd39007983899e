export {
  type LxdCredentials,
  LxdIntegratorCharm,
  LxdIntegratorFixedCharm,
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
  type LxdVariant,
  type LxdVariantName,
  type LxdWorld,
  lxdVariants,
} from "./variants.js";
