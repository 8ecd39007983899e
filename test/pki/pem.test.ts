import { X509Certificate as NodeX509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fixtureCertificate, fixtureClientCerts } from "../../src/pki/fixtures.js";
import {
  certificateBase64Body,
  decodeBase64Strict,
  derToPem,
  encodePem,
  fingerprintDer,
  fingerprintSha256,
  firstCertificatePem,
  InvalidPemError,
  isCertificateDer,
  isCertificatePem,
  pemToDer,
  splitPemBundle,
} from "../../src/pki/pem.js";

const client = fixtureCertificate("client-00");
const other = fixtureCertificate("client-01");

/** The base64 body of a PEM, however it is wrapped. */
function bodyOf(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
}

function wrap(base64: string): string {
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

describe("pemToDer", () => {
  it("decodes a certificate to its DER bytes", () => {
    const der = pemToDer(client.certPem);
    expect(Buffer.from(der).equals(Buffer.from(bodyOf(client.certPem), "base64"))).toBe(true);
    expect(der[0]).toBe(0x30);
    expect(new NodeX509Certificate(der).subject).toContain("CN=client-00");
  });

  it("accepts surrounding whitespace and CRLF line endings", () => {
    const crlf = `\n  ${client.certPem.replace(/\n/g, "\r\n")}  \n`;
    expect(Buffer.from(pemToDer(crlf)).equals(Buffer.from(pemToDer(client.certPem)))).toBe(true);
  });

  it.each([
    ["empty text", "", /empty text/],
    ["plain text", "hello world", /expected "-----BEGIN CERTIFICATE-----"/],
    ["a private key", client.keyPem, /BEGIN PRIVATE KEY/],
    ["a missing END line", client.certPem.replace("-----END CERTIFICATE-----", ""), /missing/],
    ["two certificates", client.certPem + other.certPem, /not a single PEM certificate/],
    ["text after the block", `${client.certPem}trailing`, /unexpected text after/],
    ["an empty body", wrap(""), /empty or not valid base64/],
    ["a character outside base64", wrap("MIIB*AAA"), /not valid base64/],
    ["bad padding", wrap("MIIBAA="), /not valid base64/],
    ["padding in the middle", wrap("MA==MA=="), /not valid base64/],
  ])("rejects %s with InvalidPemError", (_label, text, message) => {
    expect(() => pemToDer(text)).toThrow(InvalidPemError);
    expect(() => pemToDer(text)).toThrow(message);
  });

  it("rejects a value that is not a string", () => {
    expect(() => pemToDer(42 as unknown as string)).toThrow(/got number/);
  });
});

describe("derToPem and encodePem", () => {
  it("round-trips the canonical PEM of every fixture client", () => {
    for (const cert of fixtureClientCerts()) {
      expect(derToPem(pemToDer(cert.certPem))).toBe(cert.certPem);
    }
  });

  it("wraps at 64 characters and ends with a newline", () => {
    const pem = derToPem(pemToDer(client.certPem));
    const lines = pem.trimEnd().split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines.at(-1)).toBe("-----END CERTIFICATE-----");
    expect(lines.slice(1, -1).every((line) => line.length <= 64)).toBe(true);
    expect(lines.slice(1, -2).every((line) => line.length === 64)).toBe(true);
    expect(pem.endsWith("-----\n")).toBe(true);
  });

  it("refuses to encode zero bytes", () => {
    expect(() => derToPem(new Uint8Array())).toThrow(InvalidPemError);
  });

  it("encodePem uses the given label", () => {
    expect(encodePem("PRIVATE KEY", new Uint8Array([1, 2, 3]))).toBe(
      "-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n",
    );
  });
});

describe("decodeBase64Strict", () => {
  it("decodes padded base64 and ignores line breaks", () => {
    expect(Array.from(decodeBase64Strict("AQID\nBA==") ?? [])).toEqual([1, 2, 3, 4]);
  });

  it.each(["", "AQI", "AQ=", "A===", "QR==", "AQ==AQ==", "AQ-_"])("rejects %j", (text) => {
    expect(decodeBase64Strict(text)).toBeNull();
  });
});

