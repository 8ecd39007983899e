/**
 * The requirer side of the `lxd` interface (upstream has no library; this follows the
 * interface text and the provider's code).
 *
 * - Publishes the charm's client certificates as `client_certificates` (a JSON array of PEM) in
 *   this unit's bag of every relation on the endpoint, at relation-created and -joined, and
 *   whenever the charm calls `publish()` (e.g. after a config change).
 * - Reads every provider unit's `version` (major 1 only; another major makes that unit's node
 *   list unusable, which is logged and reported by `view()`) and `nodes`.
 * - Emits `nodesChanged` when the usable node list of a relation changes, `certificateRegistered`
 *   when one of its own fingerprints appears in some node's `trusted_certs_fp` (once per
 *   fingerprint and relation, again after it disappeared), and `nodesRemoved` when the relation
 *   is broken.
 *
 * The interface text mentions a `registered_certificates` list; providers publish
 * `trusted_certs_fp` instead (as upstream code does), and that is what is read here.
 */
import { z } from "zod";
import type { CharmBase } from "../../harness/ops/charm.js";
import type { RelationBrokenEvent, RelationEvent } from "../../harness/ops/events.js";
import {
  EventBase,
  FrameworkObject,
  type JujuLogger,
  ObjectEvents,
} from "../../harness/ops/framework.js";
import type { Relation, Unit } from "../../harness/ops/model.js";
import type { JsonObject } from "../../model/json.js";
import {
  CLIENT_CERTIFICATES_KEY,
  type ClientCertificate,
  jsonListSchema,
  type LxdNode,
  lxdNodeSchema,
  lxdNodesSchema,
  NODES_KEY,
  parseJsonField,
  SUPPORTED_MAJOR_VERSION,
  VERSION_KEY,
  versionSchema,
} from "./data.js";

const snapshotNodesSchema = z.object({ relation_id: z.number().int(), nodes: lxdNodesSchema });
const snapshotRegisteredSchema = z.object({
  relation_id: z.number().int(),
  fingerprint: z.string(),
  endpoints: z.array(z.string()),
});
const snapshotRemovedSchema = z.object({ relation_id: z.number().int() });

/** The usable node list of a relation changed (appeared, changed, or became empty). */
export class NodesChangedEvent extends EventBase {
  relationId: number;
  nodes: LxdNode[];
  constructor(handle: EventBase["handle"], relationId: number, nodes: LxdNode[]) {
    super(handle);
    this.relationId = relationId;
    this.nodes = nodes;
  }
  override snapshot(): JsonObject {
    return { relation_id: this.relationId, nodes: this.nodes };
  }
  override restore(snapshot: Readonly<JsonObject>): void {
    const s = snapshotNodesSchema.parse(snapshot);
    this.relationId = s.relation_id;
    this.nodes = s.nodes;
  }
}

/** One of this unit's certificate fingerprints is now in some node's `trusted_certs_fp`. */
export class CertificateRegisteredEvent extends EventBase {
  relationId: number;
  fingerprint: string;
  /** Endpoints of the nodes that list it. */
  endpoints: string[];
  constructor(
    handle: EventBase["handle"],
    relationId: number,
    fingerprint: string,
    endpoints: string[],
  ) {
    super(handle);
    this.relationId = relationId;
    this.fingerprint = fingerprint;
    this.endpoints = endpoints;
  }
  override snapshot(): JsonObject {
    return {
      relation_id: this.relationId,
      fingerprint: this.fingerprint,
      endpoints: this.endpoints,
    };
  }
  override restore(snapshot: Readonly<JsonObject>): void {
    const s = snapshotRegisteredSchema.parse(snapshot);
    this.relationId = s.relation_id;
    this.fingerprint = s.fingerprint;
    this.endpoints = s.endpoints;
  }
}

/** The relation is broken: its nodes are gone. */
export class NodesRemovedEvent extends EventBase {
  relationId: number;
  constructor(handle: EventBase["handle"], relationId: number) {
    super(handle);
    this.relationId = relationId;
  }
  override snapshot(): JsonObject {
    return { relation_id: this.relationId };
  }
  override restore(snapshot: Readonly<JsonObject>): void {
    this.relationId = snapshotRemovedSchema.parse(snapshot).relation_id;
  }
}

export class LxdRequirerEvents extends ObjectEvents {
  readonly nodesChanged = this.define("nodes_changed", NodesChangedEvent);
  readonly certificateRegistered = this.define(
    "certificate_registered",
    CertificateRegisteredEvent,
  );
  readonly nodesRemoved = this.define("nodes_removed", NodesRemovedEvent);
}

