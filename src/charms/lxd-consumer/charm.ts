/**
 * lxd-consumer: a charm that needs LXD. It publishes its client certificate on the `lxd`
 * relation (see ./certificates.ts for which one) and follows what the provider says, through
 * the requirer library (src/libs/lxd/requirer.ts).
 *
 * Status: Blocked on a bad `client_certificate` option, without a relation, or when the
 * provider's data is unusable (e.g. an unsupported interface version); Waiting until nodes are
 * published and until every own certificate is listed as trusted; then Active.
 */
import { z } from "zod";
import { CharmBase } from "../../harness/ops/charm.js";
import type { Framework } from "../../harness/ops/framework.js";
import type { ClientCertificate } from "../../libs/lxd/data.js";
import { LxdRequires } from "../../libs/lxd/requirer.js";
import { ActiveStatus, BlockedStatus, WaitingStatus } from "../../model/status.js";
import { configuredCertificates, fixtureCertificateFor } from "./certificates.js";
import { LXD_CONSUMER_ENDPOINT } from "./metadata.js";

const configSchema = z.looseObject({
  client_certificate: z.string().default(""),
  fixture_offset: z.number().int().default(0),
});

export class LxdConsumerCharm extends CharmBase {
  readonly lxd: LxdRequires;

  constructor(framework: Framework) {
    super(framework);
    this.lxd = new LxdRequires(this, LXD_CONSUMER_ENDPOINT, {
      certificates: () => this.certificates().certificates,
    });
    const refresh = () => this.refreshStatus();
    framework.observe(this.on.install, () => this.publish());
    framework.observe(this.on.configChanged, () => this.publish());
    framework.observe(this.on.start, refresh);
    framework.observe(this.on.updateStatus, refresh);
    const events = this.on.relation(LXD_CONSUMER_ENDPOINT);
    framework.observe(events.created, refresh);
    framework.observe(events.joined, refresh);
    framework.observe(events.changed, refresh);
    framework.observe(events.departed, refresh);
    framework.observe(events.broken, refresh);
    framework.observe(this.lxd.on.nodesChanged, refresh);
    framework.observe(this.lxd.on.certificateRegistered, refresh);
    framework.observe(this.lxd.on.nodesRemoved, refresh);
  }

  /** This unit's client certificates, or why the configured ones cannot be used. */
  certificates(): { certificates: readonly ClientCertificate[]; problem: string | null } {
    const config = configSchema.parse(this.config);
    if (config.client_certificate.trim() !== "") {
      const configured = configuredCertificates(config.client_certificate);
      return configured.ok
        ? { certificates: configured.certificates, problem: null }
        : { certificates: [], problem: configured.problem };
    }
    const unitNumber = Number(this.unit.name.slice(this.unit.name.lastIndexOf("/") + 1));
    return {
      certificates: [fixtureCertificateFor(unitNumber, config.fixture_offset)],
      problem: null,
    };
  }

  private publish(): void {
    const { problem } = this.certificates();
    if (problem !== null) this.framework.logger.error(`invalid config: ${problem}`);
    this.lxd.publish();
    this.refreshStatus();
  }

  refreshStatus(): void {
    const { problem } = this.certificates();
    if (problem !== null) {
      this.unit.status = new BlockedStatus(`invalid client_certificate config: ${problem}`);
      return;
    }
    const views = this.lxd.views();
    if (views.length === 0) {
      this.unit.status = new BlockedStatus("missing relation: lxd");
      return;
    }
    const problems = views.flatMap((v) => v.problems.map((p) => p.message));
    const withNodes = views.filter((v) => v.nodes.length > 0);
    if (withNodes.length === 0) {
      this.unit.status =
        problems.length > 0
          ? new BlockedStatus(problems[0]!)
          : new WaitingStatus("waiting for LXD nodes from the provider");
      return;
    }
    const pending = [...new Set(withNodes.flatMap((v) => v.pending))];
    if (pending.length > 0) {
      this.unit.status = new WaitingStatus(
        `waiting for LXD to trust certificate ${pending.map((fp) => fp.slice(0, 12)).join(", ")}`,
      );
      return;
    }
    const endpoints = new Set(withNodes.flatMap((v) => v.nodes.map((n) => n.endpoint)));
    const note = problems.length > 0 ? `; ignoring: ${problems[0]}` : "";
    this.unit.status = new ActiveStatus(`trusted by ${endpoints.size} LXD node(s)${note}`);
  }
}
