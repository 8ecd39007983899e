import { createPrivateKey, X509Certificate as NodeX509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  FIXTURE_POOL_FORMAT,
  FixturePoolError,
  fixtureCa,
  fixtureCertificate,
  fixtureCertificates,
  fixtureClientCerts,
  fixtureServerCert,
  loadFixturePool,
  parseFixturePool,
} from "../../src/pki/fixtures.js";
import { fingerprintSha256 } from "../../src/pki/pem.js";
import { subjectCommonName } from "../../src/pki/x509.js";

const poolDir = new URL("../../fixtures/pki/", import.meta.url);

describe("the committed pool", () => {
  it("holds one CA, the LXD server certificate and 26 clients", () => {
    const all = fixtureCertificates();
    expect(all).toHaveLength(28);
    expect(fixtureCa().role).toBe("ca");
    expect(fixtureCa().name).toBe("ca");
    expect(fixtureServerCert().commonName).toBe("lxd-server");
    expect(fixtureServerCert().role).toBe("server");
    const clients = fixtureClientCerts();
    expect(clients).toHaveLength(26);
    const ecdsa = clients.filter((cert) => cert.keyAlgorithm === "ecdsa-p256");
    expect(ecdsa.map((cert) => cert.commonName)).toEqual(
      Array.from({ length: 24 }, (_, i) => `client-${String(i).padStart(2, "0")}`),
    );
    const rsa = clients.filter((cert) => cert.keyAlgorithm === "rsa-2048");
    expect(rsa.map((cert) => cert.name)).toEqual(["client-rsa-00", "client-rsa-01"]);
    expect(clients.slice(-2)).toEqual(rsa);
  });

  it("has unique names, fingerprints and serial numbers", () => {
    const all = fixtureCertificates();
    for (const field of ["name", "fingerprint", "serialNumber"] as const) {
      expect(new Set(all.map((cert) => cert[field])).size).toBe(all.length);
    }
  });

  it("records each certificate's real fingerprint, CN, key algorithm and matching key", () => {
    for (const cert of fixtureCertificates()) {
      expect(cert.fingerprint).toBe(fingerprintSha256(cert.certPem));
      expect(subjectCommonName(cert.certPem)).toBe(cert.commonName);
      const parsed = new NodeX509Certificate(cert.certPem);
      expect(parsed.publicKey.asymmetricKeyType).toBe(
        cert.keyAlgorithm === "rsa-2048" ? "rsa" : "ec",
      );
      expect(parsed.checkPrivateKey(createPrivateKey(cert.keyPem))).toBe(true);
      expect(parsed.ca).toBe(cert.role === "ca");
      expect(new Date(parsed.validFrom).toISOString()).toBe("2026-01-01T00:00:00.000Z");
    }
  });

  it("marks clients for client authentication and the server for server authentication", () => {
    for (const cert of fixtureClientCerts()) {
      expect(new NodeX509Certificate(cert.certPem).keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    }
    expect(new NodeX509Certificate(fixtureServerCert().certPem).keyUsage).toEqual([
      "1.3.6.1.5.5.7.3.1",
    ]);
  });

  it("matches the individual PEM files", () => {
    for (const cert of fixtureCertificates()) {
      expect(readFileSync(new URL(`${cert.name}.crt.pem`, poolDir), "utf8")).toBe(cert.certPem);
      expect(readFileSync(new URL(`${cert.name}.key.pem`, poolDir), "utf8")).toBe(cert.keyPem);
    }
  });

  it("is loaded once and cached", () => {
    expect(fixtureCertificates()).toBe(fixtureCertificates());
    expect(fixtureClientCerts()).toBe(fixtureClientCerts());
    expect(Object.isFrozen(fixtureCertificates())).toBe(true);
    expect(Object.isFrozen(fixtureCa())).toBe(true);
  });

  it("looks certificates up by name", () => {
    expect(fixtureCertificate("client-07").commonName).toBe("client-07");
    expect(() => fixtureCertificate("client-99")).toThrow(FixturePoolError);
    expect(() => fixtureCertificate("client-99")).toThrow(/"client-99"/);
  });
});

describe("parseFixturePool", () => {
  const good = JSON.parse(readFileSync(new URL("pool.json", poolDir), "utf8")) as {
    format: string;
    certificates: Record<string, unknown>[];
  };

  function withChange(change: (pool: typeof good) => void): unknown {
    const copy = structuredClone(good);
    change(copy);
    return copy;
  }

  it("accepts the committed pool", () => {
    expect(parseFixturePool(good, "pool.json").certificates).toHaveLength(28);
    expect(parseFixturePool(good, "pool.json").format).toBe(FIXTURE_POOL_FORMAT);
  });

  it.each([
    ["a wrong format tag", (p: typeof good) => (p.format = "other/1"), /src: format: /],
    [
      "a malformed fingerprint",
      (p: typeof good) => (p.certificates[2]!.fingerprint = "ABC"),
      /certificates\[2\]\.fingerprint: expected 64 lowercase hex digits/,
    ],
    [
      "a fingerprint that does not match the certificate",
      (p: typeof good) => (p.certificates[1]!.fingerprint = "0".repeat(64)),
      /certificates\[1\]\.fingerprint: does not match certPem/,
    ],
    [
      "a missing role",
      (p: typeof good) => delete p.certificates[0]!.role,
      /certificates\[0\]\.role: /,
    ],
    [
      "a certificate that is not PEM",
      (p: typeof good) => (p.certificates[3]!.certPem = "junk"),
      /certificates\[3\]\.certPem: expected a PEM certificate/,
    ],
    [
      "a key that is not PKCS#8",
      (p: typeof good) => (p.certificates[4]!.keyPem = "-----BEGIN EC PRIVATE KEY-----"),
      /certificates\[4\]\.keyPem: expected PKCS#8 PEM/,
    ],
    [
      "a duplicate name",
      (p: typeof good) => (p.certificates[5]!.name = p.certificates[4]!.name),
      /certificates\[5\]\.name: duplicate name "client-02"/,
    ],
    [
      "a second CA",
      (p: typeof good) => (p.certificates[6]!.role = "ca"),
      /expected exactly one certificate with role "ca", found 2/,
    ],
    [
      "no server",
      (p: typeof good) => (p.certificates[1]!.role = "client"),
      /role "server", found 0/,
    ],
  ])("rejects %s, naming the field", (_label, change, message) => {
    const bad = withChange(change);
    expect(() => parseFixturePool(bad, "src")).toThrow(FixturePoolError);
    expect(() => parseFixturePool(bad, "src")).toThrow(message);
  });
});

describe("loadFixturePool", () => {
  it("loads the default pool from disk", () => {
    expect(loadFixturePool().certificates.map((cert) => cert.name)).toEqual(
      fixtureCertificates().map((cert) => cert.name),
    );
  });

  it("explains a missing file and how to generate it", () => {
    const missing = join(tmpdir(), "charmsim-no-such-pool.json");
    expect(() => loadFixturePool(missing)).toThrow(/cannot read the certificate pool/);
    expect(() => loadFixturePool(missing)).toThrow(/scripts\/gen-fixtures\.ts/);
  });

  it("reports a file that is not JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "charmsim-pki-"));
    const file = join(dir, "pool.json");
    try {
      writeFileSync(file, "{ not json");
      expect(() => loadFixturePool(file)).toThrow(FixturePoolError);
      expect(() => loadFixturePool(file)).toThrow(/not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
