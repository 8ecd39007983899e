/**
 * The few LXD REST calls the provider makes, over the simulated LXD servers the harness
 * registers as the external system "lxd" (an LxdServerRegistry). The caller's identity is the
 * integrator's client certificate and key. How the client connects is its LxdConnection:
 *
 * - "pinned" (the fixed variant): the endpoint is looked up as a URL (a trailing slash is
 *   tolerated) and the server must present the configured server certificate;
 * - "upstream" (the faithful port), as upstream's `_new_connection` (src/interface.py, lines
 *   64-75): the configured server certificate must load as a CA file but is never checked
 *   against the server (a `Purpose.CLIENT_AUTH` context verifies no server certificate), and the
 *   endpoint becomes an address as Python's http.client reads it. On Python 3.10 and later the
 *   same context cannot make a client socket at all.
 */
import { z } from "zod";
import type { Model } from "../../harness/ops/model.js";
import {
  certificateBase64Body,
  fingerprintSha256,
  pemToDer,
  splitPemBundle,
} from "../../pki/pem.js";
import { loadCertificateDer, subjectCommonName } from "../../pki/x509.js";
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

/** Python's `http.client.InvalidURL`: the endpoint has no usable host:port. */
export class PythonInvalidUrlError extends Error {
  override readonly name = "InvalidURL";
}

/** Python's `ssl.SSLError`, raised while the client builds its TLS context. */
export class PythonSslError extends Error {
  override readonly name = "SSLError";
}

/** The Python series upstream's charm runs on: it decides what its TLS context can do. */
export type UpstreamPython = "3.8" | "3.10+";

/** How an LxdClient connects (see the module comment). */
export type LxdConnection =
  | { readonly kind: "pinned" }
  | { readonly kind: "upstream"; readonly python: UpstreamPython };

const PINNED: LxdConnection = { kind: "pinned" };

/** Python's `int()` on a port string: surrounding whitespace, a sign and `_` between digits. */
const PYTHON_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
/** What http.client refuses in a host (`_contains_disallowed_url_pchar_re`). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused
const DISALLOWED_HOST_CHAR = /[\x00-\x20\x7f]/;

/**
 * Where upstream connects for an endpoint: "https://" and "http://" removed wherever they occur
 * (`str.replace`), then host and port split as `HTTPConnection._get_hostport` splits them (the
 * text after the last ":" outside IPv6 brackets must be an integer; empty or absent means 443)
 * and the host checked as `_validate_host` checks it. Throws PythonInvalidUrlError.
 */
export function pythonHostPort(endpoint: string): { host: string; port: number } {
  let host = endpoint.replaceAll("https://", "").replaceAll("http://", "");
  let port = 443;
  const colon = host.lastIndexOf(":");
  if (colon > host.lastIndexOf("]")) {
    const tail = host.slice(colon + 1);
    if (PYTHON_INT.test(tail)) port = Number(tail.replaceAll("_", "").trim());
    else if (tail !== "") throw new PythonInvalidUrlError(`nonnumeric port: '${tail}'`);
    host = host.slice(0, colon);
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const bad = DISALLOWED_HOST_CHAR.exec(host);
  if (bad) {
    throw new PythonInvalidUrlError(
      `URL can't contain control characters. ${JSON.stringify(host)} (found at least ${JSON.stringify(bad[0])})`,
    );
  }
  return { host, port };
}

/**
 * `load_verify_locations(cafile)` on the configured server certificate: every CERTIFICATE block
 * must parse and there must be at least one. (It is loaded, then never used to verify.)
 */
function loadCaFile(text: string): void {
  const blocks = splitPemBundle(text);
  if (blocks.length === 0) {
    throw new PythonSslError("[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found");
  }
  for (const block of blocks) {
    try {
      loadCertificateDer(pemToDer(block));
    } catch {
      throw new PythonSslError("[X509] PEM lib");
    }
  }
}

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
  | {
      readonly kind: "failed";
      readonly status: number;
      readonly detail: string;
      /** The answer's body as sent (what upstream reads with `response.read()` and logs). */
      readonly raw: string;
    };

/** The outcome of `DELETE /1.0/certificates/{fingerprint}`, with the status and body as sent. */
export type UnregisterOutcome = (
  | { readonly kind: "removed" }
  | { readonly kind: "not-found" }
  | { readonly kind: "failed"; readonly detail: string }
) & { readonly status: number; readonly raw: string };

/** The body of an answer as LXD sends it (JSON). */
const rawBody = (response: LxdResponse): string => JSON.stringify(response.body);

/** The body's error text, or the whole body when it carries none. */
function detailOf(response: LxdResponse): string {
  const err = errorBodySchema.safeParse(response.body);
  return err.success ? err.data.error : rawBody(response);
}

/** A client bound to one identity, for the length of one hook. */
export class LxdClient {
  constructor(
    private readonly model: Model,
    readonly identity: LxdIdentity,
    readonly connection: LxdConnection = PINNED,
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

  /**
   * One request; throws LxdConnectionError / LxdTlsError when it never reaches LXD, and with an
   * upstream connection PythonSslError, PythonInvalidUrlError or PythonValueError where upstream's
   * Python raises those.
   */
  request(method: LxdMethod, path: string, body?: unknown): LxdResponse {
    const identity = this.identity;
    const payload = body === undefined ? {} : { body };
    if (this.connection.kind === "pinned") {
      return this.registry().request(identity.endpoint, method, path, {
        clientCertPem: identity.clientCert,
        clientKeyPem: identity.clientKey,
        serverCertPem: identity.serverCert,
        ...payload,
      });
    }
    // Upstream's order: the TLS context (CA file), then the connection object (host:port), then
    // connecting. The server certificate is not passed on: nothing checks it.
    loadCaFile(identity.serverCert);
    const { host, port } = pythonHostPort(identity.endpoint);
    return this.registry().requestAt(host, port, method, path, {
      clientCertPem: identity.clientCert,
      clientKeyPem: identity.clientKey,
      tlsContext: this.connection.python === "3.8" ? "client" : "server",
      ...payload,
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
    const raw = rawBody(response);
    if (raw.includes("Certificate already in trust store")) return { kind: "already-trusted" };
    return { kind: "failed", status: response.status, detail: detailOf(response), raw };
  }

  /** `DELETE /1.0/certificates/{fingerprint}`. */
  unregister(fingerprint: string): UnregisterOutcome {
    const response = this.request("DELETE", `/1.0/certificates/${fingerprint}`);
    const answer = { status: response.status, raw: rawBody(response) };
    if (response.status === 202 || response.status === 200) return { kind: "removed", ...answer };
    if (response.status === 404) return { kind: "not-found", ...answer };
    return { kind: "failed", detail: detailOf(response), ...answer };
  }
}

/** The fingerprint of a PEM certificate (SHA-256 of the DER, lowercase hex). */
export function certificateFingerprint(pem: string): string {
  return fingerprintSha256(pem);
}
