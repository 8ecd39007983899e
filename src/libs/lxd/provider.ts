/**
 * The provider side of the `lxd` interface, ported faithfully from the LXD integrator's
 * interface object, defects included so that the property suites can find them. Upstream:
 * canonical/lxd-integrator-operator, src/interface.py, class `Lxd` (at ae66661); line numbers
 * below refer to that file. See ../../../../shared/spec/lxd.md.
 *
 * QUIRKs (spec/lxd.md):
 * - relation-changed reads `trusted_certs_fp` from the *requirer's* unit bag, where no requirer
 *   writes it, so the set of "registered" certificates is always empty (lines 204-207);
 * - the "unregister" branch would fingerprint those fingerprints as if they were PEM text and
 *   fail (lines 215-217, 144); with the previous quirk it never runs, so certificates are never
 *   removed from LXD's trust store;
 * - so every client certificate is POSTed again on every relation-changed (lines 228-232);
 * - there is no relation-departed or relation-broken handler (only joined and changed are
 *   observed, lines 44-45): a requirer's certificates stay trusted by LXD after it leaves;
 * - an application-level relation-changed (no remote unit) reads the bag of a missing unit and
 *   the hook fails (line 201);
 * - TLS (security): the client context is `create_default_context(purpose=Purpose.CLIENT_AUTH,
 *   cafile=server_cert)` with `check_hostname = False` (lines 67-73), a context meant for
 *   servers that verifies no server certificate: any server answering at the endpoint is
 *   trusted. On Python 3.10 and later (LxdOptions.python) the same context cannot make a client
 *   socket, so `setCredentials` always fails (./client.ts models both).
 *
 * Upstream behaviours that follow from the code, not listed as QUIRKs in the spec:
 * - relation-joined finds its relation with `get_relation(relation_name)` (line 102), so it
 *   raises once the endpoint has two relations, and overwrites `nodes` with an empty
 *   `trusted_certs_fp` (lines 103-111), dropping fingerprints that earlier relation-changed
 *   hooks added;
 * - a fingerprint is added to `trusted_certs_fp` even when LXD refused to register the
 *   certificate (lines 188-194 only log, lines 230-232 add);
 * - a missing node for the endpoint in this unit's `nodes` raises StopIteration (line 221), and
 *   the search stops at the first match: nodes after it are never looked at;
 * - a failed registration, and a removal answered anything but 202, log LXD's answer body as it
 *   came (`_register_cert`, `_unregister_cert`);
 * - client certificates are read as pyOpenSSL's `load_certificate(FILETYPE_PEM, ...)` reads
 *   them (lines 156, 173): the first CERTIFICATE block counts, text and other blocks around it
 *   are ignored; the POSTed body is that block's (the line scan of lines 163-171);
 * - the endpoint is used as http.client parses it after "https://" and "http://" are removed
 *   (lines 74-75): a trailing slash or path after the port is InvalidURL.
 *
 * Not modelled: upstream writes the credentials to files under the charm directory and rewrites
 * them only when missing (lines 125-136), removing them after registrations (lines 114-123); the
 * port passes the stored credentials to every connection.
 *
 * The fixed variant is LxdFixed (./provider-fixed.ts).
 */
import { z } from "zod";
import type { CharmBase } from "../../harness/ops/charm.js";
import { KeyError } from "../../harness/ops/errors.js";
import type { RelationChangedEvent, RelationJoinedEvent } from "../../harness/ops/events.js";
import { FrameworkObject, type JujuLogger } from "../../harness/ops/framework.js";
import { fingerprintSha256, firstCertificatePem } from "../../pki/pem.js";
import { loadCertificate } from "../../pki/x509.js";
import { LxdClient, type LxdIdentity, type UpstreamPython } from "./client.js";
import {
  CLIENT_CERTIFICATES_KEY,
  LXD_INTERFACE_VERSION,
  NODES_KEY,
  pythonJsonDumps,
  TRUSTED_CERTS_FP_KEY,
  VERSION_KEY,
} from "./data.js";

/** `setCredentials` reached LXD, which does not trust the given client certificate. */
export class LxdNotTrustedError extends Error {
  override readonly name = "LxdNotTrustedError";
  constructor() {
    super("invalid credentials: not trusted");
  }
}

/** Python's TypeError, raised where upstream would raise one on ill-typed relation data. */
export class PythonTypeError extends Error {
  override readonly name = "TypeError";
}

/** Upstream's stored state: every field starts as null. */
export type LxdState = {
  endpoint: string | null;
  serverName: string | null;
  clientCert: string | null;
  clientKey: string | null;
  serverCert: string | null;
};

const EMPTY_STATE: LxdState = {
  endpoint: null,
  serverName: null,
  clientCert: null,
  clientKey: null,
  serverCert: null,
};

/** What the provider side offers the charm, in both variants. */
export interface LxdProvider {
  readonly isReady: boolean;
  readonly endpoint: string | null;
  readonly serverName: string | null;
  setCredentials(endpoint: string, clientCert: string, clientKey: string, serverCert: string): void;
}

