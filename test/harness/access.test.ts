import { describe, expect, it } from "vitest";
import { Context } from "../../src/harness/context.js";
import {
  KeyError,
  RelationDataAccessError,
  RelationDataTypeError,
  RelationNotFoundError,
  TooManyRelatedAppsError,
} from "../../src/harness/ops/errors.js";
import type { Relation as OpsRelation, Unit } from "../../src/harness/ops/model.js";
import {
  DEFAULT_JUJU_DATABAG,
  PeerRelation,
  Relation,
  State,
  SubordinateRelation,
} from "../../src/model/state.js";
import { charmClass, charmError, expectCharmRaised, plain, type Setup } from "./helpers.js";

const meta = {
  name: "local",
  requires: { db: { interface: "db" }, backup: { interface: "db" } },
  provides: { website: { interface: "http" } },
  peers: { cluster: { interface: "cluster" } },
};

function context(setup: Setup) {
  return new Context(charmClass(setup), { meta });
}

/** A charm that runs `body` in `db` relation-changed. */
function onDbChanged(body: (e: { relation: OpsRelation; unit: Unit | null }, unit: Unit) => void) {
  return context((charm, fw) => {
    fw.observe(charm.on.relation("db").changed, (e) => body(e, charm.unit));
  });
}

const db = () =>
  new Relation({
    endpoint: "db",
    interface: "db",
    remoteAppName: "database",
    localUnitData: { mine: "u" },
    localAppData: { shared: "a" },
    remoteAppData: { host: "db.example" },
    remoteUnitsData: { 0: { password: "p0" }, 1: { password: "p1" } },
  });

describe("own unit databag", () => {
  it("is readable and writable, and the write reaches the output State", () => {
    const rel = db();
    let read: string | undefined;
    const ctx = onDbChanged((e, unit) => {
      const bag = e.relation.data.get(unit);
      read = bag.get("mine");
      bag.set("added", "yes");
    });
    const out = ctx.run(
      ctx.on.relationChanged(rel, { remoteUnit: 0 }),
      new State({ relations: [rel] }),
    );
    expect(read).toBe("u");
    expect(out.getRelation(rel.id)?.localUnitData).toEqual({ mine: "u", added: "yes" });
  });

  it("accepts writes on a non-leader unit", () => {
    const rel = db();
    const ctx = onDbChanged((e, unit) => e.relation.data.get(unit).set("k", "v"));
    const out = ctx.run(
      ctx.on.relationChanged(rel),
      new State({ leader: false, relations: [rel] }),
    );
    expect(out.getRelation(rel.id)?.localUnitData).toEqual({ mine: "u", k: "v" });
  });
});

describe("own application databag", () => {
  it("the leader reads and writes it", () => {
    const rel = db();
    let read: string | undefined;
    const ctx = onDbChanged((e, unit) => {
      const bag = e.relation.data.get(unit.app);
      read = bag.get("shared");
      bag.set("leader-wrote", "1");
    });
    const out = ctx.run(ctx.on.relationChanged(rel), new State({ leader: true, relations: [rel] }));
    expect(read).toBe("a");
    expect(out.getRelation(rel.id)?.localAppData).toEqual({ shared: "a", "leader-wrote": "1" });
  });

  it("a non-leader cannot read it", () => {
    const rel = db();
    const ctx = onDbChanged((e, unit) => {
      e.relation.data.get(unit.app).get("shared");
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel), new State({ leader: false, relations: [rel] })),
      RelationDataAccessError,
      /not leader/,
    );
  });

  it("a non-leader cannot list it either", () => {
    const rel = db();
    const ctx = onDbChanged((e, unit) => {
      e.relation.data.get(unit.app).toObject();
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel), new State({ leader: false, relations: [rel] })),
      RelationDataAccessError,
    );
  });

  it("a non-leader cannot write it", () => {
    const rel = db();
    const ctx = onDbChanged((e, unit) => e.relation.data.get(unit.app).set("k", "v"));
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel), new State({ leader: false, relations: [rel] })),
      RelationDataAccessError,
      /not leader/,
    );
  });
});

