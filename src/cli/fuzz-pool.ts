/**
 * The worker pool of `charmsim fuzz --workers N`: the cases of the bundled campaigns and of a
 * user's config run on N worker threads (node:worker_threads), each case whole on one thread,
 * each campaign kept on one thread while it can (TaskQueue). Every case is decided by its own
 * seed and runs, and the results are put back in plan order, so the report does not depend on
 * the number of workers, on which thread ran a case, or on which finished first.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { CaseResult } from "../fuzz/campaign.js";
import type { CampaignName } from "../fuzz/campaigns/bundled.js";
import type { Finding } from "../fuzz/report.js";
import { InputError, type InputIssue } from "../model/errors.js";

/**
 * Where a worker finds a case: a bundled campaign, or a user's fuzz config file (loaded in the
 * worker as in the main thread), and the case's place there.
 */
export type CaseSource =
  | { readonly kind: "campaign"; readonly campaign: CampaignName; readonly caseIndex: number }
  | { readonly kind: "config"; readonly file: string; readonly caseIndex: number };

/**
 * One case to run: its place in the plan, where it comes from, its seed and runs, and what it is
 * expected to cost (runs times the case's relative cost per run; it decides only the order).
 */
export interface CaseTask {
  readonly index: number;
  readonly source: CaseSource;
  readonly seed: number;
  readonly runs: number;
  readonly cost: number;
}

/** The cases of one campaign, or of one config file, share their code: they are one family. */
export function familyOf(source: CaseSource): string {
  return source.kind === "campaign" ? `campaign ${source.campaign}` : `config ${source.file}`;
}

/**
 * Hands the tasks out to `threads` threads, costliest first, keeping each family on one thread
 * while it can. Every worker thread is a V8 isolate of its own that compiles the code it runs
 * hot, on the same cores as the cases: a thread that runs one library's cases compiles one
 * library, where dealing the cases out in cost order had every thread compile them all. Each
 * family is the home of one thread (the costliest family first, to the thread with the least
 * work so far); a thread takes the costliest task left of its home families, and when none is
 * left, the costliest task left of any family.
 */
export class TaskQueue {
  /** The tasks not handed out yet, costliest first, each with its home thread. */
  private readonly left: { readonly task: CaseTask; readonly home: number }[];

  constructor(tasks: readonly CaseTask[], threads: number) {
    const sorted = [...tasks].sort((a, b) => b.cost - a.cost || a.index - b.index);
    const totals = new Map<string, number>();
    for (const t of sorted) {
      const family = familyOf(t.source);
      totals.set(family, (totals.get(family) ?? 0) + t.cost);
    }
    const load = Array.from({ length: Math.max(1, threads) }, () => 0);
    const home = new Map<string, number>();
    // Map order is first appearance in cost order: the stable tie-break.
    const families = [...totals].sort((a, b) => b[1] - a[1]);
    for (const [family, total] of families) {
      const lightest = load.indexOf(Math.min(...load));
      home.set(family, lightest);
      load[lightest] = (load[lightest] ?? 0) + total;
    }
    this.left = sorted.map((task) => ({ task, home: home.get(familyOf(task.source)) ?? 0 }));
  }

  /** The next task for `thread` (0-based), or undefined when every task has been handed out. */
  next(thread: number): CaseTask | undefined {
    let at = this.left.findIndex((t) => t.home === thread);
    if (at < 0) at = 0;
    return this.left.splice(at, 1)[0]?.task;
  }

  get size(): number {
    return this.left.length;
  }
}

export type WorkerMessage =
  /** Evaluations done since the last such message (sent at most every RAN_INTERVAL_MS). */
  | { readonly type: "ran"; readonly count: number }
  | {
      readonly type: "done";
      readonly index: number;
      readonly result: CaseResult;
      readonly finding: Finding | null;
    }
  | {
      readonly type: "failed";
      readonly index: number;
      readonly error: string;
      /** Set when the case could not be loaded for bad input (a user's config): exit code 2. */
      readonly input?: { readonly what: string; readonly issues: readonly InputIssue[] };
    };

export interface PoolEvents {
  started(index: number): void;
  /** `count` more evaluations of the cases under way. */
  ran(count: number): void;
  done(index: number, result: CaseResult, finding: Finding | null): void;
}

