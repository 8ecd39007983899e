/**
 * The lxd-consumer charm's metadata and config (copies in fixtures/charms/lxd-consumer/).
 */
import type { CharmSpecInput } from "../../model/metadata.js";

export const LXD_CONSUMER_ENDPOINT = "lxd";

export const lxdConsumerMeta = {
  name: "lxd-consumer",
  summary: "A charm that uses LXD through the lxd interface",
  description:
    "Publishes its client certificates on the lxd relation and waits for LXD to trust them.",
  subordinate: false,
  requires: { [LXD_CONSUMER_ENDPOINT]: { interface: "lxd" } },
} satisfies CharmSpecInput["meta"];

export const lxdConsumerConfig = {
  options: {
    client_certificate: {
      type: "string",
      default: "",
      description:
        "PEM client certificate(s) to publish. Empty: the unit uses a certificate from the fixture pool, chosen by unit number and fixture_offset.",
    },
    fixture_offset: {
      type: "int",
      default: 0,
      description:
        "Added to the unit number to pick the fixture certificate, so that several consumer applications use distinct certificates.",
    },
  },
} satisfies NonNullable<CharmSpecInput["config"]>;

export const lxdConsumerSpec: CharmSpecInput = { meta: lxdConsumerMeta, config: lxdConsumerConfig };
