/**
 * Pieces shared by the dummy certificate_transfer charms: metadata, action parameter parsing,
 * the provider's certificate source and the requirer's status rule.
 */
import type { ActionEvent } from "../../harness/ops/events.js";
import type { CharmSpecInput, ConfigValue } from "../../model/metadata.js";
import { ActiveStatus, WaitingStatus } from "../../model/status.js";

export const INTERFACE = "certificate_transfer";
export const DEFAULT_ENDPOINT = "certificates";
export const PROVIDER_APP = "certificate-transfer-provider";
export const REQUIRER_APP = "certificate-transfer-requirer";

const relationIdParam = {
  type: "string",
  description: "Relation id to act on; every relation when empty.",
} as const;
const oneRelationIdParam = { type: "string", description: "Relation id to act on." } as const;

const certificatesOption = {
  certificates: {
    type: "string",
    default: "",
    description:
      "Comma-separated PEM certificates the provider offers on relation-joined; empty: the charm's built-in ones.",
  },
} as const;

/** Metadata of the v1 (and v1-fixed) dummy provider. */
export function v1ProviderSpec(endpoint = DEFAULT_ENDPOINT): CharmSpecInput {
  return {
    meta: { name: PROVIDER_APP, provides: { [endpoint]: { interface: INTERFACE } } },
    actions: {
      "add-certificates": {
        params: {
          certificates: { type: "string", description: "Comma-separated PEM certificates." },
          "relation-id": relationIdParam,
        },
      },
      "remove-certificate": {
        params: { certificate: { type: "string" }, "relation-id": relationIdParam },
      },
      "remove-all-certificates": { params: { "relation-id": relationIdParam } },
    },
    config: { options: { ...certificatesOption } },
  };
}

/** Metadata of the v1 (and v1-fixed) dummy requirer. */
export function v1RequirerSpec(endpoint = DEFAULT_ENDPOINT): CharmSpecInput {
  return {
    meta: { name: REQUIRER_APP, requires: { [endpoint]: { interface: INTERFACE } } },
    actions: {
      "get-all-certificates": { params: { "relation-id": relationIdParam } },
      "is-ready": { params: { "relation-id": oneRelationIdParam } },
    },
  };
}

/** Metadata of the v0 dummy provider. */
export function v0ProviderSpec(endpoint = DEFAULT_ENDPOINT): CharmSpecInput {
  return {
    meta: { name: PROVIDER_APP, provides: { [endpoint]: { interface: INTERFACE } } },
    actions: {
      "set-certificate": {
        params: {
          certificate: { type: "string" },
          ca: { type: "string" },
          chain: { type: "string", description: "Comma-separated PEM certificates." },
          "relation-id": oneRelationIdParam,
        },
        required: ["relation-id"],
      },
      "remove-certificate": {
        params: { "relation-id": oneRelationIdParam },
        required: ["relation-id"],
      },
    },
    config: { options: { ...certificatesOption } },
  };
}

/** Metadata of the v0 dummy requirer. */
export function v0RequirerSpec(endpoint = DEFAULT_ENDPOINT): CharmSpecInput {
  return {
    meta: { name: REQUIRER_APP, requires: { [endpoint]: { interface: INTERFACE } } },
    actions: {
      "get-all-certificates": {},
      "is-ready": { params: { "relation-id": oneRelationIdParam } },
    },
  };
}

/**
 * A comma-separated list of certificates: items are split on ",", leading spaces dropped (so
 * "a, b" works), empty items skipped. PEM text has no commas and keeps its newlines.
 */
export function parseCertificateList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.replace(/^ +/, ""))
    .filter((item) => item.length > 0);
}

/** The configured certificates (config `certificates`), or `fallback` when it is empty. */
export function configuredCertificates(
  config: Readonly<Record<string, ConfigValue>>,
  fallback: readonly string[],
): string[] {
  const value = config.certificates;
  const list = typeof value === "string" ? parseCertificateList(value) : [];
  return list.length > 0 ? list : [...fallback];
}

/**
 * The `relation-id` action parameter: undefined when absent or empty (as Python's
 * `int(x) if x else None`), a number when it is an integer (number or decimal string); otherwise
 * the action fails and null is returned.
 */
export function relationIdParamOf(event: ActionEvent): number | undefined | null {
  const value = event.params["relation-id"];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value);
  event.fail(`relation-id must be an integer, got ${JSON.stringify(value)}`);
  return null;
}

/** A string action parameter, or undefined. */
export function stringParam(event: ActionEvent, name: string): string | undefined {
  const value = event.params[name];
  return typeof value === "string" ? value : undefined;
}

/** What a dummy requirer holds: sorted certificates per relation id (stored state; ids as text). */
export type HeldCertificates = Record<string, string[]>;

/** The held certificates keyed by relation id. */
export function heldByRelationId(held: Readonly<HeldCertificates>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [id, list] of Object.entries(held)) out.set(Number(id), list);
  return out;
}

/** True when some relation holds at least one certificate. */
export function holdsAnyCertificate(held: Readonly<HeldCertificates>): boolean {
  return Object.values(held).some((list) => list.length > 0);
}

/** The dummy requirers' status rule: Active while holding a certificate, Waiting otherwise. */
export function requirerStatus(holds: boolean): ActiveStatus | WaitingStatus {
  return holds ? ACTIVE : WAITING; // statuses are frozen values: one of each serves every hook
}
const ACTIVE = new ActiveStatus();
const WAITING = new WaitingStatus();
