/**
 * Real X.509 material built with @peculiar/x509: a CA, leaf certificates signed by it, and
 * synchronous certificate parsing.
 *
 * Output is deterministic except for key material: serial numbers default to a value derived
 * from the subject, and validity starts at a fixed instant unless told otherwise.
 */
// @peculiar/x509 needs the reflect-metadata polyfill loaded before it is imported.
import "reflect-metadata";
import { createHash, type webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { BoundedCache } from "../model/bounded-cache.js";
import { encodePem, fingerprintDer, InvalidPemError, isCertificateDer, pemToDer } from "./pem.js";

x509.cryptoProvider.set(globalThis.crypto);

/** Key algorithms the generator supports. */
export type KeyAlgorithm = "ecdsa-p256" | "rsa-2048";

/** The fixed instant certificates are valid from unless a caller says otherwise. */
export const DEFAULT_NOT_BEFORE = new Date("2026-01-01T00:00:00Z");
export const DEFAULT_CA_VALIDITY_DAYS = 3650;
export const DEFAULT_LEAF_VALIDITY_DAYS = 825;

const DAY_MS = 86_400_000;

/** A certificate and its private key. */
export interface CertificateMaterial {
  /** The certificate, PEM (canonical: 64-character lines, trailing newline). */
  readonly certPem: string;
  /** The private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  readonly keyPem: string;
  /** SHA-256 over the certificate's DER bytes, lowercase hex. */
  readonly fingerprint: string;
  /** Serial number, lowercase hex. */
  readonly serialNumber: string;
  readonly keyAlgorithm: KeyAlgorithm;
}

/** What createLeaf needs of its issuer. */
export type IssuerMaterial = Pick<CertificateMaterial, "certPem" | "keyPem">;

export interface CreateCaOptions {
  readonly commonName: string;
  readonly keyAlgorithm?: KeyAlgorithm;
  readonly validityDays?: number;
  /** Hex serial number; defaults to one derived from the common name. */
  readonly serialNumber?: string;
  readonly notBefore?: Date;
}

export interface CreateLeafOptions {
  readonly ca: IssuerMaterial;
  readonly commonName: string;
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Adds the clientAuth extended key usage. Defaults to true unless isServer is set. */
  readonly isClient?: boolean;
  /** Adds the serverAuth extended key usage and a DNS subject alternative name. */
  readonly isServer?: boolean;
  /** DNS subject alternative names; a server certificate defaults to its common name. */
  readonly dnsNames?: readonly string[];
  readonly validityDays?: number;
  /** Hex serial number; defaults to one derived from the issuer and the common name. */
  readonly serialNumber?: string;
  readonly notBefore?: Date;
}

interface AlgorithmChoice {
  readonly generate: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams;
  readonly importKey: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  readonly sign: webcrypto.Algorithm | webcrypto.EcdsaParams;
}

const ALGORITHMS: Record<KeyAlgorithm, AlgorithmChoice> = {
  "ecdsa-p256": {
    generate: { name: "ECDSA", namedCurve: "P-256" },
    importKey: { name: "ECDSA", namedCurve: "P-256" },
    sign: { name: "ECDSA", hash: "SHA-256" },
  },
  "rsa-2048": {
    generate: {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    importKey: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5" },
  },
};

function checkCommonName(commonName: string): void {
  if (typeof commonName !== "string" || commonName.length === 0 || commonName.length > 64) {
    throw new RangeError("commonName must be a string of 1 to 64 characters");
  }
}

function validity(notBefore: Date | undefined, validityDays: number): [Date, Date] {
  if (!Number.isInteger(validityDays) || validityDays <= 0) {
    throw new RangeError(`validityDays must be a positive integer, got ${validityDays}`);
  }
  const start = notBefore ?? DEFAULT_NOT_BEFORE;
  if (Number.isNaN(start.getTime())) throw new RangeError("notBefore is not a valid date");
  return [start, new Date(start.getTime() + validityDays * DAY_MS)];
}

/**
 * Normalises a hex serial number to its positive, minimal DER form (lowercase, even length).
 * Throws on text that is not hex or on a zero serial.
 */
export function normaliseSerialNumber(serialNumber: string): string {
  if (!/^[0-9a-fA-F]{1,40}$/.test(serialNumber)) {
    throw new RangeError(
      `serialNumber must be 1 to 40 hex digits, got ${JSON.stringify(serialNumber)}`,
    );
  }
  let hex = serialNumber.toLowerCase().replace(/^0+/, "");
  if (hex.length === 0) throw new RangeError("serialNumber must not be zero");
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return hex;
}

/** A deterministic positive 64-bit serial derived from the given text. */
export function derivedSerialNumber(seedText: string): string {
  const digest = createHash("sha256").update(`charmsim-serial:${seedText}`).digest();
  digest[0] = (digest[0]! & 0x7f) | 0x40;
  return digest.subarray(0, 8).toString("hex");
}

function subjectName(commonName: string): x509.Name {
  return new x509.Name([{ CN: [commonName] }, { O: ["charmsim"] }]);
}

async function generateKeys(keyAlgorithm: KeyAlgorithm): Promise<webcrypto.CryptoKeyPair> {
  const choice = ALGORITHMS[keyAlgorithm];
  if (choice === undefined) throw new RangeError(`unsupported key algorithm: ${keyAlgorithm}`);
  return (await globalThis.crypto.subtle.generateKey(choice.generate, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
}

async function exportPrivateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await globalThis.crypto.subtle.exportKey("pkcs8", key);
  return encodePem("PRIVATE KEY", new Uint8Array(pkcs8));
}

function material(
  certificate: x509.X509Certificate,
  keyPem: string,
  keyAlgorithm: KeyAlgorithm,
): CertificateMaterial {
  const der = new Uint8Array(certificate.rawData);
  return {
    certPem: encodePem("CERTIFICATE", der),
    keyPem,
    fingerprint: fingerprintDer(der),
    serialNumber: certificate.serialNumber.toLowerCase(),
    keyAlgorithm,
  };
}

/** Creates a self-signed certificate authority. */
export async function createCa(options: CreateCaOptions): Promise<CertificateMaterial> {
  checkCommonName(options.commonName);
  const keyAlgorithm = options.keyAlgorithm ?? "ecdsa-p256";
  const [notBefore, notAfter] = validity(
    options.notBefore,
    options.validityDays ?? DEFAULT_CA_VALIDITY_DAYS,
  );
  const keys = await generateKeys(keyAlgorithm);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: normaliseSerialNumber(
      options.serialNumber ?? derivedSerialNumber(`ca:${options.commonName}`),
    ),
    name: subjectName(options.commonName),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ALGORITHMS[keyAlgorithm].sign,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return material(certificate, await exportPrivateKeyPem(keys.privateKey), keyAlgorithm);
}

function keyAlgorithmOf(certificate: x509.X509Certificate): KeyAlgorithm {
  const algorithm = certificate.publicKey.algorithm as webcrypto.Algorithm & {
    namedCurve?: string;
  };
  if (algorithm.name === "ECDSA" && algorithm.namedCurve === "P-256") return "ecdsa-p256";
  if (algorithm.name === "RSASSA-PKCS1-v1_5") return "rsa-2048";
  throw new RangeError(`unsupported issuer key algorithm: ${algorithm.name}`);
}

function privateKeyDer(keyPem: string): Uint8Array {
  const match = /^-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----$/.exec(
    keyPem.trim(),
  );
  const der = match === null ? null : Buffer.from(match[1]!.replace(/\s+/g, ""), "base64");
  if (der === null || der.length === 0) {
    throw new InvalidPemError("issuer key is not a PKCS#8 PEM private key (BEGIN PRIVATE KEY)");
  }
  return new Uint8Array(der);
}

/** Creates a leaf certificate signed by the given CA. */
export async function createLeaf(options: CreateLeafOptions): Promise<CertificateMaterial> {
  checkCommonName(options.commonName);
  const keyAlgorithm = options.keyAlgorithm ?? "ecdsa-p256";
  const isServer = options.isServer ?? false;
  const isClient = options.isClient ?? !isServer;
  const [notBefore, notAfter] = validity(
    options.notBefore,
    options.validityDays ?? DEFAULT_LEAF_VALIDITY_DAYS,
  );
  const issuer = parseCertificate(options.ca.certPem);
  const issuerAlgorithm = keyAlgorithmOf(issuer);
  const signingKey = await globalThis.crypto.subtle.importKey(
    "pkcs8",
    privateKeyDer(options.ca.keyPem),
    ALGORITHMS[issuerAlgorithm].importKey,
    false,
    ["sign"],
  );
  const keys = await generateKeys(keyAlgorithm);

  const usages: string[] = [];
  if (isServer) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (isClient) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const keyUsage =
    keyAlgorithm === "rsa-2048"
      ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
      : x509.KeyUsageFlags.digitalSignature;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsage, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey),
  ];
  if (usages.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(usages, false));
  const dnsNames = options.dnsNames ?? (isServer ? [options.commonName] : []);
  if (dnsNames.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        dnsNames.map((value) => ({ type: "dns" as const, value })),
        false,
      ),
    );
  }

  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: normaliseSerialNumber(
      options.serialNumber ?? derivedSerialNumber(`leaf:${issuer.subject}:${options.commonName}`),
    ),
    subject: subjectName(options.commonName),
    issuer: issuer.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: ALGORITHMS[issuerAlgorithm].sign,
    extensions,
  });
  return material(certificate, await exportPrivateKeyPem(keys.privateKey), keyAlgorithm);
}