describe("remote unit databag", () => {
  it("is readable", () => {
    const rel = db();
    const seen: (string | undefined)[] = [];
    const ctx = onDbChanged((e) => {
      for (const u of e.relation.units) seen.push(e.relation.data.get(u).get("password"));
    });
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(seen).toEqual(["p0", "p1"]);
  });

  it("is not writable", () => {
    const rel = db();
    const ctx = onDbChanged((e) => e.relation.data.get(e.unit).set("password", "x"));
    expectCharmRaised(
      () =>
        ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), new State({ relations: [rel] })),
      RelationDataAccessError,
      /database\/0/,
    );
  });

  it("of a unit that is not in the relation cannot be looked up (KeyError)", () => {
    const rel = db();
    let known: string | undefined;
    const ctx = onDbChanged((e) => {
      known = e.relation.data.get(e.unit).get("password");
    });
    ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 1 }), new State({ relations: [rel] }));
    expect(known).toBe("p1");

    const unknown = context((charm, fw) => {
      fw.observe(charm.on.relation("db").changed, (e) => {
        e.relation.data.get(charm.model.getUnit("database/7"));
      });
    });
    expectCharmRaised(
      () => unknown.run(unknown.on.relationChanged(rel), new State({ relations: [rel] })),
      KeyError,
      /database\/7/,
    );
  });
});

describe("remote application databag", () => {
  it("is readable by any unit", () => {
    const rel = db();
    let host: string | undefined;
    const ctx = onDbChanged((e) => {
      host = e.relation.data.get(e.relation.app).get("host");
    });
    ctx.run(ctx.on.relationChanged(rel, { remoteUnit: null }), new State({ relations: [rel] }));
    expect(host).toBe("db.example");
  });

  it("is not writable, even by the leader", () => {
    const rel = db();
    const ctx = onDbChanged((e) => e.relation.data.get(e.relation.app).set("host", "x"));
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel), new State({ leader: true, relations: [rel] })),
      RelationDataAccessError,
      /remote side/,
    );
  });
});

describe("peer relation databags", () => {
  const peers = () =>
    new PeerRelation({
      endpoint: "cluster",
      localAppData: { epoch: "3" },
      peersData: { 1: { addr: "10.0.0.2" } },
    });
  const peerCtx = (body: (e: { relation: OpsRelation }, app: { name: string }) => void) =>
    context((charm, fw) => {
      fw.observe(charm.on.relation("cluster").changed, (e) => body(e, charm.app));
    });

  it("the app bag is readable by a non-leader unit", () => {
    const rel = peers();
    let epoch: string | undefined;
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("cluster").changed, (e) => {
        epoch = e.relation.data.get(charm.app).get("epoch");
      });
    });
    ctx.run(ctx.on.relationChanged(rel), new State({ leader: false, relations: [rel] }));
    expect(epoch).toBe("3");
  });

  it("the app bag is not writable by a non-leader unit", () => {
    const rel = peers();
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("cluster").changed, (e) => {
        e.relation.data.get(charm.app).set("epoch", "4");
      });
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel), new State({ leader: false, relations: [rel] })),
      RelationDataAccessError,
    );
  });

  it("the app bag is writable by the leader, and the write reaches the output", () => {
    const rel = peers();
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("cluster").changed, (e) => {
        e.relation.data.get(charm.app).set("epoch", "4");
      });
    });
    const out = ctx.run(ctx.on.relationChanged(rel), new State({ leader: true, relations: [rel] }));
    expect(out.getRelation(rel.id)?.localAppData).toEqual({ epoch: "4" });
  });

  it("the relation's app is this application and its units are the peers", () => {
    const rel = peers();
    let seen: { app?: string; units: string[]; addr?: string } = { units: [] };
    const ctx = peerCtx((e, app) => {
      seen = {
        ...(e.relation.app ? { app: e.relation.app.name } : {}),
        units: [...e.relation.units].map((u) => u.name),
      };
      const [peer] = e.relation.units;
      if (peer) seen.addr = e.relation.data.get(peer).get("addr");
      expect(e.relation.app?.name).toBe(app.name);
    });
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(seen).toEqual({ app: "local", units: ["local/1"], addr: "10.0.0.2" });
  });

  it("a peer's unit bag is read-only", () => {
    const rel = peers();
    const ctx = peerCtx((e) => {
      const [peer] = e.relation.units;
      if (peer) e.relation.data.get(peer).set("addr", "x");
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel), new State({ leader: true, relations: [rel] })),
      RelationDataAccessError,
    );
  });
});

