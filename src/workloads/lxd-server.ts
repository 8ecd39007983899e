/**
 * An in-memory LXD server: the workload the lxd-integrator charm talks to.
 *
 * It keeps a server identity (name, certificate), a trust store keyed by SHA-256 certificate
 * fingerprint, and answers the subset of LXD's REST API the charms use. Requests are
 * synchronous (charm hooks are) and there is no network and no clock: faults are injected
 * explicitly, and "slow" responses only add to a simulated latency counter.
 *
 * The caller's identity is its TLS client certificate, as with a real LXD: `clientCertPem`
 * stands for the certificate the client presents, `clientKeyPem` (optional) for the key it
 * holds, and `serverCertPem` (optional) for the server certificate it pins.
 */
import { createPrivateKey, X509Certificate as NodeX509Certificate } from "node:crypto";
import { z } from "zod";
import { BoundedCache } from "../model/bounded-cache.js";
import { formatPath } from "../model/errors.js";
import {
  decodeBase64Strict,
  derToPem,
  fingerprintDer,
  fingerprintSha256,
  InvalidPemError,
  pemToDer,
} from "../pki/pem.js";
import { loadCertificateDer, subjectCommonName } from "../pki/x509.js";

export type LxdMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A trust store entry, as `GET /1.0/certificates/{fingerprint}` describes it. */
export interface TrustedCertificate {
  readonly fingerprint: string;
  readonly certificatePem: string;
  readonly name: string;
  readonly type: "client";
}

export interface LxdSyncBody {
  readonly type: "sync";
  readonly status: "Success";
  readonly status_code: 200;
  readonly metadata: unknown;
}

export interface LxdErrorBody {
  readonly type: "error";
  readonly error: string;
  readonly error_code: number;
}

export interface LxdResponse {
  readonly status: number;
  readonly body: LxdSyncBody | LxdErrorBody;
}

export interface LxdRequestOptions {
  /** The client certificate presented in the TLS handshake; absent → an anonymous caller. */
  readonly clientCertPem?: string | null;
  /** The client's private key; when given it must match clientCertPem. */
  readonly clientKeyPem?: string | null;
  /** The server certificate the client pins; when given it must be this server's. */
  readonly serverCertPem?: string | null;
  /**
   * The kind of TLS context the client made. "client" (default) makes client sockets. "server"
   * is a context meant for servers, as Python 3.10 and later make for `Purpose.CLIENT_AUTH`: the
   * TCP connection is made, then no client socket can be created and the request never reaches
   * LXD (PythonValueError).
   */
  readonly tlsContext?: "client" | "server";
  /** The JSON request body. */
  readonly body?: unknown;
}

export type LxdFaultKind = "unreachable" | "http-500" | "http-error" | "slow";

const LXD_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const satisfies LxdMethod[];

const faultSchema = z
  .object({
    kind: z.enum(["unreachable", "http-500", "http-error", "slow"]),
    count: z.number().int().positive().optional(),
    paths: z.array(z.string().startsWith("/")).min(1).optional(),
    methods: z.array(z.enum(LXD_METHODS)).min(1).optional(),
    status: z.number().int().min(400).max(599).optional(),
    error: z.string().min(1).optional(),
    latencyMs: z.number().int().nonnegative().optional(),
  })
  .superRefine((fault, ctx) => {
    if (fault.kind === "http-error" && fault.status === undefined) {
      ctx.addIssue({ code: "custom", path: ["status"], message: "http-error needs a status" });
    }
    if (fault.kind !== "http-error" && (fault.status !== undefined || fault.error !== undefined)) {
      const path = fault.status !== undefined ? "status" : "error";
      ctx.addIssue({ code: "custom", path: [path], message: "only an http-error has one" });
    }
  });

/**
 * A fault to inject. `count` is how many requests it affects (default: every request until
 * cleared). `paths` limits it to those request paths (query string ignored); an entry ending in
 * `*` matches every path starting with the text before it. `methods` limits it to those request
 * methods. `http-error` answers `status` (400 to 599) with `error` as the error text (default
 * "injected fault"), without applying the request, as `http-500` does with 500. `latencyMs` is
 * the simulated delay of one slow response (default: the server's slowLatencyMs).
 */
export type LxdFault = z.input<typeof faultSchema>;

