/**
 * The lxd-integrator charm's metadata and config, as in its metadata.yaml and config.yaml
 * (copies in fixtures/charms/lxd-integrator/, loadable with loadCharmSpec).
 */
import type { CharmSpecInput } from "../../model/metadata.js";

export const LXD_INTEGRATOR_ENDPOINT = "api";

export const lxdIntegratorMeta = {
  name: "lxd-integrator",
  summary: "LXD integrator charm",
  description: "Charm to enable LXD integrations via Juju relations",
  subordinate: false,
  provides: { [LXD_INTEGRATOR_ENDPOINT]: { interface: "lxd" } },
} satisfies CharmSpecInput["meta"];

export const lxdIntegratorConfig = {
  options: {
    lxd_endpoint: { type: "string", default: "", description: "URL of the LXD API endpoint" },
    lxd_client_cert: {
      type: "string",
      default: "",
      description: "Client certificate to use talking to LXD",
    },
    lxd_client_key: {
      type: "string",
      default: "",
      description: "Client key to use talking to LXD",
    },
    lxd_server_cert: {
      type: "string",
      default: "",
      description: "Certificate of the LXD server to talk to",
    },
  },
} satisfies NonNullable<CharmSpecInput["config"]>;

/** Metadata and config together, as `Context` and `Simulation.deploy` take them. */
export const lxdIntegratorSpec: CharmSpecInput = {
  meta: lxdIntegratorMeta,
  config: lxdIntegratorConfig,
};