describe("subordinate relation databags", () => {
  it("the principal's unit and app bags are readable, not writable", () => {
    const subMeta = {
      name: "agent",
      subordinate: true,
      requires: { host: { interface: "juju-info", scope: "container" as const } },
    };
    const rel = new SubordinateRelation({
      endpoint: "host",
      remoteAppName: "principal",
      remoteUnitId: 3,
      remoteAppData: { a: "1" },
      remoteUnitData: { u: "2" },
    });
    const read: string[] = [];
    const ok = new Context(
      charmClass((charm, fw) => {
        fw.observe(charm.on.relation("host").changed, (e) => {
          read.push(e.relation.data.get(e.relation.app).get("a") ?? "");
          read.push(e.relation.data.get(e.unit).get("u") ?? "");
          read.push(e.unit?.name ?? "");
        });
      }),
      { meta: subMeta },
    );
    ok.run(ok.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(read).toEqual(["1", "2", "principal/3"]);

    const bad = new Context(
      charmClass((charm, fw) => {
        fw.observe(charm.on.relation("host").changed, (e) => {
          e.relation.data.get(e.unit).set("u", "x");
        });
      }),
      { meta: subMeta },
    );
    expectCharmRaised(
      () => bad.run(bad.on.relationChanged(rel), new State({ relations: [rel] })),
      RelationDataAccessError,
    );
  });
});

describe("databag values", () => {
  it("a non-string value raises RelationDataTypeError", () => {
    const rel = db();
    const ctx = onDbChanged((e, unit) => {
      e.relation.data.get(unit).set("n", 3 as unknown as string);
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] })),
      RelationDataTypeError,
    );
  });

  it("a non-string key raises RelationDataTypeError", () => {
    const rel = db();
    const ctx = onDbChanged((e, unit) => {
      e.relation.data.get(unit).set(7 as unknown as string, "v");
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] })),
      RelationDataTypeError,
    );
  });

  it("update() with a non-string value raises and commits none of it", () => {
    const rel = db();
    const ctx = onDbChanged((e, unit) => {
      e.relation.data.get(unit).update({ good: "1", bad: null as unknown as string });
    });
    const state = new State({ relations: [rel] });
    expectCharmRaised(() => ctx.run(ctx.on.relationChanged(rel), state), RelationDataTypeError);
  });

  it("setting the empty string deletes the key; delete() does too", () => {
    const rel = db().with({ localUnitData: { a: "1", b: "2", c: "3" } });
    let during: Record<string, string> = {};
    const ctx = onDbChanged((e, unit) => {
      const bag = e.relation.data.get(unit);
      bag.set("a", "");
      bag.delete("b");
      bag.set("ghost", "");
      during = bag.toObject();
    });
    const out = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(during).toEqual({ c: "3" });
    expect(out.getRelation(rel.id)?.localUnitData).toEqual({ c: "3" });
  });

  it("reads within a hook see the hook's own buffered writes", () => {
    const rel = db();
    let after: string | undefined;
    const ctx = onDbChanged((e, unit) => {
      const bag = e.relation.data.get(unit);
      bag.set("mine", "changed");
      after = e.relation.data.get(unit).get("mine");
    });
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(after).toBe("changed");
  });
});