export interface ActiveLxdFault {
  readonly kind: LxdFaultKind;
  /** Requests it will still affect; null when unlimited. */
  readonly remaining: number | null;
  readonly paths: readonly string[] | null;
  readonly methods: readonly LxdMethod[] | null;
  /** The status an http-error answers (500 for http-500), else null. */
  readonly status: number | null;
  readonly latencyMs: number;
}

export interface LxdRequestRecord {
  readonly method: string;
  readonly path: string;
  /** HTTP status answered, or null when the request never reached the server. */
  readonly status: number | null;
  /** The injected fault that affected the request, if any. */
  readonly fault: LxdFaultKind | null;
  /** Fingerprint of the caller's client certificate, or null for an anonymous caller. */
  readonly caller: string | null;
}

export interface LxdServerOptions {
  readonly serverName: string;
  readonly serverCertPem: string;
  readonly endpoint: string;
  /**
   * LXD's legacy trust password: when set, an untrusted caller may add a certificate with
   * `POST /1.0/certificates` by sending it as `password`. Unset by default.
   */
  readonly trustPassword?: string;
  /** Simulated latency of one slow response, in milliseconds (default 5000). */
  readonly slowLatencyMs?: number;
}

const trustedCertificateSchema = z.object({
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits"),
  certificatePem: z.string(),
  name: z.string(),
  type: z.literal("client"),
});

const snapshotSchema = z.object({
  endpoint: z.string(),
  serverName: z.string(),
  certificates: z.array(trustedCertificateSchema),
});

/** The trust store as plain JSON, for traces and for restore(). */
export type LxdServerSnapshot = z.infer<typeof snapshotSchema>;

const certificatesPostSchema = z.object({
  type: z.literal("client"),
  certificate: z.string().min(1),
  name: z.string().max(255).optional(),
  password: z.string().optional(),
});

/** The server cannot be reached: nothing listens at the endpoint, or the network is down. */
export class LxdConnectionError extends Error {
  override readonly name: string = "LxdConnectionError";
  constructor(
    readonly endpoint: string,
    message = `connection refused: ${endpoint}`,
  ) {
    super(message);
  }
}

/** The TLS handshake fails: bad client certificate or key, or a server certificate mismatch. */
export class LxdTlsError extends LxdConnectionError {
  override readonly name = "LxdTlsError";
  constructor(endpoint: string, reason: string) {
    super(endpoint, `tls handshake with ${endpoint} failed: ${reason}`);
  }
}

/**
 * Python's ValueError from `SSLContext.wrap_socket` on a server-side context: the client's TLS
 * context cannot make a client socket (see LxdRequestOptions.tlsContext).
 */
export class PythonValueError extends Error {
  override readonly name = "ValueError";
}

/** Raised by injectFault and restore on malformed input; the message names the bad field. */
export class LxdInputError extends Error {
  override readonly name = "LxdInputError";
}

function zodMessage(error: z.ZodError): string {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join("; ");
}

/** Endpoints compare without surrounding whitespace and trailing slashes. */
export function normaliseEndpoint(endpoint: string): string {
  return endpoint.trim().replace(/\/+$/, "");
}

const CERTIFICATES = "/1.0/certificates";
const DEFAULT_SLOW_LATENCY_MS = 5000;

interface FaultState {
  readonly kind: LxdFaultKind;
  remaining: number | null;
  readonly paths: readonly string[] | null;
  readonly methods: readonly LxdMethod[] | null;
  readonly status: number | null;
  readonly error: string;
  readonly latencyMs: number;
}

function matchesRequest(fault: FaultState, method: LxdMethod, path: string): boolean {
  if (fault.methods !== null && !fault.methods.includes(method)) return false;
  if (fault.paths === null) return true;
  return fault.paths.some((entry) =>
    entry.endsWith("*") ? path.startsWith(entry.slice(0, -1)) : path === entry,
  );
}

function ok(status: number, metadata: unknown): LxdResponse {
  return { status, body: { type: "sync", status: "Success", status_code: 200, metadata } };
}

function fail(status: number, error: string): LxdResponse {
  return { status, body: { type: "error", error, error_code: status } };
}

/** Client certificates already parsed, by PEM text: every request presents one. */
const clientFingerprintCache = new BoundedCache<string>(4096);
/**
 * The last key checked against each certificate, and whether it matched: a client presents the
 * same pair on every request, and the lookup is by the certificate text as it is (no key built
 * of both texts, kilobytes, per request).
 */
const keyPairCache = new BoundedCache<{ readonly keyPem: string; readonly matches: boolean }>(1024);

