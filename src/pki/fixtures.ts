/**
 * The committed pool of certificates (fixtures/pki/pool.json): one CA, the LXD server's
 * certificate and the client certificates, all signed by the CA. Generated once by
 * scripts/gen-fixtures.ts so that tests and simulations never pay for key generation.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { formatPath } from "../model/errors.js";
import { fingerprintSha256, isCertificatePem } from "./pem.js";

export const FIXTURE_POOL_FORMAT = "charmsim-pki-pool/1";

const DEFAULT_POOL_URL = new URL("../../fixtures/pki/pool.json", import.meta.url);

const fingerprintSchema = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits");

const fixtureCertSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "expected a lowercase name such as client-00"),
  role: z.enum(["ca", "client", "server"]),
  commonName: z.string().min(1),
  keyAlgorithm: z.enum(["ecdsa-p256", "rsa-2048"]),
  serialNumber: z.string().regex(/^[0-9a-f]+$/, "expected lowercase hex"),
  fingerprint: fingerprintSchema,
  certPem: z.string().refine(isCertificatePem, "expected a PEM certificate"),
  keyPem: z
    .string()
    .regex(
      /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n?$/,
      "expected PKCS#8 PEM",
    ),
});

const fixturePoolSchema = z.object({
  format: z.literal(FIXTURE_POOL_FORMAT),
  notBefore: z.iso.datetime(),
  certificates: z.array(fixtureCertSchema).min(1),
});

export type FixtureCert = Readonly<z.infer<typeof fixtureCertSchema>>;
export type FixtureRole = FixtureCert["role"];

export interface FixturePool {
  readonly format: typeof FIXTURE_POOL_FORMAT;
  readonly notBefore: string;
  readonly certificates: readonly FixtureCert[];
}

/** Raised when the pool file is missing or malformed; the message names the bad field. */
export class FixturePoolError extends Error {
  override readonly name = "FixturePoolError";
}

/**
 * Validates parsed pool JSON: the schema, then that every fingerprint matches its certificate,
 * names are unique, and there is exactly one CA and one server certificate.
 */
export function parseFixturePool(data: unknown, source: string): FixturePool {
  const parsed = fixturePoolSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FixturePoolError(`${source}: ${formatPath(issue.path)}: ${issue.message}`);
  }
  const certificates = parsed.data.certificates;
  const names = new Set<string>();
  certificates.forEach((cert, index) => {
    if (names.has(cert.name)) {
      throw new FixturePoolError(
        `${source}: certificates[${index}].name: duplicate name ${JSON.stringify(cert.name)}`,
      );
    }
    names.add(cert.name);
    const actual = fingerprintSha256(cert.certPem);
    if (actual !== cert.fingerprint) {
      throw new FixturePoolError(
        `${source}: certificates[${index}].fingerprint: does not match certPem (which hashes to ${actual})`,
      );
    }
  });
  for (const role of ["ca", "server"] as const) {
    const count = certificates.filter((cert) => cert.role === role).length;
    if (count !== 1) {
      throw new FixturePoolError(
        `${source}: certificates: expected exactly one certificate with role "${role}", found ${count}`,
      );
    }
  }
  return Object.freeze({
    format: parsed.data.format,
    notBefore: parsed.data.notBefore,
    certificates: Object.freeze(certificates.map((cert) => Object.freeze(cert))),
  });
}

/** Reads and validates a pool file (synchronously). */
export function loadFixturePool(location: URL | string = DEFAULT_POOL_URL): FixturePool {
  const source = typeof location === "string" ? location : location.pathname;
  let text: string;
  try {
    text = readFileSync(location, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FixturePoolError(
      `${source}: cannot read the certificate pool (generate it with "npx tsx scripts/gen-fixtures.ts"): ${reason}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FixturePoolError(`${source}: not valid JSON: ${reason}`);
  }
  return parseFixturePool(data, source);
}

interface PoolView {
  readonly pool: FixturePool;
  readonly ca: FixtureCert;
  readonly server: FixtureCert;
  readonly clients: readonly FixtureCert[];
}

let cachedView: PoolView | undefined;

function view(): PoolView {
  if (cachedView === undefined) {
    const pool = loadFixturePool();
    cachedView = {
      pool,
      ca: pool.certificates.find((cert) => cert.role === "ca")!,
      server: pool.certificates.find((cert) => cert.role === "server")!,
      clients: Object.freeze(pool.certificates.filter((cert) => cert.role === "client")),
    };
  }
  return cachedView;
}

/** Every certificate in the committed pool, in file order (loaded once, then cached). */
export function fixtureCertificates(): readonly FixtureCert[] {
  return view().pool.certificates;
}

/** The pool's certificate called `name` (e.g. "client-07"); throws on an unknown name. */
export function fixtureCertificate(name: string): FixtureCert {
  const found = view().pool.certificates.find((cert) => cert.name === name);
  if (found === undefined) {
    throw new FixturePoolError(`no fixture certificate named ${JSON.stringify(name)}`);
  }
  return found;
}

/** The pool's certificate authority; it signed every other certificate in the pool. */
export function fixtureCa(): FixtureCert {
  return view().ca;
}

/** The LXD server's certificate (CN "lxd-server"). */
export function fixtureServerCert(): FixtureCert {
  return view().server;
}

/** The client certificates, in pool order: the ECDSA ones first, then the RSA ones. */
export function fixtureClientCerts(): readonly FixtureCert[] {
  return view().clients;
}
