// The libraries' custom events survive a defer (snapshot, then restore) and refuse a snapshot
// that does not fit, naming the event and the field.
import { describe, expect, it } from "vitest";
import { Handle } from "../../../src/harness/ops/framework.js";
import * as v0 from "../../../src/libs/certificate-transfer/v0.js";
import * as v1 from "../../../src/libs/certificate-transfer/v1.js";

const handle = new Handle(null, "event", null);

describe("deferred certificate_transfer events", () => {
  it("round-trip through their snapshots", () => {
    const set = new v1.CertificatesAvailableEvent(handle, new Set(["b", "a"]), 4);
    const setBack = new v1.CertificatesAvailableEvent(handle, new Set(), 0);
    setBack.restore(set.snapshot());
    expect([setBack.certificates, setBack.relationId]).toEqual([new Set(["a", "b"]), 4]);

    const removed = new v1.CertificatesRemovedEvent(handle, 7);
    const removedBack = new v1.CertificatesRemovedEvent(handle, 0);
    removedBack.restore(removed.snapshot());
    expect(removedBack.relationId).toBe(7);

    const available = new v0.CertificateAvailableEvent(handle, "c", "ca", ["c", "ca"], 2);
    const availableBack = new v0.CertificateAvailableEvent(handle, null, null, null, 0);
    availableBack.restore(available.snapshot());
    expect(availableBack.snapshot()).toEqual(available.snapshot());

    const gone = new v0.CertificateRemovedEvent(handle, 9);
    const goneBack = new v0.CertificateRemovedEvent(handle, 0);
    goneBack.restore(gone.snapshot());
    expect(goneBack.relationId).toBe(9);
  });

  it.each([
    ["certificate_set_updated", new v1.CertificatesAvailableEvent(handle, new Set(), 1)],
    ["certificates_removed", new v1.CertificatesRemovedEvent(handle, 1)],
    ["certificate_available", new v0.CertificateAvailableEvent(handle, null, null, null, 1)],
    ["certificate_removed", new v0.CertificateRemovedEvent(handle, 1)],
  ])("%s refuses a snapshot without an integer relation_id", (kind, event) => {
    const bad = { ...event.snapshot(), relation_id: "1" };
    expect(() => event.restore(bad)).toThrow(TypeError);
    expect(() => event.restore(bad)).toThrow(
      new RegExp(`cannot restore a deferred ${kind}: [\\s\\S]*relation_id`),
    );
  });
});
