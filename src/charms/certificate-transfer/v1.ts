/**
 * Dummy provider and requirer charms on the certificate_transfer v1 library (the charms of the
 * upstream library's documentation and unit tests). The same factories build the v1-fixed charms
 * when given the fixed library.
 *
 * Provider: adds its certificates to every relation on relation-joined (leader only, as the
 * library enforces); actions `add-certificates`, `remove-certificate`, `remove-all-certificates`.
 * The certificates come from config `certificates` (comma-separated PEMs) or, when that is empty,
 * from the factory's `certificates` option.
 *
 * Requirer: keeps the certificates of the last `certificate_set_updated` of each relation in
 * stored state (dropped on `certificates_removed`) and is Active while it holds any, else
 * Waiting; on update-status it asks the library (`getAllCertificates()`). Actions
 * `get-all-certificates` and `is-ready`.
 */
import { CharmBase, type CharmClass } from "../../harness/ops/charm.js";
import type { ActionEvent } from "../../harness/ops/events.js";
import type { Framework } from "../../harness/ops/framework.js";
import { sortedCodePoints } from "../../libs/certificate-transfer/python.js";
import * as faithful from "../../libs/certificate-transfer/v1.js";
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
  v1ProviderSpec,
  v1RequirerSpec,
} from "./common.js";
import { observeAction } from "./observe-action.js";

/** A v1 library implementation: the faithful port or the fixed variant. */
export interface V1Library {
  readonly CertificateTransferProvides: new (
    charm: CharmBase,
    relationName: string,
    options?: faithful.ProvidesOptions,
  ) => faithful.CertificateTransferProvides;
  readonly CertificateTransferRequires: new (
    charm: CharmBase,
    relationName: string,
  ) => faithful.CertificateTransferRequires;
}

export interface V1ProviderCharmOptions {
  /** Endpoint name (default "certificates"). */
  readonly endpoint?: string;
  /** Certificates offered when config `certificates` is empty (default: one placeholder). */
  readonly certificates?: readonly string[];
  /** Passed to the library (stable list order instead of the per-hook Python set order). */
  readonly stableOrder?: boolean;
}

export interface V1RequirerCharmOptions {
  /** Endpoint name (default "certificates"). */
  readonly endpoint?: string;
}

/** The placeholder certificate of the upstream example provider. */
export const DEFAULT_V1_CERTIFICATES: readonly string[] = ["my certificate"];

export interface V1ProviderCharm extends CharmBase {
  readonly certificateTransfer: faithful.CertificateTransferProvides;
  /** The certificates this provider offers (config, else the built-in ones). */
  offeredCertificates(): string[];
}

export interface V1RequirerCharm extends CharmBase {
  readonly certificateTransfer: faithful.CertificateTransferRequires;
  /** Certificates held per relation id, from the library events (stored state). */
  heldCertificates(): Map<number, string[]>;
}

/** Builds the dummy v1 provider charm class. */
export function makeV1ProviderCharm(
  options: V1ProviderCharmOptions = {},
  lib: V1Library = faithful,
): CharmClass<V1ProviderCharm> {
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
  const builtIn = options.certificates ?? DEFAULT_V1_CERTIFICATES;
  const libOptions = options.stableOrder === undefined ? {} : { stableOrder: options.stableOrder };

  class DummyCertificateTransferProviderCharm extends CharmBase implements V1ProviderCharm {
    readonly certificateTransfer: faithful.CertificateTransferProvides;

    constructor(framework: Framework) {
      super(framework);
      this.certificateTransfer = new lib.CertificateTransferProvides(this, endpoint, libOptions);
      framework.observe(this.on.relation(endpoint).joined, () =>
        this.certificateTransfer.addCertificates(new Set(this.offeredCertificates())),
      );
      observeAction(this, "add-certificates", (e) => this.onAddCertificates(e));
      observeAction(this, "remove-certificate", (e) => this.onRemoveCertificate(e));
      observeAction(this, "remove-all-certificates", (e) => this.onRemoveAllCertificates(e));
    }

    offeredCertificates(): string[] {
      return configuredCertificates(this.config, builtIn);
    }

    private onAddCertificates(event: ActionEvent): void {
      const certificates = parseCertificateList(stringParam(event, "certificates") ?? "");
      if (certificates.length === 0) {
        event.fail("certificates is required");
        return;
      }
      const relationId = relationIdParamOf(event);
      if (relationId === null) return;
      this.certificateTransfer.addCertificates(new Set(certificates), relationId);
    }

    private onRemoveCertificate(event: ActionEvent): void {
      const certificate = stringParam(event, "certificate");
      if (!certificate) {
        event.fail("certificate is required");
        return;
      }
      const relationId = relationIdParamOf(event);
      if (relationId === null) return;
      this.certificateTransfer.removeCertificate(certificate, relationId);
    }

    private onRemoveAllCertificates(event: ActionEvent): void {
      const relationId = relationIdParamOf(event);
      if (relationId === null) return;
      this.certificateTransfer.removeAllCertificates(relationId);
    }
  }
  return DummyCertificateTransferProviderCharm;
}

