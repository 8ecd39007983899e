import { describe, expect, it } from "vitest";
import { traceToMermaid } from "../../src/harness/mermaid.js";
import { Simulation } from "../../src/harness/simulation.js";
import { Trace, type TraceRecord } from "../../src/harness/trace.js";
import { InputError } from "../../src/model/errors.js";
import { ActiveStatus } from "../../src/model/status.js";
import { charm, Plain, peerMeta, provMeta, reqMeta } from "./charms.js";

/** A charm that leaves every kind of record: logs, status, bag writes, a deferral, a failure. */
const Chatty = charm((c, fw) => {
  const s = fw.storedState(c, "s", { deferred: false, failed: false });
  fw.observe(c.on.start, () => {
    c.unit.status = new ActiveStatus("ready");
    fw.logger.info("started\nwith a newline; and # signs");
  });
  fw.observe(c.on.configChanged, (e) => {
    if (!s.deferred) {
      s.deferred = true;
      e.defer();
    }
  });
  fw.observe(c.on.relation("db").joined, (e) => {
    e.relation.data.get(c.unit).set("unit", c.unit.name);
    if (c.unit.isLeader()) e.relation.data.get(c.app).set("app", c.app.name);
  });
  fw.observe(c.on.updateStatus, () => {
    c.model.getRelation("db")?.data.get(c.unit).set("tick", "1");
    throw new Error("update-status blew up");
  });
});

/** A non-trivial model: two apps with peers, a relation, unit churn, leadership, config. */
function run(seed: number): Simulation {
  const sim = new Simulation({ seed });
  sim.deploy("p", Chatty, {
    meta: {
      name: "p",
      provides: { db: { interface: "db" } },
      peers: { cluster: { interface: "c" } },
    },
    units: 3,
  });
  sim.deploy("r", Chatty, {
    meta: { name: "r", requires: { db: { interface: "db" } } },
    units: 3,
  });
  const id = sim.integrate("p:db", "r:db");
  sim.settle();
  sim.addUnit("r");
  sim.removeUnit("p/1");
  sim.setLeader("r/2");
  sim.settle();
  sim.updateStatus("r/0");
  sim.settle();
  sim.resolve("r/0", { retry: false });
  sim.exec("p/0", (ch) => ch.model.getRelation("db")?.data.get(ch.unit).set("exec", "yes"));
  sim.removeRelation(id);
  sim.settle();
  return sim;
}

describe("trace JSON", () => {
  it("round-trips through toJsonText / fromJsonText, every kind of record included", () => {
    const sim = run(11);
    const kinds = new Set(sim.trace.records.map((r) => r.t));
    expect([...kinds].sort()).toEqual(
      [
        "commit",
        "deliver",
        "event",
        "exec",
        "hook",
        "leader",
        "log",
        "op",
        "resolve",
        "status",
      ].sort(),
    );
    const text = sim.trace.toJsonText();
    const loaded = Trace.fromJsonText(text);
    expect(loaded.seed).toBe(11);
    expect(loaded.records).toEqual(sim.trace.records);
    expect(loaded.toJsonText()).toBe(text);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(sim.trace.toJSON())));
    // One record per line.
    expect(text.split("\n").filter((l) => l.startsWith("    {"))).toHaveLength(
      sim.trace.records.length,
    );
  });

  it("rejects malformed traces with errors naming the field", () => {
    const good = JSON.parse(run(1).trace.toJsonText()) as {
      records: Record<string, unknown>[];
    };
    const hookIndex = good.records.findIndex((r) => r.t === "hook");
    const variants: [
      string,
      (t: { records: Record<string, unknown>[] } & Record<string, unknown>) => void,
      RegExp,
    ][] = [
      [
        "missing unit",
        (t) => delete t.records[hookIndex]?.unit,
        new RegExp(`records\\[${hookIndex}\\]\\.unit`),
      ],
      [
        "unknown hook kind",
        (t) => {
          (t.records[hookIndex] as Record<string, unknown>).kind = "relation-exploded";
        },
        new RegExp(`records\\[${hookIndex}\\]\\.kind`),
      ],
      [
        "extra field",
        (t) => {
          (t.records[0] as Record<string, unknown>).colour = "blue";
        },
        /records\[0\]\.colour: unknown field/,
      ],
      [
        "unknown record type",
        (t) => {
          (t.records[0] as Record<string, unknown>).t = "mystery";
        },
        /records\[0\]\.t/,
      ],
      [
        "wrong format",
        (t) => {
          t.format = "other";
        },
        /format/,
      ],
      [
        "wrong version",
        (t) => {
          t.version = 3;
        },
        /version/,
      ],
      [
        "non-integer seq",
        (t) => {
          (t.records[1] as Record<string, unknown>).seq = 1.5;
        },
        /records\[1\]\.seq/,
      ],
    ];
    for (const [what, mutate, path] of variants) {
      const t = structuredClone(good) as { records: Record<string, unknown>[] } & Record<
        string,
        unknown
      >;
      mutate(t);
      let error: unknown;
      try {
        Trace.fromJsonText(JSON.stringify(t), "bad.json");
      } catch (e) {
        error = e;
      }
      expect(error, what).toBeInstanceOf(InputError);
      expect((error as Error).message, what).toMatch(/^invalid bad\.json: /);
      expect((error as Error).message, what).toMatch(path);
    }
    expect(() => Trace.fromJsonText("{ not json", "x.json")).toThrow(/invalid x\.json: \(json\)/);
  });
});

