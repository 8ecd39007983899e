/**
 * certificate_transfer library v1 (LIBAPI 1, LIBPATCH 15; = charmlibs certificate_transfer 1.0.0),
 * ported faithfully, quirks included (see spec/certificate-transfer.md). The corrected variant is
 * in v1-fixed.ts.
 *
 * The provider writes the set of certificates either in its application bag (`certificates`,
 * `version`: the v1 layout) when the requirer advertised `version` "1", or else in its own unit
 * bag in the v0 layout (`ca`, `certificate`, `chain`, `version`). The requirer advertises
 * `version` "1" at relation-created (leader only), reads the provider application bag and falls
 * back to one provider unit's v0-layout bag.
 *
 * Upstream: canonical/certificate-transfer-interface,
 * lib/charms/certificate_transfer_interface/v1/certificate_transfer.py (LIBPATCH 15, line 127);
 * line numbers below refer to that file.
 *
 * QUIRKs kept here, each reproduced on purpose:
 * - the non-leader warning of every provider mutator says "add" (lines 336, 369, 405);
 * - in v0 mode an empty set writes nothing (`if data:`, line 471), so removals of the last
 *   certificate do not reach the requirer;
 * - the layout is chosen at every write and read from the requirer's current `version`
 *   (lines 444, 480); certificates written in the other layout are neither read back nor cleared;
 * - the order of the written lists (and which certificate becomes `ca`/`certificate`) is a
 *   Python set's iteration order (lines 472-474, 253-254), which changes between hook processes:
 *   a per-hook permutation drawn from the hook seed here (`stableOrder` turns it off);
 * - a requirer that becomes leader after relation-created never writes `version` (lines
 *   615-619), so the provider stays in v0 mode for that relation;
 * - the requirer emits `certificate_set_updated` on every relation-changed, changed set or not
 *   (lines 589-593);
 * - the requirer reads ONE provider unit, removed from the hook's `relation.units` as Python's
 *   `units.pop()` does (line 673; `Relation.popUnit()`: the first unit in order);
 * - the requirer's `getAllCertificates(id)` for an id it does not know throws (KeyError: the
 *   placeholder relation from `get_relation`, lines 693-697, has no remote application to key
 *   line 670's bag), where the provider checks `active` (line 432);
 * - the requirer's v0 fallback parses every known key, `ca`/`certificate` included, as JSON
 *   (lines 183-189, model at lines 294-303), so the raw PEM that the v0 library writes fails to
 *   load and yields no certificates;
 * - an integer over 4300 digits or JSON nested past Python's recursion limit in a known key
 *   escapes `load` (only JSONDecodeError is caught, lines 185-193) as ValueError / RecursionError
 *   and fails the hook. Where Python stops depends on the stack in use at the call (about 980
 *   levels in a relation-changed hook under Scenario); the port stops past JSON_MAX_DEPTH
 *   (1,000), an approximation, and the fuzz generators keep clear of the depths in between
 *   (JSON_DEPTH_UNCERTAIN, ./python.ts).
 */

import { z } from "zod";
import type { CharmBase } from "../../harness/ops/charm.js";
import { KeyError } from "../../harness/ops/errors.js";
import type {
  RelationBrokenEvent,
  RelationChangedEvent,
  RelationCreatedEvent,
} from "../../harness/ops/events.js";
import {
  EventBase,
  FrameworkObject,
  type Handle,
  type JujuLogger,
  ObjectEvents,
} from "../../harness/ops/framework.js";
import type {
  Application,
  Model,
  Relation,
  RelationDataContent,
  Unit,
} from "../../harness/ops/model.js";
import { BoundedCache } from "../../model/bounded-cache.js";
import type { JsonObject } from "../../model/json.js";
import {
  type BagReader,
  type DatabagModel,
  dumpModel,
  EMPTY_BAG,
  loadModel,
  providerApplicationData,
  providerUnitDataV0,
} from "./databag.js";
import { DataValidationError } from "./errors.js";
import { pyTupleRepr, sortedCodePoints } from "./python.js";
import { hookSetOrder } from "./set-order.js";
import { relationIdSnapshot, restoreWith } from "./snapshot.js";

/** The library's Python module name: the name its log lines carry (`logging.getLogger(__name__)`). */
export const LOGGER_NAME = "charms.certificate_transfer_interface.v1.certificate_transfer";

export { DataValidationError, TLSCertificatesError } from "./errors.js";

/** The interface version this library speaks and advertises. */
export const LIBAPI = 1;

/** `relation.data.get(entity)`, or null where Python's `relation.data.get(entity, {})` falls back. */
export function bagOrNull(
  relation: Relation,
  entity: Unit | Application | null,
): RelationDataContent | null {
  try {
    return relation.data.get(entity);
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: equivalent here, relation.data.get throws nothing but KeyError
    if (error instanceof KeyError) return null;
    throw error;
  }
}

