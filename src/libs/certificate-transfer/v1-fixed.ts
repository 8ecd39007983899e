/**
 * certificate_transfer v1, FIXED variant: the same API, event names, framework keys and wire
 * layouts as the faithful port in v1.ts, with the defects that break protocol properties
 * removed. Each change, and why:
 *
 * 1. Stable serialisation. Lists are written sorted (code-point order), so the same set always
 *    gives the same bag: no spurious relation-changed (and no repeated `certificate_set_updated`)
 *    from a mere reordering, and `ca`/`certificate` in the v0 layout no longer flip between
 *    writes. `stableOrder` has no effect here.
 * 2. v0-mode removal writes the empty state. Removing the last certificate, or all of them, in
 *    v0 mode clears this unit's v0 keys instead of writing nothing, so requirers stop seeing
 *    certificates the provider no longer offers.
 * 3. Certificates survive a mode switch and a change of leader. The provider reads both layouts
 *    (its application bag and its unit bag) and merges them before adding or removing. In v1 mode
 *    it clears its v0 keys; in v0 mode it writes the v0 layout to its unit bag and also keeps the
 *    set in the v1 layout of its application bag, which a later leader reads back. Certificates written in v0 mode before the requirer's `version` arrived are
 *    carried into the v1 layout instead of being lost, and stale v0 data can no longer be
 *    resurrected by the requirer's fallback after a later removal.
 * 4. The requirer reads every provider unit. The provider application bag (written by the
 *    provider's leader) is preferred and authoritative once it holds a `certificates` key (even an
 *    empty list); only when it has none (a v0-library provider) are the v0-layout bags of
 *    all provider units read and merged, so the result no longer depends on which unit one
 *    arbitrary pick lands on. (The requirer cannot tell which provider unit leads, so a former
 *    leader's v0 data that it never cleared is still included.)
 * 5. `relation.units` is left alone: reading certificates no longer removes a unit from the
 *    hook's view of the relation, so a second read in the same hook sees the same data.
 * 6. The requirer's `getAllCertificates(id)` / `getAllCertificatesByRelation(id)` return nothing
 *    for a relation that is unknown or not active, instead of throwing (KeyError on the
 *    placeholder relation's missing application); `isReady` on such a relation returns false.
 * 7. The requirer re-advertises `version` "1" when it becomes leader (leader-elected) and after an
 *    upgrade (upgrade-charm), so a requirer whose relation-created ran on a non-leader, or that was
 *    upgraded from the v0 library, still gets the v1 layout.
 * 8. The v0 fallback accepts the v0 library's data: `ca`/`certificate` values that are not JSON
 *    are taken as raw PEM (as the v0 library's own decoder does), so a v1 requirer related to a v0
 *    provider receives its certificates (`chain` and `ca`).
 * 9. Databag values Python cannot decode (an integer over 4300 digits, nesting past the recursion
 *    limit) are treated as invalid data (logged, read as empty) instead of failing the hook.
 * 10. The non-leader warning names the operation ("remove", "remove all") instead of always "add".
 */
import type { CharmBase } from "../../harness/ops/charm.js";
import type { Relation, RelationDataContent, Unit } from "../../harness/ops/model.js";
import {
  type BagReader,
  type DatabagModel,
  dumpModel,
  loadModel,
  providerApplicationData,
  providerUnitDataV0,
} from "./databag.js";
import { DataValidationError } from "./errors.js";
import { pyDictRepr, sortedCodePoints } from "./python.js";
import { decodeRelationData, validateProviderData } from "./v0.js";
import {
  CertificateTransferProvides as FaithfulProvides,
  CertificateTransferRequires as FaithfulRequires,
  LIBAPI,
  type ProviderOperation,
  type ProvidesOptions,
  parseErrorMessage,
  requirerVersion,
  v0ModeWarning,
  v0UnitFields,
} from "./v1.js";

export { DataValidationError, TLSCertificatesError } from "./errors.js";
export {
  CertificatesAvailableEvent,
  CertificatesRemovedEvent,
  CertificateTransferRequirerEvents,
  LIBAPI,
  type ProviderOperation,
  type ProvidesOptions,
} from "./v1.js";

const V0_LAYOUT_KEYS = ["ca", "certificate", "chain", "version"] as const;

function deleteKeys(bag: RelationDataContent, keys: readonly string[]): void {
  // Stryker disable next-line ConditionalExpression: equivalent, deleting a key the bag lacks changes nothing (a hook's writes are compared with the bag)
  for (const key of keys) if (bag.has(key)) bag.delete(key);
}

/** Provider side, fixed (see the module comment); framework key `<relationName>_v1`. */
export class CertificateTransferProvides extends FaithfulProvides {
  constructor(charm: CharmBase, relationName: string, options: ProvidesOptions = {}) {
    super(charm, relationName, options);
  }

  protected override nonLeaderMessage(op: ProviderOperation): string {
    switch (op) {
      case "add":
        return "Only the leader unit can add certificates to this relation";
      case "remove":
        return "Only the leader unit can remove certificates from this relation";
      case "remove-all":
        return "Only the leader unit can remove all certificates from this relation";
    }
  }

  protected override load<T>(model: DatabagModel<T>, bag: BagReader): T {
    return loadModel(model, bag, this.logger, { containLimitErrors: true });
  }

