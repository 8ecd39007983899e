/**
 * The `lxd` interface's databag contents, as zod schemas, and the JSON helpers both sides use.
 *
 * Provider unit bag: `version` ("1.0") and `nodes` (JSON array of `{endpoint, name,
 * trusted_certs_fp}`). Requirer unit bag: `client_certificates` (JSON array of PEM client
 * certificates). The interface text also names a `registered_certificates` list on the
 * provider side; upstream code never writes it and neither does this port: a requirer learns
 * that its certificate is trusted from the node's `trusted_certs_fp`.
 */
import { z } from "zod";
import { formatPath } from "../../model/errors.js";
import type { JsonValue } from "../../model/json.js";
import { fingerprintSha256, InvalidPemError, isCertificatePem, pemToDer } from "../../pki/pem.js";
import { loadCertificate } from "../../pki/x509.js";

/** The protocol version the provider publishes. */
export const LXD_INTERFACE_VERSION = "1.0";
/** The only major version a requirer accepts. */
export const SUPPORTED_MAJOR_VERSION = 1;

/** Databag keys of the interface. */
export const NODES_KEY = "nodes";
export const VERSION_KEY = "version";
export const CLIENT_CERTIFICATES_KEY = "client_certificates";
export const TRUSTED_CERTS_FP_KEY = "trusted_certs_fp";

const fingerprintSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "expected a SHA-256 fingerprint (64 lowercase hex digits)");

/** One LXD node as the provider describes it. */
export const lxdNodeSchema = z.object({
  endpoint: z.string().min(1, "a node needs an endpoint"),
  name: z.string(),
  trusted_certs_fp: z.array(fingerprintSchema),
});
export type LxdNode = z.infer<typeof lxdNodeSchema>;
export const lxdNodesSchema = z.array(lxdNodeSchema);
/** Any JSON list (its items are checked one by one, so that one bad item is reported alone). */
export const jsonListSchema = z.array(z.unknown());

/** `version`: dot-separated whole numbers, e.g. "1.0". */
export const versionSchema = z
  .string()
  .regex(/^\d+(\.\d+)*$/, 'expected a version such as "1.0"')
  .transform((text) => ({ text, major: Number(text.split(".")[0]) }));

/** What went wrong reading a databag field, in one sentence. */
export type FieldResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

function zodIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join("; ");
}

/** Parses a databag value as JSON, then validates it with `schema`. Never throws. */
export function parseJsonField<S extends z.ZodType>(
  text: string,
  schema: S,
): FieldResult<z.output<S>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, error: zodIssues(parsed.error) };
  return { ok: true, value: parsed.data };
}

/** A validated client certificate: its PEM text and SHA-256 fingerprint. */
export interface ClientCertificate {
  readonly pem: string;
  readonly fingerprint: string;
}

/** The outcome of reading one requirer unit's `client_certificates`. */
export interface ClientCertificatesReading {
  /** Valid certificates, first occurrence of each fingerprint, in list order. */
  readonly certificates: readonly ClientCertificate[];
  /** One sentence per problem (the whole value, or one item of the list). */
  readonly problems: readonly string[];
}

/**
 * Reads a requirer's `client_certificates` strictly: JSON, a list, each item a PEM certificate.
 * A missing key means no certificates. Invalid items are reported and left out.
 */
export function readClientCertificates(raw: string | undefined): ClientCertificatesReading {
  if (raw === undefined) return { certificates: [], problems: [] };
  const list = parseJsonField(raw, jsonListSchema);
  if (!list.ok) {
    const problem = list.error.startsWith("not JSON")
      ? `${CLIENT_CERTIFICATES_KEY} is ${list.error}`
      : `${CLIENT_CERTIFICATES_KEY} is not a list of PEM certificates (${list.error})`;
    return { certificates: [], problems: [problem] };
  }
  const certificates: ClientCertificate[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  list.value.forEach((item, index) => {
    if (typeof item !== "string") {
      problems.push(
        `${CLIENT_CERTIFICATES_KEY}[${index}] is a ${jsonTypeName(item)}, not a string`,
      );
      return;
    }
    const problem = certificateProblem(item);
    if (problem !== null) {
      problems.push(`${CLIENT_CERTIFICATES_KEY}[${index}] is not a PEM certificate (${problem})`);
      return;
    }
    const fingerprint = fingerprintSha256(item);
    if (seen.has(fingerprint)) return;
    seen.add(fingerprint);
    certificates.push({ pem: item, fingerprint });
  });
  return { certificates, problems };
}

/** Why `text` is not a single parsable PEM certificate, or null when it is one. */
export function certificateProblem(text: string): string | null {
  if (!isCertificatePem(text)) {
    try {
      pemToDer(text);
      return "the DER inside is not an X.509 certificate";
    } catch (error) {
      return error instanceof InvalidPemError ? error.message : String(error);
    }
  }
  try {
    loadCertificate(text);
    return null;
  } catch (error) {
    return error instanceof InvalidPemError ? error.message : String(error);
  }
}

/** JSON's name for a value's type, for messages. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "object";
  return typeof value;
}

/**
 * JSON text laid out like Python's `json.dumps` with default arguments (", " and ": "
 * separators, non-ASCII escaped), so bags match what the upstream charm writes byte for byte.
 */
export function pythonJsonDumps(value: JsonValue): string {
  if (value === null || typeof value !== "object") return asciiJson(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  const fields = Object.entries(value).map(([k, v]) => `${asciiJson(k)}: ${pythonJsonDumps(v)}`);
  return `{${fields.join(", ")}}`;
}

function asciiJson(value: string | number | boolean | null): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