/** The requirer's advertised `version`, raw, or undefined when it wrote none. */
export function requirerVersion(relation: Relation): string | undefined {
  return bagOrNull(relation, relation.app)?.get("version");
}

/** Upstream's log text when a databag fails to load (a Python tuple, formatted with `e.args`). */
export function parseErrorMessage(error: DataValidationError): string {
  // The same few bags fail again and again (a requirer reading a provider that has not written
  // yet, on every hook): their log lines are kept.
  let line = parseErrorLines.get(error.message);
  // Stryker disable next-line ConditionalExpression: equivalent, a cache; formatting the line again on a hit gives the same text
  if (line === undefined) {
    line = `('Error parsing relation databag: ${pyTupleRepr([error.message])}. ', 'Make sure not to interact with the databags except using the public methods in the provider library and use version V1.')`;
    parseErrorLines.set(error.message, line);
  }
  return line;
}
const parseErrorLines = new BoundedCache<string>(1024);

/** Upstream's deprecation warning when writing in v0 mode (a Python tuple, formatted). */
export function v0ModeWarning(relationId: number, version: string | undefined): string {
  const first =
    version === undefined
      ? `Requirer in relation ${relationId} did not provide version field,`
      : `Requirer in relation ${relationId} is using version ${version} of the interface,`;
  return `('${first}', 'defaulting to version 0.', 'This is deprecated, please consider upgrading the requirer', 'to version 1 of the library.')`;
}

/**
 * The framework key `<relationName>_v1`, one string per relation name: the provider and requirer
 * are built on every hook, and a key that is the same string object is cheap to look up.
 */
const frameworkKeys = new Map<string, string>();
function frameworkKey(relationName: string): string {
  let key = frameworkKeys.get(relationName);
  // Stryker disable next-line ConditionalExpression: equivalent, a cache; building the key again on a hit gives the same string
  if (key === undefined) {
    key = `${relationName}_v1`;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, only bounds the cache's size
    if (frameworkKeys.size < 1024) frameworkKeys.set(relationName, key);
  }
  return key;
}

/** The mutator a provider call came from (for the non-leader warning). */
export type ProviderOperation = "add" | "remove" | "remove-all";

export interface ProvidesOptions {
  /**
   * Write lists in a stable (sorted) order instead of the per-hook Python set order. Off by
   * default: the unstable order is part of the faithful behaviour.
   */
  readonly stableOrder?: boolean;
}

function assertCertificateSet(certificates: unknown): asserts certificates is ReadonlySet<string> {
  if (!(certificates instanceof Set)) {
    throw new TypeError(
      `addCertificates takes a Set of PEM strings, got ${typeof certificates === "string" ? "a string" : String(certificates)}`,
    );
  }
}

/** Provider side (upstream `CertificateTransferProvides`); framework key `<relationName>_v1`. */
export class CertificateTransferProvides extends FrameworkObject {
  readonly charm: CharmBase;
  readonly relationName: string;
  readonly stableOrder: boolean;

  constructor(charm: CharmBase, relationName: string, options: ProvidesOptions = {}) {
    super(charm, frameworkKey(relationName));
    this.charm = charm;
    this.relationName = relationName;
    this.stableOrder = options.stableOrder ?? false;
  }

  protected get model(): Model {
    return this.framework.model;
  }
  protected get logger(): JujuLogger {
    this.moduleLogger ??= this.framework.getLogger(LOGGER_NAME);
    return this.moduleLogger;
  }
  private moduleLogger: JujuLogger | undefined;

  /** Adds certificates to every active relation, or to `relationId` only. Leader only. */
  addCertificates(certificates: ReadonlySet<string>, relationId?: number): void {
    assertCertificateSet(certificates);
    const relations = this.targetRelations("add", relationId);
    for (const relation of relations) {
      const existing = this.readRelation(relation);
      for (const certificate of certificates) existing.add(certificate);
      this.writeRelation(relation, existing);
    }
  }

  /** Removes one certificate (absent: no-op) from every active relation, or `relationId`. */
  removeCertificate(certificate: string, relationId?: number): void {
    const relations = this.targetRelations("remove", relationId);
    for (const relation of relations) {
      const existing = this.readRelation(relation);
      existing.delete(certificate);
      this.writeRelation(relation, existing);
    }
  }

  /** Writes the empty set to every active relation, or `relationId`. */
  removeAllCertificates(relationId?: number): void {
    const relations = this.targetRelations("remove-all", relationId);
    for (const relation of relations) this.writeRelation(relation, new Set());
  }

