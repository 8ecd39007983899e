import { beforeEach, describe, expect, it } from "vitest";
import { fixtureCertificate, fixtureServerCert } from "../../src/pki/fixtures.js";
import { certificateBase64Body, InvalidPemError } from "../../src/pki/pem.js";
import {
  LxdConnectionError,
  LxdInputError,
  type LxdRequestOptions,
  type LxdResponse,
  LxdServer,
  LxdTlsError,
  normaliseEndpoint,
} from "../../src/workloads/lxd-server.js";

const ENDPOINT = "https://10.1.2.3:8443";
const admin = fixtureCertificate("client-00");
const alice = fixtureCertificate("client-01");
const bob = fixtureCertificate("client-02");
const rsa = fixtureCertificate("client-rsa-00");

function makeServer(extra: { trustPassword?: string; slowLatencyMs?: number } = {}): LxdServer {
  const server = new LxdServer({
    serverName: "lxd-test",
    serverCertPem: fixtureServerCert().certPem,
    endpoint: `${ENDPOINT}/`,
    ...extra,
  });
  server.trust(admin.certPem, "admin");
  return server;
}

function as(cert: { certPem: string }, body?: unknown): LxdRequestOptions {
  return { clientCertPem: cert.certPem, body };
}

function addBody(cert: { certPem: string }, name?: string): Record<string, string> {
  return {
    type: "client",
    certificate: certificateBase64Body(cert.certPem),
    ...(name === undefined ? {} : { name }),
  };
}

function metadata(response: LxdResponse): unknown {
  if (response.body.type !== "sync") throw new Error(`expected success, got ${response.status}`);
  return response.body.metadata;
}

function errorText(response: LxdResponse): string {
  if (response.body.type !== "error") throw new Error(`expected an error, got ${response.status}`);
  return response.body.error;
}

let server: LxdServer;
beforeEach(() => {
  server = makeServer();
});

describe("construction", () => {
  it("keeps the identity and normalises the endpoint", () => {
    expect(server.endpoint).toBe(ENDPOINT);
    expect(server.serverName).toBe("lxd-test");
    expect(server.serverFingerprint).toBe(fixtureServerCert().fingerprint);
    expect(normaliseEndpoint(" https://h:8443// ")).toBe("https://h:8443");
  });

  it("rejects a server certificate that is not one, an empty name or endpoint", () => {
    const options = { serverName: "x", serverCertPem: "junk", endpoint: ENDPOINT };
    expect(() => new LxdServer(options)).toThrow(InvalidPemError);
    const cert = fixtureServerCert().certPem;
    expect(() => new LxdServer({ ...options, serverCertPem: cert, serverName: "" })).toThrow(
      /serverName/,
    );
    expect(() => new LxdServer({ ...options, serverCertPem: cert, endpoint: " / " })).toThrow(
      /endpoint/,
    );
  });
});

describe("GET /1.0", () => {
  it("says trusted, with the server name, to a caller in the trust store", () => {
    const response = server.request("GET", "/1.0", as(admin));
    expect(response.status).toBe(200);
    expect(response.body.type).toBe("sync");
    expect(metadata(response)).toMatchObject({
      auth: "trusted",
      environment: { server_name: "lxd-test", certificate_fingerprint: server.serverFingerprint },
    });
  });

  it("says untrusted to an unknown certificate and to an anonymous caller", () => {
    for (const options of [as(alice), {}]) {
      const response = server.request("GET", "/1.0", options);
      expect(response.status).toBe(200);
      expect(metadata(response)).toEqual({
        api_version: "1.0",
        auth: "untrusted",
        auth_methods: ["tls"],
        environment: { server_name: "lxd-test" },
      });
    }
  });

  it("ignores a trailing slash and a query string", () => {
    expect(metadata(server.request("GET", "/1.0/?recursion=1", as(admin)))).toMatchObject({
      auth: "trusted",
    });
  });
});