function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  const cached = keyPairCache.get(certPem);
  if (cached !== undefined && cached.keyPem === keyPem) return cached.matches;
  let matches: boolean;
  try {
    matches = new NodeX509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    matches = false;
  }
  keyPairCache.set(certPem, { keyPem, matches });
  return matches;
}

/**
 * The host and port a URL endpoint listens on (IPv6 brackets dropped, host lower-cased, the
 * scheme's default port when none is given), or null when the endpoint is not a URL.
 */
export function endpointAddress(endpoint: string): { host: string; port: number } | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return null;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (host === "") return null;
  const port = url.port === "" ? (url.protocol === "http:" ? 80 : 443) : Number(url.port);
  return { host, port };
}

export class LxdServer {
  readonly serverName: string;
  readonly serverCertPem: string;
  /** SHA-256 fingerprint of the server certificate. */
  readonly serverFingerprint: string;
  readonly endpoint: string;
  readonly slowLatencyMs: number;
  readonly #trustPassword: string | undefined;
  readonly #trustStore = new Map<string, TrustedCertificate>();
  #faults: FaultState[] = [];
  readonly #requests: LxdRequestRecord[] = [];
  #simulatedLatencyMs = 0;
  #slowResponses = 0;

  constructor(options: LxdServerOptions) {
    if (options.serverName.length === 0) throw new LxdInputError("serverName: must not be empty");
    const endpoint = normaliseEndpoint(options.endpoint);
    if (endpoint.length === 0) throw new LxdInputError("endpoint: must not be empty");
    const der = pemToDer(options.serverCertPem);
    loadCertificateDer(der);
    this.serverName = options.serverName;
    this.serverCertPem = derToPem(der);
    this.serverFingerprint = fingerprintDer(der);
    this.endpoint = endpoint;
    this.#trustPassword = options.trustPassword;
    this.slowLatencyMs = options.slowLatencyMs ?? DEFAULT_SLOW_LATENCY_MS;
  }

  // --- trust store, directly -------------------------------------------------------------

  /**
   * Adds a client certificate to the trust store (no request, no faults). `name` defaults to
   * the certificate's subject common name. Adding a trusted certificate again changes nothing
   * and returns the existing entry. Throws InvalidPemError on anything but a certificate.
   */
  trust(certPem: string, name?: string): TrustedCertificate {
    const der = pemToDer(certPem);
    loadCertificateDer(der);
    return this.#add(der, name);
  }

  /** Removes a fingerprint from the trust store; returns whether it was there. */
  untrust(fingerprint: string): boolean {
    return this.#trustStore.delete(fingerprint);
  }

  isTrusted(fingerprint: string): boolean {
    return this.#trustStore.has(fingerprint);
  }

  /** Fingerprints in the trust store, sorted. */
  trustedFingerprints(): string[] {
    return [...this.#trustStore.keys()].sort();
  }

  /** The trust store entry for a fingerprint, if any. */
  trustedCertificate(fingerprint: string): TrustedCertificate | undefined {
    return this.#trustStore.get(fingerprint);
  }

  /** The trust store as plain JSON (entries sorted by fingerprint). */
  snapshot(): LxdServerSnapshot {
    return {
      endpoint: this.endpoint,
      serverName: this.serverName,
      certificates: this.trustedFingerprints().map((fingerprint) => ({
        ...this.#trustStore.get(fingerprint)!,
      })),
    };
  }

  /**
   * Replaces the trust store with a snapshot's. The snapshot is checked first (schema, every
   * fingerprint against its certificate); on error nothing changes.
   */
  restore(snapshot: LxdServerSnapshot): void {
    const parsed = snapshotSchema.safeParse(snapshot);
    if (!parsed.success) throw new LxdInputError(`invalid snapshot: ${zodMessage(parsed.error)}`);
    const entries: TrustedCertificate[] = [];
    parsed.data.certificates.forEach((entry, index) => {
      let der: Uint8Array;
      try {
        der = pemToDer(entry.certificatePem);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new LxdInputError(
          `invalid snapshot: certificates[${index}].certificatePem: ${reason}`,
        );
      }
      if (fingerprintDer(der) !== entry.fingerprint) {
        throw new LxdInputError(
          `invalid snapshot: certificates[${index}].fingerprint: does not match certificatePem`,
        );
      }
      entries.push({ ...entry, certificatePem: derToPem(der) });
    });
    this.#trustStore.clear();
    for (const entry of entries) this.#trustStore.set(entry.fingerprint, entry);
  }

  #add(der: Uint8Array, name: string | undefined): TrustedCertificate {
    const fingerprint = fingerprintDer(der);
    const existing = this.#trustStore.get(fingerprint);
    if (existing !== undefined) return existing;
    const certificatePem = derToPem(der);
    const entry: TrustedCertificate = {
      fingerprint,
      certificatePem,
      name: name ?? subjectCommonName(certificatePem) ?? "",
      type: "client",
    };
    this.#trustStore.set(fingerprint, entry);
    return entry;
  }

