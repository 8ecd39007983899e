/**
 * Fault injection by request method and with any error status: what the fixed LXD provider's
 * fault-path tests drive (a refusal of one certificate, a failed DELETE, a 403 in the middle of
 * a sync).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { fixtureCertificate, fixtureServerCert } from "../../src/pki/fixtures.js";
import { certificateBase64Body } from "../../src/pki/pem.js";
import {
  LxdConnectionError,
  LxdInputError,
  type LxdRequestOptions,
  type LxdResponse,
  LxdServer,
} from "../../src/workloads/lxd-server.js";

const admin = fixtureCertificate("client-00");
const alice = fixtureCertificate("client-01");

function as(body?: unknown): LxdRequestOptions {
  return { clientCertPem: admin.certPem, body };
}

const addAlice = { type: "client", certificate: certificateBase64Body(alice.certPem) };

function errorText(response: LxdResponse): string {
  if (response.body.type !== "error") throw new Error(`expected an error, got ${response.status}`);
  return response.body.error;
}

let server: LxdServer;
beforeEach(() => {
  server = new LxdServer({
    serverName: "lxd-test",
    serverCertPem: fixtureServerCert().certPem,
    endpoint: "https://10.1.2.3:8443",
  });
  server.trust(admin.certPem, "admin");
});

describe("fault injection by method", () => {
  it("methods limit a fault to those methods on the same path", () => {
    server.injectFault({ kind: "http-500", methods: ["POST"], paths: ["/1.0/certificates"] });
    expect(server.request("GET", "/1.0/certificates?recursion=1", as()).status).toBe(200);
    expect(server.request("POST", "/1.0/certificates", as(addAlice)).status).toBe(500);
    expect(server.isTrusted(alice.fingerprint)).toBe(false);
    expect(server.requests.map((r) => [r.method, r.status, r.fault])).toEqual([
      ["GET", 200, null],
      ["POST", 500, "http-500"],
    ]);
  });

  it("a request of another method does not use up the fault's count", () => {
    server.injectFault({ kind: "unreachable", methods: ["DELETE"], count: 1 });
    server.request("GET", "/1.0", as());
    server.request("POST", "/1.0/certificates", as(addAlice));
    expect(server.activeFaults()).toMatchObject([{ kind: "unreachable", remaining: 1 }]);
    expect(() => server.request("DELETE", `/1.0/certificates/${alice.fingerprint}`, as())).toThrow(
      LxdConnectionError,
    );
    expect(server.activeFaults()).toEqual([]);
    expect(server.isTrusted(alice.fingerprint)).toBe(true);
  });
});

describe("http-error", () => {
  it("answers the given status and error text without applying the request", () => {
    server.injectFault({ kind: "http-error", status: 400, error: "bad certificate", count: 1 });
    const refused = server.request("POST", "/1.0/certificates", as(addAlice));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ type: "error", error: "bad certificate", error_code: 400 });
    expect(server.isTrusted(alice.fingerprint)).toBe(false);
    expect(server.requests.at(-1)).toMatchObject({ status: 400, fault: "http-error" });
    expect(server.request("POST", "/1.0/certificates", as(addAlice)).status).toBe(201);
  });

  it("says 'injected fault' when no error text is given", () => {
    server.injectFault({ kind: "http-error", status: 503 });
    const response = server.request("GET", "/1.0", as());
    expect(response.status).toBe(503);
    expect(errorText(response)).toBe("injected fault");
  });

  it("lists the status and methods of active faults (500 for http-500)", () => {
    server.injectFault({ kind: "http-error", status: 403, methods: ["POST", "DELETE"] });
    server.injectFault({ kind: "http-500", count: 2 });
    server.injectFault({ kind: "slow" });
    expect(server.activeFaults()).toEqual([
      {
        kind: "http-error",
        remaining: null,
        paths: null,
        methods: ["POST", "DELETE"],
        status: 403,
        latencyMs: server.slowLatencyMs,
      },
      {
        kind: "http-500",
        remaining: 2,
        paths: null,
        methods: null,
        status: 500,
        latencyMs: server.slowLatencyMs,
      },
      {
        kind: "slow",
        remaining: null,
        paths: null,
        methods: null,
        status: null,
        latencyMs: server.slowLatencyMs,
      },
    ]);
  });

  it("rejects a malformed fault, naming the field", () => {
    expect(() => server.injectFault({ kind: "http-error" })).toThrow(
      /invalid fault: status: http-error needs a status/,
    );
    expect(() => server.injectFault({ kind: "http-error", status: 302 })).toThrow(/status: /);
    expect(() => server.injectFault({ kind: "http-error", status: 600 })).toThrow(/status: /);
    expect(() => server.injectFault({ kind: "http-500", status: 404 })).toThrow(
      /status: only an http-error has one/,
    );
    expect(() => server.injectFault({ kind: "slow", error: "x" })).toThrow(
      /error: only an http-error has one/,
    );
    expect(() => server.injectFault({ kind: "http-500", methods: [] })).toThrow(/methods: /);
    expect(() => server.injectFault({ kind: "http-500", methods: ["HEAD" as "GET"] })).toThrow(
      /methods\[0\]: /,
    );
    expect(() => server.injectFault({ kind: "http-error", status: 400, error: "" })).toThrow(
      LxdInputError,
    );
    expect(server.activeFaults()).toEqual([]);
  });
});