describe("isCertificateDer and isCertificatePem", () => {
  it("accepts real certificates", () => {
    expect(isCertificateDer(pemToDer(client.certPem))).toBe(true);
    expect(isCertificatePem(client.certPem)).toBe(true);
    expect(isCertificatePem(fixtureCertificate("client-rsa-00").certPem)).toBe(true);
  });

  it("rejects well-formed PEM whose body is not a certificate", () => {
    expect(isCertificatePem(wrap(Buffer.from("hello world").toString("base64")))).toBe(false);
    const der = pemToDer(client.certPem);
    expect(isCertificateDer(der.subarray(0, der.length - 1))).toBe(false);
    const padded = new Uint8Array(der.length + 1);
    padded.set(der);
    expect(isCertificateDer(padded)).toBe(false);
    // A lone SEQUENCE holding one empty SEQUENCE: right outer tag, wrong contents.
    expect(isCertificateDer(new Uint8Array([0x30, 0x02, 0x30, 0x00]))).toBe(false);
  });

  it("answers the same when asked again (its answers are remembered by text)", () => {
    const texts = [client.certPem, "not a certificate", client.keyPem, `${client.certPem}x`];
    const first = texts.map((t) => isCertificatePem(t));
    expect(first).toEqual([true, false, false, false]);
    for (let i = 0; i < 3; i++) expect(texts.map((t) => isCertificatePem(t))).toEqual(first);
  });

  it("rejects text that is not PEM, and non-strings, without throwing", () => {
    expect(isCertificatePem(client.keyPem)).toBe(false);
    expect(isCertificatePem("not a certificate")).toBe(false);
    expect(isCertificatePem(undefined)).toBe(false);
    expect(isCertificatePem({ certPem: client.certPem })).toBe(false);
  });
});

describe("certificateBase64Body", () => {
  it("is the DER as one base64 line, without header or footer", () => {
    const body = certificateBase64Body(client.certPem);
    expect(body).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(body).toBe(bodyOf(client.certPem));
    expect(derToPem(Buffer.from(body, "base64"))).toBe(client.certPem);
  });

  it("throws InvalidPemError on invalid PEM", () => {
    expect(() => certificateBase64Body("garbage")).toThrow(InvalidPemError);
  });
});

describe("fingerprintSha256", () => {
  it("matches node's SHA-256 certificate fingerprint, as lowercase hex without colons", () => {
    for (const cert of fixtureClientCerts()) {
      const expected = new NodeX509Certificate(cert.certPem).fingerprint256
        .replace(/:/g, "")
        .toLowerCase();
      expect(fingerprintSha256(cert.certPem)).toBe(expected);
      expect(fingerprintDer(pemToDer(cert.certPem))).toBe(expected);
    }
  });

  it("does not depend on line endings or surrounding whitespace", () => {
    const reformatted = `\r\n${client.certPem.replace(/\n/g, "\r\n")}`;
    expect(fingerprintSha256(reformatted)).toBe(client.fingerprint);
  });

  it("differs between certificates", () => {
    expect(fingerprintSha256(client.certPem)).not.toBe(fingerprintSha256(other.certPem));
  });

  it("throws InvalidPemError on invalid PEM, also when asked twice", () => {
    expect(() => fingerprintSha256("nope")).toThrow(InvalidPemError);
    expect(() => fingerprintSha256("nope")).toThrow(InvalidPemError);
  });
});

describe("splitPemBundle", () => {
  it("returns each certificate block in order, skipping keys and text between", () => {
    const third = fixtureCertificate("client-02");
    const bundle = `leading text\n${client.certPem}${client.keyPem}# comment\n${other.certPem}\n\n${third.certPem.trimEnd()}`;
    const blocks = splitPemBundle(bundle);
    expect(blocks).toEqual([client.certPem, other.certPem, third.certPem]);
    expect(blocks.map(fingerprintSha256)).toEqual([
      client.fingerprint,
      other.fingerprint,
      third.fingerprint,
    ]);
  });

  it("returns nothing for text without certificates", () => {
    expect(splitPemBundle("")).toEqual([]);
    expect(splitPemBundle(client.keyPem)).toEqual([]);
    expect(splitPemBundle("-----BEGIN CERTIFICATE-----\nAAAA\n")).toEqual([]);
  });
});

describe("firstCertificatePem (OpenSSL's PEM reader, as pyOpenSSL's load_certificate uses it)", () => {
  it("skips text and other blocks before the first certificate and ignores what follows", () => {
    const canonical = derToPem(pemToDer(client.certPem));
    expect(firstCertificatePem(client.certPem)).toBe(canonical);
    expect(firstCertificatePem(`note\r\n${client.keyPem}${client.certPem}${other.certPem}`)).toBe(
      canonical,
    );
    expect(firstCertificatePem(client.certPem.replaceAll("\n", "\r\n"))).toBe(canonical);
  });

  it("refuses a text without a certificate block, a block cut short or a body that is not base64", () => {
    expect(() => firstCertificatePem(client.keyPem)).toThrow(/no "-----BEGIN CERTIFICATE-----"/);
    expect(() => firstCertificatePem("")).toThrow(InvalidPemError);
    expect(() => firstCertificatePem(client.certPem.replace("-----END", "-----FIN"))).toThrow(
      /missing "-----END CERTIFICATE-----"/,
    );
    expect(() => firstCertificatePem(wrap("!!!!"))).toThrow(/not valid base64/);
  });
});
