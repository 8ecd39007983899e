/**
 * The fuzz pool's queue: every task handed out exactly once, the costliest first, each family
 * (campaign or config file) kept on its home thread while it has tasks, and a thread with nothing
 * left at home taking the costliest task left of any family.
 */
import { describe, expect, it } from "vitest";
import {
  type CaseSource,
  type CaseTask,
  familyOf,
  TaskQueue,
  WorkerPool,
} from "../../src/cli/fuzz-pool.js";
import type { CaseResult } from "../../src/fuzz/campaign.js";
import type { CampaignName } from "../../src/fuzz/campaigns/bundled.js";

let counter = 0;
function task(campaign: CampaignName, cost: number): CaseTask {
  const index = counter++;
  return {
    index,
    source: { kind: "campaign", campaign, caseIndex: index },
    seed: 1,
    runs: 1,
    cost,
  };
}

/** Draws from `queue` for the threads in turn until it is empty: [thread, task index] pairs. */
function drain(queue: TaskQueue, order: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; queue.size > 0; i++) {
    const thread = order[i % order.length] as number;
    const t = queue.next(thread);
    if (t) out.push([thread, t.index]);
  }
  return out;
}

describe("familyOf", () => {
  it("names a bundled campaign's family by the campaign, a config's by its file", () => {
    const a: CaseSource = { kind: "campaign", campaign: "lxd", caseIndex: 0 };
    const b: CaseSource = { kind: "campaign", campaign: "lxd", caseIndex: 7 };
    const c: CaseSource = { kind: "campaign", campaign: "ct-quirks", caseIndex: 0 };
    const d: CaseSource = { kind: "config", file: "lxd", caseIndex: 0 };
    expect(familyOf(a)).toBe(familyOf(b));
    expect(familyOf(a)).not.toBe(familyOf(c));
    expect(familyOf(a)).not.toBe(familyOf(d));
    expect(familyOf({ kind: "config", file: "x.yaml", caseIndex: 3 })).toBe(
      familyOf({ kind: "config", file: "x.yaml", caseIndex: 0 }),
    );
  });
});

describe("TaskQueue", () => {
  it("hands out every task once, and nothing after the last", () => {
    const tasks = [task("lxd", 5), task("lxd", 1), task("certificate-transfer", 3)];
    const q = new TaskQueue(tasks, 2);
    const got = drain(q, [0, 1, 1, 0]).map(([, i]) => i);
    expect(got.sort()).toEqual(tasks.map((t) => t.index).sort());
    expect(q.next(0)).toBeUndefined();
    expect(q.next(1)).toBeUndefined();
  });

  it("on one thread, hands out the costliest first (plan order among equals)", () => {
    const tasks = [task("lxd", 1), task("ct-quirks", 9), task("lxd", 4), task("ct-quirks", 4)];
    const q = new TaskQueue(tasks, 1);
    const [a, b, c, d] = tasks.map((t) => t.index);
    expect(drain(q, [0]).map(([, i]) => i)).toEqual([b, c, d, a]);
  });

  it("keeps each family on its home thread while it has tasks", () => {
    // lxd is the costliest family (home of thread 0), the certificate-transfer ones share thread 1.
    const lxd = [task("lxd", 10), task("lxd", 9), task("lxd", 8)];
    const ct = [
      task("certificate-transfer", 7),
      task("ct-quirks", 6),
      task("certificate-transfer", 5),
    ];
    const q = new TaskQueue([...ct, ...lxd], 2);
    const byThread = new Map<number, number[]>();
    for (const [thread, i] of drain(q, [0, 1]))
      byThread.set(thread, [...(byThread.get(thread) ?? []), i]);
    expect(byThread.get(0)).toEqual(lxd.map((t) => t.index));
    expect(byThread.get(1)).toEqual(ct.map((t) => t.index));
  });

  it("lets a thread whose families are done take the costliest task left elsewhere", () => {
    const lxd = [task("lxd", 10), task("lxd", 9), task("lxd", 8), task("lxd", 2)];
    const juju = [task("juju-ordering", 3)];
    const q = new TaskQueue([...lxd, ...juju], 2);
    expect(q.next(0)?.index).toBe(lxd[0]?.index);
    expect(q.next(1)?.index).toBe(juju[0]?.index);
    // Thread 1's home (juju-ordering) is done: it takes lxd's costliest left.
    expect(q.next(1)?.index).toBe(lxd[1]?.index);
    expect(q.next(0)?.index).toBe(lxd[2]?.index);
    expect(q.next(1)?.index).toBe(lxd[3]?.index);
    expect(q.size).toBe(0);
  });

  it("gives a family to the thread with the least work so far", () => {
    // Costs by family: a 10, b 6, c 5, d 2. Homes: a -> 0, b -> 1, c -> 1 (6 < 10), d -> 0 (10 < 11).
    const a = task("lxd", 10);
    const b = task("certificate-transfer", 6);
    const c = task("ct-quirks", 5);
    const d = task("juju-ordering", 2);
    const q = new TaskQueue([d, c, b, a], 2);
    expect(q.next(1)?.index).toBe(b.index);
    expect(q.next(1)?.index).toBe(c.index);
    expect(q.next(0)?.index).toBe(a.index);
    expect(q.next(0)?.index).toBe(d.index);
  });

  it("leaves a thread without a home family to take the costliest task left", () => {
    const tasks = [task("lxd", 4), task("lxd", 3)];
    const q = new TaskQueue(tasks, 3);
    expect(q.next(2)?.index).toBe(tasks[0]?.index);
    expect(q.next(0)?.index).toBe(tasks[1]?.index);
  });
});

describe("WorkerPool", () => {
  const events = (done: Map<number, CaseResult>) => ({
    started: () => {},
    ran: () => {},
    done: (i: number, result: CaseResult) => {
      done.set(i, result);
    },
  });

  it("resolves at once with nothing to run, and stops its threads", async () => {
    const pool = new WorkerPool(2);
    expect(pool.size).toBe(2);
    await expect(pool.run([], events(new Map()))).resolves.toBeUndefined();
  });

  it("runs the cases on as many threads as there are cases, each case once", async () => {
    const pool = new WorkerPool(3);
    const done = new Map<number, CaseResult>();
    const tasks: CaseTask[] = [0, 1].map((caseIndex) => ({
      index: 10 + caseIndex,
      source: { kind: "campaign", campaign: "juju-ordering", caseIndex },
      seed: 5,
      runs: 2,
      cost: 1,
    }));
    const reported: number[] = [];
    await pool.run(tasks, { ...events(done), ran: (count) => reported.push(count) });
    expect([...done.keys()].sort()).toEqual([10, 11]);
    for (const r of done.values()) expect(r.runs).toBe(2);
    // Every evaluation is reported before its case's result, in batches (the cases hold: one
    // evaluation per run).
    expect(reported.reduce((a, b) => a + b, 0)).toBe(4);
    expect(reported.every((c) => c >= 1)).toBe(true);
  }, 60_000);

  it("rejects when a case cannot be run in a thread", async () => {
    const pool = new WorkerPool(2);
    const missing: CaseTask = {
      index: 0,
      source: { kind: "campaign", campaign: "juju-ordering", caseIndex: 9999 },
      seed: 1,
      runs: 1,
      cost: 1,
    };
    await expect(pool.run([missing], events(new Map()))).rejects.toThrow(
      /case 1 failed in a worker: .*no case/,
    );
  }, 60_000);

  it("can be closed before it runs anything", async () => {
    const pool = new WorkerPool(2);
    pool.close();
    await expect(pool.run([], events(new Map()))).resolves.toBeUndefined();
  });
});
