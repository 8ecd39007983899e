import type { Trace, TraceRecord } from "./trace.js";

export interface MermaidOptions {
  /** At most this many records are drawn (default 500); the rest is summarised. */
  readonly maxRecords?: number;
  /** Draw juju-log lines as notes (default false). */
  readonly logs?: boolean;
}

const clean = (s: string) =>
  s
    .replace(/[;#\n\r]/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 120);

/**
 * Renders a trace as a Mermaid sequence diagram: units are participants, hooks are arrows (from
 * the remote unit that caused them, when there is one), databag commits and library events are
 * notes, and model operations span every participant.
 */
export function traceToMermaid(
  trace: Trace | readonly TraceRecord[],
  options: MermaidOptions = {},
): string {
  const all = Array.isArray(trace) ? (trace as readonly TraceRecord[]) : (trace as Trace).records;
  const max = options.maxRecords ?? 500;
  // Watcher deliveries are not drawn: the hooks they lead to are.
  const drawable = all.filter((r) => (options.logs || r.t !== "log") && r.t !== "deliver");
  const records = drawable.slice(0, max);
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
      r.t === "log"
    )
      id(r.unit);
    if (r.t === "hook" && r.remote) id(r.remote);
  }
  const lines = ["sequenceDiagram"];
  for (const [unit, v] of ids) lines.push(`  participant ${v} as ${unit}`);
  const first = [...ids.values()][0];
  const last = [...ids.values()].at(-1);
  const span = first && last ? (first === last ? first : `${first},${last}`) : null;
  for (const r of records) {
    switch (r.t) {
      case "op":
        if (span) lines.push(`  Note over ${span}: ${clean(`${r.op} ${JSON.stringify(r.args)}`)}`);
        break;
      case "leader":
        if (span)
          lines.push(`  Note over ${span}: ${clean(`leader of ${r.app}: ${r.unit ?? "none"}`)}`);
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
      case "event":
        lines.push(
          `  Note right of ${id(r.unit)}: ${clean(`${r.reemitted ? "re-emitted " : "event "}${r.kind}`)}`,
        );
        break;
      case "status":
        lines.push(
          `  Note right of ${id(r.unit)}: ${clean(`${r.target} status ${r.name} ${r.message}`)}`,
        );
        break;
      case "exec":
        lines.push(
          `  Note right of ${id(r.unit)}: ${clean(`exec${r.ok ? "" : ` FAILED ${r.error ?? ""}`}`)}`,
        );
        break;
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
  if (drawable.length > records.length && span) {
    lines.push(`  Note over ${span}: ${drawable.length - records.length} more records not drawn`);
  }
  return `${lines.join("\n")}\n`;
}
