import { expect } from "vitest";
import { z } from "zod";
import { lxdIntegratorSpec } from "../../src/charms/lxd-integrator/metadata.js";
import { buildLxdWorld, type LxdWorld } from "../../src/charms/lxd-integrator/variants.js";
import { Context } from "../../src/harness/context.js";
import { checkInvariants, formatViolations } from "../../src/harness/invariants.js";
import { CharmBase, type CharmClass } from "../../src/harness/ops/charm.js";
import type { Framework } from "../../src/harness/ops/framework.js";
import type { Simulation } from "../../src/harness/simulation.js";
import type { TraceRecord } from "../../src/harness/trace.js";
import { type LxdNode, lxdNodesSchema } from "../../src/libs/lxd/data.js";
import { Relation, State, type StateInit } from "../../src/model/state.js";

export { buildLxdWorld, type LxdWorld };

/** A Context for an integrator charm class, wired to a fresh simulated LXD. */
export function integratorContext(charm: CharmClass, world: LxdWorld = buildLxdWorld()) {
  const ctx = new Context(charm, { ...lxdIntegratorSpec, external: world.external });
  return { ctx, world };
}

/** The integrator's `api` relation with a consumer application. */
export function apiRelation(
  remoteUnitsData: Record<number, Record<string, string>> = { 0: {} },
  extra: { id?: number; localUnitData?: Record<string, string>; remoteAppName?: string } = {},
): Relation {
  return new Relation({
    endpoint: "api",
    interface: "lxd",
    remoteAppName: extra.remoteAppName ?? "consumer",
    remoteUnitsData,
    ...(extra.id !== undefined ? { id: extra.id } : {}),
    ...(extra.localUnitData ? { localUnitData: extra.localUnitData } : {}),
  });
}

/** A requirer unit bag publishing these PEM certificates. */
export const certsBag = (...pems: string[]) => ({ client_certificates: JSON.stringify(pems) });

/** The State after install with the app trusted and the cloud credential available. */
export function installed(
  ctx: Context,
  world: LxdWorld,
  init: Omit<StateInit, "trusted" | "credential"> = {},
): State {
  return ctx.run(
    ctx.on.install(),
    new State({ ...init, trusted: true, credential: world.credential }),
  );
}

/** Everything in a server's trust store (the world's own by default) but the integrator's identity. */
export function trustedClients(world: LxdWorld, server = world.server): string[] {
  return server.trustedFingerprints().filter((fp) => fp !== world.integratorFingerprint);
}

/** This unit's `nodes` in a relation of a State, parsed. */
export function nodesOf(state: State, relationId: number): LxdNode[] {
  const rel = state.getRelation(relationId);
  const raw = rel?.localUnitData.nodes;
  if (raw === undefined) throw new Error(`relation ${relationId} has no nodes`);
  return lxdNodesSchema.parse(JSON.parse(raw));
}

/** A unit bag's `nodes` in the Simulation, parsed ([] when absent). */
export function simNodes(sim: Simulation, relationId: number, unit: string): LxdNode[] {
  const raw = sim.bag(relationId, unit).nodes;
  return raw === undefined ? [] : lxdNodesSchema.parse(JSON.parse(raw));
}

export function expectNoViolations(sim: Simulation): void {
  const v = checkInvariants(sim.trace);
  expect(v, formatViolations(v)).toEqual([]);
}

export function logs(sim: Simulation, unit?: string): Extract<TraceRecord, { t: "log" }>[] {
  return sim.trace.records.filter(
    (r): r is Extract<TraceRecord, { t: "log" }> =>
      r.t === "log" && (unit === undefined || r.unit === unit),
  );
}

export function failedHooks(sim: Simulation, unit?: string) {
  return sim.trace.hooks().filter((h) => !h.ok && (unit === undefined || h.unit === unit));
}

const rawConfig = z.looseObject({ raw: z.string().default("") });

/**
 * A test requirer that writes its `raw` config value, verbatim, as `client_certificates`
 * (to feed ill-formed data to the provider).
 */
export class RawConsumerCharm extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    const write = () => {
      const raw = rawConfig.parse(this.config).raw;
      for (const rel of this.model.relations("lxd")) {
        const bag = rel.data.get(this.unit);
        if (raw === "") bag.delete("client_certificates");
        else bag.set("client_certificates", raw);
      }
    };
    framework.observe(this.on.configChanged, write);
    framework.observe(this.on.relation("lxd").created, write);
  }
}
export const rawConsumerSpec = {
  meta: { name: "raw-consumer", requires: { lxd: { interface: "lxd" } } },
  config: { options: { raw: { type: "string" as const, default: "" } } },
};

const fakeProviderConfig = z.looseObject({
  version: z.string().default("1.0"),
  nodes: z.string().default("[]"),
});

/** A test provider that publishes its `version` and `nodes` config values verbatim. */
export class FakeProviderCharm extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    const write = () => {
      const c = fakeProviderConfig.parse(this.config);
      for (const rel of this.model.relations("api")) {
        rel.data.get(this.unit).update({ version: c.version, nodes: c.nodes });
      }
    };
    framework.observe(this.on.configChanged, write);
    framework.observe(this.on.relation("api").created, write);
  }
}
export const fakeProviderSpec = {
  meta: { name: "fake-provider", provides: { api: { interface: "lxd" } } },
  config: {
    options: {
      version: { type: "string" as const, default: "1.0" },
      nodes: { type: "string" as const, default: "[]" },
    },
  },
};

/**
 * Metadata of the test charms that drive an lxd provider object directly: the `api` endpoint,
 * and the credentials as string config options.
 */
export const providerProbeSpec = {
  meta: { name: "lxd-integrator", provides: { api: { interface: "lxd" } } },
  config: {
    options: {
      endpoint: { type: "string" as const },
      cert: { type: "string" as const },
      key: { type: "string" as const },
      server: { type: "string" as const },
    },
  },
};
