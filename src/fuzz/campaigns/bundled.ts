/**
 * The names of the bundled campaigns and charms, and loaders that import only the modules a
 * command needs: this module imports nothing heavy, so `charmsim --help` and `charmsim run` of a
 * certificate_transfer scenario do not load the LXD charms and their X.509 parser. A test checks
 * that these lists match the modules (test/cli/startup.test.ts).
 */
import type { FuzzCase } from "../campaign.js";
import type { CatalogCharm, CharmCatalog } from "../catalog.js";

/** The bundled campaigns, in the order `charmsim fuzz` runs them. */
export const CAMPAIGN_NAMES = [
  "certificate-transfer",
  "ct-quirks",
  "juju-ordering",
  "lxd",
] as const;
/**
 * Campaigns that run only when named (`--campaign`): they run Python charms, whose hooks cost
 * 10-30 ms each, and need `npm run setup:python`.
 */
export const OPT_IN_CAMPAIGN_NAMES = ["ct-upstream", "ct-differential"] as const;
export type CampaignName = (typeof CAMPAIGN_NAMES)[number] | (typeof OPT_IN_CAMPAIGN_NAMES)[number];

export const isCampaignName = (name: string): name is CampaignName =>
  (CAMPAIGN_NAMES as readonly string[]).includes(name) ||
  (OPT_IN_CAMPAIGN_NAMES as readonly string[]).includes(name);

/** The module group each bundled charm is defined in. */
const CHARM_GROUPS = {
  "chatty-provider": "chatty",
  "chatty-requirer": "chatty",
  "ct-provider-v0": "ct",
  "ct-requirer-v0": "ct",
  "ct-provider-v1": "ct",
  "ct-requirer-v1": "ct",
  "ct-provider-v1-fixed": "ct",
  "ct-requirer-v1-fixed": "ct",
  "ct-provider-upstream-v1": "ct-upstream",
  "ct-requirer-upstream-v1": "ct-upstream",
  "ct-provider-upstream-v1.1": "ct-upstream",
  "ct-requirer-upstream-v1.1": "ct-upstream",
  "lxd-consumer": "lxd",
  "lxd-integrator": "lxd",
  "lxd-integrator-fixed": "lxd",
  "lxd-integrator-fixed-impostor-lxd": "lxd",
  "lxd-integrator-impostor-lxd": "lxd",
} as const satisfies Record<string, "chatty" | "ct" | "ct-upstream" | "lxd">;
type CharmGroup = (typeof CHARM_GROUPS)[keyof typeof CHARM_GROUPS];

/** Every bundled charm's name, sorted. */
export const BUNDLED_CHARM_NAMES: readonly string[] = Object.keys(CHARM_GROUPS).sort();

export const isBundledCharm = (name: string): name is keyof typeof CHARM_GROUPS =>
  Object.hasOwn(CHARM_GROUPS, name);

async function groupCharms(group: CharmGroup): Promise<readonly CatalogCharm[]> {
  switch (group) {
    case "chatty":
      return (await import("./juju-ordering.js")).chattyCharms;
    case "ct":
      return (await import("./ct-charms.js")).ctCharms;
    case "ct-upstream":
      return (await import("./ct-upstream.js")).upstreamCharms();
    case "lxd":
      return (await import("./lxd.js")).lxdCharms;
  }
}

/** A catalog of the named bundled charms, importing only the modules that define them. */
export async function loadCatalog(names: Iterable<string>): Promise<CharmCatalog> {
  const groups = new Set<CharmGroup>();
  for (const name of names) if (isBundledCharm(name)) groups.add(CHARM_GROUPS[name]);
  const { CharmCatalog } = await import("../catalog.js");
  const entries = await Promise.all([...groups].sort().map(groupCharms));
  return new CharmCatalog(entries.flat());
}

/** The cases of a bundled campaign, importing only its own modules. */
export async function loadCampaign(name: CampaignName): Promise<FuzzCase[]> {
  switch (name) {
    case "certificate-transfer":
      return (await import("./certificate-transfer.js")).certificateTransferCases();
    case "ct-quirks":
      return (await import("./ct-quirk-hunts.js")).ctQuirkCases();
    case "juju-ordering":
      return (await import("./juju-ordering.js")).orderingCases();
    case "lxd":
      return (await import("./lxd.js")).lxdCases();
    case "ct-upstream":
      return (await import("./ct-upstream.js")).ctUpstreamCases();
    case "ct-differential":
      return (await import("./ct-differential.js")).ctDifferentialCases();
  }
}
