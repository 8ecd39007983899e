import type { FuzzCase } from "../campaign.js";
import { CharmCatalog } from "../catalog.js";
import { certificateTransferCases } from "./certificate-transfer.js";
import { ctCharms } from "./ct-charms.js";
import { quirkHuntCase, quirkHunts } from "./ct-quirk-hunts.js";
import { chattyCharms, orderingCases } from "./juju-ordering.js";
import { lxdCases, lxdCharms } from "./lxd.js";

/**
 * One case per certificate_transfer QUIRK and side: the faithful mix must show it (a finding),
 * the fixed mix must keep the property, each under a generator narrowed to that quirk's path.
 */
function ctQuirkCases(): FuzzCase[] {
  return quirkHunts.flatMap((hunt) =>
    (["faithful", "fixed"] as const).map((side) => {
      const c = quirkHuntCase(hunt, side);
      return { ...c, campaign: "ct-quirks", variant: `${c.variant} [${hunt.name}]`, weight: 1 };
    }),
  );
}

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