/**
 * Parses DER bytes as an X.509 certificate (synchronously). Throws InvalidPemError when the
 * bytes are not a certificate.
 */
export function parseCertificateDer(der: Uint8Array): x509.X509Certificate {
  if (!isCertificateDer(der)) {
    throw new InvalidPemError("not an X.509 certificate: the DER is not a Certificate structure");
  }
  try {
    return new x509.X509Certificate(der);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidPemError(`not an X.509 certificate: ${reason}`);
  }
}

/** Parses a PEM certificate (synchronously). Throws InvalidPemError on anything else. */
export function parseCertificate(pem: string): x509.X509Certificate {
  return parseCertificateDer(pemToDer(pem));
}

/**
 * Outcomes of checking certificates, by their text: null for a certificate, else the error's
 * message. Charms and the simulated LXD server check the same few certificates on every hook,
 * and an ASN.1 parse costs more than the rest of such a hook.
 */
const checked = new BoundedCache<string | null>(4096);

function checkCached(key: string, parse: () => unknown): void {
  let outcome = checked.get(key);
  if (outcome === undefined) {
    try {
      parse();
      outcome = null;
    } catch (error) {
      if (!(error instanceof InvalidPemError)) throw error;
      outcome = error.message;
    }
    checked.set(key, outcome);
  }
  if (outcome !== null) throw new InvalidPemError(outcome);
}

