/**
 * certificate_transfer library v0 (LIBAPI 0, LIBPATCH 11), ported faithfully. Upstream:
 * canonical/certificate-transfer-interface, lib/charms/certificate_transfer_interface/v0/
 * certificate_transfer.py (LIBPATCH 11, line 122); line numbers below refer to that file.
 *
 * The provider writes into its own unit bag: `certificate` and `ca` as raw PEM, `chain` as a JSON
 * array, `version` "0". The requirer advertises `version` "0" at relation-created (leader only);
 * at relation-changed it decodes the changed remote unit's bag (every value that parses as JSON is
 * replaced by the parsed value, others stay raw strings), validates it against the provider JSON
 * schema, and emits `certificate_available`; relation-broken emits `certificate_removed`.
 *
 * QUIRKs and upstream behaviours kept on purpose:
 * - `ca` and `certificate` are written as raw PEM, not JSON (lines 291-292), so the v1
 *   library's requirer, which parses every key as JSON, reads no certificates from a v0 provider;
 * - every valid relation-changed emits `certificate_available`, with no deduplication
 *   (lines 377-401);
 * - a provider removal reaches the requirer only as a schema warning, never as an event: the
 *   bag left with `version` alone fails validation (lines 296-329, 390-395);
 * - `isReady` decodes one remote unit taken out of `relation.units` (`units.pop()`, line 428;
 *   `Relation.popUnit()` here) and throws when there is none;
 * - a value holding an integer over 4300 digits or JSON nested past Python's recursion limit
 *   escapes `_load_relation_data` (it catches only JSONDecodeError and TypeError, lines
 *   241-245) as ValueError / RecursionError. The depth where Python gives up depends on the stack
 *   in use when the hook decodes; the port fails past JSON_MAX_DEPTH (see ./python.ts);
 * - `setCertificate` and `removeCertificate` find the relation with `get_relation(name, id)`
 *   (lines 282-285, 305-308), which under current ops returns an inactive placeholder for an id
 *   this unit does not know, so their "no relation" checks (lines 286-290, 309-313) never fire:
 *   `setCertificate` then fails in the framework with RelationNotFoundError at its first write
 *   (line 291), and `removeCertificate` reads the placeholder's empty bag and logs "Can't remove
 *   certificate - No certificate in relation data" (line 329).
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
import type { Model, Relation } from "../../harness/ops/model.js";
import type { JsonObject, JsonValue } from "../../model/json.js";
import {
  JsonDecodeError,
  JsonIntegerLimitError,
  JsonNestingLimitError,
  type PyJson,
  pyDictRepr,
  pyJsonDumps,
  pyJsonLoads,
} from "./python.js";
import { relationIdSnapshot, restoreWith } from "./snapshot.js";

/** The library's Python module name: the name its log lines carry (`logging.getLogger(__name__)`). */
export const LOGGER_NAME = "charms.certificate_transfer_interface.v0.certificate_transfer";

/** The interface version this library speaks and advertises. */
export const LIBAPI = 0;

export interface DecodeOptions {
  /** Keep values whose decoding Python cannot finish (huge ints, deep nesting) as raw strings. */
  readonly containLimitErrors?: boolean;
}

/**
 * Upstream `_load_relation_data`: every value that parses as JSON becomes the parsed value,
 * others stay raw strings. Keys keep their order.
 */
export function decodeRelationData(
  entries: Iterable<readonly [string, string]>,
  options: DecodeOptions = {},
): Map<string, PyJson> {
  const out = new Map<string, PyJson>();
  for (const [key, raw] of entries) {
    try {
      out.set(key, pyJsonLoads(raw));
    } catch (error) {
      const limit =
        // Stryker disable next-line ConditionalExpression: equivalent, pyJsonLoads throws nothing but JsonDecodeError and the two limit errors
        error instanceof JsonIntegerLimitError || error instanceof JsonNestingLimitError;
      if (!(error instanceof JsonDecodeError) && !(limit && options.containLimitErrors)) {
        throw error;
      }
      out.set(key, raw);
    }
  }
  return out;
}

