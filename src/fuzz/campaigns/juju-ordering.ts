import fc from "fast-check";
import {
  ChattyProvider,
  ChattyRequirer,
  chattyProviderSpec,
  chattyRequirerSpec,
} from "../../charms/chatty/index.js";
import { type FuzzCase, invariantsHold, settles } from "../campaign.js";
import { type CatalogCharm, CharmCatalog } from "../catalog.js";
import type { Operation, Scenario } from "../operations.js";

export const chattyCharms: CatalogCharm[] = [
  {
    name: "chatty-provider",
    description: "writes bags on many hooks; provides data, has a peer relation",
    charm: ChattyProvider,
    spec: chattyProviderSpec,
    calls: {},
  },
  {
    name: "chatty-requirer",
    description: "writes bags on many hooks; requires data",
    charm: ChattyRequirer,
    spec: chattyRequirerSpec,
    calls: {},
  },
];

const apps = ["p", "r", "q"] as const;
const unitRef = fc.record({ app: fc.constantFrom(...apps), index: fc.nat({ max: 7 }) });

/** Random Juju operations over a provider app `p` and two requirer apps `r`, `q`. */
export const orderingOperation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(...apps).map((app): Operation => ({ op: "add-unit", app })),
  },
  { weight: 2, arbitrary: unitRef.map((unit): Operation => ({ op: "remove-unit", unit })) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom("r", "q")
      .map((app): Operation => ({ op: "integrate", a: "p:data", b: `${app}:data` })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom("r", "q")
      .map((app): Operation => ({ op: "remove-relation", a: "p:data", b: `${app}:data` })),
  },
  { weight: 2, arbitrary: unitRef.map((unit): Operation => ({ op: "set-leader", unit })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ app: fc.constantFrom(...apps), generation: fc.nat({ max: 3 }) })
      .map(({ app, generation }): Operation => ({ op: "set-config", app, values: { generation } })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        app: fc.constantFrom(...apps),
        hook: fc.constantFrom(
          "",
          "relation-changed",
          "relation-joined",
          "relation-departed",
          "config-changed",
        ),
      })
      .map(
        ({ app, hook }): Operation => ({ op: "set-config", app, values: { "fail-hook": hook } }),
      ),
  },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 1, max: 25 }).map((count): Operation => ({ op: "step", count })),
  },
  { weight: 1, arbitrary: fc.constant<Operation>({ op: "settle", maxHooks: 20_000 }) },
  { weight: 1, arbitrary: fc.constant<Operation>({ op: "update-status" }) },
);

/** A whole ordering case: deploy, integrate, random operations, settle; interleavings from `choices`. */
export const orderingScenario: fc.Arbitrary<Scenario> = fc
  .record({
    units: fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 2 }),
    ),
    ops: fc.array(orderingOperation, { maxLength: 14 }),
    choices: fc.array(fc.nat({ max: 1_000 }), { maxLength: 120 }),
    seed: fc.nat(),
  })
  .map(({ units, ops, choices, seed }) => ({
    seed,
    choices,
    steps: [
      {
        op: "deploy",
        app: "p",
        charm: "chatty-provider",
        units: units[0],
        config: {},
        trusted: false,
      },
      {
        op: "deploy",
        app: "r",
        charm: "chatty-requirer",
        units: units[1],
        config: {},
        trusted: false,
      },
      {
        op: "deploy",
        app: "q",
        charm: "chatty-requirer",
        units: units[2],
        config: {},
        trusted: false,
      },
      { op: "integrate", a: "p:data", b: "r:data" },
      ...ops,
      { op: "settle", maxHooks: 20_000 },
    ],
  }));

const catalog = new CharmCatalog(chattyCharms);

/** The Juju ordering campaign: every trace satisfies I1-I11 and every settle terminates. */
export function orderingCases(): FuzzCase[] {
  return [
    {
      campaign: "juju-ordering",
      property: "juju.invariants",
      description: "every trace satisfies I1-I11 of spec/juju-hooks.md",
      variant: "simulator",
      expect: "hold",
      arbitrary: orderingScenario,
      check: invariantsHold,
      catalog,
    },
    {
      campaign: "juju-ordering",
      property: "juju.settles",
      description: "settle() reaches quiescence for charms that converge",
      variant: "simulator",
      expect: "hold",
      arbitrary: orderingScenario,
      check: settles,
      catalog,
    },
  ];
}
