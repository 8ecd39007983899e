/**
 * LxdClient's registration and removal outcomes: what LXD answered (status and body as sent),
 * which the faithful provider logs as upstream does (`logger.error(data)`), and the kinds the
 * fixed provider acts on.
 */
import { describe, expect, it } from "vitest";
import { fixtureCertificateFor } from "../../src/charms/lxd-consumer/certificates.js";
import { buildLxdWorld, type LxdWorld } from "../../src/charms/lxd-integrator/variants.js";
import { Context } from "../../src/harness/context.js";
import { CharmBase } from "../../src/harness/ops/charm.js";
import type { Framework } from "../../src/harness/ops/framework.js";
import {
  LxdClient,
  type RegisterOutcome,
  type UnregisterOutcome,
} from "../../src/libs/lxd/client.js";
import { State } from "../../src/model/state.js";

const c0 = fixtureCertificateFor(0);

/** Runs `body` with a client of the world's integrator identity inside an install hook. */
function withClient<T>(world: LxdWorld, body: (client: LxdClient) => T): T {
  let result: T | undefined;
  class ClientCharm extends CharmBase {
    constructor(framework: Framework) {
      super(framework);
      framework.observe(this.on.install, () => {
        const attrs = world.credential.attrs;
        result = body(
          new LxdClient(this.model, {
            endpoint: world.credential.endpoint,
            clientCert: attrs["client-cert"] ?? "",
            clientKey: attrs["client-key"] ?? "",
            serverCert: attrs["server-cert"] ?? "",
          }),
        );
      });
    }
  }
  const ctx = new Context(ClientCharm, {
    meta: { name: "client-probe" },
    external: world.external,
  });
  ctx.run(ctx.on.install(), new State());
  return result as T;
}

describe("LxdClient registration and removal", () => {
  it("register: added, then already trusted; a refusal carries status, error text and the body as sent", () => {
    const world = buildLxdWorld();
    const added = withClient(world, (c) => c.register(c0.pem));
    expect(added).toEqual({ kind: "added" } satisfies RegisterOutcome);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
    expect(withClient(world, (c) => c.register(c0.pem)).kind).toBe("already-trusted");
    world.server.injectFault({ kind: "http-error", status: 403, error: "no", count: 1 });
    const refused = withClient(world, (c) => c.register(fixtureCertificateFor(1).pem));
    expect(refused).toEqual({
      kind: "failed",
      status: 403,
      detail: "no",
      raw: '{"type":"error","error":"no","error_code":403}',
    } satisfies RegisterOutcome);
  });

  it("unregister: removed (202), not found (404) and failed (500), each with the status and body as sent", () => {
    const world = buildLxdWorld();
    world.server.trust(c0.pem);
    const removed = withClient(world, (c) => c.unregister(c0.fingerprint));
    expect(removed).toEqual({
      kind: "removed",
      status: 202,
      raw: '{"type":"sync","status":"Success","status_code":200,"metadata":{}}',
    } satisfies UnregisterOutcome);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(false);
    expect(withClient(world, (c) => c.unregister(c0.fingerprint))).toEqual({
      kind: "not-found",
      status: 404,
      raw: '{"type":"error","error":"Certificate not found","error_code":404}',
    } satisfies UnregisterOutcome);
    world.server.trust(c0.pem);
    world.server.injectFault({ kind: "http-500", methods: ["DELETE"], count: 1 });
    expect(withClient(world, (c) => c.unregister(c0.fingerprint))).toEqual({
      kind: "failed",
      status: 500,
      detail: "internal server error",
      raw: '{"type":"error","error":"internal server error","error_code":500}',
    } satisfies UnregisterOutcome);
    expect(world.server.isTrusted(c0.fingerprint)).toBe(true);
  });
});
