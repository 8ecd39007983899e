/**
 * PEM and DER helpers for X.509 certificates.
 *
 * Everything here is synchronous and generates no keys: these functions sit on hot paths (every
 * simulated LXD request fingerprints its caller), so they use node:crypto hashing and a hand
 * written strict base64 decoder rather than the asynchronous WebCrypto API.
 */
import { createHash } from "node:crypto";
import { BoundedCache } from "../model/bounded-cache.js";

const CERTIFICATE_LABEL = "CERTIFICATE";
const BEGIN_CERTIFICATE = `-----BEGIN ${CERTIFICATE_LABEL}-----`;
const END_CERTIFICATE = `-----END ${CERTIFICATE_LABEL}-----`;

/** Raised when text is not a single well-formed PEM certificate block. */
export class InvalidPemError extends Error {
  override readonly name = "InvalidPemError";
}

const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard base64 (RFC 4648 section 4, with padding), ignoring line breaks and spaces.
 * Returns null when the text is empty or not valid base64, including bad padding.
 */
export function decodeBase64Strict(text: string): Uint8Array | null {
  const compact = text.replace(/[\r\n\t ]+/g, "");
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_BODY.test(compact)) {
    return null;
  }
  const bytes = Buffer.from(compact, "base64");
  // Buffer silently drops non-zero trailing bits; a round trip rejects such non-canonical input.
  if (bytes.toString("base64") !== compact) return null;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function describe(text: string): string {
  const firstLine = text.trim().split(/\r?\n/, 1)[0] ?? "";
  const shown = firstLine.length > 40 ? `${firstLine.slice(0, 40)}...` : firstLine;
  return shown.length === 0 ? "empty text" : JSON.stringify(shown);
}

/**
 * Decodes a PEM certificate into DER bytes. The text must hold exactly one
 * `-----BEGIN CERTIFICATE-----` block with a valid base64 body; surrounding whitespace is
 * allowed, anything else is not.
 */
export function pemToDer(pem: string): Uint8Array {
  if (typeof pem !== "string") {
    throw new InvalidPemError(`expected a PEM certificate string, got ${typeof pem}`);
  }
  const text = pem.trim();
  if (!text.startsWith(BEGIN_CERTIFICATE)) {
    throw new InvalidPemError(
      `not a PEM certificate: expected "${BEGIN_CERTIFICATE}" at the start, found ${describe(pem)}`,
    );
  }
  const end = text.indexOf(END_CERTIFICATE);
  if (end === -1) {
    throw new InvalidPemError(`not a PEM certificate: missing "${END_CERTIFICATE}"`);
  }
  if (end + END_CERTIFICATE.length !== text.length) {
    throw new InvalidPemError(
      "not a single PEM certificate: unexpected text after the first END CERTIFICATE line",
    );
  }
  const body = text.slice(BEGIN_CERTIFICATE.length, end);
  if (body.includes("-----")) {
    throw new InvalidPemError("not a single PEM certificate: nested or repeated PEM boundaries");
  }
  const der = decodeBase64Strict(body);
  if (der === null) {
    throw new InvalidPemError("not a PEM certificate: the body is empty or not valid base64");
  }
  return der;
}

const BEGIN_LINE = /^-----BEGIN (.+)-----$/;

/**
 * The first certificate in a text, read as OpenSSL's PEM reader reads it (what pyOpenSSL's
 * `load_certificate(FILETYPE_PEM, text)` does): lines before a BEGIN line are skipped, complete
 * blocks of other kinds (a private key) are passed over, the first CERTIFICATE block is decoded
 * and anything after it is ignored. Returns it as a canonical PEM certificate. Throws
 * InvalidPemError when there is no CERTIFICATE block, or when a block is cut short or the
 * certificate's body is not base64. (OpenSSL's legacy "X509 CERTIFICATE" label is not accepted.)
 */