  /** Leader check, relation selection and their log lines; [] when nothing is to be done. */
  private targetRelations(op: ProviderOperation, relationId: number | undefined): Relation[] {
    if (!this.model.unit.isLeader()) {
      this.logger.warning(this.nonLeaderMessage(op));
      return [];
    }
    const relations = this.activeRelations(relationId);
    if (relations.length === 0) {
      this.logger.debug(
        relationId !== undefined && relationId !== null
          ? `At least 1 matching relation ID not found with the relation name '${this.relationName}'`
          : `No active relations found with the relation name '${this.relationName}'`,
      );
    }
    return relations;
  }

  /** QUIRK: the same text for all three mutators. */
  protected nonLeaderMessage(_op: ProviderOperation): string {
    return "Only the leader unit can add certificates to this relation";
  }

  /** The relation `relationId` if it exists and is active, else none; without an id, all active. */
  protected activeRelations(relationId?: number): Relation[] {
    if (relationId !== undefined && relationId !== null) {
      const relation = this.model.getRelation(this.relationName, relationId);
      // Stryker disable next-line OptionalChaining: equivalent, getRelation with an id always returns a relation (an inactive one for an unknown id), as ops does
      return relation?.active ? [relation] : [];
    }
    // Stryker disable next-line MethodExpression: equivalent here, the model never lists an inactive relation (the one being broken is left out); upstream filters anyway
    return this.model.relations(this.relationName).filter((r) => r.active);
  }

  protected load<T>(model: DatabagModel<T>, bag: BagReader): T {
    return loadModel(model, bag, this.logger);
  }

  /** The set this provider last wrote to `relation`, in the layout the requirer's version picks. */
  protected readRelation(relation: Relation): Set<string> {
    try {
      if (requirerVersion(relation) === "1") {
        return this.load(providerApplicationData, relation.data.get(this.model.app)).certificates;
      }
      const chain = this.load(providerUnitDataV0, relation.data.get(this.model.unit)).chain;
      return new Set(chain ?? []);
    } catch (error) {
      if (!(error instanceof DataValidationError)) throw error;
      this.logger.error(parseErrorMessage(error));
      return new Set();
    }
  }

  /** Writes `certificates` in the layout the requirer's current version picks. */
  protected writeRelation(relation: Relation, certificates: ReadonlySet<string>): void {
    const version = requirerVersion(relation);
    if (version === "1") {
      dumpModel(
        relation.data.get(this.model.app),
        [
          ["certificates", this.order(certificates)],
          ["version", 1],
        ],
        true,
      );
      return;
    }
    this.logger.warning(v0ModeWarning(relation.id, version));
    if (certificates.size === 0) return; // QUIRK: nothing written, old data stays
    const list = this.order(certificates);
    dumpModel(relation.data.get(this.model.unit), v0UnitFields(list), true);
  }

  /** Order of a set's elements when written: per-hook (Python set order) unless stable. */
  protected order(certificates: ReadonlySet<string>): string[] {
    return this.stableOrder
      ? sortedCodePoints(certificates)
      : hookSetOrder(certificates, this.framework.env.hookSeed);
  }
}

/** The v0-layout fields for a list of certificates: ca = certificate = the first one. */
export function v0UnitFields(list: readonly string[]): [string, string | number | string[]][] {
  return [
    ["ca", list[0]!],
    ["certificate", list[0]!],
    ["chain", [...list]],
    ["version", 0],
  ];
}

const availableSnapshot = z.object({
  certificates: z.array(z.string()),
  relation_id: z.number().int(),
});

/** `certificate_set_updated`: the set of certificates a relation now provides. */
export class CertificatesAvailableEvent extends EventBase {
  certificates: Set<string>;
  relationId: number;
  constructor(handle: Handle, certificates: ReadonlySet<string>, relationId: number) {
    super(handle);
    this.certificates = new Set(certificates);
    this.relationId = relationId;
  }
  override snapshot(): JsonObject {
    return { certificates: sortedCodePoints(this.certificates), relation_id: this.relationId };
  }
  override restore(snapshot: Readonly<JsonObject>): void {
    const s = restoreWith(availableSnapshot, snapshot, "certificate_set_updated");
    this.certificates = new Set(s.certificates);
    this.relationId = s.relation_id;
  }
}

/** `certificates_removed`: the relation is gone (relation-broken). */
export class CertificatesRemovedEvent extends EventBase {
  relationId: number;
  constructor(handle: Handle, relationId: number) {
    super(handle);
    this.relationId = relationId;
  }
  override snapshot(): JsonObject {
    return { relation_id: this.relationId };
  }
  override restore(snapshot: Readonly<JsonObject>): void {
    this.relationId = restoreWith(relationIdSnapshot, snapshot, "certificates_removed").relation_id;
  }
}

