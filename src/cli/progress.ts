import type { CaseResult } from "../fuzz/campaign.js";
import { formatDuration, formatTotals, type ReportTotals, verdictLabel } from "../fuzz/report.js";
import { escapeTerminal } from "../model/terminal.js";
import type { CliIo } from "./common.js";

/** What `charmsim fuzz` reports while it runs. */
export interface FuzzProgress {
  /** Case `index` (0-based) starts, with its run budget. */
  caseStarted(index: number, label: string): void;
  /** `count` (default 1) more evaluations of the cases under way (runs, or shrinking steps). */
  ran(count?: number): void;
  caseDone(index: number, label: string, result: CaseResult): void;
  /** The closing line, with the counts. */
  finish(totals: ReportTotals): void;
}

/** m:ss */
const clock = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/**
 * Runs done, elapsed time and ETA over the whole budget (every case's runs added up). Several
 * cases may be under way at once (worker threads): their evaluations are counted together.
 */
class Budget {
  readonly started = Date.now();
  private doneBefore = 0;
  /** Evaluations seen for the cases under way, and their budgets added up. */
  private inFlight = 0;
  private flightRuns = 0;
  /** Cases finished so far. */
  finished = 0;
  constructor(
    readonly cases: readonly number[],
    readonly total = cases.reduce((a, b) => a + b, 0),
  ) {}
  start(index: number) {
    this.flightRuns += this.cases[index] ?? 0;
  }
  ran(count = 1) {
    this.inFlight += count;
  }
  finishCase(index: number) {
    const runs = this.cases[index] ?? 0;
    this.doneBefore += runs;
    this.flightRuns -= runs;
    this.inFlight = this.flightRuns === 0 ? 0 : Math.max(0, this.inFlight - runs);
    this.finished += 1;
  }
  get done(): number {
    return this.doneBefore + Math.min(this.inFlight, this.flightRuns);
  }
  get elapsed(): number {
    return Date.now() - this.started;
  }
  /** Milliseconds left at the pace so far; null until there is a pace. */
  get eta(): number | null {
    const done = this.done;
    if (done === 0) return null;
    return (this.elapsed / done) * (this.total - done);
  }
}

const summaryLine = (totals: ReportTotals, ms: number) =>
  `fuzz done in ${formatDuration(ms)}: ${formatTotals(totals)}\n`;

/**
 * Plain lines, one per case, for logs (CI): `[3/40] campaign property (variant): verdict after N
 * runs (0:12 elapsed, ETA 1:40)`.
 */
function plainProgress(io: CliIo, budget: Budget, count: number): FuzzProgress {
  return {
    caseStarted: (index) => budget.start(index),
    ran: (count) => budget.ran(count),
    caseDone(index, label, result) {
      budget.finishCase(index);
      const eta = budget.eta;
      // Numbered as they finish: in plan order on one thread, in finishing order on several.
      const n = budget.finished;
      io.err(
        `[${n}/${count}] ${escapeTerminal(label)}: ${verdictLabel(result)} after ${result.runs} runs (${clock(budget.elapsed)} elapsed${eta !== null && n < count ? `, ETA ${clock(eta)}` : ""})\n`,
      );
    },
    finish: (totals) => io.err(summaryLine(totals, budget.elapsed)),
  };
}

/** A live line on a terminal, redrawn at most ten times a second with log-update. */
async function liveProgress(
  io: CliIo,
  stream: NodeJS.WritableStream,
  budget: Budget,
  count: number,
): Promise<FuzzProgress> {
  const { createLogUpdate } = await import("log-update");
  const draw = createLogUpdate(stream as NodeJS.WriteStream, { showCursor: true });
  let label = "";
  let index = 0;
  let last = 0;
  const render = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const eta = budget.eta;
    const pct = budget.total === 0 ? 100 : Math.floor((budget.done / budget.total) * 100);
    draw(
      `[${index + 1}/${count}] ${escapeTerminal(label)}  runs ${budget.done}/${budget.total} (${pct}%)  ${clock(budget.elapsed)} elapsed${eta !== null ? `, ETA ${clock(eta)}` : ""}`,
    );
  };
  return {
    caseStarted(i, l) {
      index = i;
      label = l;
      budget.start(i);
      render(true);
    },
    ran(count) {
      budget.ran(count);
      render();
    },
    caseDone(i, l, result) {
      budget.finishCase(i);
      if (result.verdict === "fails") {
        // A failure stays on screen above the live line.
        draw.clear();
        io.err(`[${i + 1}/${count}] ${escapeTerminal(l)}: ${verdictLabel(result)}\n`);
      }
      render(true);
    },
    finish(totals) {
      draw.clear();
      draw.done();
      io.err(summaryLine(totals, budget.elapsed));
    },
  };
}

/**
 * Progress for a fuzz run of cases with these run budgets: a live line when a person watches
 * (io.isTTY, drawn on io.progressStream), plain lines otherwise.
 */
export async function fuzzProgress(io: CliIo, runs: readonly number[]): Promise<FuzzProgress> {
  const budget = new Budget(runs);
  if (io.isTTY && io.progressStream) {
    return liveProgress(io, io.progressStream, budget, runs.length);
  }
  return plainProgress(io, budget, runs.length);
}