describe("POST /1.0/certificates", () => {
  it("adds a client certificate for a trusted caller, with the given name", () => {
    const response = server.request("POST", "/1.0/certificates", as(admin, addBody(alice, "al")));
    expect(response.status).toBe(201);
    expect(server.isTrusted(alice.fingerprint)).toBe(true);
    expect(server.trustedCertificate(alice.fingerprint)).toEqual({
      fingerprint: alice.fingerprint,
      certificatePem: alice.certPem,
      name: "al",
      type: "client",
    });
    expect(metadata(server.request("GET", "/1.0", as(alice)))).toMatchObject({ auth: "trusted" });
  });

  it("names the entry after the subject CN when no name is given, and takes RSA certificates", () => {
    expect(server.request("POST", "/1.0/certificates", as(admin, addBody(rsa))).status).toBe(201);
    expect(server.trustedCertificate(rsa.fingerprint)?.name).toBe("client-rsa-00");
  });

  it("answers 400 'Certificate already in trust store' to a duplicate", () => {
    server.request("POST", "/1.0/certificates", as(admin, addBody(alice)));
    const again = server.request("POST", "/1.0/certificates", as(admin, addBody(alice, "x")));
    expect(again.status).toBe(400);
    expect(errorText(again)).toContain("Certificate already in trust store");
    expect(server.trustedCertificate(alice.fingerprint)?.name).toBe("client-01");
  });

  it("answers 403 to an untrusted or anonymous caller and changes nothing", () => {
    for (const options of [as(alice, addBody(alice)), { body: addBody(bob) }]) {
      const response = server.request("POST", "/1.0/certificates", options);
      expect(response.status).toBe(403);
      expect(errorText(response)).toBe("not authorized");
    }
    expect(server.trustedFingerprints()).toEqual([admin.fingerprint]);
  });

  it.each([
    ["a missing body", undefined, /invalid request body: \(root\): /],
    ["a wrong type", { ...addBody(alice), type: "server" }, /invalid request body: type: /],
    ["a missing type", { certificate: "AAAA" }, /type: /],
    ["a non-string certificate", { type: "client", certificate: 7 }, /certificate: .*string/],
    ["an empty certificate", { type: "client", certificate: "" }, /certificate: /],
    ["a non-string name", { ...addBody(alice), name: 3 }, /name: .*string/],
  ])("answers 400 naming the field for %s", (_label, body, message) => {
    const response = server.request("POST", "/1.0/certificates", as(admin, body));
    expect(response.status).toBe(400);
    expect(errorText(response)).toMatch(message);
    expect(server.trustedFingerprints()).toEqual([admin.fingerprint]);
  });

  it("answers 400 to base64 that is invalid or not a certificate", () => {
    const cases: [string, RegExp][] = [
      ["not base64!", /not valid base64/],
      [alice.certPem, /not valid base64/],
      [Buffer.from("hello world").toString("base64"), /invalid certificate: not an X.509/],
      [Buffer.from([0x30, 0x02, 0x30, 0x00]).toString("base64"), /invalid certificate/],
    ];
    for (const [certificate, message] of cases) {
      const body = { type: "client", certificate };
      const response = server.request("POST", "/1.0/certificates", as(admin, body));
      expect(response.status).toBe(400);
      expect(errorText(response)).toMatch(message);
    }
    expect(server.trustedFingerprints()).toEqual([admin.fingerprint]);
  });

  it("lets an untrusted caller in with the trust password, and only with it", () => {
    const guarded = makeServer({ trustPassword: "s3cret" });
    const wrong = { ...addBody(alice), password: "nope" };
    expect(guarded.request("POST", "/1.0/certificates", as(alice, wrong)).status).toBe(403);
    const right = { ...addBody(alice), password: "s3cret" };
    expect(guarded.request("POST", "/1.0/certificates", as(alice, right)).status).toBe(201);
    expect(guarded.isTrusted(alice.fingerprint)).toBe(true);
    expect(server.request("POST", "/1.0/certificates", as(bob, right)).status).toBe(403);
  });
});