/** Why a provider unit's data cannot be used. */
export interface ProviderProblem {
  readonly unit: string;
  readonly reason: "unsupported-version" | "invalid-version" | "invalid-nodes";
  readonly message: string;
}

/** What one relation offers, as last read. */
export interface LxdRelationView {
  readonly relationId: number;
  /** Usable nodes, merged by endpoint (trusted fingerprints united). */
  readonly nodes: readonly LxdNode[];
  /** Provider units that have published `version` and `nodes`. */
  readonly publishedBy: readonly string[];
  readonly problems: readonly ProviderProblem[];
  /** Own fingerprints listed as trusted by some node. */
  readonly registered: readonly string[];
  /** Own fingerprints not listed yet. */
  readonly pending: readonly string[];
}

type RelationRecord = { nodes: LxdNode[]; registered: string[]; problems: string[] };
type RequirerState = { relations: Record<string, RelationRecord> };

const storedRecordSchema = z.object({
  nodes: lxdNodesSchema,
  registered: z.array(z.string()),
  problems: z.array(z.string()),
});

export interface LxdRequiresOptions {
  /** The client certificates this unit publishes (validated PEM, with fingerprints). */
  readonly certificates: () => readonly ClientCertificate[];
}

function mergeByEndpoint(nodes: readonly LxdNode[]): LxdNode[] {
  const byEndpoint = new Map<string, LxdNode>();
  for (const node of nodes) {
    const seen = byEndpoint.get(node.endpoint);
    if (!seen) {
      byEndpoint.set(node.endpoint, { ...node, trusted_certs_fp: [...node.trusted_certs_fp] });
      continue;
    }
    const fps = new Set([...seen.trusted_certs_fp, ...node.trusted_certs_fp]);
    seen.trusted_certs_fp = [...fps];
  }
  return [...byEndpoint.values()]
    .map((n) => ({ ...n, trusted_certs_fp: [...n.trusted_certs_fp].sort() }))
    .sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}

/** The requirer side of one `lxd` endpoint. */
export class LxdRequires extends FrameworkObject {
  readonly on: LxdRequirerEvents;
  private readonly state: RequirerState;
  private readonly logger: JujuLogger;

  constructor(
    private readonly charm: CharmBase,
    readonly relationName: string,
    private readonly options: LxdRequiresOptions,
  ) {
    super(charm, relationName);
    this.on = new LxdRequirerEvents(this);
    this.state = this.framework.storedState(this, "state", { relations: {} } as RequirerState);
    this.logger = this.framework.getLogger("lxd-requirer");
    const events = charm.on.relation(relationName);
    this.framework.observe(events.created, (e) => this.publishTo(e.relation));
    this.framework.observe(events.joined, (e) => this.publishTo(e.relation));
    this.framework.observe(events.changed, (e) => this.evaluate(e));
    this.framework.observe(events.departed, (e) => {
      // When this unit is the one leaving, relation-broken follows; nothing to re-read.
      if (e.departingUnit?.name !== this.charm.model.unit.name) this.evaluate(e);
    });
    this.framework.observe(events.broken, (e) => this.onBroken(e));
  }

  /** Writes `client_certificates` into this unit's bag of every relation on the endpoint. */
  publish(): void {
    for (const relation of this.charm.model.relations(this.relationName)) this.publishTo(relation);
  }

  private publishTo(relation: Relation): void {
    const bag = relation.data.get(this.charm.model.unit);
    const pems = this.options.certificates().map((c) => c.pem);
    if (pems.length === 0) bag.delete(CLIENT_CERTIFICATES_KEY);
    else bag.set(CLIENT_CERTIFICATES_KEY, JSON.stringify(pems));
  }

  /** What every relation on the endpoint offers, as last read (relation ids ascending). */
  views(): LxdRelationView[] {
    const own = this.options.certificates().map((c) => c.fingerprint);
    return this.charm.model
      .relations(this.relationName)
      .map((relation) => this.viewOf(relation, own))
      .sort((a, b) => a.relationId - b.relationId);
  }

  private viewOf(relation: Relation, own: readonly string[]): LxdRelationView {
    const read = this.read(relation);
    const trusted = new Set(read.nodes.flatMap((n) => n.trusted_certs_fp));
    return {
      relationId: relation.id,
      nodes: read.nodes,
      publishedBy: read.publishedBy,
      problems: read.problems,
      registered: own.filter((fp) => trusted.has(fp)),
      pending: own.filter((fp) => !trusted.has(fp)),
    };
  }