describe("commit on completion", () => {
  it("a hook that raises after writing commits nothing and names the event and cause", () => {
    const rel = db();
    const boom = new Error("boom");
    const ctx = onDbChanged((e, unit) => {
      e.relation.data.get(unit).set("half", "done");
      e.relation.data.get(unit.app).set("half", "done");
      throw boom;
    });
    const state = new State({ leader: true, relations: [rel] });
    const before = plain(state);
    const err = charmError(() => ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 1 }), state));
    expect(err.cause).toBe(boom);
    expect(err.event).toEqual({
      kind: "relation-changed",
      relationId: rel.id,
      remoteUnit: "database/1",
    });
    expect(err.message).toMatch(/relation-changed.*boom/);
    expect(plain(state)).toEqual(before);
    expect(state.getRelation(rel.id)?.localUnitData).toEqual({ mine: "u" });
  });

  it("writes to several relations all reach the output State", () => {
    const a = db();
    const b = new Relation({ endpoint: "website", remoteAppName: "proxy" });
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        for (const endpoint of ["db", "website"]) {
          const rel = charm.model.getRelation(endpoint);
          rel?.data.get(charm.unit).set("endpoint", endpoint);
          rel?.data.get(charm.app).set("by", "leader");
        }
      });
    });
    const out = ctx.run(ctx.on.install(), new State({ leader: true, relations: [a, b] }));
    expect(out.getRelation(a.id)?.localUnitData).toEqual({ mine: "u", endpoint: "db" });
    expect(out.getRelation(b.id)?.localUnitData).toEqual({
      ...DEFAULT_JUJU_DATABAG,
      endpoint: "website",
    });
    expect(out.getRelation(b.id)?.localAppData).toEqual({ by: "leader" });
  });
});