/** JSON-schema `integer` (draft 7, as python-jsonschema checks it): ints and integral floats. */
const jsonSchemaInteger = z.union([
  z.bigint().min(0n),
  z
    .number()
    .refine(Number.isInteger, "expected an integer")
    .refine((v) => v >= 0, "must be >= 0"),
]);

const V0_KEYS = ["certificate", "ca", "chain"] as const;

/** JSON-schema `anyOf: [{required: [certificate]}, {required: [ca]}, {required: [chain]}]`. */
const anyV0KeyPresent = z.custom<Record<string, unknown>>(
  (v) => typeof v === "object" && v !== null && V0_KEYS.some((k) => Object.hasOwn(v, k)),
  "one of certificate, ca, chain is required",
);

/**
 * The provider JSON schema (`PROVIDER_JSON_SCHEMA`): `certificate` and `ca` strings, `chain` an
 * array of strings, `version` an integer >= 0, each optional; at least one of certificate, ca,
 * chain present; any other key allowed.
 */
export const providerRelationDataSchema = anyV0KeyPresent.pipe(
  z.looseObject({
    certificate: z.string().optional(),
    ca: z.string().optional(),
    chain: z.array(z.string()).optional(),
    version: jsonSchemaInteger.optional(),
  }),
);

/** The fields a valid decoded bag carries, missing ones as null. */
export interface ProviderRelationData {
  readonly certificate: string | null;
  readonly ca: string | null;
  readonly chain: string[] | null;
}

/** Validates decoded relation data against the provider schema; null when it does not pass. */
export function validateProviderData(decoded: Map<string, PyJson>): ProviderRelationData | null {
  const parsed = providerRelationDataSchema.safeParse(Object.fromEntries(decoded));
  if (!parsed.success) return null;
  return {
    certificate: parsed.data.certificate ?? null,
    ca: parsed.data.ca ?? null,
    chain: parsed.data.chain ?? null,
  };
}

/** Provider side (upstream v0 `CertificateTransferProvides`); framework key `<relationName>`. */
export class CertificateTransferProvides extends FrameworkObject {
  readonly charm: CharmBase;
  readonly relationName: string;

  constructor(charm: CharmBase, relationName: string) {
    super(charm, relationName);
    this.charm = charm;
    this.relationName = relationName;
  }

  protected get model(): Model {
    return this.framework.model;
  }
  protected get logger(): JujuLogger {
    this.moduleLogger ??= this.framework.getLogger(LOGGER_NAME);
    return this.moduleLogger;
  }
  private moduleLogger: JujuLogger | undefined;

  /**
   * Writes certificate, ca (raw), chain (JSON) and version "0" into this unit's bag. Like upstream,
   * the relation comes from `getRelation(endpoint, id)`, which for an id this unit does not know
   * returns an inactive placeholder, so the "no relation" check never fires and the first write
   * fails in the framework with RelationNotFoundError.
   */
  setCertificate(
    certificate: string,
    ca: string,
    chain: readonly string[],
    relationId: number,
  ): void {
    const relation = this.model.getRelation(this.relationName, relationId);
    // Stryker disable next-line ConditionalExpression,BlockStatement: unreachable as upstream's check is, getRelation with an id always returns a relation (an inactive placeholder for an unknown id)
    if (!relation) {
      throw new Error(
        `No relation found with relation name ${this.relationName} and relation ID ${relationId}`,
      );
    }
    const bag = relation.data.get(this.model.unit);
    bag.set("certificate", certificate);
    bag.set("ca", ca);
    bag.set("chain", pyJsonDumps([...chain]));
    bag.set("version", String(LIBAPI));
  }

  /** Deletes certificate, ca and chain (not version) from this unit's bag. */
  removeCertificate(relationId: number): void {
    // An unknown id gives the inactive placeholder, whose bag reads empty: the "no certificate"
    // warning is logged, as upstream does.
    const relation = this.model.getRelation(this.relationName, relationId);
    // Stryker disable next-line ConditionalExpression,BlockStatement: unreachable as upstream's check is, getRelation with an id always returns a relation (an inactive placeholder for an unknown id)
    if (!relation) {
      this.logger.warning(
        `Can't remove certificate - Non-existent relation '${this.relationName}'`,
      );
      return;
    }
    const bag = relation.data.get(this.model.unit);
    let removed = false;
    for (const key of ["certificate", "ca", "chain"]) {
      if (bag.has(key)) {
        bag.delete(key);
        removed = true;
      }
    }
    this.logger.warning(
      removed
        ? "Certificate removed from relation data"
        : "Can't remove certificate - No certificate in relation data",
    );
  }
}