  /** Reads every provider unit of a relation; never throws on ill-formed data. */
  private read(relation: Relation): {
    nodes: LxdNode[];
    publishedBy: string[];
    problems: ProviderProblem[];
  } {
    const nodes: LxdNode[] = [];
    const publishedBy: string[] = [];
    const problems: ProviderProblem[] = [];
    const units = [...relation.units].sort((a, b) => a.name.localeCompare(b.name));
    for (const unit of units) {
      const outcome = this.readUnit(relation, unit);
      if (outcome === null) continue;
      if ("problem" in outcome) problems.push(outcome.problem);
      else {
        nodes.push(...outcome.nodes);
        publishedBy.push(unit.name);
      }
    }
    return { nodes: mergeByEndpoint(nodes), publishedBy, problems };
  }

  private readUnit(
    relation: Relation,
    unit: Unit,
  ): { nodes: LxdNode[] } | { problem: ProviderProblem } | null {
    const bag = relation.data.get(unit);
    const rawVersion = bag.get(VERSION_KEY);
    const rawNodes = bag.get(NODES_KEY);
    if (rawVersion === undefined && rawNodes === undefined) return null;
    const problem = (reason: ProviderProblem["reason"], message: string) => ({
      problem: { unit: unit.name, reason, message },
    });
    if (rawVersion === undefined) {
      return problem("invalid-version", `${unit.name} publishes ${NODES_KEY} without a version`);
    }
    const version = versionSchema.safeParse(rawVersion);
    if (!version.success) {
      return problem(
        "invalid-version",
        `${unit.name} publishes version ${JSON.stringify(rawVersion)}, which is not a version number`,
      );
    }
    if (version.data.major !== SUPPORTED_MAJOR_VERSION) {
      return problem(
        "unsupported-version",
        `${unit.name} speaks lxd interface version ${version.data.text}; only ${SUPPORTED_MAJOR_VERSION}.x is supported`,
      );
    }
    if (rawNodes === undefined) return { nodes: [] };
    const parsed = parseJsonField(rawNodes, jsonListSchema);
    if (!parsed.ok) {
      return problem(
        "invalid-nodes",
        `${unit.name} publishes ${NODES_KEY} that is ${parsed.error}`,
      );
    }
    const nodes: LxdNode[] = [];
    const bad: string[] = [];
    parsed.value.forEach((item, index) => {
      const node = lxdNodeSchema.safeParse(item);
      if (node.success) nodes.push(node.data);
      else bad.push(`[${index}] ${node.error.issues.map((i) => i.message).join(", ")}`);
    });
    if (bad.length > 0) {
      return problem(
        "invalid-nodes",
        `${unit.name} publishes ill-formed ${NODES_KEY}: ${bad.join("; ")}`,
      );
    }
    return { nodes };
  }

  private evaluate(event: RelationEvent): void {
    const relation = event.relation;
    const key = String(relation.id);
    const previous = storedRecordSchema.safeParse(this.state.relations[key]);
    const before: RelationRecord = previous.success
      ? previous.data
      : { nodes: [], registered: [], problems: [] };
    const own = this.options.certificates().map((c) => c.fingerprint);
    const view = this.viewOf(relation, own);

    const problems = view.problems.map((p) => p.message);
    for (const message of problems) {
      if (!before.problems.includes(message)) this.logger.error(`unusable LXD nodes: ${message}`);
    }
    const record: RelationRecord = {
      nodes: [...view.nodes],
      registered: [...view.registered],
      problems,
    };
    this.state.relations[key] = record;

    if (JSON.stringify(before.nodes) !== JSON.stringify(record.nodes)) {
      this.logger.info(
        `relation ${relation.id}: ${record.nodes.length} usable LXD node(s): ${record.nodes.map((n) => n.endpoint).join(", ") || "none"}`,
      );
      this.on.nodesChanged.emit(relation.id, record.nodes);
    }
    for (const fp of record.registered) {
      if (before.registered.includes(fp)) continue;
      const endpoints = record.nodes
        .filter((n) => n.trusted_certs_fp.includes(fp))
        .map((n) => n.endpoint);
      this.logger.info(`certificate ${fp.slice(0, 12)} is trusted by ${endpoints.join(", ")}`);
      this.on.certificateRegistered.emit(relation.id, fp, endpoints);
    }
    for (const fp of before.registered) {
      if (!record.registered.includes(fp) && own.includes(fp)) {
        this.logger.warning(`certificate ${fp.slice(0, 12)} is no longer listed as trusted`);
      }
    }
  }

  private onBroken(event: RelationBrokenEvent): void {
    const key = String(event.relation.id);
    delete this.state.relations[key];
    this.logger.info(`relation ${event.relation.id} broken: its LXD nodes are gone`);
    this.on.nodesRemoved.emit(event.relation.id);
  }
}