describe("DELETE /1.0/certificates/{fingerprint}", () => {
  it("removes a trusted certificate with 202", () => {
    server.trust(alice.certPem);
    const response = server.request("DELETE", `/1.0/certificates/${alice.fingerprint}`, as(admin));
    expect(response.status).toBe(202);
    expect(server.isTrusted(alice.fingerprint)).toBe(false);
    expect(metadata(server.request("GET", "/1.0", as(alice)))).toMatchObject({
      auth: "untrusted",
    });
  });

  it("answers 404 for an unknown fingerprint", () => {
    const response = server.request("DELETE", `/1.0/certificates/${bob.fingerprint}`, as(admin));
    expect(response.status).toBe(404);
    expect(errorText(response)).toBe("Certificate not found");
  });

  it("matches whole fingerprints only", () => {
    server.trust(alice.certPem);
    const prefix = alice.fingerprint.slice(0, 12);
    expect(server.request("DELETE", `/1.0/certificates/${prefix}`, as(admin)).status).toBe(404);
    expect(server.isTrusted(alice.fingerprint)).toBe(true);
  });

  it("answers 403 to an untrusted caller and keeps the certificate", () => {
    const response = server.request("DELETE", `/1.0/certificates/${admin.fingerprint}`, as(bob));
    expect(response.status).toBe(403);
    expect(server.isTrusted(admin.fingerprint)).toBe(true);
  });

  it("lets a caller remove itself, after which it is untrusted", () => {
    server.request("DELETE", `/1.0/certificates/${admin.fingerprint}`, as(admin));
    expect(server.request("GET", "/1.0/certificates", as(admin)).status).toBe(403);
  });
});

describe("GET /1.0/certificates", () => {
  it("lists the trust store as sorted URLs", () => {
    server.trust(alice.certPem);
    server.trust(bob.certPem);
    const urls = metadata(server.request("GET", "/1.0/certificates", as(admin)));
    expect(urls).toEqual(
      [admin, alice, bob].map((c) => `/1.0/certificates/${c.fingerprint}`).sort(),
    );
  });

  it("lists full entries with recursion=1, and one entry by fingerprint", () => {
    const entries = metadata(server.request("GET", "/1.0/certificates?recursion=1", as(admin)));
    expect(entries).toEqual([
      {
        fingerprint: admin.fingerprint,
        certificatePem: admin.certPem,
        name: "admin",
        type: "client",
      },
    ]);
    const one = server.request("GET", `/1.0/certificates/${admin.fingerprint}`, as(admin));
    expect(metadata(one)).toMatchObject({ name: "admin" });
    expect(server.request("GET", `/1.0/certificates/${bob.fingerprint}`, as(admin)).status).toBe(
      404,
    );
  });

  it("answers 403 to an untrusted caller", () => {
    expect(server.request("GET", "/1.0/certificates", as(alice)).status).toBe(403);
    expect(server.request("GET", `/1.0/certificates/${admin.fingerprint}`, {}).status).toBe(403);
  });
});

describe("other routes", () => {
  it("answers 404 to unknown paths and 405 to unsupported methods", () => {
    expect(server.request("GET", "/1.0/instances", as(admin)).status).toBe(404);
    expect(server.request("GET", "/1.0/certificates/a/b", as(admin)).status).toBe(404);
    expect(server.request("PUT", "/1.0", as(admin)).status).toBe(405);
    expect(server.request("PATCH", "/1.0/certificates", as(admin)).status).toBe(405);
    expect(server.request("POST", `/1.0/certificates/${admin.fingerprint}`, as(admin)).status).toBe(
      405,
    );
  });

  it("hands out copies: changing a response does not change the server", () => {
    const entries = metadata(server.request("GET", "/1.0/certificates?recursion=1", as(admin)));
    (entries as { name: string }[])[0]!.name = "changed";
    expect(server.trustedCertificate(admin.fingerprint)?.name).toBe("admin");
  });
});

