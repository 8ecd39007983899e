/**
 * Generates the committed certificate pool: fixtures/pki/pool.json plus one PEM file per
 * certificate and key. Run once (`npx tsx scripts/gen-fixtures.ts`); the output is committed
 * as data. Pass --force to replace an existing pool (every fingerprint will change).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  FIXTURE_POOL_FORMAT,
  type FixtureCert,
  type FixturePool,
  parseFixturePool,
} from "../src/pki/fixtures.js";
import {
  type CertificateMaterial,
  createCa,
  createLeaf,
  DEFAULT_NOT_BEFORE,
  type KeyAlgorithm,
} from "../src/pki/x509.js";

const ECDSA_CLIENTS = 24;
const RSA_CLIENTS = 2;

const outputDir = fileURLToPath(new URL("../fixtures/pki/", import.meta.url));
const poolPath = `${outputDir}pool.json`;

function entry(
  name: string,
  role: FixtureCert["role"],
  commonName: string,
  made: CertificateMaterial,
): FixtureCert {
  return {
    name,
    role,
    commonName,
    keyAlgorithm: made.keyAlgorithm,
    serialNumber: made.serialNumber,
    fingerprint: made.fingerprint,
    certPem: made.certPem,
    keyPem: made.keyPem,
  };
}

async function generate(): Promise<FixturePool> {
  const ca = await createCa({ commonName: "charmsim test CA" });
  const certificates: FixtureCert[] = [entry("ca", "ca", "charmsim test CA", ca)];
  const server = await createLeaf({ ca, commonName: "lxd-server", isServer: true });
  certificates.push(entry("lxd-server", "server", "lxd-server", server));
  const clients: [string, KeyAlgorithm][] = [];
  for (let i = 0; i < ECDSA_CLIENTS; i++) {
    clients.push([`client-${String(i).padStart(2, "0")}`, "ecdsa-p256"]);
  }
  for (let i = 0; i < RSA_CLIENTS; i++) {
    clients.push([`client-rsa-${String(i).padStart(2, "0")}`, "rsa-2048"]);
  }
  for (const [commonName, keyAlgorithm] of clients) {
    const made = await createLeaf({ ca, commonName, keyAlgorithm, isClient: true });
    certificates.push(entry(commonName, "client", commonName, made));
  }
  return {
    format: FIXTURE_POOL_FORMAT,
    notBefore: DEFAULT_NOT_BEFORE.toISOString(),
    certificates,
  };
}

async function main(): Promise<void> {
  const force = process.argv.includes("--force");
  if (existsSync(poolPath) && !force) {
    console.error(`${poolPath} already exists; pass --force to replace it`);
    process.exitCode = 1;
    return;
  }
  const pool = await generate();
  parseFixturePool(pool, "generated pool");
  mkdirSync(outputDir, { recursive: true });
  for (const cert of pool.certificates) {
    writeFileSync(`${outputDir}${cert.name}.crt.pem`, cert.certPem);
    writeFileSync(`${outputDir}${cert.name}.key.pem`, cert.keyPem);
  }
  writeFileSync(poolPath, `${JSON.stringify(pool, null, 2)}\n`);
  console.log(`wrote ${pool.certificates.length} certificates to ${outputDir}`);
}

await main();