describe("determinism", () => {
  it("the same seed and operations give a byte-identical trace", () => {
    for (const seed of [0, 1, 42, 2 ** 31 + 5]) {
      expect(run(seed).trace.toJsonText()).toBe(run(seed).trace.toJsonText());
    }
  });

  it("different seeds give different interleavings", () => {
    const orders = new Set<string>();
    for (let seed = 0; seed < 8; seed++) {
      orders.add(
        run(seed)
          .trace.hooks()
          .map((h) => `${h.unit} ${h.kind} ${h.remote ?? ""}`)
          .join("\n"),
      );
    }
    expect(orders.size).toBe(8);
  });
});

describe("Mermaid", () => {
  it("draws one participant per unit, hook arrows and notes, in valid-looking syntax", () => {
    const sim = run(3);
    const text = traceToMermaid(sim.trace, { maxRecords: 100_000, logs: true });
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("sequenceDiagram");
    const units = new Set<string>();
    for (const r of sim.trace.records) {
      if ("unit" in r && r.t !== "leader" && typeof r.unit === "string") units.add(r.unit);
      if (r.t === "hook" && r.remote) units.add(r.remote);
    }
    const participants = lines.filter((l) => l.startsWith("  participant "));
    expect(participants.map((l) => l.split(" as ")[1]).sort()).toEqual([...units].sort());
    expect(new Set(participants.map((l) => l.split(" ")[3])).size).toBe(participants.length);
    const idOf = new Map(participants.map((l) => [l.split(" as ")[1], l.split(" ")[3]]));

    const patterns = [
      /^ {2}participant u\d+ as [a-z][a-z0-9-]*\/\d+$/,
      /^ {2}u\d+(->>|-x)u\d+: [^;#\n]+$/,
      /^ {2}Note (over u\d+(,u\d+)?|right of u\d+): [^;#\n]+$/,
    ];
    for (const l of lines.slice(1))
      expect(
        patterns.some((p) => p.test(l)),
        l,
      ).toBe(true);

    // Every hook is an arrow into its unit, from the remote unit when there is one.
    const arrows = lines.filter((l) => /^ {2}u\d+(->>|-x)u\d+: /.test(l));
    expect(arrows).toHaveLength(sim.trace.hooks().length);
    const joined = sim.trace.hooks().find((h) => h.kind === "relation-joined");
    expect(arrows).toContain(
      `  ${idOf.get(joined?.remote ?? "")}->>${idOf.get(joined?.unit ?? "")}: relation-joined r${joined?.rel}`,
    );
    expect(arrows.some((l) => l.includes("-x") && l.includes("update-status FAILED"))).toBe(true);
    expect(text).toMatch(/Note right of u\d+: r\d+ \S+ bag \+/);
    expect(text).toContain("started with a newline  and   signs".replace(/\s+/g, " "));
  });

  it("caps the drawing at maxRecords and says how much was left out", () => {
    const sim = new Simulation({ seed: 1 });
    sim.deploy("a", Plain, { meta: peerMeta, units: 3 });
    sim.deploy("b", Plain, { meta: provMeta });
    sim.deploy("c", Plain, { meta: reqMeta });
    sim.integrate("b:db", "c:db");
    sim.settle();
    const text = traceToMermaid(sim.trace, { maxRecords: 10 });
    const drawn = text.split("\n").filter((l) => /^ {2}(u\d+(->>|-x)|Note)/.test(l));
    expect(drawn).toHaveLength(11);
    const rest =
      sim.trace.records.filter((r: TraceRecord) => r.t !== "log" && r.t !== "deliver").length - 10;
    expect(text).toContain(`: ${rest} more records not drawn`);
  });
});

describe("log records", () => {
  it("carry the logger's name, as Python's logging names it", () => {
    const Logs = charm((c, fw) => {
      fw.observe(c.on.install, () => {
        fw.getLogger("charms.example.v0.lib").warning("from the library");
        fw.logger.info("from the charm");
      });
    });
    const sim = new Simulation({ seed: 1 });
    sim.deploy("a", Logs, { meta: provMeta });
    sim.settle();
    const logs = sim.trace.records.filter((r) => r.t === "log");
    expect(logs.map((l) => (l.t === "log" ? [l.level, l.logger, l.message] : []))).toEqual([
      ["WARNING", "charms.example.v0.lib", "from the library"],
      ["INFO", "charm", "from the charm"],
    ]);
  });
});
