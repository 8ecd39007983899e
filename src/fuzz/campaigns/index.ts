import type { FuzzCase } from "../campaign.js";
import { CharmCatalog } from "../catalog.js";
import { certificateTransferCases } from "./certificate-transfer.js";
import { ctCharms } from "./ct-charms.js";
import { ctQuirkCases } from "./ct-quirk-hunts.js";
import { chattyCharms, orderingCases } from "./juju-ordering.js";
import { lxdCases, lxdCharms } from "./lxd.js";

/** The bundled campaigns, by name. */
export const campaigns: Readonly<Record<string, () => FuzzCase[]>> = {
  "certificate-transfer": certificateTransferCases,
  "ct-quirks": ctQuirkCases,
  "juju-ordering": orderingCases,
  lxd: lxdCases,
};

export const campaignNames = (): string[] => Object.keys(campaigns);

/** Every bundled charm, for scenario files. */
export function bundledCatalog(): CharmCatalog {
  return new CharmCatalog([...chattyCharms, ...ctCharms, ...lxdCharms]);
}
