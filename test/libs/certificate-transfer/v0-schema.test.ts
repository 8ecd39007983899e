/**
 * The v0 requirer's validation of a provider unit's bag against upstream's PROVIDER_JSON_SCHEMA
 * (LIBPATCH 11): `version` is a JSON-schema integer with minimum 0 as python-jsonschema checks it
 * (draft 7: integral floats count, booleans do not, Python ints have no size limit), and the
 * schema's `type: object` refuses anything else without throwing.
 */
import { describe, expect, it } from "vitest";
import { v0RequirerSpec } from "../../../src/charms/certificate-transfer/common.js";
import { V0RequirerCharm } from "../../../src/charms/certificate-transfer/v0.js";
import { Context } from "../../../src/harness/context.js";
import {
  CertificateAvailableEvent,
  providerRelationDataSchema,
} from "../../../src/libs/certificate-transfer/v0.js";
import { Relation, State } from "../../../src/model/state.js";
import { logs } from "./helpers.js";

/** What the v0 requirer makes of one provider unit bag at relation-changed. */
function requirerSees(bag: Record<string, string>) {
  const ctx = new Context(V0RequirerCharm, v0RequirerSpec());
  const rel = new Relation({
    endpoint: "certificates",
    interface: "certificate_transfer",
    remoteUnitsData: { 0: bag },
  });
  ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), new State({ relations: [rel] }));
  const available = ctx.emittedEvents.filter((e) => e instanceof CertificateAvailableEvent);
  const warnings = logs(ctx).filter(([level]) => level === "WARNING");
  return { available: available.length, warnings: warnings.length };
}

describe("v0 provider data: `version` as a JSON-schema integer, minimum 0", () => {
  it.each([
    ["0", "the version the v0 library writes"],
    ["5", "a later version"],
    ["2.0", "an integral float (python-jsonschema counts it as an integer)"],
    ["0.0", "zero as a float (the minimum is inclusive)"],
    ["99999999999999999999", "an integer past 2^64 (a Python int)"],
  ])("%s is valid, %s: certificate_available", (version) => {
    expect(requirerSees({ certificate: "c", version })).toEqual({ available: 1, warnings: 0 });
  });

  it.each([
    ["-1", "below the minimum"],
    ["-99999999999999999999", "a large negative integer"],
    ["-2.0", "a negative integral float"],
    ["1.5", "not integral"],
    ["true", "a boolean (not an integer in JSON schema)"],
    ['"0"', "a JSON string"],
  ])("%s is invalid, %s: a warning, no event", (version) => {
    expect(requirerSees({ certificate: "c", version })).toEqual({ available: 0, warnings: 1 });
  });
});

describe("the provider schema refuses what is not an object (`type: object`)", () => {
  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a string naming a key", "certificate"],
    ["a number", 0],
    ["a list of key names", ["certificate", "ca", "chain"]],
  ])("%s fails validation without throwing", (_what, value) => {
    expect(providerRelationDataSchema.safeParse(value).success).toBe(false);
  });

  it("an object with one of the keys passes (the control case)", () => {
    expect(providerRelationDataSchema.safeParse({ chain: ["c"] }).success).toBe(true);
  });
});