/** The requirer's events (`requirer.on`). */
export class CertificateTransferRequirerEvents extends ObjectEvents {
  readonly certificateSetUpdated = this.define(
    "certificate_set_updated",
    CertificatesAvailableEvent,
  );
  readonly certificatesRemoved = this.define("certificates_removed", CertificatesRemovedEvent);
}

/** Requirer side (upstream `CertificateTransferRequires`); framework key `<relationName>_v1`. */
export class CertificateTransferRequires extends FrameworkObject {
  readonly charm: CharmBase;
  readonly relationName: string;
  readonly on: CertificateTransferRequirerEvents;

  constructor(charm: CharmBase, relationName: string) {
    super(charm, frameworkKey(relationName));
    this.charm = charm;
    this.relationName = relationName;
    this.on = new CertificateTransferRequirerEvents(this);
    const events = charm.on.relation(relationName);
    this.framework.observe(events.changed, (e) => this.onRelationChanged(e));
    this.framework.observe(events.broken, (e) => this.onRelationBroken(e));
    this.framework.observe(events.created, (e) => this.onRelationCreated(e));
  }

  protected get model(): Model {
    return this.framework.model;
  }
  protected get logger(): JujuLogger {
    this.moduleLogger ??= this.framework.getLogger(LOGGER_NAME);
    return this.moduleLogger;
  }
  private moduleLogger: JujuLogger | undefined;

  /** Emits `certificate_set_updated` on every relation-changed, whatever changed. */
  protected onRelationChanged(event: RelationChangedEvent): void {
    const certificates = this.getAllCertificates(event.relation.id);
    this.on.certificateSetUpdated.emit(certificates, event.relation.id);
  }

  protected onRelationBroken(event: RelationBrokenEvent): void {
    this.on.certificatesRemoved.emit(event.relation.id);
  }

  /** Advertises `version` "1" (leader only; the bag is not cleared). */
  protected onRelationCreated(event: RelationCreatedEvent): void {
    if (!this.model.unit.isLeader()) {
      this.logger.debug("Only leader unit sets the version number in the app databag");
      return;
    }
    dumpModel(event.relation.data.get(this.model.app), [["version", LIBAPI]], false);
  }

  /** Union of the certificates of every active relation, or of relation `relationId`. */
  getAllCertificates(relationId?: number): Set<string> {
    const result = new Set<string>();
    for (const relation of this.selectRelations(relationId)) {
      for (const certificate of this.readRelation(relation)) result.add(certificate);
    }
    return result;
  }

  /** Certificates per relation id, each list in Python `sorted()` order. */
  getAllCertificatesByRelation(relationId?: number): Map<number, string[]> {
    const result = new Map<number, string[]>();
    for (const relation of this.selectRelations(relationId)) {
      result.set(relation.id, sortedCodePoints(this.readRelation(relation)));
    }
    return result;
  }

  /** True iff the provider application bag loads as the v1 model (an empty bag does). */
  isReady(relation: Relation): boolean {
    const bag = relation.data.get(relation.app);
    try {
      this.load(providerApplicationData, bag);
      return true;
    } catch (error) {
      if (error instanceof DataValidationError) return false;
      throw error;
    }
  }

  /** With an id: that relation, active or not (QUIRK); without: every active relation. */
  protected selectRelations(relationId?: number): Relation[] {
    if (relationId !== undefined && relationId !== null) {
      const relation = this.model.getRelation(this.relationName, relationId);
      // Stryker disable next-line ConditionalExpression: equivalent, getRelation with an id always returns a relation (an inactive one for an unknown id), as ops does
      if (relation) return [relation];
    }
    // Stryker disable next-line MethodExpression: equivalent here, the model never lists an inactive relation (the one being broken is left out); upstream filters anyway
    return this.model.relations(this.relationName).filter((r) => r.active);
  }

  protected load<T>(model: DatabagModel<T>, bag: BagReader): T {
    return loadModel(model, bag, this.logger);
  }

  /** The provider application bag's set, else one provider unit's v0-layout `chain`. */
  protected readRelation(relation: Relation): Set<string> {
    try {
      const appBag = relation.data.get(relation.app); // QUIRK: KeyError for an unknown relation
      const certificates = this.load(providerApplicationData, appBag).certificates;
      if (certificates.size === 0 && relation.units.size > 0) {
        const unit = relation.popUnit()!; // QUIRK: one unit, removed from relation.units
        const chain = this.load(providerUnitDataV0, bagOrNull(relation, unit) ?? EMPTY_BAG).chain;
        return new Set(chain ?? []);
      }
      return certificates;
    } catch (error) {
      if (!(error instanceof DataValidationError)) throw error;
      this.logger.error(parseErrorMessage(error));
      return new Set();
    }
  }
}
