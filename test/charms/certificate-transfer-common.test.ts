// The dummy requirers' shared record of held certificates and their status rule.
import { describe, expect, it } from "vitest";
import {
  heldByRelationId,
  holdsAnyCertificate,
  requirerStatus,
} from "../../src/charms/certificate-transfer/index.js";
import { ActiveStatus, WaitingStatus } from "../../src/model/status.js";

describe("held certificates", () => {
  it("keys the stored record by numeric relation id", () => {
    expect(heldByRelationId({ "3": ["a"], "10": [] })).toEqual(
      new Map([
        [3, ["a"]],
        [10, []],
      ]),
    );
    expect(heldByRelationId({})).toEqual(new Map());
  });

  it("holds a certificate only when some relation's list is non-empty", () => {
    expect(holdsAnyCertificate({})).toBe(false);
    expect(holdsAnyCertificate({ "1": [], "2": [] })).toBe(false);
    expect(holdsAnyCertificate({ "1": [], "2": ["pem"] })).toBe(true);
  });

  it("makes the requirer Active while it holds one, Waiting otherwise", () => {
    expect(requirerStatus(true)).toEqual(new ActiveStatus());
    expect(requirerStatus(false)).toEqual(new WaitingStatus());
  });
});
