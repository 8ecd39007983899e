import { escapeTerminal } from "../model/terminal.js";
import type { Trace, TraceRecord } from "./trace.js";

/** A scenario step, to draw its records under a note saying what the step did. */
export interface MermaidStep {
  /** The step's number (1-based), as in a report's list of steps. */
  readonly number: number;
  /** What the step does, e.g. `call ca[leader] add(["client-05"])`. */
  readonly label: string;
  /** The sequence numbers of the step's first record and of the record after its last. */
  readonly from: number;
  readonly to: number;
  /** What a library call returned, or why the step failed or was skipped. */
  readonly outcome?: string;
}

export interface MermaidOptions {
  /** At most this many records are drawn (default 500); the rest is summarised by kind. */
  readonly maxRecords?: number;
  /**
   * juju-log lines drawn as notes: true for every level, false for none; by default only ERROR
   * and CRITICAL lines, which often say why a finding happened.
   */
  readonly logs?: boolean;
  /** Scenario steps: each is drawn as a note, and a `call` step names its call on its exec. */
  readonly steps?: readonly MermaidStep[];
  /** Charm names by application: participants are then named `unit (charm)`. */
  readonly charms?: ReadonlyMap<string, string>;
  /** Short names for long values in event payloads (e.g. certificate PEMs by fixture name). */
  readonly names?: ReadonlyMap<string, string>;
}

const NOTE_WIDTH = 160;

