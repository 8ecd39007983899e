/** Errors as one line: the name once, even when an error was built from another's text. */
import { describe, expect, it } from "vitest";
import { ChattyProvider, chattyProviderSpec } from "../../src/charms/chatty/index.js";
import { Simulation } from "../../src/harness/simulation.js";
import { errorText } from "../../src/model/errors.js";

describe("errorText", () => {
  it("names the error once", () => {
    expect(errorText(new TypeError("bad"))).toBe("TypeError: bad");
    expect(errorText(new Error("TypeError: bad"))).toBe("TypeError: bad");
    expect(errorText(new Error("Error: configured"))).toBe("Error: configured");
    expect(errorText(new RangeError("RangeError: x"))).toBe("RangeError: x");
    // Another name in the message of a specific error is part of its message.
    expect(errorText(new RangeError("KeyError: x"))).toBe("RangeError: KeyError: x");
    expect(errorText("plain")).toBe("plain");
  });

  it("a unit in error is reported without 'Error: Error:'", () => {
    const sim = new Simulation({ seed: 1 });
    sim.deploy("p", ChattyProvider, {
      spec: chattyProviderSpec,
      units: 1,
      configValues: { "fail-hook": "install" },
    });
    sim.settle();
    expect(() => sim.assertNoErrors()).toThrow(
      "charm raised during install: Error: configured to fail in install",
    );
    let message = "";
    try {
      sim.assertNoErrors();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toContain("Error: Error:");
  });
});
