/**
 * The memo slots of States and relations (memoKey, memoGet, memoSet): what the harness remembers
 * about an immutable object stays with that object, per key, and is invisible to users.
 */
import { describe, expect, it } from "vitest";
import {
  memoGet,
  memoKey,
  memoSet,
  PeerRelation,
  Relation,
  relationWithLocalData,
  State,
  SubordinateRelation,
  sortedRemoteUnitIds,
} from "../../src/model/state.js";

describe("memo slots", () => {
  const objects = () => [
    new State(),
    new Relation({ endpoint: "db" }),
    new PeerRelation({ endpoint: "cluster" }),
    new SubordinateRelation({ endpoint: "juju-info" }),
    // A copy made without the constructor keeps its memo elsewhere, but keeps one all the same.
    relationWithLocalData(new PeerRelation({ endpoint: "cluster" }), { localAppData: { a: "1" } }),
  ];

  it("remember a value per object and per key, on frozen objects", () => {
    const a = memoKey<string>();
    const b = memoKey<number>();
    const all = objects();
    all.forEach((o, i) => {
      expect(Object.isFrozen(o)).toBe(true);
      expect(memoGet(o, a)).toBeUndefined();
      expect(memoSet(o, a, `a${i}`)).toBe(`a${i}`);
      memoSet(o, b, i);
    });
    all.forEach((o, i) => {
      expect(memoGet(o, a)).toBe(`a${i}`);
      expect(memoGet(o, b)).toBe(i);
    });
    memoSet(all[0] as State, a, "replaced");
    expect(memoGet(all[0] as State, a)).toBe("replaced");
    expect(memoGet(all[1] as Relation, a)).toBe("a1");
  });

  it("are invisible to equality, keys and copies", () => {
    const key = memoKey<string>();
    const remembered = new Relation({ endpoint: "db", id: 900 });
    const plain = new Relation({ endpoint: "db", id: 900 });
    memoSet(remembered, key, "x");
    expect(remembered).toStrictEqual(plain);
    expect(Object.keys(remembered)).toEqual(Object.keys(plain));
    expect(memoGet(remembered.with({}), key)).toBeUndefined();
  });

  it("hold what sortedRemoteUnitIds computed, for each relation kind", () => {
    const rel = new Relation({ endpoint: "db", remoteUnitsData: { 10: {}, 2: {}, 7: {} } });
    const ids = sortedRemoteUnitIds(rel);
    expect(ids).toEqual([2, 7, 10]);
    expect(sortedRemoteUnitIds(rel)).toBe(ids);
    const peer = new PeerRelation({ endpoint: "cluster", peersData: { 3: {}, 1: {} } });
    expect(sortedRemoteUnitIds(peer)).toEqual([1, 3]);
    const copy = relationWithLocalData(peer, { localUnitData: { b: "2" } });
    expect(sortedRemoteUnitIds(copy)).toEqual([1, 3]);
    const sub = new SubordinateRelation({ endpoint: "juju-info", remoteUnitId: 4 });
    expect(sortedRemoteUnitIds(sub)).toEqual([4]);
  });
});
