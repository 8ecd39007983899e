/**
 * What the fuzzer needs to run the lxd charms: the faithful and fixed variants (integrator and
 * consumer charm classes with their metadata), and a simulated LXD world whose one server
 * trusts the integrator's own client identity.
 */
import type { CharmClass } from "../../harness/ops/charm.js";
import { LXD_EXTERNAL } from "../../libs/lxd/client.js";
import type { CharmSpecInput } from "../../model/metadata.js";
import type { CloudCredential } from "../../model/state.js";
import { fixtureCertificate, fixtureServerCert } from "../../pki/fixtures.js";
import { LxdServerRegistry } from "../../workloads/lxd-registry.js";
import type { LxdServer } from "../../workloads/lxd-server.js";
import { integratorIdentityFixture } from "../lxd-consumer/certificates.js";
import { LxdConsumerCharm } from "../lxd-consumer/charm.js";
import { lxdConsumerSpec } from "../lxd-consumer/metadata.js";
import { LxdIntegratorCharm, LxdIntegratorFixedCharm } from "./charm.js";
import { lxdIntegratorSpec } from "./metadata.js";

export type LxdVariantName = "faithful" | "fixed";

export interface LxdVariant {
  readonly name: LxdVariantName;
  /** Provides `api` (interface lxd). */
  readonly integratorCharm: CharmClass;
  /** Requires `lxd` (interface lxd). */
  readonly consumerCharm: CharmClass;
  readonly metas: { readonly integrator: CharmSpecInput; readonly consumer: CharmSpecInput };
}

const metas = { integrator: lxdIntegratorSpec, consumer: lxdConsumerSpec } as const;

/**
 * faithful: upstream's integrator (every QUIRK kept);
 * fixed: LxdIntegratorFixedCharm. Both use the same consumer charm.
 */
export const lxdVariants: Readonly<Record<LxdVariantName, LxdVariant>> = {
  faithful: {
    name: "faithful",
    integratorCharm: LxdIntegratorCharm,
    consumerCharm: LxdConsumerCharm,
    metas,
  },
  fixed: {
    name: "fixed",
    integratorCharm: LxdIntegratorFixedCharm,
    consumerCharm: LxdConsumerCharm,
    metas,
  },
};

export const DEFAULT_LXD_ENDPOINT = "https://10.0.8.1:8443";
export const DEFAULT_LXD_SERVER_NAME = "lxd-node-1";

/** A simulated LXD for one model, and the credentials that reach it. */
export interface LxdWorld {
  readonly registry: LxdServerRegistry;
  readonly server: LxdServer;
  /** Pass as `new Simulation({ external })` or `new Context(..., { external })`. */
  readonly external: Readonly<Record<string, unknown>>;
  /** The cloud credential (for `sim.setCloudCredential` or `State({ credential })`). */
  readonly credential: CloudCredential;
  /** The same credentials as the integrator's config options. */
  readonly config: Readonly<Record<string, string>>;
  /** Fingerprint of the integrator's client certificate, trusted by the server from the start. */
  readonly integratorFingerprint: string;
  /** Fingerprint of the server certificate the credentials name. */
  readonly configuredServerFingerprint: string;
}

/** The certificate an impostor at the LXD endpoint presents (any but the LXD server's). */
export const IMPOSTOR_SERVER_CERT_FIXTURE = "client-rsa-01";

export interface LxdWorldOptions {
  readonly endpoint?: string;
  readonly serverName?: string;
  /**
   * The server answering at the endpoint presents another certificate than the one the
   * credentials name (a machine in the middle that answers like LXD and trusts the integrator's
   * identity). A client that checks the server certificate refuses it.
   */
  readonly impostor?: boolean;
}

/** Builds one LXD server that trusts the integrator's identity, in a registry under "lxd". */
export function buildLxdWorld(options: LxdWorldOptions = {}): LxdWorld {
  const endpoint = options.endpoint ?? DEFAULT_LXD_ENDPOINT;
  const serverCert = fixtureServerCert();
  const identity = integratorIdentityFixture();
  const registry = new LxdServerRegistry();
  const presented = options.impostor
    ? fixtureCertificate(IMPOSTOR_SERVER_CERT_FIXTURE)
    : serverCert;
  const server = registry.create({
    serverName: options.serverName ?? DEFAULT_LXD_SERVER_NAME,
    serverCertPem: presented.certPem,
    endpoint,
  });
  server.trust(identity.certPem);
  const credential: CloudCredential = {
    type: "certificate",
    endpoint,
    attrs: {
      "client-cert": identity.certPem,
      "client-key": identity.keyPem,
      "server-cert": serverCert.certPem,
    },
  };
  return {
    registry,
    server,
    external: { [LXD_EXTERNAL]: registry },
    credential,
    config: {
      lxd_endpoint: endpoint,
      lxd_client_cert: identity.certPem,
      lxd_client_key: identity.keyPem,
      lxd_server_cert: serverCert.certPem,
    },
    integratorFingerprint: identity.fingerprint,
    configuredServerFingerprint: serverCert.fingerprint,
  };
}