  /** One layout's certificates; a corrupt bag is logged and read as empty. */
  private readLayout(read: () => Set<string>): Set<string> {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof DataValidationError)) throw error;
      this.logger.error(parseErrorMessage(error));
      return new Set();
    }
  }

  /** Both layouts merged: the application bag's set and this unit's v0 `chain`. */
  protected override readRelation(relation: Relation): Set<string> {
    const merged = this.readLayout(
      () => this.load(providerApplicationData, relation.data.get(this.model.app)).certificates,
    );
    const unitBag = relation.data.get(this.model.unit);
    if (V0_LAYOUT_KEYS.some((key) => unitBag.has(key))) {
      const fromUnit = this.readLayout(
        () => new Set(this.load(providerUnitDataV0, unitBag).chain ?? []),
      );
      for (const certificate of fromUnit) merged.add(certificate);
    }
    return merged;
  }

  /** Writes one layout (sorted), clears the other; an empty set clears the v0 keys. */
  protected override writeRelation(relation: Relation, certificates: ReadonlySet<string>): void {
    const version = requirerVersion(relation);
    const appBag = relation.data.get(this.model.app);
    const unitBag = relation.data.get(this.model.unit);
    const list = this.order(certificates);
    if (version === "1") {
      dumpModel(
        appBag,
        [
          ["certificates", list],
          ["version", LIBAPI],
        ],
        true,
      );
      deleteKeys(unitBag, V0_LAYOUT_KEYS);
      return;
    }
    this.logger.warning(v0ModeWarning(relation.id, version));
    if (list.length === 0) deleteKeys(unitBag, V0_LAYOUT_KEYS);
    else dumpModel(unitBag, v0UnitFields(list), true);
    // The set is also kept in the v1 layout of the application bag: v0 requirers ignore that bag,
    // a v1 requirer that has not advertised its version yet reads it first, and a later leader
    // (whose own unit bag is empty) reads the set back from it instead of losing it.
    dumpModel(
      appBag,
      [
        ["certificates", list],
        ["version", LIBAPI],
      ],
      true,
    );
  }

  protected override order(certificates: ReadonlySet<string>): string[] {
    return sortedCodePoints(certificates);
  }
}

/** Requirer side, fixed (see the module comment); framework key `<relationName>_v1`. */
export class CertificateTransferRequires extends FaithfulRequires {
  constructor(charm: CharmBase, relationName: string) {
    super(charm, relationName);
    this.framework.observe(charm.on.leaderElected, () => this.advertiseVersion());
    this.framework.observe(charm.on.upgradeCharm, () => this.advertiseVersion());
  }

  /** Writes `version` "1" into every relation's application bag that lacks it (leader only). */
  protected advertiseVersion(): void {
    if (!this.model.unit.isLeader()) return;
    for (const relation of this.model.relations(this.relationName)) {
      const bag = relation.data.get(this.model.app);
      // Stryker disable next-line ConditionalExpression: equivalent, a fast path; writing the version the bag already holds changes nothing
      if (bag.get("version") !== String(LIBAPI)) dumpModel(bag, [["version", LIBAPI]], false);
    }
  }

  protected override load<T>(model: DatabagModel<T>, bag: BagReader): T {
    return loadModel(model, bag, this.logger, { containLimitErrors: true });
  }

  /** Only known, active relations; without an id, every active relation. */
  protected override selectRelations(relationId?: number): Relation[] {
    if (relationId !== undefined && relationId !== null) {
      const relation = this.model.getRelation(this.relationName, relationId);
      // Stryker disable next-line OptionalChaining,ConditionalExpression: equivalent, getRelation with an id always returns a relation (an inactive one for an unknown id), and an active relation always has its remote application in the model
      return relation?.active && relation.app !== null ? [relation] : [];
    }
    // Stryker disable next-line MethodExpression: equivalent here, the model never lists an inactive relation (the one being broken is left out)
    return this.model.relations(this.relationName).filter((r) => r.active);
  }

  override isReady(relation: Relation): boolean {
    if (relation.app === null) return false;
    return super.isReady(relation);
  }

  /** The provider application bag's set; if empty, the v0 data of every provider unit merged. */
  protected override readRelation(relation: Relation): Set<string> {
    // Stryker disable next-line ConditionalExpression: equivalent, selectRelations hands over only active relations, which always have their remote application
    if (relation.app === null) return new Set();
    try {
      const fromApp = this.load(providerApplicationData, relation.data.get(relation.app));
      // A provider that wrote the v1 layout (even an empty list) is authoritative: falling back to
      // unit bags then would resurrect v0 data a former leader never cleared.
      // Stryker disable next-line ConditionalExpression: equivalent, a fast path; a non-empty set was read from a `certificates` key
      if (fromApp.certificates.size > 0 || relation.data.get(relation.app).has("certificates")) {
        return fromApp.certificates;
      }
    } catch (error) {
      if (!(error instanceof DataValidationError)) throw error;
      this.logger.error(parseErrorMessage(error));
    }
    const merged = new Set<string>();
    for (const unit of relation.units) {
      for (const certificate of this.readUnit(relation, unit)) merged.add(certificate);
    }
    return merged;
  }

  /** One provider unit's v0-layout certificates (`chain` and `ca`), JSON-encoded or raw PEM. */
  private readUnit(relation: Relation, unit: Unit): Set<string> {
    const entries = relation.data.get(unit).entries();
    const found = new Set<string>();
    if (!entries.some(([key]) => key === "ca" || key === "certificate" || key === "chain")) {
      return found;
    }
    const data = validateProviderData(decodeRelationData(entries, { containLimitErrors: true }));
    if (!data) {
      this.logger.warning(
        `Ignoring provider unit ${unit.name} data that is not in the v0 layout: ${pyDictRepr(entries)}`,
      );
      return found;
    }
    for (const certificate of data.chain ?? []) found.add(certificate);
    if (data.ca !== null) found.add(data.ca);
    return found;
  }
}