/** Text that is safe inside a Mermaid line: no statement separators, comments or controls. */
const clean = (s: string, width = NOTE_WIDTH) => {
  const flat = escapeTerminal(s.replace(/[;#\n\r]/g, " "))
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > width ? `${flat.slice(0, width - 3)}...` : flat;
};

const PEM = /^-----BEGIN ([A-Z ]+)-----/;

/** A payload value in short: named values by name, PEM blocks by kind and length. */
function shortValue(value: unknown, names: ReadonlyMap<string, string> | undefined): string {
  if (typeof value === "string") {
    const name = names?.get(value);
    if (name !== undefined) return name;
    const pem = PEM.exec(value);
    if (pem) return `<${(pem[1] ?? "PEM").toLowerCase()} ${value.length} chars>`;
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => shortValue(v, names)).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${k}: ${shortValue(v, names)}`).join(", ")}}`;
  }
  return String(value);
}

const KIND_NAMES: Readonly<Record<TraceRecord["t"], [string, string]>> = {
  op: ["model operation", "model operations"],
  leader: ["leadership change", "leadership changes"],
  hook: ["hook", "hooks"],
  commit: ["bag commit", "bag commits"],
  event: ["library event", "library events"],
  log: ["log line", "log lines"],
  status: ["status change", "status changes"],
  exec: ["library call", "library calls"],
  resolve: ["resolution", "resolutions"],
  deliver: ["watcher delivery", "watcher deliveries"],
};

/** "12 hooks, 3 bag commits": counts of records by kind, most first. */
function countByKind(records: readonly TraceRecord[]): string {
  const counts = new Map<TraceRecord["t"], number>();
  for (const r of records) counts.set(r.t, (counts.get(r.t) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([t, n]) => `${n} ${KIND_NAMES[t][n === 1 ? 0 : 1]}`)
    .join(", ");
}

/**
 * Renders a trace as a Mermaid sequence diagram: units are participants, hooks are arrows (from
 * the remote unit that caused them, when there is one), databag commits, library events with
 * their payloads and ERROR log lines are notes, and model operations span every participant.
 * Given the scenario's steps, each step is a note saying what it did, and a library call is
 * drawn with its name, arguments and result instead of a bare exec.
 */
export function traceToMermaid(
  trace: Trace | readonly TraceRecord[],
  options: MermaidOptions = {},
): string {
  const all = Array.isArray(trace) ? (trace as readonly TraceRecord[]) : (trace as Trace).records;
  const max = options.maxRecords ?? 500;
  const drawLog = (level: string) => options.logs ?? (level === "ERROR" || level === "CRITICAL");
  // Watcher deliveries are not drawn: the hooks they lead to are.
  const drawable = all.filter((r) => r.t !== "deliver" && (r.t !== "log" || drawLog(r.level)));
  const records = drawable.slice(0, max);
  const dropped = drawable.slice(max);
  const steps = [...(options.steps ?? [])].sort((a, b) => a.from - b.from);
  const stepAt = new Map<number, MermaidStep>();
  const stepOf = (seq: number) => steps.find((s) => seq >= s.from && seq < s.to);
  // A step's note goes before its first drawn record (a settle may start with deliveries).
  for (const s of steps) {
    if (s.to <= s.from) continue;
    const firstDrawn = drawable.find((r) => r.seq >= s.from && r.seq < s.to);
    if (firstDrawn && !stepAt.has(firstDrawn.seq)) stepAt.set(firstDrawn.seq, s);
  }

  const ids = new Map<string, string>();
  const id = (unit: string) => {
    let v = ids.get(unit);
    if (!v) {
      v = `u${ids.size}`;
      ids.set(unit, v);
    }
    return v;
  };
  for (const r of records) {
    if (
      r.t === "hook" ||
      r.t === "commit" ||
      r.t === "event" ||
      r.t === "status" ||
      r.t === "exec" ||
      r.t === "log" ||
      r.t === "resolve"
    )
      id(r.unit);
    if (r.t === "hook" && r.remote) id(r.remote);
  }
  const lines = ["sequenceDiagram"];
  for (const [unit, v] of ids) {
    const charm = options.charms?.get(unit.split("/")[0] ?? "");
    lines.push(`  participant ${v} as ${clean(charm ? `${unit} (${charm})` : unit, 80)}`);
  }
  const first = [...ids.values()][0];
  const last = [...ids.values()].at(-1);
  const span = first && last ? (first === last ? first : `${first},${last}`) : null;
  const note = (text: string) => {
    if (span) lines.push(`  Note over ${span}: ${clean(text)}`);
  };
  for (const r of records) {
    const step = stepAt.get(r.seq);
    if (step) note(`step ${step.number}: ${step.label}`);
    const inStep = steps.length > 0 ? stepOf(r.seq) : undefined;
    switch (r.t) {
      case "op":
        // A step's own operation is already in its note.
        if (!inStep || inStep.from !== r.seq) note(`${r.op} ${JSON.stringify(r.args)}`);
        break;
      case "leader":
        note(`leader of ${r.app}: ${r.unit ?? "none"}`);
        break;
      case "hook": {
        const to = id(r.unit);
        const from = r.remote ? id(r.remote) : to;
        const rel = r.rel !== undefined ? ` r${r.rel}` : "";
        const who =
          r.remote && r.departing && r.departing !== r.remote ? ` departing ${r.departing}` : "";
        const appNote = r.app ? ` app ${r.app}` : "";
        const action = r.action ? ` ${r.action}` : "";
        const text = clean(
          `${r.kind}${action}${rel}${appNote}${who}${r.ok ? "" : ` FAILED ${r.error ?? ""}`}`,
        );
        lines.push(`  ${from}${r.ok ? "->>" : "-x"}${to}: ${text}`);
        break;
      }
      case "commit": {
        const parts = [...Object.keys(r.set).map((k) => `+${k}`), ...r.del.map((k) => `-${k}`)];
        lines.push(
          `  Note right of ${id(r.unit)}: ${clean(`r${r.rel} ${r.owner} bag ${parts.join(" ")}`)}`,
        );
        break;
      }
      case "event": {
        const payload =
          Object.keys(r.data).length > 0 ? ` ${shortValue(r.data, options.names)}` : "";
        lines.push(
          `  Note right of ${id(r.unit)}: ${clean(`${r.reemitted ? "re-emitted " : "event "}${r.kind}${payload}`)}`,
        );
        break;
      }
      case "status":
        lines.push(
          `  Note right of ${id(r.unit)}: ${clean(`${r.target} status ${r.name} ${r.message}`)}`,
        );
        break;
      case "exec": {
        // A call step's exec is the call itself: draw what was called and what came back.
        const call = inStep?.label.startsWith("call ") ? inStep : undefined;
        // With steps given, an exec outside every step is the property's own look at the unit.
        const what = call
          ? call.label.replace(/^call \S+ /, "")
          : steps.length > 0 && !inStep
            ? "exec (the property's check)"
            : "exec";
        const result = r.ok
          ? call?.outcome !== undefined
            ? ` returned ${call.outcome}`
            : ""
          : ` FAILED ${r.error ?? ""}`;
        lines.push(`  Note right of ${id(r.unit)}: ${clean(`${what}${result}`)}`);
        break;
      }
      case "log":
        lines.push(`  Note right of ${id(r.unit)}: ${clean(`${r.level} ${r.message}`)}`);
        break;
      case "resolve":
        lines.push(
          `  Note right of ${id(r.unit)}: ${clean(`resolved${r.retry ? " (retry)" : ""}`)}`,
        );
        break;
    }
  }
  if (dropped.length > 0 && span) {
    lines.push(
      `  Note over ${span}: ${dropped.length} more records not drawn (${countByKind(dropped)})`,
    );
  }
  return `${lines.join("\n")}\n`;
}