const availableSnapshot = z.object({
  certificate: z.string().nullable(),
  ca: z.string().nullable(),
  chain: z.array(z.string()).nullable(),
  relation_id: z.number().int(),
});

/** `certificate_available`: a provider unit's data passed validation. */
export class CertificateAvailableEvent extends EventBase {
  certificate: string | null;
  ca: string | null;
  chain: string[] | null;
  relationId: number;
  constructor(
    handle: Handle,
    certificate: string | null,
    ca: string | null,
    chain: readonly string[] | null,
    relationId: number,
  ) {
    super(handle);
    this.certificate = certificate;
    this.ca = ca;
    this.chain = chain === null ? null : [...chain];
    this.relationId = relationId;
  }
  override snapshot(): JsonObject {
    const chain: JsonValue = this.chain === null ? null : [...this.chain];
    return { certificate: this.certificate, ca: this.ca, chain, relation_id: this.relationId };
  }
  override restore(snapshot: Readonly<JsonObject>): void {
    const s = restoreWith(availableSnapshot, snapshot, "certificate_available");
    this.certificate = s.certificate;
    this.ca = s.ca;
    this.chain = s.chain;
    this.relationId = s.relation_id;
  }
}

/** `certificate_removed`: the relation is gone (relation-broken). */
export class CertificateRemovedEvent extends EventBase {
  relationId: number;
  constructor(handle: Handle, relationId: number) {
    super(handle);
    this.relationId = relationId;
  }
  override snapshot(): JsonObject {
    return { relation_id: this.relationId };
  }
  override restore(snapshot: Readonly<JsonObject>): void {
    this.relationId = restoreWith(relationIdSnapshot, snapshot, "certificate_removed").relation_id;
  }
}

/** The requirer's events (`requirer.on`). */
export class CertificateTransferRequirerEvents extends ObjectEvents {
  readonly certificateAvailable = this.define("certificate_available", CertificateAvailableEvent);
  readonly certificateRemoved = this.define("certificate_removed", CertificateRemovedEvent);
}

/** Requirer side (upstream v0 `CertificateTransferRequires`); framework key `<relationName>`. */
export class CertificateTransferRequires extends FrameworkObject {
  readonly charm: CharmBase;
  readonly relationName: string;
  readonly on: CertificateTransferRequirerEvents;

  constructor(charm: CharmBase, relationName: string) {
    super(charm, relationName);
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

  protected onRelationChanged(event: RelationChangedEvent): void {
    if (!event.unit) {
      this.logger.info(`No remote unit in relation: ${this.relationName}`);
      return;
    }
    const entries = event.relation.data.get(event.unit).entries();
    const data = validateProviderData(decodeRelationData(entries));
    if (!data) {
      this.logger.warning(
        `Provider relation data did not pass JSON Schema validation: ${pyDictRepr(entries)}`,
      );
      return;
    }
    this.on.certificateAvailable.emit(data.certificate, data.ca, data.chain, event.relation.id);
  }

  protected onRelationBroken(event: RelationBrokenEvent): void {
    this.on.certificateRemoved.emit(event.relation.id);
  }

  protected onRelationCreated(event: RelationCreatedEvent): void {
    if (this.model.unit.isLeader()) {
      event.relation.data.get(this.model.app).set("version", String(LIBAPI));
    }
  }

  /**
   * Whether one remote unit's data passes validation. Like upstream, the unit is taken out of
   * `relation.units` (`Relation.popUnit()`), and a relation without remote units throws.
   */
  isReady(relation: Relation): boolean {
    const unit = relation.popUnit();
    if (!unit) {
      throw new KeyError(
        `isReady: relation ${relation.name}:${relation.id} has no remote unit to read (pop from an empty set)`,
      );
    }
    const data = validateProviderData(decodeRelationData(relation.data.get(unit).entries()));
    if (!data) {
      this.logger.warning("Provider relation data did not pass JSON Schema validation: ");
      return false;
    }
    return true;
  }
}
