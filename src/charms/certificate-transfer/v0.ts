/**
 * Dummy provider and requirer charms on the certificate_transfer v0 library (the charms of the
 * upstream v0 unit tests).
 *
 * Provider: on relation-joined, `setCertificate` on that relation (every unit, no leader check);
 * actions `set-certificate` and `remove-certificate`. With config `certificates` set
 * (comma-separated PEMs) it sends certificate = ca = the first one and chain = all of them, the
 * shape the v1 library writes in v0 mode; otherwise the factory's `certificate`/`ca`/`chain`.
 *
 * Requirer: keeps the last `certificate_available` of each relation in stored state (dropped on
 * `certificate_removed`) and is Active while it holds any certificate, else Waiting (also on
 * update-status). Actions `get-all-certificates` (certificate, ca and chain of every relation,
 * merged) and `is-ready`.
 */
import { CharmBase, type CharmClass } from "../../harness/ops/charm.js";
import type { ActionEvent } from "../../harness/ops/events.js";
import type { Framework } from "../../harness/ops/framework.js";
import { sortedCodePoints } from "../../libs/certificate-transfer/python.js";
import {
  type CertificateAvailableEvent,
  CertificateTransferProvides,
  CertificateTransferRequires,
} from "../../libs/certificate-transfer/v0.js";
import {
  configuredCertificates,
  DEFAULT_ENDPOINT,
  type HeldCertificates,
  heldByRelationId,
  holdsAnyCertificate,
  parseCertificateList,
  relationIdParamOf,
  requirerStatus,
  stringParam,
  v0ProviderSpec,
  v0RequirerSpec,
} from "./common.js";
import { observeAction } from "./observe-action.js";

/** What a v0 provider sends. */
export interface V0Certificates {
  readonly certificate: string;
  readonly ca: string;
  readonly chain: readonly string[];
}

/** The placeholder data of the upstream v0 dummy provider. */
export const DEFAULT_V0_CERTIFICATES: V0Certificates = {
  certificate: "my certificate",
  ca: "my CA certificate",
  chain: ["certificate 1", "certificate 2"],
};

export interface V0ProviderCharmOptions {
  readonly endpoint?: string;
  /** Sent when config `certificates` is empty. */
  readonly certificates?: V0Certificates;
}

export interface V0RequirerCharmOptions {
  readonly endpoint?: string;
}

export interface V0ProviderCharm extends CharmBase {
  readonly certificateTransfer: CertificateTransferProvides;
  offeredCertificates(): V0Certificates;
}

export interface V0RequirerCharm extends CharmBase {
  readonly certificateTransfer: CertificateTransferRequires;
  /** Certificates held per relation id (certificate, ca and chain merged, sorted). */
  heldCertificates(): Map<number, string[]>;
}

/** Builds the dummy v0 provider charm class. */
export function makeV0ProviderCharm(
  options: V0ProviderCharmOptions = {},
): CharmClass<V0ProviderCharm> {
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
  const builtIn = options.certificates ?? DEFAULT_V0_CERTIFICATES;

  class DummyCertificateTransferProviderCharm extends CharmBase implements V0ProviderCharm {
    readonly certificateTransfer: CertificateTransferProvides;

    constructor(framework: Framework) {
      super(framework);
      this.certificateTransfer = new CertificateTransferProvides(this, endpoint);
      framework.observe(this.on.relation(endpoint).joined, (e) => {
        const c = this.offeredCertificates();
        this.certificateTransfer.setCertificate(c.certificate, c.ca, c.chain, e.relation.id);
      });
      observeAction(this, "set-certificate", (e) => this.onSetCertificate(e));
      observeAction(this, "remove-certificate", (e) => this.onRemoveCertificate(e));
    }

    offeredCertificates(): V0Certificates {
      const list = configuredCertificates(this.config, []);
      if (list.length === 0) return builtIn;
      return { certificate: list[0]!, ca: list[0]!, chain: list };
    }

    private requiredRelationId(event: ActionEvent): number | null {
      const relationId = relationIdParamOf(event);
      if (relationId === undefined) event.fail("relation-id is required");
      return relationId ?? null;
    }

    private onSetCertificate(event: ActionEvent): void {
      const relationId = this.requiredRelationId(event);
      if (relationId === null) return;
      const offered = this.offeredCertificates();
      const chain = stringParam(event, "chain");
      this.certificateTransfer.setCertificate(
        stringParam(event, "certificate") ?? offered.certificate,
        stringParam(event, "ca") ?? offered.ca,
        chain === undefined ? offered.chain : parseCertificateList(chain),
        relationId,
      );
    }

    private onRemoveCertificate(event: ActionEvent): void {
      const relationId = this.requiredRelationId(event);
      if (relationId === null) return;
      this.certificateTransfer.removeCertificate(relationId);
    }
  }
  return DummyCertificateTransferProviderCharm;
}

/** Builds the dummy v0 requirer charm class. */
export function makeV0RequirerCharm(
  options: V0RequirerCharmOptions = {},
): CharmClass<V0RequirerCharm> {
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;

  class DummyCertificateTransferRequirerCharm extends CharmBase implements V0RequirerCharm {
    readonly certificateTransfer: CertificateTransferRequires;
    private readonly held: { byRelation: HeldCertificates };

    constructor(framework: Framework) {
      super(framework);
      this.certificateTransfer = new CertificateTransferRequires(this, endpoint);
      this.held = framework.storedState(this, "held", { byRelation: {} });
      framework.observe(this.certificateTransfer.on.certificateAvailable, (e) => {
        this.held.byRelation[String(e.relationId)] = certificatesOf(e);
        this.updateStatus();
      });
      framework.observe(this.certificateTransfer.on.certificateRemoved, (e) => {
        delete this.held.byRelation[String(e.relationId)];
        this.updateStatus();
      });
      framework.observe(this.on.updateStatus, () => this.updateStatus());
      observeAction(this, "get-all-certificates", (e) => {
        const all = new Set(Object.values(this.held.byRelation).flat());
        e.setResults({ certificates: sortedCodePoints(all) });
      });
      observeAction(this, "is-ready", (e) => this.onIsReady(e));
    }

    heldCertificates(): Map<number, string[]> {
      return heldByRelationId(this.held.byRelation);
    }

    private updateStatus(): void {
      this.unit.status = requirerStatus(holdsAnyCertificate(this.held.byRelation));
    }

    private onIsReady(event: ActionEvent): void {
      const relationId = relationIdParamOf(event);
      if (relationId === null) return;
      if (relationId === undefined) {
        event.fail("relation-id is required");
        return;
      }
      const relation = this.model.getRelation(endpoint, relationId);
      event.setResults({ ready: relation ? this.certificateTransfer.isReady(relation) : false });
    }
  }
  return DummyCertificateTransferRequirerCharm;
}

/** certificate, ca and chain of an event, merged and sorted. */
function certificatesOf(event: CertificateAvailableEvent): string[] {
  const all = new Set<string>(event.chain ?? []);
  if (event.certificate !== null) all.add(event.certificate);
  if (event.ca !== null) all.add(event.ca);
  return sortedCodePoints(all);
}

export const V0ProviderCharm = makeV0ProviderCharm();
export const V0RequirerCharm = makeV0RequirerCharm();
export const v0ProviderMetadata = v0ProviderSpec();
export const v0RequirerMetadata = v0RequirerSpec();