describe("relation lookups", () => {
  it("getRelation(endpoint, id) for an unknown id gives an inactive relation", () => {
    const rel = db();
    let seen: { active: boolean; app: unknown; units: number } | undefined;
    let known: boolean | undefined;
    const probe = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        const ghost = charm.model.getRelation("db", 999);
        if (!ghost) throw new Error("expected a relation object");
        seen = { active: ghost.active, app: ghost.app, units: ghost.units.size };
        known = charm.model.getRelation("db", rel.id)?.active;
      });
    });
    probe.run(probe.on.install(), new State({ relations: [rel] }));
    expect(seen).toEqual({ active: false, app: null, units: 0 });
    expect(known).toBe(true);
  });

  it("reading the inactive relation's bag keyed by its null app raises KeyError", () => {
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        const ghost = charm.model.getRelation("db", 999);
        ghost?.data.get(ghost.app);
      });
    });
    expectCharmRaised(() => ctx.run(ctx.on.install(), new State()), KeyError);
  });

  it("the inactive relation's own bags read empty and cannot be written (as ops: dead relations tell no tales)", () => {
    const rel = db();
    const write = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        charm.model.getRelation("db", 999)?.data.get(charm.unit).set("k", "v");
      });
    });
    expectCharmRaised(
      () => write.run(write.on.install(), new State({ relations: [rel] })),
      RelationNotFoundError,
    );
    const seen: unknown[] = [];
    const read = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        const bag = charm.model.getRelation("db", 999)?.data.get(charm.unit);
        seen.push(bag?.get("k"), bag?.has("k"), bag?.toObject(), bag?.entries());
        const appBag = charm.model.getRelation("db", 999)?.data.get(charm.app);
        seen.push(appBag?.toObject());
      });
    });
    read.run(read.on.install(), new State({ leader: true, relations: [rel] }));
    expect(seen).toEqual([undefined, false, {}, [], {}]);
    // Access rules still come first: a non-leader cannot read its application's bag.
    expectCharmRaised(
      () => read.run(read.on.install(), new State({ relations: [rel] })),
      RelationDataAccessError,
    );
  });

  it("a relation id looked up under the wrong endpoint is inactive and never written", () => {
    const rel = db();
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        const wrong = charm.model.getRelation("backup", rel.id);
        expect(wrong?.active).toBe(false);
        wrong?.data.get(charm.unit).set("k", "v");
      });
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.install(), new State({ relations: [rel] })),
      RelationNotFoundError,
    );
  });

  it("one id under two endpoints gives two objects; only the right one is active and written", () => {
    const rel = db();
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        const wrong = charm.model.getRelation("backup", rel.id);
        const right = charm.model.getRelation("db", rel.id);
        const wrongAgain = charm.model.getRelation("backup", rel.id);
        expect(wrong).not.toBe(right);
        expect(wrongAgain).toBe(wrong);
        expect(charm.model.getRelation("db", rel.id)).toBe(right);
        expect([wrong?.active, right?.active]).toEqual([false, true]);
        expect(wrong?.app).toBeNull();
        right?.data.get(charm.unit).set("k", "v");
      });
    });
    const out = ctx.run(ctx.on.install(), new State({ relations: [rel] }));
    expect(out.getRelation(rel.id)?.localUnitData).toEqual({ mine: "u", k: "v" });
  });

  it("getRelation(endpoint) is the one relation, null if none, TooManyRelatedAppsError if two", () => {
    const one = db();
    const other = new Relation({ endpoint: "website", remoteAppName: "proxy-a" });
    const other2 = new Relation({ endpoint: "website", remoteAppName: "proxy-b" });
    const results: unknown[] = [];
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        results.push(charm.model.getRelation("db")?.id);
        results.push(charm.model.getRelation("backup"));
        results.push(charm.model.relations("website").map((r) => r.id));
        charm.model.getRelation("website");
      });
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.install(), new State({ relations: [one, other, other2] })),
      TooManyRelatedAppsError,
      /website/,
    );
    expect(results).toEqual([one.id, null, [other.id, other2.id]]);

    // and with one relation per endpoint, the same call succeeds
    results.length = 0;
    const fine = context((charm, fw) => {
      fw.observe(charm.on.install, () => {
        results.push(charm.model.getRelation("website")?.app?.name);
      });
    });
    fine.run(fine.on.install(), new State({ relations: [one, other] }));
    expect(results).toEqual(["proxy-a"]);
  });

  it("getRelation twice returns the same object, so popUnit() is seen by later lookups", () => {
    const rel = db();
    const seen: unknown[] = [];
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("db").changed, (e) => {
        const a = charm.model.getRelation("db", rel.id);
        const b = charm.model.getRelation("db");
        const popped = a?.popUnit();
        seen.push({
          same: a === b,
          eventSame: a === e.relation,
          popped: popped?.name,
          left: [...(b?.units ?? [])].map((u) => u.name),
          eventLeft: [...e.relation.units].map((u) => u.name),
        });
      });
    });
    ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(seen).toEqual([
      {
        same: true,
        eventSame: true,
        popped: "database/0",
        left: ["database/1"],
        eventLeft: ["database/1"],
      },
    ]);
  });

  it("popUnit() changes only this hook's view, not the State", () => {
    const rel = db();
    const ctx = onDbChanged((e) => {
      e.relation.popUnit();
      e.relation.popUnit();
      expect(e.relation.popUnit()).toBeUndefined();
    });
    const out = ctx.run(ctx.on.relationChanged(rel), new State({ relations: [rel] }));
    expect(out.getRelation(rel.id)?.remoteUnitIds).toEqual([0, 1]);
  });
});

describe("relation-broken", () => {
  it("the relation is not listed, remote bags read empty, no units, local bags readable", () => {
    const rel = db();
    const other = new Relation({ endpoint: "backup", remoteAppName: "store" });
    let seen: unknown;
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("db").broken, (e) => {
        seen = {
          listed: charm.model.relations("db").map((r) => r.id),
          lookup: charm.model.getRelation("db"),
          otherListed: charm.model.relations("backup").map((r) => r.id),
          active: e.relation.active,
          app: e.relation.app?.name,
          units: e.relation.units.size,
          remoteApp: e.relation.data.get(e.relation.app).toObject(),
          localUnit: e.relation.data.get(charm.unit).toObject(),
          localApp: e.relation.data.get(charm.app).toObject(),
        };
      });
    });
    ctx.run(ctx.on.relationBroken(rel), new State({ leader: true, relations: [rel, other] }));
    expect(seen).toEqual({
      listed: [],
      lookup: null,
      otherListed: [other.id],
      active: false,
      app: "database",
      units: 0,
      remoteApp: {},
      localUnit: { mine: "u" },
      localApp: { shared: "a" },
    });
  });

  it("a remote unit of the broken relation cannot be looked up", () => {
    const rel = db();
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("db").broken, (e) => {
        e.relation.data.get(charm.model.getUnit("database/0")).get("password");
      });
    });
    expectCharmRaised(
      () => ctx.run(ctx.on.relationBroken(rel), new State({ relations: [rel] })),
      KeyError,
    );
  });
});

