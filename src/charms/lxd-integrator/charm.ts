/**
 * The lxd-integrator charm: finds LXD credentials (the cloud credential `juju trust` grants,
 * else the four config options) and serves the `lxd` interface on its `api` endpoint.
 *
 * LxdIntegratorCharm is the faithful port (interface object Lxd) of upstream's charm:
 * canonical/lxd-integrator-operator, src/charm.py (at ae66661); line numbers below refer to that
 * file. Kept as upstream has it:
 * - once the interface object holds credentials, install and config-changed do nothing at all
 *   (`if self.client.is_ready: return`, lines 40-41): a later config change is ignored;
 * - the cloud credential's attributes are indexed directly, so a missing one fails the hook
 *   (lines 51-54); "permission denied" from credential-get falls back to config (lines 63-65);
 * - complete credentials go to the interface object with `set_credentials` (lines 56, 72), whose
 *   failures (LXD unreachable, not trusted, TLS) fail the hook; incomplete ones give Blocked
 *   "Missing credentials access; grant with: juju trust" (lines 76-78).
 * The interface object's QUIRKs are listed in ../../libs/lxd/provider.ts.
 * LxdIntegratorModernPythonCharm is the same charm on Python 3.10 or later.
 *
 * LxdIntegratorFixedCharm uses LxdFixed and reports LXD problems in its status instead of
 * failing hooks.
 */
import { z } from "zod";
import { CharmBase } from "../../harness/ops/charm.js";
import { KeyError, PermissionDeniedError } from "../../harness/ops/errors.js";
import type { Framework } from "../../harness/ops/framework.js";
import type { UpstreamPython } from "../../libs/lxd/client.js";
import { Lxd } from "../../libs/lxd/provider.js";
import { LxdFixed } from "../../libs/lxd/provider-fixed.js";
import type { CloudCredential } from "../../model/state.js";
import { ActiveStatus, BlockedStatus, WaitingStatus } from "../../model/status.js";
import { LXD_INTEGRATOR_ENDPOINT } from "./metadata.js";

export const MISSING_CREDENTIALS = "Missing credentials access; grant with: juju trust";

/** The four things needed to talk to LXD. */
export interface LxdCredentials {
  readonly endpoint: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly serverCert: string;
}

const credentialAttrsSchema = z.looseObject({
  "client-cert": z.string(),
  "client-key": z.string(),
  "server-cert": z.string(),
});

const configSchema = z.looseObject({
  lxd_endpoint: z.string().default(""),
  lxd_client_cert: z.string().default(""),
  lxd_client_key: z.string().default(""),
  lxd_server_cert: z.string().default(""),
});

const complete = (c: LxdCredentials) =>
  Boolean(c.endpoint && c.clientCert && c.clientKey && c.serverCert);

function fromCloud(credential: CloudCredential, attrs: z.output<typeof credentialAttrsSchema>) {
  return {
    endpoint: credential.endpoint,
    clientCert: attrs["client-cert"],
    clientKey: attrs["client-key"],
    serverCert: attrs["server-cert"],
  };
}

/** The credentials in the charm's config (empty strings where unset). */
function fromConfig(charm: CharmBase): LxdCredentials {
  const config = configSchema.parse(charm.config);
  return {
    endpoint: config.lxd_endpoint,
    clientCert: config.lxd_client_cert,
    clientKey: config.lxd_client_key,
    serverCert: config.lxd_server_cert,
  };
}

/** `credential-get`, or null when the application is not trusted. */
function cloudCredential(charm: CharmBase): CloudCredential | null {
  try {
    return charm.model.credentialGet();
  } catch (error) {
    if (error instanceof PermissionDeniedError) return null;
    throw error;
  }
}

