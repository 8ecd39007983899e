/**
 * A long-lived child process spoken to synchronously, one line out and one line back.
 *
 * Requests and replies go through two named pipes (FIFOs) that this thread reads and writes
 * with plain blocking system calls: a hook costs one wake-up of the child and one of this thread.
 * (An earlier design let a worker thread own the child's stdio and woke the caller with
 * `Atomics.wait`: twice the wake-ups, which on a busy machine cost a visible share of a hook; see
 * docs/python.md.) A small worker thread is still there, as a watchdog: it starts the child, keeps
 * the tail of its stderr, and when the child exits (or overruns the deadline this thread set in
 * shared memory, and is killed) it posts the details and writes a sentinel line into the reply
 * pipe, which wakes the blocked read. So a dead or stuck child can never hang the caller.
 */
import { execFileSync } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
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
  /** No reply before the deadline: the child was killed. */
  | { readonly kind: "timeout"; readonly stderr: string };

export interface SyncProcessOptions {
  readonly command: string;
  /**
   * Arguments; `--requests PATH --replies PATH` (the two pipes) and `--scratch DIR` (a directory
   * for the child's files, removed with the pipes) are appended.
   */
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Also copy the child's stderr to this process's stderr (default false: kept as a tail). */
  readonly passStderr?: boolean;
}

/** Where the pipes' directory goes: memory (/dev/shm) when there is such a tmpfs. */
function scratchBase(): string {
  let base = tmpdir();
  try {
    accessSync("/dev/shm", constants.W_OK);
    base = "/dev/shm";
  } catch {
    // no tmpfs there: the temporary directory
  }
  sweepStaleDirs(base);
  return base;
}

const DIR_PREFIX = "charmsim-worker-";
let swept = false;

/**
 * Removes the pipe directories of charmsim processes that are gone (a test runner may kill its
 * workers before their exit handlers run). Once per process.
 */
function sweepStaleDirs(base: string): void {
  if (swept) return;
  swept = true;
  for (const name of readdirSync(base)) {
    const pid = Number(/^charmsim-worker-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH")
        rmSync(join(base, name), { recursive: true, force: true });
    }
  }
}

/** The line the watchdog writes into the reply pipe when the child is gone. */
const SENTINEL = "\u0000charmsim-child-gone";

/** The watchdog thread: CommonJS, evaluated from this string so it needs no file of its own. */
const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const { port, deadline, passStderr } = workerData;
const deadlineAt = new BigInt64Array(deadline);
const STDERR_TAIL = 64 * 1024;
let child = null;
let stderrTail = "";
let timedOut = false;
let sentinelFd = null;

function gone(details) {
  port.postMessage(details);
  if (sentinelFd !== null) {
    try { fs.writeSync(sentinelFd, "\\n" + ${JSON.stringify(SENTINEL)} + "\\n"); } catch {}
    try { fs.closeSync(sentinelFd); } catch {}
    sentinelFd = null;
  }
}

function start(m) {
  if (child !== null) child.kill("SIGKILL");
  stderrTail = "";
  timedOut = false;
  sentinelFd = fs.openSync(m.replies, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  const c = spawn(m.command, m.args, { cwd: m.cwd, env: m.env, stdio: ["ignore", "ignore", "pipe"] });
  child = c;
  c.stderr.setEncoding("utf8");
  c.stderr.on("data", (chunk) => {
    if (c !== child) return;
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL);
    if (passStderr) process.stderr.write(chunk);
  });
  c.on("error", (error) => {
    if (c !== child) return;
    child = null;
    gone({ kind: "spawn-error", message: error.message });
  });
  c.on("close", (code, signal) => {
    if (c !== child) return;
    child = null;
    if (timedOut) gone({ kind: "timeout", stderr: stderrTail });
    else gone({ kind: "exit", code, signal, stderr: stderrTail });
  });
}

setInterval(() => {
  const at = Atomics.load(deadlineAt, 0);
  if (child !== null && at > 0n && BigInt(Date.now()) > at) {
    timedOut = true;
    child.kill("SIGKILL");
  }
}, 50);