describe("relation-departed", () => {
  it("the departing unit has left relation.units but its bag is readable", () => {
    const rel = db();
    let seen: unknown;
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("db").departed, (e) => {
        seen = {
          units: [...e.relation.units].map((u) => u.name),
          unit: e.unit?.name,
          departing: e.departingUnit?.name,
          password: e.unit ? e.relation.data.get(e.unit).get("password") : undefined,
          listed: charm.model.relations("db").length,
        };
      });
    });
    ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 1 }), new State({ relations: [rel] }));
    expect(seen).toEqual({
      units: ["database/0"],
      unit: "database/1",
      departing: "database/1",
      password: "p1",
      listed: 1,
    });
  });

  it("one Context, one State: a departed run does not change what later runs see", () => {
    const rel = db();
    const state = new State({ relations: [rel] });
    const seen: string[][] = [];
    const ctx = context((charm, fw) => {
      const record = (e: { relation: OpsRelation }) =>
        seen.push([...e.relation.units].map((u) => u.name));
      fw.observe(charm.on.relation("db").changed, record);
      fw.observe(charm.on.relation("db").departed, record);
    });
    ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 1 }), state);
    ctx.run(ctx.on.relationChanged(rel, { remoteUnit: 0 }), state);
    ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 0 }), state);
    expect(seen).toEqual([
      ["database/0", "database/1"],
      ["database/0"],
      ["database/0", "database/1"],
      ["database/1"],
    ]);
  });

  it("when this unit is the one departing, the remote unit's bag is still readable", () => {
    const rel = db();
    let seen: unknown;
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("db").departed, (e) => {
        seen = {
          departing: e.departingUnit?.name,
          password: e.unit ? e.relation.data.get(e.unit).get("password") : undefined,
          units: [...e.relation.units].map((u) => u.name),
        };
      });
    });
    ctx.run(
      ctx.on.relationDeparted(rel, { remoteUnit: 0, departingUnit: "local/0" }),
      new State({ relations: [rel] }),
    );
    expect(seen).toEqual({ departing: "local/0", password: "p0", units: ["database/1"] });
  });

  it("only the hook's relation loses the unit; the same unit name elsewhere is untouched", () => {
    const rel = db();
    const twin = new Relation({
      endpoint: "backup",
      remoteAppName: "database",
      remoteUnitsData: { 1: { other: "x" } },
    });
    let seen: unknown;
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("db").departed, () => {
        const b = charm.model.getRelation("backup");
        const unit = charm.model.getUnit("database/1");
        seen = {
          units: [...(b?.units ?? [])].map((u) => u.name),
          other: b?.data.get(unit).get("other"),
        };
      });
    });
    ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 1 }), new State({ relations: [rel, twin] }));
    expect(seen).toEqual({ units: ["database/1"], other: "x" });
  });

  it("a remote unit not in the relation is not readable during departed of another unit", () => {
    const rel = db();
    const ctx = context((charm, fw) => {
      fw.observe(charm.on.relation("db").departed, (e) => {
        e.relation.data.get(charm.model.getUnit("database/5"));
      });
    });
    expectCharmRaised(
      () =>
        ctx.run(ctx.on.relationDeparted(rel, { remoteUnit: 1 }), new State({ relations: [rel] })),
      KeyError,
    );
  });
});