/**
 * How often a worker reports its evaluations, at most. A message to the main thread costs a
 * worker about 70 µs on the project's machine (it wakes the main thread), more than a short
 * evaluation: one per evaluation was 1-6% of a worker's time. The live progress line is drawn at
 * most ten times a second, so it shows no difference.
 */
export const RAN_INTERVAL_MS = 100;

/** The default worker count: one per core the process may use. */
export const defaultWorkers = (): number => availableParallelism();

/**
 * Starts a worker thread: the compiled module beside this one or, when charmsim runs from its
 * TypeScript sources (its tests, `tsx`), the .ts module through tsx's loader, registered in the
 * thread itself (a thread does not inherit the loader of the main thread).
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./fuzz-worker.js", import.meta.url));
  const entry = new URL("./fuzz-worker.ts", import.meta.url).href;
  // tsx's ESM API (the file beside the CommonJS one that require resolves).
  const cjs = createRequire(import.meta.url).resolve("tsx/esm/api");
  const api = pathToFileURL(cjs.replace(/\.cjs$/, ".mjs")).href;
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}

const workerStopped = (code: number) => new Error(`a fuzz worker stopped (exit code ${code})`);

/** Stops a thread without telling anyone: its listeners go first. */
function stopThread(thread: Worker): void {
  thread.removeAllListeners();
  void thread.terminate();
}

/**
 * The worker threads of one `charmsim fuzz`. They are started before the main thread plans the
 * run (loading campaigns or a config takes it most of a second), so that each thread's start and
 * imports overlap the planning; until `run` they do not keep the process alive. `close` stops them
 * all; `run` stops them when it ends.
 */
export class WorkerPool {
  private readonly threads: Worker[] = [];
  /** An error or exit of a thread before `run` took charge of it. */
  private early: Error | null = null;

  constructor(count: number) {
    for (let w = 0; w < count; w++) {
      const thread = startWorker();
      thread.unref();
      thread.on("error", (error) => {
        this.early ??= error;
      });
      thread.on("exit", (code) => {
        this.early ??= workerStopped(code);
      });
      this.threads.push(thread);
    }
  }

  get size(): number {
    return this.threads.length;
  }

  /** Stops every thread (whether or not `run` was called). */
  close(): void {
    for (const t of this.threads) stopThread(t);
  }

  /**
   * Runs `tasks` on the threads (at most one per task; the others are stopped), handing each
   * thread its next task (TaskQueue) when it finishes one. Resolves when all are done; rejects on
   * the first case that throws. Either way the threads are stopped.
   */
  run(tasks: readonly CaseTask[], events: PoolEvents): Promise<void> {
    const threads = this.threads.slice(0, Math.min(this.threads.length, tasks.length));
    for (const t of this.threads.slice(threads.length)) stopThread(t);
    const queue = new TaskQueue(tasks, threads.length);
    let finished = 0;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const stop = () => {
        settled = true;
        this.close();
      };
      const fail = (error: Error) => {
        if (settled) return;
        stop();
        reject(error);
      };
      if (tasks.length === 0) {
        stop();
        resolve();
        return;
      }
      if (this.early !== null) {
        fail(this.early);
        return;
      }
      const feed = (thread: Worker, at: number) => {
        const task = queue.next(at);
        if (task === undefined) return;
        events.started(task.index);
        thread.postMessage(task);
      };
      threads.forEach((thread, w) => {
        thread.removeAllListeners();
        thread.ref();
        thread.on("message", (message: WorkerMessage) => {
          if (settled) return;
          if (message.type === "ran") events.ran(message.count);
          else if (message.type === "failed") {
            if (message.input) fail(new InputError(message.input.what, message.input.issues));
            else fail(new Error(`case ${message.index + 1} failed in a worker: ${message.error}`));
          } else {
            events.done(message.index, message.result, message.finding);
            finished++;
            if (finished === tasks.length) {
              stop();
              resolve();
            } else feed(thread, w);
          }
        });
        thread.on("error", fail);
        thread.on("exit", (code) => fail(workerStopped(code)));
        feed(thread, w);
      });
    });
  }
}
