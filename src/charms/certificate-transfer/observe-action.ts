/** Shared by the dummy certificate_transfer charms (internal, not exported by the package). */
import type { CharmBase } from "../../harness/ops/charm.js";
import type { ActionEvent } from "../../harness/ops/events.js";

/** Observes the action `name` when the charm's metadata declares it (a spec may leave it out). */
export function observeAction(
  charm: CharmBase,
  name: string,
  handler: (event: ActionEvent) => void,
): void {
  if (name in charm.framework.env.spec.actions) {
    charm.framework.observe(charm.on.action(name), handler);
  }
}
