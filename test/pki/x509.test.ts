import { createPrivateKey, X509Certificate as NodeX509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { fixtureCa, fixtureCertificate, fixtureCertificates } from "../../src/pki/fixtures.js";
import { derToPem, fingerprintSha256, InvalidPemError, pemToDer } from "../../src/pki/pem.js";
import {
  createCa,
  createLeaf,
  DEFAULT_NOT_BEFORE,
  derivedSerialNumber,
  loadCertificate,
  loadCertificateDer,
  normaliseSerialNumber,
  parseCertificate,
  parseCertificateDer,
  subjectCommonName,
  verifyIssuedBy,
} from "../../src/pki/x509.js";

describe("createCa and createLeaf", () => {
  it("build a CA and leaves that parse, carry their CN and verify against their issuer", async () => {
    const ca = await createCa({ commonName: "test root", serialNumber: "1a2b", validityDays: 30 });
    const leaf = await createLeaf({ ca, commonName: "unit-0", serialNumber: "80" });
    const server = await createLeaf({ ca: fixtureCa(), commonName: "lxd-1", isServer: true });

    const caCert = new NodeX509Certificate(ca.certPem);
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe("CN=test root\nO=charmsim");
    expect(caCert.serialNumber.toLowerCase()).toBe("1a2b");
    expect(new Date(caCert.validFrom).toISOString()).toBe(DEFAULT_NOT_BEFORE.toISOString());
    expect(new Date(caCert.validTo).getTime() - DEFAULT_NOT_BEFORE.getTime()).toBe(30 * 86_400_000);

    const leafCert = new NodeX509Certificate(leaf.certPem);
    expect(leafCert.ca).toBe(false);
    expect(subjectCommonName(leaf.certPem)).toBe("unit-0");
    expect(leafCert.issuer).toBe(caCert.subject);
    expect(leafCert.verify(caCert.publicKey)).toBe(true);
    // version [0] INTEGER 2, then the serial as a positive INTEGER: 02 02 00 80.
    const serialBytes = Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x02, 0x00, 0x80]);
    expect(Buffer.from(pemToDer(leaf.certPem)).includes(serialBytes)).toBe(true);
    expect(leafCert.publicKey.asymmetricKeyType).toBe("ec");
    expect(leafCert.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
    expect(leaf.keyPem.startsWith("-----BEGIN PRIVATE KEY-----\n")).toBe(true);
    expect(leaf.fingerprint).toBe(fingerprintSha256(leaf.certPem));
    expect(leaf.keyAlgorithm).toBe("ecdsa-p256");
    expect(await verifyIssuedBy(leaf.certPem, ca.certPem)).toBe(true);
    expect(await verifyIssuedBy(leaf.certPem, fixtureCa().certPem)).toBe(false);

    const usages = parseCertificate(leaf.certPem).getExtension(x509.ExtendedKeyUsageExtension);
    expect(usages?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    const serverUsages = parseCertificate(server.certPem).getExtension(
      x509.ExtendedKeyUsageExtension,
    );
    expect(serverUsages?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    expect(new NodeX509Certificate(server.certPem).subjectAltName).toBe("DNS:lxd-1");
    expect(await verifyIssuedBy(server.certPem, fixtureCa().certPem)).toBe(true);
  });

  it("reject bad options before generating anything", async () => {
    await expect(createCa({ commonName: "" })).rejects.toThrow(/commonName/);
    await expect(createCa({ commonName: "x", validityDays: 0 })).rejects.toThrow(/validityDays/);
    await expect(createCa({ commonName: "x", serialNumber: "zz" })).rejects.toThrow(/serialNumber/);
    await expect(
      createLeaf({ ca: { certPem: "junk", keyPem: "junk" }, commonName: "x" }),
    ).rejects.toThrow(InvalidPemError);
    const ca = fixtureCa();
    await expect(
      createLeaf({ ca: { certPem: ca.certPem, keyPem: "junk" }, commonName: "x" }),
    ).rejects.toThrow(/PKCS#8/);
  });
});

describe("normaliseSerialNumber and derivedSerialNumber", () => {
  it.each([
    ["01", "01"],
    ["1", "01"],
    ["0001", "01"],
    ["abc", "0abc"],
    ["80", "0080"],
    ["FF00", "00ff00"],
  ])("normalises %s to %s", (input, expected) => {
    expect(normaliseSerialNumber(input)).toBe(expected);
  });

  it.each(["", "0", "000", "xyz", "0x10", "1".repeat(41)])("rejects %j", (input) => {
    expect(() => normaliseSerialNumber(input)).toThrow(RangeError);
  });

  it("derives a stable positive 64-bit serial per seed", () => {
    const a = derivedSerialNumber("leaf:client-00");
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(Number.parseInt(a.slice(0, 2), 16)).toBeLessThan(0x80);
    expect(derivedSerialNumber("leaf:client-00")).toBe(a);
    expect(derivedSerialNumber("leaf:client-01")).not.toBe(a);
  });
});

describe("parseCertificate and parseCertificateDer", () => {
  it("parses a PEM certificate synchronously", () => {
    const cert = parseCertificate(fixtureCertificate("client-05").certPem);
    expect(cert.subjectName.getField("CN")).toEqual(["client-05"]);
    expect(cert.issuer).toBe(parseCertificate(fixtureCa().certPem).subject);
  });

  it("throws InvalidPemError on bytes that are not a certificate", () => {
    expect(() => parseCertificateDer(new Uint8Array([1, 2, 3]))).toThrow(InvalidPemError);
    expect(() => parseCertificateDer(new Uint8Array([0x30, 0x02, 0x30, 0x00]))).toThrow(
      /not an X.509 certificate/,
    );
    expect(() => parseCertificate("garbage")).toThrow(InvalidPemError);
  });
});

describe("subjectCommonName", () => {
  it("reads the CN of fixture certificates", () => {
    for (const cert of fixtureCertificates()) {
      expect(subjectCommonName(cert.certPem)).toBe(cert.commonName);
    }
  });

  it("returns null for a certificate whose subject has no CN", async () => {
    const ca = fixtureCa();
    const caCert = parseCertificate(ca.certPem);
    const signingKey = await globalThis.crypto.subtle.importKey(
      "pkcs8",
      Buffer.from(ca.keyPem.replace(/-----[A-Z ]+-----/g, ""), "base64"),
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["sign"],
    );
    const noCn = await x509.X509CertificateGenerator.create({
      serialNumber: "05",
      subject: "O=nobody",
      issuer: caCert.subjectName,
      notBefore: DEFAULT_NOT_BEFORE,
      notAfter: new Date("2027-01-01T00:00:00Z"),
      publicKey: caCert.publicKey,
      signingKey,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    });
    expect(subjectCommonName(derToPem(new Uint8Array(noCn.rawData)))).toBeNull();
  });

  it("throws InvalidPemError on text that is not a certificate", () => {
    expect(() => subjectCommonName("hello")).toThrow(InvalidPemError);
    const notACert = `-----BEGIN CERTIFICATE-----\n${Buffer.from("hello").toString("base64")}\n-----END CERTIFICATE-----`;
    expect(() => subjectCommonName(notACert)).toThrow(/not an X.509 certificate/);
  });
});

describe("verifyIssuedBy", () => {
  it("accepts every fixture certificate against the fixture CA", async () => {
    const ca = fixtureCa().certPem;
    for (const cert of fixtureCertificates()) {
      expect(await verifyIssuedBy(cert.certPem, ca)).toBe(true);
    }
  });

  it("rejects a certificate whose issuer is another certificate", async () => {
    const server = fixtureCertificate("lxd-server").certPem;
    expect(await verifyIssuedBy(fixtureCertificate("client-00").certPem, server)).toBe(false);
  });

  it("rejects a certificate with a tampered signature", async () => {
    const der = pemToDer(fixtureCertificate("client-00").certPem);
    const tampered = new Uint8Array(der);
    tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 0x01;
    expect(await verifyIssuedBy(derToPem(tampered), fixtureCa().certPem)).toBe(false);
  });
});

describe("loadCertificate / loadCertificateDer", () => {
  it("accept what parseCertificate parses and refuse, with its message, what it refuses", () => {
    const pem = fixtureCertificate("client-00").certPem;
    expect(() => loadCertificate(pem)).not.toThrow();
    expect(() => loadCertificateDer(pemToDer(pem))).not.toThrow();
    // A PEM whose DER is not a certificate: the same error as parseCertificate, every time
    // (the second time from what was remembered).
    const notCert = derToPem(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    let expected = "";
    try {
      parseCertificate(notCert);
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(expected).not.toBe("");
    for (let i = 0; i < 2; i++) {
      expect(() => loadCertificate(notCert)).toThrow(InvalidPemError);
      expect(() => loadCertificate(notCert)).toThrow(expected);
      expect(() => loadCertificateDer(pemToDer(notCert))).toThrow(expected);
    }
    expect(() => loadCertificate("not a pem")).toThrow(InvalidPemError);
    // A valid certificate is still valid after an invalid one was checked, and the other way.
    expect(() => loadCertificate(pem)).not.toThrow();
  });
});
