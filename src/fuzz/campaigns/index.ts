import type { FuzzCase } from "../campaign.js";
import { CharmCatalog } from "../catalog.js";
import { certificateTransferCases } from "./certificate-transfer.js";
import { ctCharms } from "./ct-charms.js";
import { ctDifferentialCases } from "./ct-differential.js";
import { ctQuirkCases } from "./ct-quirk-hunts.js";
import { ctUpstreamCases, upstreamCharms } from "./ct-upstream.js";
import { chattyCharms, orderingCases } from "./juju-ordering.js";
import { lxdCases, lxdCharms } from "./lxd.js";

/** The bundled campaigns, by name. */
export const campaigns: Readonly<Record<string, () => FuzzCase[]>> = {
  "certificate-transfer": certificateTransferCases,
  "ct-quirks": ctQuirkCases,
  "juju-ordering": orderingCases,
  lxd: lxdCases,
};

/** Campaigns run only when named: they run Python charms (see bundled.ts). */
export const optInCampaigns: Readonly<Record<string, () => FuzzCase[]>> = {
  "ct-upstream": ctUpstreamCases,
  "ct-differential": ctDifferentialCases,
};

export const campaignNames = (): string[] => Object.keys(campaigns);

/** Every bundled charm, for scenario files. */
export function bundledCatalog(): CharmCatalog {
  return new CharmCatalog([...chattyCharms, ...ctCharms, ...upstreamCharms(), ...lxdCharms]);
}