  // --- faults ----------------------------------------------------------------------------

  /** Injects a fault; faults apply in injection order, the first that matches a request wins. */
  injectFault(fault: LxdFault): void {
    const parsed = faultSchema.safeParse(fault);
    if (!parsed.success) throw new LxdInputError(`invalid fault: ${zodMessage(parsed.error)}`);
    const { kind } = parsed.data;
    this.#faults.push({
      kind,
      remaining: parsed.data.count ?? null,
      paths: parsed.data.paths ?? null,
      methods: parsed.data.methods ?? null,
      status: kind === "http-500" ? 500 : (parsed.data.status ?? null),
      error:
        kind === "http-500" ? "internal server error" : (parsed.data.error ?? "injected fault"),
      latencyMs: parsed.data.latencyMs ?? this.slowLatencyMs,
    });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** Faults still in force, in injection order. */
  activeFaults(): ActiveLxdFault[] {
    return this.#faults.map(({ kind, remaining, paths, methods, status, latencyMs }) => ({
      kind,
      remaining,
      paths,
      methods,
      status,
      latencyMs,
    }));
  }

  /** Total simulated latency of the slow responses so far, in milliseconds. */
  get simulatedLatencyMs(): number {
    return this.#simulatedLatencyMs;
  }

  /** How many responses a "slow" fault has delayed. */
  get slowResponses(): number {
    return this.#slowResponses;
  }

  /** Every request so far, in order, including those that never reached the server. */
  get requests(): readonly LxdRequestRecord[] {
    return this.#requests;
  }

  clearRequestLog(): void {
    this.#requests.length = 0;
  }

  #findFault(method: LxdMethod, path: string): FaultState | null {
    return this.#faults.find((fault) => matchesRequest(fault, method, path)) ?? null;
  }

  /** Counts one affected request against a fault, dropping it once exhausted. */
  #consume(fault: FaultState): void {
    if (fault.remaining === null) return;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.#faults = this.#faults.filter((other) => other !== fault);
  }

  // --- requests --------------------------------------------------------------------------

  /**
   * Performs one request, synchronously. Throws LxdConnectionError when the server is
   * unreachable and LxdTlsError when the TLS handshake would fail; otherwise answers like LXD.
   */
  request(method: LxdMethod, path: string, options: LxdRequestOptions = {}): LxdResponse {
    const route = path.split("?", 1)[0]!.replace(/(.)\/+$/, "$1");
    const query = new URLSearchParams(path.includes("?") ? path.slice(path.indexOf("?") + 1) : "");
    const fault = this.#findFault(method, route);
    const record = (status: number | null, caller: string | null, kind: LxdFaultKind | null) =>
      this.#requests.push({ method, path, status, fault: kind, caller });

    if (fault?.kind === "unreachable") {
      this.#consume(fault);
      record(null, null, fault.kind);
      throw new LxdConnectionError(this.endpoint);
    }
    if (options.tlsContext === "server") {
      record(null, null, null);
      throw new PythonValueError(
        "Cannot create a client socket with a PROTOCOL_TLS_SERVER context",
      );
    }
    let caller: string | null;
    try {
      caller = this.#handshake(options);
    } catch (error) {
      record(null, null, null);
      throw error;
    }
    if (fault !== null) this.#consume(fault);
    if (fault?.kind === "http-500" || fault?.kind === "http-error") {
      const response = fail(fault.status ?? 500, fault.error);
      record(response.status, caller, fault.kind);
      return response;
    }
    const response = this.#route(method, route, query, caller, options.body);
    if (fault?.kind === "slow") {
      this.#simulatedLatencyMs += fault.latencyMs;
      this.#slowResponses += 1;
    }
    record(response.status, caller, fault?.kind ?? null);
    return response;
  }

  /** Checks what TLS would check; returns the caller's fingerprint (null when anonymous). */
  #handshake(options: LxdRequestOptions): string | null {
    if (options.serverCertPem != null) {
      let pinned: string;
      try {
        pinned = fingerprintSha256(options.serverCertPem);
      } catch (error) {
        const reason = error instanceof InvalidPemError ? error.message : String(error);
        throw new LxdTlsError(this.endpoint, `invalid server certificate: ${reason}`);
      }
      if (pinned !== this.serverFingerprint) {
        throw new LxdTlsError(this.endpoint, "server certificate does not match the pinned one");
      }
    }
    if (options.clientCertPem == null) return null;
    let caller = clientFingerprintCache.get(options.clientCertPem);
    if (caller === undefined) {
      try {
        const der = pemToDer(options.clientCertPem);
        loadCertificateDer(der);
        caller = fingerprintDer(der);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new LxdTlsError(this.endpoint, `invalid client certificate: ${reason}`);
      }
      clientFingerprintCache.set(options.clientCertPem, caller);
    }
    if (
      options.clientKeyPem != null &&
      !keyMatchesCertificate(options.clientCertPem, options.clientKeyPem)
    ) {
      throw new LxdTlsError(this.endpoint, "client key does not match the client certificate");
    }
    return caller;
  }

  #route(
    method: LxdMethod,
    route: string,
    query: URLSearchParams,
    caller: string | null,
    body: unknown,
  ): LxdResponse {
    const trusted = caller !== null && this.#trustStore.has(caller);
    if (route === "/1.0") {
      return method === "GET" ? this.#getServer(trusted) : fail(405, "method not allowed");
    }
    if (route === CERTIFICATES) {
      if (method === "GET") return this.#listCertificates(trusted, query.get("recursion") === "1");
      if (method === "POST") return this.#addCertificate(trusted, body);
      return fail(405, "method not allowed");
    }
    if (route.startsWith(`${CERTIFICATES}/`)) {
      const fingerprint = route.slice(CERTIFICATES.length + 1);
      if (fingerprint.includes("/")) return fail(404, "not found");
      if (method === "GET") return this.#getCertificate(trusted, fingerprint);
      if (method === "DELETE") return this.#deleteCertificate(trusted, fingerprint);
      return fail(405, "method not allowed");
    }
    return fail(404, "not found");
  }

  #getServer(trusted: boolean): LxdResponse {
    const environment = trusted
      ? {
          server_name: this.serverName,
          server: "lxd",
          certificate: this.serverCertPem,
          certificate_fingerprint: this.serverFingerprint,
        }
      : { server_name: this.serverName };
    return ok(200, {
      api_version: "1.0",
      auth: trusted ? "trusted" : "untrusted",
      auth_methods: ["tls"],
      environment,
    });
  }

  #listCertificates(trusted: boolean, recursion: boolean): LxdResponse {
    if (!trusted) return fail(403, "not authorized");
    const fingerprints = this.trustedFingerprints();
    return ok(
      200,
      recursion
        ? fingerprints.map((fingerprint) => ({ ...this.#trustStore.get(fingerprint)! }))
        : fingerprints.map((fingerprint) => `${CERTIFICATES}/${fingerprint}`),
    );
  }

  #getCertificate(trusted: boolean, fingerprint: string): LxdResponse {
    if (!trusted) return fail(403, "not authorized");
    const entry = this.#trustStore.get(fingerprint);
    return entry === undefined ? fail(404, "Certificate not found") : ok(200, { ...entry });
  }

  #deleteCertificate(trusted: boolean, fingerprint: string): LxdResponse {
    if (!trusted) return fail(403, "not authorized");
    if (!this.#trustStore.delete(fingerprint)) return fail(404, "Certificate not found");
    return ok(202, {});
  }

  #addCertificate(trusted: boolean, body: unknown): LxdResponse {
    if (!trusted && this.#trustPassword === undefined) return fail(403, "not authorized");
    const parsed = certificatesPostSchema.safeParse(body);
    if (!trusted && (!parsed.success || parsed.data.password !== this.#trustPassword)) {
      return fail(403, "not authorized");
    }
    if (!parsed.success) return fail(400, `invalid request body: ${zodMessage(parsed.error)}`);
    const der = decodeBase64Strict(parsed.data.certificate);
    if (der === null) return fail(400, "invalid certificate: not valid base64");
    try {
      loadCertificateDer(der);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return fail(400, `invalid certificate: ${reason}`);
    }
    if (this.#trustStore.has(fingerprintDer(der))) {
      return fail(400, "Certificate already in trust store");
    }
    this.#add(der, parsed.data.name);
    return ok(201, {});
  }
}
