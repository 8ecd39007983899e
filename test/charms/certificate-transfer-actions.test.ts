// The dummy certificate_transfer charms observe an action only when their metadata declares it,
// so a spec trimmed to the relation endpoint still runs every hook.
import { describe, expect, it } from "vitest";
import {
  makeV0ProviderCharm,
  makeV1ProviderCharm,
  makeV1RequirerCharm,
  v0ProviderSpec,
  v1ProviderSpec,
  v1RequirerSpec,
} from "../../src/charms/certificate-transfer/index.js";
import { Context } from "../../src/harness/context.js";
import type { CharmClass } from "../../src/harness/ops/charm.js";
import type { CharmSpecInput } from "../../src/model/metadata.js";
import { Relation, State } from "../../src/model/state.js";

/** What an action's observer left behind: its results and the local bags of the relation. */
const effect = (ctx: Context, out: State) => ({
  results: ctx.actionResults,
  app: out.relations[0]?.localAppData,
  unit: out.relations[0]?.localUnitData,
});
type Effect = ReturnType<typeof effect>;

/** Each charm, one action it declares, a relation for it to act on, and the action's effect. */
const cases: [string, CharmClass, CharmSpecInput, string, Relation, Partial<Effect>][] = [
  [
    "v1 requirer",
    makeV1RequirerCharm(),
    v1RequirerSpec(),
    "get-all-certificates",
    new Relation({ endpoint: "certificates", interface: "certificate_transfer" }),
    { results: { certificates: [] } },
  ],
  [
    "v1 provider",
    makeV1ProviderCharm(),
    v1ProviderSpec(),
    "remove-all-certificates",
    new Relation({
      endpoint: "certificates",
      interface: "certificate_transfer",
      remoteAppData: { version: "1" },
      localAppData: { certificates: '["a"]', version: "1" },
    }),
    { app: { certificates: "[]", version: "1" } },
  ],
  [
    "v0 provider",
    makeV0ProviderCharm(),
    v0ProviderSpec(),
    "remove-certificate",
    new Relation({
      endpoint: "certificates",
      interface: "certificate_transfer",
      localUnitData: { certificate: "a", ca: "b" },
    }),
    { unit: {} },
  ],
];

describe.each(cases)("%s", (_name, Charm, spec, action, relation, expected) => {
  const state = new State({ leader: true, relations: [relation] });

  it("runs hooks with a spec that declares no actions", () => {
    const ctx = new Context(Charm, { meta: spec.meta });
    expect(() => ctx.run(ctx.on.relationCreated(relation), state)).not.toThrow();
    expect(ctx.emittedEvents.map((e) => e.handle.kind)).toContain("certificates_relation_created");
  });

  it(`observes ${action} when the spec declares it`, () => {
    const ctx = new Context(Charm, spec);
    const out = ctx.run(
      ctx.on.action(action, { params: { "relation-id": String(relation.id) } }),
      state,
    );
    const got = effect(ctx, out);
    for (const key of Object.keys(expected) as (keyof Effect)[]) {
      expect(got[key], key).toEqual(expected[key]);
    }
  });
});
