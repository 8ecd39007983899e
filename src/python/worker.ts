/**
 * The Python worker of one interpreter: started on first use, checked (protocol version), told
 * about each charm once, and restarted after it crashed or overran a hook's time limit.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type BenchRequest,
  type ErrorReply,
  type Hello,
  helloSchema,
  type LoadRequest,
  PROTOCOL_VERSION,
  type Reply,
  type RunFailed,
  type RunOk,
  type RunRequest,
  replySchema,
} from "./protocol.js";
import { type ChildReply, SyncProcess } from "./sync-process.js";

/** The project root: this file is src/python/worker.ts or dist/python/worker.js. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The Python package directory (python/charmsim_worker lives here). */
export const PYTHON_PACKAGE_DIR = join(PROJECT_ROOT, "python");

const SETUP_HINT =
  "run `npm run setup:python` (it creates .venv with python/requirements.txt), or pass pythonCharm(dir, { python }) naming an interpreter that has those packages";

/** The default interpreter: the project's .venv, else one in the working directory's, else python3. */
export function defaultPython(): string {
  const env = process.env.CHARMSIM_PYTHON;
  if (env) return env;
  for (const base of [PROJECT_ROOT, process.cwd()]) {
    const candidate = join(base, ".venv", "bin", "python");
    if (existsSync(candidate)) return candidate;
  }
  return "python3";
}

/** The Python worker cannot be started or is not the one this charmsim speaks to. */
export class PythonSetupError extends Error {
  override name = "PythonSetupError";
  constructor(
    message: string,
    /** What the interpreter wrote to stderr, when it wrote anything. */
    readonly stderr = "",
  ) {
    super(message);
  }
}

/** The worker died or overran the time limit during a hook; it is restarted for the next one. */
export class PythonWorkerError extends Error {
  override name = "PythonWorkerError";
  constructor(
    message: string,
    /** The Python traceback(s) the worker printed (for a time-out: every thread's stack). */
    readonly traceback: string,
  ) {
    super(traceback ? `${message}\n${traceback}` : message);
  }
}

/** How long the worker may take to start (import ops and Scenario) on a busy machine. */
const START_TIMEOUT_MS = 120_000;
/** What the worker may take beyond a hook's limit: it prints tracebacks, then exits. */
const EXIT_GRACE_MS = 3_000;

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] ?? "";
}

export class PythonWorker {
  private static readonly pool = new Map<string, PythonWorker>();

  /** The shared worker of an interpreter (one per process and interpreter). */
  static for(python: string): PythonWorker {
    let worker = PythonWorker.pool.get(python);
    if (!worker) {
      // The workers end by themselves when this process exits (their pipes close); this also
      // removes the pipes' directories.
      if (PythonWorker.pool.size === 0) process.once("exit", () => PythonWorker.stopAll());
      worker = new PythonWorker(python);
      PythonWorker.pool.set(python, worker);
    }
    return worker;
  }

  /** Stops every worker (tests; the workers also end by themselves when this process exits). */
  static stopAll(): void {
    for (const w of PythonWorker.pool.values()) w.process.close();
    PythonWorker.pool.clear();
  }

  private readonly process: SyncProcess;
  private hello: Hello | null = null;
  private readonly loaded = new Set<string>();
  private nextId = 1;
  /** How many times the worker process was started. */
  starts = 0;
  /** The last hook request sent (for `bench`, which times the same hook in bare Scenario). */
  lastRun: RunRequest | null = null;
  /** The time the worker itself spent on the last hook that succeeded (µs), for `bench`. */
  lastWorkerUs = 0;

  constructor(readonly python: string) {
    const passStderr = process.env.CHARMSIM_PYTHON_STDERR === "inherit";
    this.process = new SyncProcess({
      command: python,
      args: ["-u", "-m", "charmsim_worker"],
      cwd: PYTHON_PACKAGE_DIR,
      env: {
        ...(process.env as Record<string, string>),
        PYTHONPATH: [PYTHON_PACKAGE_DIR, process.env.PYTHONPATH]
          .filter((p): p is string => Boolean(p))
          .join(":"),
        PYTHONDONTWRITEBYTECODE: "1",
      },
      passStderr,
    });
  }

