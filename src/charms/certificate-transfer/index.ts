/**
 * The dummy certificate_transfer charms, and a registry of the library variants for the fuzzer:
 * for each variant, the provider and requirer charm classes, their metadata and factories that
 * choose the endpoint and the provider's certificates.
 */
import type { CharmBase, CharmClass } from "../../harness/ops/charm.js";
import type { CharmSpecInput } from "../../model/metadata.js";
import { v0ProviderSpec, v0RequirerSpec, v1ProviderSpec, v1RequirerSpec } from "./common.js";
import { makeV0ProviderCharm, makeV0RequirerCharm } from "./v0.js";
import { makeV1ProviderCharm, makeV1RequirerCharm } from "./v1.js";
import { makeV1FixedProviderCharm, makeV1FixedRequirerCharm } from "./v1-fixed.js";

export * from "./common.js";
export * from "./v0.js";
export * from "./v1.js";
export * from "./v1-fixed.js";

export type CertificateTransferVariant = "v0" | "v1" | "v1-fixed";

export interface VariantCharmOptions {
  /** Endpoint name on both sides (default "certificates"). */
  readonly endpoint?: string;
  /**
   * What the provider sends on relation-joined when config `certificates` is empty. v0 sends
   * certificate = ca = the first and chain = all, as the v1 library does in v0 mode.
   */
  readonly certificates?: readonly string[];
}

export interface CertificateTransferVariantEntry {
  /** The interface version the library advertises (requirer) and speaks natively. */
  readonly interfaceVersion: 0 | 1;
  /** Whether this is a faithful port (quirks included) or the fixed variant. */
  readonly faithful: boolean;
  readonly providerCharm: CharmClass<CharmBase>;
  readonly requirerCharm: CharmClass<CharmBase>;
  readonly meta: { readonly provider: CharmSpecInput; readonly requirer: CharmSpecInput };
  makeProviderCharm(options?: VariantCharmOptions): CharmClass<CharmBase>;
  makeRequirerCharm(options?: VariantCharmOptions): CharmClass<CharmBase>;
  /** Metadata for another endpoint name. */
  metaFor(endpoint: string): { provider: CharmSpecInput; requirer: CharmSpecInput };
}

function v0Certificates(list: readonly string[] | undefined) {
  if (list === undefined || list.length === 0) return undefined;
  return { certificate: list[0]!, ca: list[0]!, chain: [...list] };
}

function entry(
  interfaceVersion: 0 | 1,
  faithful: boolean,
  makeProvider: (o: VariantCharmOptions) => CharmClass<CharmBase>,
  makeRequirer: (o: VariantCharmOptions) => CharmClass<CharmBase>,
  specs: (endpoint?: string) => { provider: CharmSpecInput; requirer: CharmSpecInput },
): CertificateTransferVariantEntry {
  return Object.freeze({
    interfaceVersion,
    faithful,
    providerCharm: makeProvider({}),
    requirerCharm: makeRequirer({}),
    meta: Object.freeze(specs()),
    makeProviderCharm: (o: VariantCharmOptions = {}) => makeProvider(o),
    makeRequirerCharm: (o: VariantCharmOptions = {}) => makeRequirer(o),
    metaFor: (endpoint: string) => specs(endpoint),
  });
}

const withEndpoint = (o: VariantCharmOptions) =>
  o.endpoint === undefined ? {} : { endpoint: o.endpoint };

/** The library variants, by name. */
export const certificateTransferVariants: Readonly<
  Record<CertificateTransferVariant, CertificateTransferVariantEntry>
> = Object.freeze({
  v0: entry(
    0,
    true,
    (o) => {
      const certificates = v0Certificates(o.certificates);
      return makeV0ProviderCharm({
        ...withEndpoint(o),
        ...(certificates ? { certificates } : {}),
      });
    },
    (o) => makeV0RequirerCharm(withEndpoint(o)),
    (endpoint) => ({ provider: v0ProviderSpec(endpoint), requirer: v0RequirerSpec(endpoint) }),
  ),
  v1: entry(
    1,
    true,
    (o) =>
      makeV1ProviderCharm({
        ...withEndpoint(o),
        ...(o.certificates ? { certificates: o.certificates } : {}),
      }),
    (o) => makeV1RequirerCharm(withEndpoint(o)),
    (endpoint) => ({ provider: v1ProviderSpec(endpoint), requirer: v1RequirerSpec(endpoint) }),
  ),
  "v1-fixed": entry(
    1,
    false,
    (o) =>
      makeV1FixedProviderCharm({
        ...withEndpoint(o),
        ...(o.certificates ? { certificates: o.certificates } : {}),
      }),
    (o) => makeV1FixedRequirerCharm(withEndpoint(o)),
    (endpoint) => ({ provider: v1ProviderSpec(endpoint), requirer: v1RequirerSpec(endpoint) }),
  ),
});