port.on("message", (m) => {
  if (m.op === "start") start(m);
  else if (m.op === "stop" && child !== null) {
    const c = child;
    child = null;
    c.kill("SIGKILL");
    gone({ kind: "exit", code: null, signal: "SIGKILL", stderr: stderrTail });
  }
});
`;

type GoneNotice = Exclude<ChildReply, { kind: "line" }>;

export class SyncProcess {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  /** The child's deadline (ms since the epoch; 0 when none), shared with the watchdog. */
  private readonly deadline = new BigInt64Array(new SharedArrayBuffer(8));
  /** Something to sleep on while a full request pipe drains. */
  private readonly nap = new Int32Array(new SharedArrayBuffer(4));
  private dir: string | null = null;
  private requestFd: number | null = null;
  private replyFd: number | null = null;
  private pending = "";
  private decoder = new StringDecoder("utf8");
  private readonly chunk = Buffer.alloc(64 * 1024);
  private alive = false;

  constructor(private readonly options: SyncProcessOptions) {}

  /** (Re)starts the child and returns its first line (or why there is none). */
  start(timeoutMs: number): ChildReply {
    this.closePipes();
    const port = this.ensureWatchdog();
    while (receiveMessageOnPort(port) !== undefined); // notices of an earlier child
    this.dir = mkdtempSync(join(scratchBase(), `${DIR_PREFIX}${process.pid}-`));
    const requests = join(this.dir, "requests");
    const replies = join(this.dir, "replies");
    execFileSync("mkfifo", ["-m", "600", requests, replies]);
    // Opened read-write, which never blocks on a FIFO (Linux, macOS): the child opens its ends
    // whenever it gets there, and the watchdog can always reach the reply pipe.
    this.requestFd = openSync(requests, constants.O_RDWR | constants.O_NONBLOCK);
    this.replyFd = openSync(replies, constants.O_RDWR);
    const o = this.options;
    this.alive = true;
    this.arm(timeoutMs);
    port.postMessage({
      op: "start",
      command: o.command,
      args: [...o.args, "--requests", requests, "--replies", replies, "--scratch", this.dir],
      cwd: o.cwd,
      env: o.env ?? process.env,
      replies,
    });
    return this.awaitLine();
  }

  /** Sends one line and returns the child's next line (or why there is none). */
  send(line: string, timeoutMs: number): ChildReply {
    const early = this.goneNotice();
    if (early) return early;
    if (!this.alive || this.requestFd === null) {
      return {
        kind: "exit",
        code: null,
        signal: null,
        stderr: "the worker process is not running",
      };
    }
    this.arm(timeoutMs);
    const written = this.writeAll(`${line}\n`);
    return written ?? this.awaitLine();
  }

  /** Kills the child (the watchdog stays for the next start). */
  stop(): void {
    if (this.alive) this.port?.postMessage({ op: "stop" });
    this.closePipes();
  }

  /** Kills the child and ends the watchdog. */
  close(): void {
    this.stop();
    void this.worker?.terminate();
    this.worker = null;
    this.port = null;
  }

  private ensureWatchdog(): MessagePort {
    if (this.worker !== null && this.port !== null) return this.port;
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(WATCHDOG_SOURCE, {
      eval: true,
      workerData: {
        port: port2,
        deadline: this.deadline.buffer,
        passStderr: this.options.passStderr ?? false,
      },
      transferList: [port2],
    });
    // Neither keeps this process alive: when it exits, the pipes close and the child ends.
    this.worker.unref();
    port1.unref();
    this.port = port1;
    return port1;
  }

  private arm(timeoutMs: number): void {
    Atomics.store(this.deadline, 0, BigInt(Date.now() + timeoutMs));
  }

  private goneNotice(): GoneNotice | undefined {
    const notice = this.port ? receiveMessageOnPort(this.port) : undefined;
    if (notice === undefined) return undefined;
    this.alive = false;
    this.closePipes();
    return notice.message as GoneNotice;
  }

  /** Writes all of `text`, napping while the pipe is full; a notice if the child went. */
  private writeAll(text: string): GoneNotice | undefined {
    const bytes = Buffer.from(text, "utf8");
    let off = 0;
    while (off < bytes.length) {
      try {
        off += writeSync(this.requestFd as number, bytes, off, bytes.length - off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
        const gone = this.goneNotice();
        if (gone) return gone;
        Atomics.wait(this.nap, 0, 0, 1);
      }
    }
    return undefined;
  }

  /** The child's next line, or the watchdog's notice that it is gone. */
  private awaitLine(): ChildReply {
    const fd = this.replyFd as number;
    for (;;) {
      const i = this.pending.indexOf("\n");
      if (i >= 0) {
        const line = this.pending.slice(0, i);
        this.pending = this.pending.slice(i + 1);
        if (line === "") continue;
        if (line === SENTINEL) {
          Atomics.store(this.deadline, 0, 0n);
          // The watchdog posts its notice before it writes the sentinel.
          return this.goneNotice() ?? { kind: "exit", code: null, signal: null, stderr: "" };
        }
        Atomics.store(this.deadline, 0, 0n);
        return { kind: "line", line };
      }
      const n = readSync(fd, this.chunk, 0, this.chunk.length, null);
      this.pending += this.decoder.write(this.chunk.subarray(0, n));
    }
  }

  private closePipes(): void {
    Atomics.store(this.deadline, 0, 0n);
    for (const fd of [this.requestFd, this.replyFd]) {
      if (fd !== null) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
      }
    }
    this.requestFd = null;
    this.replyFd = null;
    this.pending = "";
    this.decoder = new StringDecoder("utf8");
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