function pythonTypeName(value: unknown): string {
  if (value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  switch (typeof value) {
    // Stryker disable next-line ConditionalExpression: no caller passes a string (a string is iterable, and is what a certificate must be)
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "object":
      return "dict";
    // Stryker disable next-line ConditionalExpression: values here are JSON-decoded, so typeof is one of the cases above
    default:
      return typeof value;
  }
}

/** Python's `iter(value)` over a JSON-decoded value: a list's items, a string's characters, a dict's keys. */
function pythonIter(value: unknown): unknown[] {
  if (typeof value === "string") return [...value];
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === "object") return Object.keys(value);
  throw new PythonTypeError(`'${pythonTypeName(value)}' object is not iterable`);
}

/**
 * Python's `set(value)` over a JSON-decoded value, as an ordered list of distinct members: what
 * `iter` gives, where lists and dicts are unhashable.
 */
export function pythonSet(value: unknown): unknown[] {
  const items = pythonIter(value);
  for (const item of items) {
    if (item !== null && typeof item === "object") {
      throw new PythonTypeError(`unhashable type: '${pythonTypeName(item)}'`);
    }
  }
  return [...new Set(items)];
}

/** Python's `value[key]` with a str key over a JSON-decoded value. */
function pythonItem(value: unknown, key: string): unknown {
  if (typeof value === "string") throw new PythonTypeError("string indices must be integers");
  if (Array.isArray(value)) {
    throw new PythonTypeError("list indices must be integers or slices, not str");
  }
  if (value !== null && typeof value === "object") {
    if (!Object.hasOwn(value, key)) throw new KeyError(`'${key}'`);
    return (value as Record<string, unknown>)[key];
  }
  throw new PythonTypeError(`'${pythonTypeName(value)}' object is not subscriptable`);
}

/**
 * `next(node for node in nodes if node["endpoint"] == endpoint)` (line 221): the first node of
 * this unit's `nodes` whose endpoint is the stored one. Nodes after it are not looked at; a node
 * before it that is not a dict with an endpoint fails as Python does; none found is
 * StopIteration.
 */
function findOwnNode(nodes: unknown, endpoint: string | null): Record<string, unknown> {
  for (const node of pythonIter(nodes)) {
    // A match is a dict: subscripting anything else raised above.
    if (pythonItem(node, "endpoint") === endpoint) return node as Record<string, unknown>;
  }
  throw new Error(
    `no node with endpoint ${JSON.stringify(endpoint)} in this unit's ${NODES_KEY} (upstream: StopIteration)`,
  );
}

/** `received.get(key, [])`, JSON-decoded when it is a string (it always is, in a databag). */
function decodedOrEmpty(raw: string | undefined): unknown {
  return raw === undefined ? [] : (JSON.parse(raw) as unknown);
}

export interface LxdOptions {
  /**
   * The Python series: "3.8" (default; focal, the series upstream's charm was built for) or
   * "3.10+" (jammy and later), where upstream's TLS context cannot make a client connection, so
   * `setCredentials` always fails.
   */
  readonly python?: UpstreamPython;
}

/** The LXD interface object on the integrator's side, as upstream wrote it. */
export class Lxd extends FrameworkObject implements LxdProvider {
  private readonly state: LxdState;
  private readonly logger: JujuLogger;

  /** The Python series the charm runs on (see LxdOptions). */
  readonly python: UpstreamPython;

  constructor(
    private readonly charm: CharmBase,
    readonly relationName: string,
    options: LxdOptions = {},
  ) {
    super(charm, relationName);
    this.python = options.python ?? "3.8";
    this.state = this.framework.storedState(this, "state", { ...EMPTY_STATE });
    this.logger = this.framework.getLogger("interface");
    const events = charm.on.relation(relationName);
    this.framework.observe(events.changed, (e) => this.onRelationChanged(e));
    this.framework.observe(events.joined, (e) => this.onRelationJoined(e));
  }

  /** Whether a relation exists on the endpoint (upstream `is_joined`). */
  get isJoined(): boolean {
    return this.charm.model.getRelation(this.relationName) !== null;
  }

  /** Endpoint, client certificate, client key and server certificate are all set. */
  get isReady(): boolean {
    const s = this.state;
    return Boolean(s.endpoint && s.clientCert && s.clientKey && s.serverCert);
  }

  get endpoint(): string | null {
    return this.state.endpoint;
  }

  get serverName(): string | null {
    return this.state.serverName;
  }

  /** A copy of the stored state. */
  get stored(): Readonly<LxdState> {
    return { ...this.state };
  }

  private client(): LxdClient {
    const s = this.state;
    const identity: LxdIdentity = {
      endpoint: s.endpoint ?? "",
      clientCert: s.clientCert ?? "",
      clientKey: s.clientKey ?? "",
      serverCert: s.serverCert ?? "",
    };
    return new LxdClient(this.charm.model, identity, { kind: "upstream", python: this.python });
  }

