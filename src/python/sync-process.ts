/**
 * A long-lived child process spoken to synchronously, one line out and one line back.
 *
 * Node has no blocking read of a child's pipe, so a worker thread owns the child: the main thread
 * posts a request to it and sleeps in `Atomics.wait` until the thread has posted the reply and
 * flipped a shared flag; the reply is then taken with `receiveMessageOnPort`. The thread enforces
 * the time limit (it kills the child and replies "timeout"), and the main thread's wait has its own
 * limit on top, so a stuck child or thread can never hang the caller. See docs/python.md for the
 * measurements behind this choice.
 */
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";

/** What one exchange with the child produced. */
export type ChildReply =
  | { readonly kind: "line"; readonly line: string }
  /** The child exited (or could not be started); `stderr` is the tail of what it wrote there. */
  | {
      readonly kind: "exit";
      readonly code: number | null;
      readonly signal: string | null;
      readonly stderr: string;
    }
  | { readonly kind: "spawn-error"; readonly message: string }
  /** No reply within the time limit: the child was killed. */
  | { readonly kind: "timeout"; readonly stderr: string };

export interface SyncProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Also copy the child's stderr to this process's stderr (default false: kept as a tail). */
  readonly passStderr?: boolean;
}

/** The worker thread: CommonJS, evaluated from this string so it needs no file of its own. */
const THREAD_SOURCE = `
const { workerData } = require("node:worker_threads");
const { spawn } = require("node:child_process");
const { port, flag, command, args, cwd, env, passStderr } = workerData;
const shared = new Int32Array(flag);
const STDERR_TAIL = 64 * 1024;
let child = null;
let pending = false;
let timer = null;
let stdoutBuffer = "";
let stderrTail = "";

function reply(message) {
  if (!pending) return;
  pending = false;
  if (timer !== null) clearTimeout(timer);
  timer = null;
  port.postMessage(message);
  Atomics.store(shared, 0, 1);
  Atomics.notify(shared, 0);
}

function arm(ms) {
  if (timer !== null) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = null;
    const c = child;
    child = null;
    if (c !== null) c.kill("SIGKILL");
    reply({ kind: "timeout", stderr: stderrTail });
  }, ms);
}

function start() {
  if (child !== null) child.kill("SIGKILL");
  stdoutBuffer = "";
  stderrTail = "";
  const c = spawn(command, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
  child = c;
  c.stdout.setEncoding("utf8");
  c.stderr.setEncoding("utf8");
  c.stdout.on("data", (chunk) => {
    if (c !== child) return;
    stdoutBuffer += chunk;
    let i;
    while ((i = stdoutBuffer.indexOf("\\n")) >= 0) {
      const line = stdoutBuffer.slice(0, i);
      stdoutBuffer = stdoutBuffer.slice(i + 1);
      reply({ kind: "line", line });
    }
  });
  c.stderr.on("data", (chunk) => {
    if (c !== child) return;
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL);
    if (passStderr) process.stderr.write(chunk);
  });
  c.stdin.on("error", () => {});
  c.on("error", (error) => {
    if (c !== child) return;
    child = null;
    reply({ kind: "spawn-error", message: error.message });
  });
  c.on("close", (code, signal) => {
    if (c !== child) return;
    child = null;
    reply({ kind: "exit", code, signal, stderr: stderrTail });
  });
}

port.on("message", (request) => {
  pending = true;
  arm(request.timeoutMs);
  if (request.op === "start") {
    start();
  } else if (request.op === "send") {
    if (child === null) {
      reply({ kind: "exit", code: null, signal: null, stderr: "the worker process is not running" });
      return;
    }
    child.stdin.write(request.line + "\\n");
  } else if (request.op === "stop") {
    const c = child;
    child = null;
    if (c !== null) c.kill("SIGKILL");
    reply({ kind: "exit", code: null, signal: "SIGKILL", stderr: stderrTail });
  }
});
`;

type ThreadRequest =
  | { readonly op: "start"; readonly timeoutMs: number }
  | { readonly op: "send"; readonly line: string; readonly timeoutMs: number }
  | { readonly op: "stop"; readonly timeoutMs: number };

/** Extra wait of the main thread beyond the thread's own limit before giving the thread up. */
const THREAD_GRACE_MS = 5_000;

export class SyncProcess {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private flag: Int32Array = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly options: SyncProcessOptions) {}

  /** (Re)starts the child and returns its first line (or why there is none). */
  start(timeoutMs: number): ChildReply {
    return this.exchange({ op: "start", timeoutMs });
  }

  /** Sends one line and returns the child's next line (or why there is none). */
  send(line: string, timeoutMs: number): ChildReply {
    return this.exchange({ op: "send", line, timeoutMs });
  }

  /** Kills the child (the thread stays for the next start). */
  stop(): void {
    if (this.worker !== null) this.exchange({ op: "stop", timeoutMs: 1_000 });
  }

  /** Kills the child and ends the thread. */
  close(): void {
    this.stop();
    void this.worker?.terminate();
    this.worker = null;
    this.port = null;
  }

  private ensureThread(): MessagePort {
    if (this.worker !== null && this.port !== null) return this.port;
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    this.flag = new Int32Array(flag);
    const o = this.options;
    this.worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        port: port2,
        flag,
        command: o.command,
        args: [...o.args],
        cwd: o.cwd,
        env: o.env ?? process.env,
        passStderr: o.passStderr ?? false,
      },
      transferList: [port2],
    });
    // Neither keeps this process alive: when it exits, the child's stdin closes and it ends.
    this.worker.unref();
    port1.unref();
    this.port = port1;
    return port1;
  }

  private exchange(request: ThreadRequest): ChildReply {
    const port = this.ensureThread();
    Atomics.store(this.flag, 0, 0);
    port.postMessage(request);
    Atomics.wait(this.flag, 0, 0, request.timeoutMs + THREAD_GRACE_MS);
    const received = receiveMessageOnPort(port);
    if (received === undefined) {
      // The thread itself did not answer: drop it (and its child) and report a timeout.
      void this.worker?.terminate();
      this.worker = null;
      this.port = null;
      return { kind: "timeout", stderr: "" };
    }
    return received.message as ChildReply;
  }
}
