/**
 * The few LXD REST calls the provider makes, over the simulated LXD servers the harness
 * registers as the external system "lxd" (an LxdServerRegistry, looked up by endpoint). The
 * caller's identity is the integrator's client certificate and key; the server certificate is
 * pinned, as upstream does with its TLS context.
 */
import { z } from "zod";
import type { Model } from "../../harness/ops/model.js";
import { certificateBase64Body, fingerprintSha256 } from "../../pki/pem.js";
import { subjectCommonName } from "../../pki/x509.js";
import type { LxdServerRegistry } from "../../workloads/lxd-registry.js";
import {
  LxdConnectionError,
  type LxdMethod,
  type LxdResponse,
} from "../../workloads/lxd-server.js";

/** The name of the external system that holds the simulated LXD servers. */
export const LXD_EXTERNAL = "lxd";

/** Everything needed to talk to one LXD endpoint. */
export interface LxdIdentity {
  readonly endpoint: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly serverCert: string;
}

const syncBodySchema = z.object({ type: z.literal("sync"), metadata: z.unknown() });
const errorBodySchema = z.object({ type: z.literal("error"), error: z.string() });
const serverInfoSchema = z.looseObject({
  auth: z.string(),
  environment: z.looseObject({ server_name: z.string() }),
});
const certificateListSchema = z.array(
  z.looseObject({ fingerprint: z.string(), name: z.string().optional() }),
);

/** LXD answered, but not with what the caller needed. */
export class LxdApiError extends Error {
  override readonly name = "LxdApiError";
  constructor(
    readonly status: number,
    readonly detail: string,
    message: string,
  ) {
    super(message);
  }
}

/** What `GET /1.0` says about the caller. */
export interface LxdServerInfo {
  readonly auth: string;
  readonly serverName: string;
}

/** The outcome of `POST /1.0/certificates`. */
export type RegisterOutcome =
  | { readonly kind: "added" }
  | { readonly kind: "already-trusted" }
  | { readonly kind: "failed"; readonly status: number; readonly detail: string };

/** The outcome of `DELETE /1.0/certificates/{fingerprint}`. */
export type UnregisterOutcome =
  | { readonly kind: "removed" }
  | { readonly kind: "not-found" }
  | { readonly kind: "failed"; readonly status: number; readonly detail: string };

/** The body's error text (or the whole body), as upstream reads the raw answer. */
function detailOf(response: LxdResponse): string {
  const err = errorBodySchema.safeParse(response.body);
  return err.success ? err.data.error : JSON.stringify(response.body);
}

/** A client bound to one identity, for the length of one hook. */
export class LxdClient {
  constructor(
    private readonly model: Model,
    readonly identity: LxdIdentity,
  ) {}

  private registry(): LxdServerRegistry {
    const registry = this.model.external<LxdServerRegistry>(LXD_EXTERNAL);
    if (registry === undefined) {
      throw new LxdConnectionError(
        this.identity.endpoint,
        `connection refused: ${this.identity.endpoint} (no simulated LXD is registered as external "${LXD_EXTERNAL}")`,
      );
    }
    return registry;
  }

  /** One request; throws LxdConnectionError / LxdTlsError when it never reaches LXD. */
  request(method: LxdMethod, path: string, body?: unknown): LxdResponse {
    return this.registry().request(this.identity.endpoint, method, path, {
      clientCertPem: this.identity.clientCert,
      clientKeyPem: this.identity.clientKey,
      serverCertPem: this.identity.serverCert,
      ...(body === undefined ? {} : { body }),
    });
  }

  /** `GET /1.0`: whether LXD trusts this identity, and the server's name. */
  serverInfo(): LxdServerInfo {
    const response = this.request("GET", "/1.0");
    const body = syncBodySchema.safeParse(response.body);
    const info = body.success ? serverInfoSchema.safeParse(body.data.metadata) : null;
    if (!info?.success) {
      throw new LxdApiError(
        response.status,
        detailOf(response),
        `GET /1.0 on ${this.identity.endpoint} answered ${response.status}: ${detailOf(response)}`,
      );
    }
    return { auth: info.data.auth, serverName: info.data.environment.server_name };
  }

  /** `GET /1.0/certificates?recursion=1`: the fingerprints in the trust store. */
  trustedFingerprints(): Set<string> {
    return new Set(this.trustStore().keys());
  }

  /** `GET /1.0/certificates?recursion=1`: fingerprint to certificate name, for the whole trust store. */
  trustStore(): Map<string, string> {
    const response = this.request("GET", "/1.0/certificates?recursion=1");
    const body = syncBodySchema.safeParse(response.body);
    const list = body.success ? certificateListSchema.safeParse(body.data.metadata) : null;
    if (response.status !== 200 || !list?.success) {
      throw new LxdApiError(
        response.status,
        detailOf(response),
        `listing the trust store of ${this.identity.endpoint} answered ${response.status}: ${detailOf(response)}`,
      );
    }
    return new Map(list.data.map((entry) => [entry.fingerprint, entry.name ?? ""]));
  }

  /**
   * `POST /1.0/certificates` with `{type: "client", certificate: <base64 DER>, name}`; the name
   * defaults to the subject CN. Throws InvalidPemError (before any request) when `pem` is not a
   * certificate.
   */
  register(pem: string, name: string = subjectCommonName(pem) ?? ""): RegisterOutcome {
    const certificate = certificateBase64Body(pem);
    const response = this.request("POST", "/1.0/certificates", {
      type: "client",
      certificate,
      name,
    });
    if (response.status >= 200 && response.status < 300) return { kind: "added" };
    const detail = detailOf(response);
    if (JSON.stringify(response.body).includes("Certificate already in trust store")) {
      return { kind: "already-trusted" };
    }
    return { kind: "failed", status: response.status, detail };
  }

  /** `DELETE /1.0/certificates/{fingerprint}`. */
  unregister(fingerprint: string): UnregisterOutcome {
    const response = this.request("DELETE", `/1.0/certificates/${fingerprint}`);
    if (response.status === 202 || response.status === 200) return { kind: "removed" };
    if (response.status === 404) return { kind: "not-found" };
    return { kind: "failed", status: response.status, detail: detailOf(response) };
  }
}

/** The fingerprint of a PEM certificate (SHA-256 of the DER, lowercase hex). */
export function certificateFingerprint(pem: string): string {
  return fingerprintSha256(pem);
}