  /** Starts the worker if it is not running; returns its hello. Throws PythonSetupError. */
  start(): Hello {
    if (this.hello) return this.hello;
    this.loaded.clear();
    this.starts += 1;
    const reply = this.process.start(START_TIMEOUT_MS);
    const hello = this.helloFrom(reply);
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.process.stop();
      throw new PythonSetupError(
        `the Python worker at ${PYTHON_PACKAGE_DIR} speaks protocol ${hello.protocol}, this charmsim speaks ${PROTOCOL_VERSION}: reinstall charmsim so both sides match`,
      );
    }
    this.hello = hello;
    return hello;
  }

  private helloFrom(reply: ChildReply): Hello {
    switch (reply.kind) {
      case "line": {
        const parsed = helloSchema.safeParse(safeJson(reply.line));
        if (parsed.success) return parsed.data;
        this.process.stop();
        throw new PythonSetupError(
          `the Python worker (${this.python}) did not say hello: ${reply.line.slice(0, 200)}`,
        );
      }
      case "spawn-error":
        throw new PythonSetupError(
          `cannot run the Python interpreter "${this.python}" (${reply.message}): ${SETUP_HINT}`,
        );
      case "exit":
        throw new PythonSetupError(
          `the Python worker did not start with ${this.python}: ${lastLine(reply.stderr) || `exit code ${reply.code}`}; ${SETUP_HINT}`,
          reply.stderr,
        );
      case "timeout":
        throw new PythonSetupError(
          `the Python worker (${this.python}) did not start within ${START_TIMEOUT_MS / 1000} s`,
          reply.stderr,
        );
    }
  }

  /** Makes the worker know `request.charm`; an ErrorReply when the charm cannot be imported. */
  load(request: LoadRequest): ErrorReply | PythonWorkerError | null {
    this.start();
    if (this.loaded.has(request.charm)) return null;
    const reply = this.exchange(request, START_TIMEOUT_MS);
    if (reply instanceof PythonWorkerError) return reply;
    if (reply.type === "error") return reply;
    if (reply.type !== "loaded") return this.unexpected(reply);
    this.loaded.add(request.charm);
    return null;
  }

  /** Runs one hook: its result, its failure, or what happened to the worker. */
  run(
    request: Omit<RunRequest, "id">,
    timeoutMs: number,
  ): RunOk | RunFailed | ErrorReply | PythonWorkerError {
    this.start();
    const full: RunRequest = { ...request, id: this.nextId++ };
    this.lastRun = full;
    const reply = this.exchange(full, timeoutMs + EXIT_GRACE_MS, timeoutMs);
    if (reply instanceof PythonWorkerError) return reply;
    if (reply.type === "error") return reply;
    if (reply.type !== "result" || reply.id !== full.id) return this.unexpected(reply);
    if (reply.ok) this.lastWorkerUs = reply.worker_us;
    return reply;
  }

  /** Median µs of bare Scenario runs of the request's hook, timed inside the worker. */
  bench(request: BenchRequest): number {
    this.start();
    const reply = this.exchange(request, START_TIMEOUT_MS);
    if (reply instanceof PythonWorkerError) throw reply;
    if (reply.type !== "bench") throw new Error(`bench failed: ${JSON.stringify(reply)}`);
    return reply.scenario_run_us;
  }

  private unexpected(reply: Reply): PythonWorkerError {
    this.restart();
    return new PythonWorkerError(
      `the Python worker answered out of turn (${JSON.stringify(reply).slice(0, 200)}); it was restarted`,
      "",
    );
  }

  private restart(): void {
    this.process.stop();
    this.hello = null;
    this.loaded.clear();
  }

  private exchange(
    request: LoadRequest | RunRequest | BenchRequest,
    limitMs: number,
    hookLimitMs?: number,
  ): Reply | PythonWorkerError {
    const started = performance.now();
    const reply = this.process.send(JSON.stringify(request), limitMs);
    if (reply.kind === "line") {
      const parsed = replySchema.safeParse(safeJson(reply.line));
      if (parsed.success) return parsed.data;
      this.restart();
      return new PythonWorkerError(
        `the Python worker sent a reply charmsim cannot read (${parsed.error.issues[0]?.message ?? "not JSON"}); it was restarted`,
        reply.line.slice(0, 2000),
      );
    }
    this.hello = null;
    this.loaded.clear();
    const elapsed = performance.now() - started;
    if (reply.kind === "timeout" || (hookLimitMs !== undefined && elapsed >= hookLimitMs)) {
      const limit = hookLimitMs ?? limitMs;
      return new PythonWorkerError(
        `the Python hook did not finish within ${limit / 1000} s; the worker was stopped and will be restarted`,
        "stderr" in reply ? reply.stderr : "",
      );
    }
    if (reply.kind === "spawn-error") {
      return new PythonWorkerError(`the Python worker could not be run: ${reply.message}`, "");
    }
    const how = reply.signal ? `signal ${reply.signal}` : `exit code ${reply.code}`;
    return new PythonWorkerError(
      `the Python worker died during the request (${how}); it will be restarted`,
      reply.stderr,
    );
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