/** The faithful port of the integrator charm. */
export class LxdIntegratorCharm extends CharmBase {
  /**
   * The Python series the charm runs on: "3.8" (focal, the default) or "3.10+" (jammy and later,
   * where upstream's TLS context cannot connect at all; see LxdIntegratorModernPythonCharm).
   */
  static readonly python: UpstreamPython = "3.8";
  readonly client: Lxd;

  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.install, () => this.checkCredentials());
    framework.observe(this.on.configChanged, () => this.checkCredentials());
    const python = (this.constructor as typeof LxdIntegratorCharm).python;
    this.client = new Lxd(this, LXD_INTEGRATOR_ENDPOINT, { python });
  }

  private wire(c: LxdCredentials): void {
    this.client.setCredentials(c.endpoint, c.clientCert, c.clientKey, c.serverCert);
  }

  /**
   * Upstream's check: nothing at all once the interface object is ready (no credential read, no
   * LXD call, status untouched: a later config change is ignored); else the cloud credential,
   * then config; Active when complete, else Blocked.
   */
  private checkCredentials(): boolean {
    if (this.client.isReady) return false;
    const credential = cloudCredential(this);
    if (credential !== null) {
      const attrs = credentialAttrsSchema.safeParse(credential.attrs);
      if (!attrs.success) {
        // Upstream indexes the attributes directly: a missing one fails the hook.
        const missing = attrs.error.issues.map((i) => String(i.path[0])).join(", ");
        throw new KeyError(`cloud credential has no attribute ${missing}`);
      }
      const c = fromCloud(credential, attrs.data);
      if (complete(c)) {
        this.wire(c);
        this.unit.status = new ActiveStatus();
        return true;
      }
    }
    const c = fromConfig(this);
    if (complete(c)) {
      this.wire(c);
      this.unit.status = new ActiveStatus();
      return true;
    }
    this.unit.status = new BlockedStatus(MISSING_CREDENTIALS);
    return false;
  }
}

/**
 * The faithful port on Python 3.10 or later (jammy and later): upstream's `Purpose.CLIENT_AUTH`
 * context is then a server-side context, every connection fails with "Cannot create a client
 * socket with a PROTOCOL_TLS_SERVER context", and so does every credential check.
 */
export class LxdIntegratorModernPythonCharm extends LxdIntegratorCharm {
  static override readonly python: UpstreamPython = "3.10+";
}

/** The integrator with upstream's defects fixed (interface object LxdFixed). */
export class LxdIntegratorFixedCharm extends CharmBase {
  readonly lxd: LxdFixed;

  constructor(framework: Framework) {
    super(framework);
    this.lxd = new LxdFixed(this, LXD_INTEGRATOR_ENDPOINT);
    framework.observe(this.on.install, () => this.checkCredentials());
    framework.observe(this.on.configChanged, () => this.checkCredentials());
    framework.observe(this.on.updateStatus, () => {
      this.lxd.retryPending();
      this.refreshStatus();
    });
    const events = this.on.relation(LXD_INTEGRATOR_ENDPOINT);
    const refresh = () => this.refreshStatus();
    framework.observe(events.created, refresh);
    framework.observe(events.joined, refresh);
    framework.observe(events.changed, refresh);
    framework.observe(events.departed, refresh);
    framework.observe(events.broken, refresh);
  }

  /** The credentials to use: the cloud credential when trusted and complete, else config. */
  credentials(): LxdCredentials | null {
    const credential = cloudCredential(this);
    if (credential !== null) {
      const attrs = credentialAttrsSchema.safeParse(credential.attrs);
      if (attrs.success) {
        const c = fromCloud(credential, attrs.data);
        if (complete(c)) return c;
      }
      this.framework.logger.warning(
        "the cloud credential lacks client-cert, client-key or server-cert; trying the charm config",
      );
    }
    const c = fromConfig(this);
    return complete(c) ? c : null;
  }

  private checkCredentials(): void {
    const c = this.credentials();
    if (c === null) this.lxd.clearCredentials();
    else this.lxd.setCredentials(c.endpoint, c.clientCert, c.clientKey, c.serverCert);
    this.refreshStatus();
  }

  /** Status from the interface object's state: LXD problems first, then credentials. */
  refreshStatus(): void {
    const problem = this.lxd.problem;
    if (problem !== null) {
      this.unit.status =
        problem.severity === "blocked"
          ? new BlockedStatus(problem.message)
          : new WaitingStatus(problem.message);
      return;
    }
    if (!this.lxd.credentialsComplete) {
      this.unit.status = new BlockedStatus(MISSING_CREDENTIALS);
      return;
    }
    if (!this.lxd.isReady) {
      this.unit.status = new WaitingStatus(`checking credentials with LXD at ${this.lxd.endpoint}`);
      return;
    }
    const rejected = this.lxd.rejected;
    if (rejected.length > 0) {
      const units = [...new Set(rejected.map((line) => line.split(":", 1)[0]))].join(", ");
      this.unit.status = new ActiveStatus(
        `ignoring invalid client certificates from ${units} (see juju debug-log)`,
      );
      return;
    }
    this.unit.status = new ActiveStatus();
  }
}