describe("TLS handshake", () => {
  it("accepts a caller that pins this server's certificate and holds its key", () => {
    const options = {
      clientCertPem: admin.certPem,
      clientKeyPem: admin.keyPem,
      serverCertPem: fixtureServerCert().certPem,
    };
    expect(metadata(server.request("GET", "/1.0", options))).toMatchObject({ auth: "trusted" });
  });

  it("judges each key of one certificate on its own, whatever came before", () => {
    const right = { clientCertPem: admin.certPem, clientKeyPem: admin.keyPem };
    const wrong = { clientCertPem: admin.certPem, clientKeyPem: alice.keyPem };
    for (let i = 0; i < 2; i++) {
      expect(metadata(server.request("GET", "/1.0", right))).toMatchObject({ auth: "trusted" });
      expect(() => server.request("GET", "/1.0", wrong)).toThrow(/client key does not match/);
    }
    // Alice's key does match her own certificate.
    const hers = { clientCertPem: alice.certPem, clientKeyPem: alice.keyPem };
    expect(() => server.request("GET", "/1.0", hers)).not.toThrow();
  });

  it.each([
    ["a pinned certificate of another server", { serverCertPem: alice.certPem }, /does not match/],
    ["a pinned certificate that is not PEM", { serverCertPem: "junk" }, /invalid server cert/],
    ["a client certificate that is not PEM", { clientCertPem: "junk" }, /invalid client cert/],
    [
      "a client key that belongs to another certificate",
      { clientCertPem: admin.certPem, clientKeyPem: alice.keyPem },
      /client key does not match/,
    ],
    [
      "a client key that is not a key",
      { clientCertPem: admin.certPem, clientKeyPem: "junk" },
      /client key does not match/,
    ],
  ])("fails with LxdTlsError for %s", (_label, options, message) => {
    expect(() => server.request("GET", "/1.0", options)).toThrow(LxdTlsError);
    expect(() => server.request("GET", "/1.0", options)).toThrow(message);
    expect(() => server.request("GET", "/1.0", options)).toThrow(LxdConnectionError);
    expect(server.requests.at(-1)).toMatchObject({ status: null, fault: null });
  });
});

describe("trust store helpers", () => {
  it("trust adds once, defaults the name to the CN, and untrust removes", () => {
    const entry = server.trust(bob.certPem);
    expect(entry.name).toBe("client-02");
    expect(server.trust(bob.certPem, "renamed")).toBe(entry);
    expect(server.trustedFingerprints()).toEqual([admin.fingerprint, bob.fingerprint].sort());
    expect(server.untrust(bob.fingerprint)).toBe(true);
    expect(server.untrust(bob.fingerprint)).toBe(false);
    expect(server.isTrusted(bob.fingerprint)).toBe(false);
  });

  it("trust rejects text that is not a certificate", () => {
    expect(() => server.trust("junk")).toThrow(InvalidPemError);
    const notACert = `-----BEGIN CERTIFICATE-----\n${Buffer.from("hi").toString("base64")}\n-----END CERTIFICATE-----`;
    expect(() => server.trust(notACert)).toThrow(/not an X.509 certificate/);
    expect(server.trustedFingerprints()).toEqual([admin.fingerprint]);
  });

  it("trustedFingerprints is sorted", () => {
    for (const name of ["client-09", "client-03", "client-17", "client-05"]) {
      server.trust(fixtureCertificate(name).certPem);
    }
    const fingerprints = server.trustedFingerprints();
    expect(fingerprints).toHaveLength(5);
    expect(fingerprints).toEqual([...fingerprints].sort());
  });

  it("snapshot is plain JSON that restore brings back", () => {
    server.trust(alice.certPem, "alice");
    const snapshot = server.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.endpoint).toBe(ENDPOINT);
    expect(snapshot.certificates.map((c) => c.fingerprint)).toEqual(server.trustedFingerprints());

    const other = makeServer();
    other.trust(bob.certPem);
    other.restore(snapshot);
    expect(other.trustedFingerprints()).toEqual(server.trustedFingerprints());
    expect(other.trustedCertificate(alice.fingerprint)?.name).toBe("alice");
    expect(other.isTrusted(bob.fingerprint)).toBe(false);
  });

  it("snapshot does not share state with the server", () => {
    const snapshot = server.snapshot();
    snapshot.certificates[0]!.name = "changed";
    expect(server.trustedCertificate(admin.fingerprint)?.name).toBe("admin");
  });

  it("restore rejects a bad snapshot, naming the field, and changes nothing", () => {
    const good = server.snapshot();
    const cases: [unknown, RegExp][] = [
      [{ ...good, certificates: "x" }, /invalid snapshot: certificates: /],
      [
        { ...good, certificates: [{ ...good.certificates[0]!, type: "server" }] },
        /certificates\[0\]\.type: /,
      ],
      [
        { ...good, certificates: [{ ...good.certificates[0]!, fingerprint: bob.fingerprint }] },
        /certificates\[0\]\.fingerprint: does not match/,
      ],
      [
        { ...good, certificates: [{ ...good.certificates[0]!, certificatePem: "junk" }] },
        /certificates\[0\]\.certificatePem: /,
      ],
    ];
    server.trust(alice.certPem);
    for (const [snapshot, message] of cases) {
      expect(() => server.restore(snapshot as typeof good)).toThrow(LxdInputError);
      expect(() => server.restore(snapshot as typeof good)).toThrow(message);
    }
    expect(server.trustedFingerprints()).toEqual([admin.fingerprint, alice.fingerprint].sort());
  });
});

