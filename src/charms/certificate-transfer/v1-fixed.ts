/**
 * The v1 dummy provider and requirer charms built on the FIXED v1 library
 * (libs/certificate-transfer/v1-fixed.ts). Same metadata, actions, class names and behaviour as
 * the v1 charms; only the library differs.
 */
import type { CharmClass } from "../../harness/ops/charm.js";
import * as fixed from "../../libs/certificate-transfer/v1-fixed.js";
import { v1ProviderSpec, v1RequirerSpec } from "./common.js";
import {
  makeV1ProviderCharm,
  makeV1RequirerCharm,
  type V1ProviderCharm,
  type V1ProviderCharmOptions,
  type V1RequirerCharm,
  type V1RequirerCharmOptions,
} from "./v1.js";

export function makeV1FixedProviderCharm(
  options: V1ProviderCharmOptions = {},
): CharmClass<V1ProviderCharm> {
  return makeV1ProviderCharm(options, fixed);
}

export function makeV1FixedRequirerCharm(
  options: V1RequirerCharmOptions = {},
): CharmClass<V1RequirerCharm> {
  return makeV1RequirerCharm(options, fixed);
}

export const V1FixedProviderCharm = makeV1FixedProviderCharm();
export const V1FixedRequirerCharm = makeV1FixedRequirerCharm();
export const v1FixedProviderMetadata = v1ProviderSpec();
export const v1FixedRequirerMetadata = v1RequirerSpec();