/**
 * Checks that `pem` is a parsable PEM certificate, as `load_certificate(FILETYPE_PEM, pem)`
 * does, keeping nothing of it; throws InvalidPemError (the same message parseCertificate gives)
 * otherwise. Outcomes are remembered by text.
 */
export function loadCertificate(pem: string): void {
  checkCached(`pem:${pem}`, () => parseCertificate(pem));
}

/** loadCertificate for DER bytes. */
export function loadCertificateDer(der: Uint8Array): void {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1");
  checkCached(`der:${key}`, () => parseCertificateDer(der));
}

const commonNameCache = new BoundedCache<string | null>(4096);

/**
 * The subject's common name (the first CN attribute), or null when the subject has none.
 * Throws InvalidPemError when the text is not a parsable PEM certificate.
 */
export function subjectCommonName(pem: string): string | null {
  const cached = commonNameCache.get(pem);
  if (cached !== undefined) return cached;
  const commonName = parseCertificate(pem).subjectName.getField("CN")[0] ?? null;
  commonNameCache.set(pem, commonName);
  return commonName;
}

/**
 * True when `certPem` names `caPem`'s subject as its issuer and its signature verifies with the
 * CA's public key. Validity dates are not checked (the simulation has no clock).
 */
export async function verifyIssuedBy(certPem: string, caPem: string): Promise<boolean> {
  const certificate = parseCertificate(certPem);
  const ca = parseCertificate(caPem);
  if (certificate.issuer !== ca.subject) return false;
  return certificate.verify({ publicKey: ca.publicKey, signatureOnly: true });
}