export function firstCertificatePem(text: string): string {
  if (typeof text !== "string") {
    throw new InvalidPemError(`expected a PEM certificate string, got ${typeof text}`);
  }
  const lines = text.split("\n").map((line) => line.trimEnd());
  let i = 0;
  while (i < lines.length) {
    const begin = BEGIN_LINE.exec(lines[i] ?? "");
    i += 1;
    if (!begin) continue;
    const label = begin[1] as string;
    const endLine = `-----END ${label}-----`;
    const end = lines.indexOf(endLine, i);
    if (end === -1) throw new InvalidPemError(`not a PEM certificate: missing "${endLine}"`);
    if (label === CERTIFICATE_LABEL) {
      const der = decodeBase64Strict(lines.slice(i, end).join(""));
      if (der === null) {
        throw new InvalidPemError("not a PEM certificate: the body is empty or not valid base64");
      }
      return derToPem(der);
    }
    i = end + 1;
  }
  throw new InvalidPemError(
    `not a PEM certificate: no "${BEGIN_CERTIFICATE}" block in ${describe(text)}`,
  );
}

/** Encodes DER bytes as a PEM block with the given label, 64 characters a line. */
export function encodePem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Encodes certificate DER bytes as a canonical PEM certificate (trailing newline included). */
export function derToPem(der: Uint8Array): string {
  if (der.byteLength === 0) throw new InvalidPemError("cannot encode an empty certificate");
  return encodePem(CERTIFICATE_LABEL, der);
}

/** Reads one DER tag-length header at `offset`; returns the content bounds or null. */
function readTlv(
  der: Uint8Array,
  offset: number,
): { tag: number; start: number; end: number } | null {
  if (offset + 2 > der.length) return null;
  const tag = der[offset]!;
  const first = der[offset + 1]!;
  let start = offset + 2;
  let length = first;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4 || start + octets > der.length) return null;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i]!;
    start += octets;
  }
  const end = start + length;
  return end > der.length ? null : { tag, start, end };
}

/**
 * A cheap structural check that DER bytes are an X.509 Certificate:
 * SEQUENCE { SEQUENCE tbsCertificate, SEQUENCE signatureAlgorithm, BIT STRING signature },
 * with every length exact. It does not check the signature or the fields inside.
 */
export function isCertificateDer(der: Uint8Array): boolean {
  const outer = readTlv(der, 0);
  if (outer === null || outer.tag !== 0x30 || outer.end !== der.length) return false;
  const tbs = readTlv(der, outer.start);
  if (tbs === null || tbs.tag !== 0x30) return false;
  const algorithm = readTlv(der, tbs.end);
  if (algorithm === null || algorithm.tag !== 0x30) return false;
  const signature = readTlv(der, algorithm.end);
  return signature !== null && signature.tag === 0x03 && signature.end === outer.end;
}

// Every reader of relation data checks the same few certificate texts on every hook.
const certificatePemCache = new BoundedCache<boolean>(4096);

/**
 * True when the text is a single well-formed PEM certificate block whose body decodes to
 * certificate-shaped DER (see isCertificateDer). Never throws.
 */
export function isCertificatePem(text: unknown): boolean {
  if (typeof text !== "string") return false;
  const cached = certificatePemCache.get(text);
  if (cached !== undefined) return cached;
  let answer: boolean;
  try {
    answer = isCertificateDer(pemToDer(text));
  } catch {
    answer = false;
  }
  certificatePemCache.set(text, answer);
  return answer;
}

/**
 * The base64 DER body of a PEM certificate without header, footer or line breaks: the form
 * LXD's `POST /1.0/certificates` expects in its `certificate` field.
 */
export function certificateBase64Body(pem: string): string {
  const der = pemToDer(pem);
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
}

const fingerprintCache = new BoundedCache<string>(4096);

/** SHA-256 over DER bytes, lowercase hex without separators. */
export function fingerprintDer(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex");
}

/**
 * The certificate's fingerprint as LXD computes it: SHA-256 over the DER bytes, lowercase hex,
 * no separators. Throws InvalidPemError on text that is not a PEM certificate.
 */
export function fingerprintSha256(pem: string): string {
  const cached = fingerprintCache.get(pem);
  if (cached !== undefined) return cached;
  const fingerprint = fingerprintDer(pemToDer(pem));
  fingerprintCache.set(pem, fingerprint);
  return fingerprint;
}

const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Splits a bundle into its certificate blocks, in order, each from its BEGIN line to its END
 * line followed by a newline. Text between blocks and blocks of other kinds (keys) are ignored;
 * the blocks are not validated (pemToDer does that).
 */
export function splitPemBundle(text: string): string[] {
  return Array.from(text.matchAll(BLOCK), (match) => `${match[0]}\n`);
}
