export {
  type ConfiguredCertificates,
  configuredCertificates,
  consumerCertificatePool,
  fixtureCertificateFor,
  INTEGRATOR_IDENTITY_FIXTURE,
  integratorIdentityFixture,
} from "./certificates.js";
export { LxdConsumerCharm } from "./charm.js";
export {
  LXD_CONSUMER_ENDPOINT,
  lxdConsumerConfig,
  lxdConsumerMeta,
  lxdConsumerSpec,
} from "./metadata.js";
