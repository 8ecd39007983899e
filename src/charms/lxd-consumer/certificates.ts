/**
 * Which client certificate a consumer unit uses.
 *
 * With the `client_certificate` config option set, its PEM certificate(s). Otherwise one
 * certificate from the committed fixture pool: the client certificates in pool order, minus
 * the one the simulated integrator presents to LXD (INTEGRATOR_IDENTITY_FIXTURE), indexed by
 * (unit number + `fixture_offset`) modulo the pool size. Units of one application thus get
 * distinct certificates; give a second consumer application a different offset (e.g. 10).
 */

import { type ClientCertificate, certificateProblem } from "../../libs/lxd/data.js";
import { fixtureCertificate, fixtureClientCerts } from "../../pki/fixtures.js";
import { fingerprintSha256, splitPemBundle } from "../../pki/pem.js";

/** The fixture certificate the simulated integrator uses as its LXD client identity. */
export const INTEGRATOR_IDENTITY_FIXTURE = "client-rsa-00";

let pool: readonly ClientCertificate[] | undefined;

/** The certificates consumer units draw from, in order (the fixtures never change: built once). */
export function consumerCertificatePool(): readonly ClientCertificate[] {
  pool ??= Object.freeze(
    fixtureClientCerts()
      .filter((cert) => cert.name !== INTEGRATOR_IDENTITY_FIXTURE)
      .map((cert) => Object.freeze({ pem: cert.certPem, fingerprint: cert.fingerprint })),
  );
  return pool;
}

/** The fixture certificate of a unit number and offset. */
export function fixtureCertificateFor(unitNumber: number, offset = 0): ClientCertificate {
  const pool = consumerCertificatePool();
  const index = (((unitNumber + offset) % pool.length) + pool.length) % pool.length;
  return pool[index]!;
}

/** The integrator identity's fixture (certificate and key). */
export function integratorIdentityFixture() {
  return fixtureCertificate(INTEGRATOR_IDENTITY_FIXTURE);
}

/** The outcome of reading the `client_certificate` option. */
export type ConfiguredCertificates =
  | { readonly ok: true; readonly certificates: readonly ClientCertificate[] }
  | { readonly ok: false; readonly problem: string };

/** Parses the `client_certificate` option: one or more PEM certificates, all valid. */
export function configuredCertificates(text: string): ConfiguredCertificates {
  const blocks = splitPemBundle(text);
  if (blocks.length === 0) {
    return { ok: false, problem: "client_certificate holds no PEM certificate" };
  }
  const certificates: ClientCertificate[] = [];
  for (const [index, pem] of blocks.entries()) {
    const problem = certificateProblem(pem);
    if (problem !== null) {
      return { ok: false, problem: `client_certificate block ${index + 1}: ${problem}` };
    }
    certificates.push({ pem, fingerprint: fingerprintSha256(pem) });
  }
  return { ok: true, certificates };
}