/** Builds the dummy v1 requirer charm class. */
export function makeV1RequirerCharm(
  options: V1RequirerCharmOptions = {},
  lib: V1Library = faithful,
): CharmClass<V1RequirerCharm> {
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;

  class DummyCertificateTransferRequirerCharm extends CharmBase implements V1RequirerCharm {
    readonly certificateTransfer: faithful.CertificateTransferRequires;
    private readonly held: { byRelation: HeldCertificates };

    constructor(framework: Framework) {
      super(framework);
      this.certificateTransfer = new lib.CertificateTransferRequires(this, endpoint);
      this.held = framework.storedState(this, "held", { byRelation: {} });
      framework.observe(this.certificateTransfer.on.certificateSetUpdated, (e) => {
        this.held.byRelation[String(e.relationId)] = sortedCodePoints(e.certificates);
        this.unit.status = requirerStatus(holdsAnyCertificate(this.held.byRelation));
      });
      framework.observe(this.certificateTransfer.on.certificatesRemoved, (e) => {
        delete this.held.byRelation[String(e.relationId)];
        this.unit.status = requirerStatus(holdsAnyCertificate(this.held.byRelation));
      });
      framework.observe(this.on.updateStatus, () => {
        this.unit.status = requirerStatus(this.certificateTransfer.getAllCertificates().size > 0);
      });
      observeAction(this, "get-all-certificates", (e) => this.onGetAllCertificates(e));
      observeAction(this, "is-ready", (e) => this.onIsReady(e));
    }

    heldCertificates(): Map<number, string[]> {
      return heldByRelationId(this.held.byRelation);
    }

    private onGetAllCertificates(event: ActionEvent): void {
      const relationId = relationIdParamOf(event);
      if (relationId === null) return;
      const certificates = this.certificateTransfer.getAllCertificates(relationId);
      event.setResults({ certificates: sortedCodePoints(certificates) });
    }

    private onIsReady(event: ActionEvent): void {
      const relationId = relationIdParamOf(event);
      if (relationId === null) return;
      if (relationId === undefined) {
        event.fail("relation-id is required");
        return;
      }
      const relation = this.model.getRelation(endpoint, relationId);
      if (!relation) {
        event.fail(`no relation ${relationId}`);
        return;
      }
      event.setResults({ "is-ready": this.certificateTransfer.isReady(relation) });
    }
  }
  return DummyCertificateTransferRequirerCharm;
}

/** The v1 dummy provider with default options (endpoint "certificates"). */
export const V1ProviderCharm = makeV1ProviderCharm();
/** The v1 dummy requirer with default options (endpoint "certificates"). */
export const V1RequirerCharm = makeV1RequirerCharm();
/** Metadata (meta, actions, config) of the v1 provider and requirer. */
export const v1ProviderMetadata = v1ProviderSpec();
export const v1RequirerMetadata = v1RequirerSpec();