describe("fault injection", () => {
  it("unreachable: request throws LxdConnectionError naming the endpoint, for count requests", () => {
    server.injectFault({ kind: "unreachable", count: 2 });
    for (let i = 0; i < 2; i++) {
      expect(() => server.request("GET", "/1.0", as(admin))).toThrow(LxdConnectionError);
    }
    expect(server.activeFaults()).toEqual([]);
    expect(server.request("GET", "/1.0", as(admin)).status).toBe(200);
    expect(server.requests.map((r) => [r.status, r.fault])).toEqual([
      [null, "unreachable"],
      [null, "unreachable"],
      [200, null],
    ]);
  });

  it("unreachable: the error message is 'connection refused: <endpoint>'", () => {
    server.injectFault({ kind: "unreachable" });
    expect(() => server.request("GET", "/1.0", as(admin))).toThrow(
      `connection refused: ${ENDPOINT}`,
    );
  });

  it("faults without a count last until cleared", () => {
    server.injectFault({ kind: "http-500" });
    for (let i = 0; i < 5; i++) {
      expect(server.request("GET", "/1.0", as(admin)).status).toBe(500);
    }
    expect(server.activeFaults()).toMatchObject([{ kind: "http-500", remaining: null }]);
    server.clearFaults();
    expect(server.request("GET", "/1.0", as(admin)).status).toBe(200);
  });

  it("http-500: answers 500 'internal server error' and does not apply the request", () => {
    server.injectFault({ kind: "http-500", count: 1 });
    const response = server.request("POST", "/1.0/certificates", as(admin, addBody(alice)));
    expect(response.status).toBe(500);
    expect(errorText(response)).toBe("internal server error");
    expect(server.isTrusted(alice.fingerprint)).toBe(false);
    expect(server.request("POST", "/1.0/certificates", as(admin, addBody(alice))).status).toBe(201);
  });

  it("slow: answers normally and adds simulated latency", () => {
    server.injectFault({ kind: "slow", count: 2 });
    const response = server.request("POST", "/1.0/certificates", as(admin, addBody(alice)));
    expect(response.status).toBe(201);
    expect(server.isTrusted(alice.fingerprint)).toBe(true);
    server.request("GET", "/1.0", as(admin));
    server.request("GET", "/1.0", as(admin));
    expect(server.slowResponses).toBe(2);
    expect(server.simulatedLatencyMs).toBe(2 * server.slowLatencyMs);
    expect(server.requests.map((r) => r.fault)).toEqual(["slow", "slow", null]);
  });

  it("slow: uses the fault's latency, else the server's", () => {
    const tuned = makeServer({ slowLatencyMs: 250 });
    tuned.injectFault({ kind: "slow", count: 1, latencyMs: 40 });
    tuned.injectFault({ kind: "slow", count: 1 });
    tuned.request("GET", "/1.0", as(admin));
    tuned.request("GET", "/1.0", as(admin));
    expect(tuned.simulatedLatencyMs).toBe(290);
    expect(tuned.slowResponses).toBe(2);
  });

  it("paths limit a fault to exact paths, or to prefixes with a trailing *", () => {
    server.trust(alice.certPem);
    server.injectFault({ kind: "http-500", paths: ["/1.0/certificates"] });
    expect(server.request("GET", "/1.0", as(admin)).status).toBe(200);
    expect(server.request("GET", "/1.0/certificates?recursion=1", as(admin)).status).toBe(500);
    const del = `/1.0/certificates/${alice.fingerprint}`;
    expect(server.request("DELETE", del, as(admin)).status).toBe(202);
    server.clearFaults();
    server.injectFault({ kind: "unreachable", paths: ["/1.0/certificates/*"] });
    expect(server.request("GET", "/1.0/certificates", as(admin)).status).toBe(200);
    expect(() => server.request("DELETE", del, as(admin))).toThrow(LxdConnectionError);
  });

  it("the first matching fault applies, and only affected requests use up a count", () => {
    server.injectFault({ kind: "http-500", count: 1, paths: ["/1.0/certificates"] });
    server.injectFault({ kind: "slow", count: 1 });
    expect(server.request("GET", "/1.0", as(admin)).status).toBe(200);
    expect(server.slowResponses).toBe(1);
    expect(server.activeFaults()).toMatchObject([{ kind: "http-500", remaining: 1 }]);
    expect(server.request("GET", "/1.0/certificates", as(admin)).status).toBe(500);
    expect(server.activeFaults()).toEqual([]);
  });

  it("a failed TLS handshake does not use up a fault", () => {
    server.injectFault({ kind: "http-500", count: 1 });
    expect(() => server.request("GET", "/1.0", { clientCertPem: "junk" })).toThrow(LxdTlsError);
    expect(server.activeFaults()).toMatchObject([{ kind: "http-500", remaining: 1 }]);
  });

  it("rejects a malformed fault, naming the field", () => {
    expect(() => server.injectFault({ kind: "slow", count: 0 })).toThrow(/invalid fault: count: /);
    expect(() => server.injectFault({ kind: "boom" as "slow" })).toThrow(/kind: /);
    expect(() => server.injectFault({ kind: "slow", paths: ["1.0"] })).toThrow(/paths\[0\]: /);
    expect(() => server.injectFault({ kind: "slow", latencyMs: -1 })).toThrow(LxdInputError);
    expect(server.activeFaults()).toEqual([]);
  });
});

describe("request log", () => {
  it("records method, path, status and caller of every request", () => {
    server.request("GET", "/1.0", as(alice));
    server.request("POST", "/1.0/certificates", as(admin, addBody(alice)));
    server.request("DELETE", `/1.0/certificates/${bob.fingerprint}`, {});
    expect(server.requests).toEqual([
      { method: "GET", path: "/1.0", status: 200, fault: null, caller: alice.fingerprint },
      {
        method: "POST",
        path: "/1.0/certificates",
        status: 201,
        fault: null,
        caller: admin.fingerprint,
      },
      {
        method: "DELETE",
        path: `/1.0/certificates/${bob.fingerprint}`,
        status: 403,
        fault: null,
        caller: null,
      },
    ]);
    server.clearRequestLog();
    expect(server.requests).toEqual([]);
  });
});