  /**
   * Stores the credentials, then asks LXD (`GET /1.0`, with that identity) whether it trusts
   * them: throws LxdNotTrustedError if not; otherwise stores the server's name. A connection or
   * TLS failure propagates, as upstream's does.
   */
  setCredentials(
    endpoint: string,
    clientCert: string,
    clientKey: string,
    serverCert: string,
  ): void {
    Object.assign(this.state, { endpoint, clientCert, clientKey, serverCert });
    const info = this.client().serverInfo();
    if (info.auth !== "trusted") throw new LxdNotTrustedError();
    this.state.serverName = info.serverName;
    this.logger.info("credentials configured");
  }

  private onRelationJoined(event: RelationJoinedEvent): void {
    if (!this.isReady) {
      event.defer();
      return;
    }
    // Upstream looks the relation up by endpoint name rather than using the event's relation.
    const relation = this.charm.model.getRelation(this.relationName);
    if (relation === null) {
      throw new PythonTypeError("'NoneType' object has no attribute 'data'");
    }
    const data = relation.data.get(this.charm.model.unit);
    data.set(
      NODES_KEY,
      pythonJsonDumps([
        { endpoint: this.state.endpoint, name: this.state.serverName, trusted_certs_fp: [] },
      ]),
    );
    data.set(VERSION_KEY, LXD_INTERFACE_VERSION);
  }

  private onRelationChanged(event: RelationChangedEvent): void {
    if (!this.isReady) {
      event.defer();
      return;
    }
    // QUIRK: with no remote unit (an application-level change) this raises KeyError.
    const received = event.relation.data.get(event.unit);
    const localData = event.relation.data.get(this.charm.model.unit);

    // QUIRK: the requirer's bag never holds trusted_certs_fp, so this is always empty.
    const registered = pythonSet(decodedOrEmpty(received.get(TRUSTED_CERTS_FP_KEY)));
    const clientCertificates = pythonSet(decodedOrEmpty(received.get(CLIENT_CERTIFICATES_KEY)));

    // QUIRK: these are fingerprints, which unregisterCert tries to read as PEM certificates.
    const removed = registered.filter((c) => !clientCertificates.includes(c));
    for (const cert of removed) this.unregisterCert(cert);

    const nodes: unknown = JSON.parse(localData.get(NODES_KEY) ?? "[]");
    const currentNode = findOwnNode(nodes, this.state.endpoint);
    const trustedRaw = pythonItem(currentNode, TRUSTED_CERTS_FP_KEY);
    const trustedFps = pythonSet(
      typeof trustedRaw === "string" ? (JSON.parse(trustedRaw) as unknown) : trustedRaw,
    );
    const newCerts = clientCertificates.filter((c) => !registered.includes(c));
    for (const cert of newCerts) {
      this.registerCert(cert);
      const fp = this.certFingerprint(cert);
      if (!trustedFps.includes(fp)) trustedFps.push(fp);
    }
    currentNode.trusted_certs_fp = trustedFps;
    localData.set(NODES_KEY, pythonJsonDumps(z.json().parse([currentNode])));
  }

  /**
   * The certificate `cert` stands for, as upstream's `load_certificate(FILETYPE_PEM, cert)` reads
   * it: the first CERTIFICATE block of the text (see firstCertificatePem).
   */
  private loadCertificate(cert: unknown): string {
    // io.StringIO(None) is an empty buffer, and load_certificate(FILETYPE_PEM, None) reads an
    // empty one: a null fails as a text without a certificate does, not as a TypeError.
    if (cert === null) return this.loadCertificate("");
    if (typeof cert !== "string") {
      throw new PythonTypeError(
        `initial_value must be str or None, not ${pythonTypeName(cert)} (certificate ${JSON.stringify(cert)})`,
      );
    }
    const pem = firstCertificatePem(cert);
    loadCertificate(pem);
    return pem;
  }

  /** Upstream `_cert_fingerprint`: SHA-256 of the loaded certificate. */
  private certFingerprint(cert: unknown): string {
    return fingerprintSha256(this.loadCertificate(cert));
  }

  private registerCert(cert: unknown): void {
    // The POSTed body is the first CERTIFICATE block's, as upstream's line scan extracts it.
    const pem = this.loadCertificate(cert);
    const fp = fingerprintSha256(pem);
    this.logger.info(`adding certificate ${fp} to trust store`);
    const outcome = this.client().register(pem);
    if (outcome.kind === "added") return;
    if (outcome.kind === "already-trusted") {
      this.logger.warning("certificate already provisioned. Skipping provision");
      return;
    }
    // Upstream logs the answer's body as it came (`logger.error(data)`).
    this.logger.error(outcome.raw);
  }

  private unregisterCert(cert: unknown): void {
    const fp = this.certFingerprint(cert);
    this.logger.info(`removing certificate ${fp} from trust store`);
    const outcome = this.client().unregister(fp);
    // Upstream: `if response.getcode() != 202: logger.error(data)`, a 200 and a 404 included.
    if (outcome.status !== 202) this.logger.error(outcome.raw);
  }
}
