/**
 * Progress of `charmsim fuzz`: a live line on a terminal (drawn with log-update: the property
 * being run, runs done of the budget, elapsed time and an ETA), plain lines otherwise, and a
 * closing summary line with the counts either way.
 */

import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { lines, tempDir } from "./helpers.js";

/** A stream that says it is a terminal, keeping what is drawn on it. */
class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly columns = 200;
  readonly rows = 50;
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const ESC = String.fromCharCode(27);
const stripAnsi = (s: string) => s.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, "g"), "");

describe("fuzz progress", () => {
  it("on a terminal: a live line with the case, runs of the budget, elapsed and ETA", async () => {
    const terminal = new FakeTerminal();
    let out = "";
    let err = "";
    const code = await main(
      ["fuzz", "--campaign", "juju-ordering", "--runs", "3", "--out", join(tempDir(), "r")],
      {
        out: (t) => {
          out += t;
        },
        err: (t) => {
          err += t;
        },
        isTTY: true,
        progressStream: terminal,
      },
    );
    expect(code).toBe(0);
    const drawn = stripAnsi(terminal.text);
    expect(drawn).toMatch(
      /\[1\/2\] juju-ordering juju\.invariants \(simulator\) {2}runs \d+\/6 \(\d+%\) {2}\d+:\d\d elapsed/,
    );
    expect(drawn).toMatch(
      /\[2\/2\] juju-ordering juju\.settles \(simulator\) {2}runs \d+\/6 .*ETA \d+:\d\d/,
    );
    // The live line is erased at the end (log-update's erase sequence is the last thing drawn).
    expect(terminal.text.lastIndexOf(`${ESC}[2K`)).toBeGreaterThan(
      terminal.text.lastIndexOf("juju.settles"),
    );
    // No per-case lines on stderr: only the closing summary.
    expect(lines(err)).toEqual([
      expect.stringMatching(
        /^fuzz done in \d+\.\d s: 2 hold, 0 FAIL, 0 quirks found, 0 quirks not found in budget$/,
      ),
    ]);
    expect(out).toContain("Report: ");
  });

  it("not on a terminal: nothing is drawn on the progress stream", async () => {
    const terminal = new FakeTerminal();
    let err = "";
    await main(
      ["fuzz", "--campaign", "juju-ordering", "--runs", "1", "--out", join(tempDir(), "r")],
      {
        out: () => {},
        err: (t) => {
          err += t;
        },
        isTTY: false,
        progressStream: terminal,
      },
    );
    expect(terminal.text).toBe("");
    expect(lines(err)).toHaveLength(3);
  });
});
