import { CharmBase, type CharmClass } from "../../harness/ops/charm.js";
import type { Framework } from "../../harness/ops/framework.js";
import * as v0 from "../../libs/certificate-transfer/v0.js";
import * as v1 from "../../libs/certificate-transfer/v1.js";
import * as v1Fixed from "../../libs/certificate-transfer/v1-fixed.js";
import type { JsonValue } from "../../model/json.js";
import { type CharmSpec, charmSpec } from "../../model/metadata.js";
import { fixtureCertificate } from "../../pki/fixtures.js";
import type { CatalogCharm } from "../catalog.js";

/**
 * The charms the certificate_transfer campaign deploys: thin wrappers around each library
 * variant. Providers take `add`/`remove`/`removeAll` calls (fixture certificate names) and keep
 * the set they were asked to serve; requirers record, per relation, the set the library last
 * reported and answer `current` with what the library returns now.
 */

/**
 * The TypeScript library variants; "upstream-v1" is the upstream Python library at the pinned
 * 1.0.0 and "upstream-v1.1" the same at 1.1.0 (ct-upstream.ts).
 */
export type CtVariant = "v0" | "v1" | "v1-fixed" | "upstream-v1" | "upstream-v1.1";
export const ENDPOINT = "certificates";

/** Fixture certificate names the campaign draws from. */
export const certNames = [
  "client-00",
  "client-01",
  "client-02",
  "client-03",
  "client-04",
  "client-05",
] as const;
const pemOf = (name: string): string => fixtureCertificate(name).certPem;
const namesArg = (args: readonly JsonValue[]): string[] =>
  Array.isArray(args[0]) ? args[0].filter((x): x is string => typeof x === "string") : [];

const providerSpec = (variant: CtVariant): CharmSpec =>
  charmSpec({
    meta: {
      name: `ct-provider-${variant}`,
      provides: { [ENDPOINT]: { interface: "certificate_transfer" } },
      // The v0 library keeps no shared state, so this charm keeps the set it serves in its peer
      // application bag; a new leader republishes it (see CtV0Provider).
      peers: { cluster: { interface: "ct-provider-cluster" } },
    },
  });
const requirerSpec = (variant: CtVariant): CharmSpec =>
  charmSpec({
    meta: {
      name: `ct-requirer-${variant}`,
      requires: { [ENDPOINT]: { interface: "certificate_transfer" } },
    },
  });

/** Provider on the v1 library (faithful or fixed). */
function v1Provider(lib: typeof v1.CertificateTransferProvides): CharmClass {
  return class CtV1Provider extends CharmBase {
    readonly ct: v1.CertificateTransferProvides;
    constructor(fw: Framework) {
      super(fw);
      this.ct = new lib(this, ENDPOINT);
    }
  };
}

/** Provider on the v0 library: leader-only, republishing its set (kept in the peer app bag). */
class CtV0Provider extends CharmBase {
  readonly ct: v0.CertificateTransferProvides;
  constructor(fw: Framework) {
    super(fw);
    this.ct = new v0.CertificateTransferProvides(this, ENDPOINT);
    fw.observe(this.on.leaderElected, () => this.publish(this.intended()));
    fw.observe(this.on.relation(ENDPOINT).joined, () => {
      if (this.unit.isLeader()) this.publish(this.intended());
    });
    fw.observe(this.on.leaderSettingsChanged, () => {
      // No longer leader: stop serving from this unit's bag.
      for (const rel of this.model.relations(ENDPOINT)) this.ct.removeCertificate(rel.id);
    });
  }
  intended(): string[] {
    const raw = this.model.getRelation("cluster")?.data.get(this.app).get("certificates");
    return raw ? (JSON.parse(raw) as string[]) : [];
  }
  setIntended(certs: readonly string[]): void {
    const peer = this.model.getRelation("cluster");
    if (peer)
      peer.data.get(this.app).set("certificates", certs.length ? JSON.stringify(certs) : "");
  }
  publish(certs: readonly string[]): void {
    for (const rel of this.model.relations(ENDPOINT)) {
      if (certs.length === 0) this.ct.removeCertificate(rel.id);
      else this.ct.setCertificate(certs[0] as string, certs[0] as string, certs, rel.id);
    }
  }
}

const providerCalls = (variant: CtVariant): CatalogCharm["calls"] =>
  variant === "v0"
    ? {
        add: (charm, args) => {
          const c = charm as CtV0Provider;
          if (!c.unit.isLeader() || !c.model.getRelation("cluster")) return undefined;
          const next = [...new Set([...c.intended(), ...namesArg(args).map(pemOf)])];
          c.setIntended(next);
          c.publish(next);
          return undefined;
        },
        remove: (charm, args) => {
          const c = charm as CtV0Provider;
          if (!c.unit.isLeader() || !c.model.getRelation("cluster")) return undefined;
          const drop = new Set(namesArg(args).map(pemOf));
          const next = c.intended().filter((p) => !drop.has(p));
          c.setIntended(next);
          c.publish(next);
          return undefined;
        },
        removeAll: (charm) => {
          const c = charm as CtV0Provider;
          if (!c.unit.isLeader() || !c.model.getRelation("cluster")) return undefined;
          c.setIntended([]);
          c.publish([]);
          return undefined;
        },
      }
    : {
        add: (charm, args) => {
          (charm as CharmBase & { ct: v1.CertificateTransferProvides }).ct.addCertificates(
            new Set(namesArg(args).map(pemOf)),
          );
          return undefined;
        },
        remove: (charm, args) => {
          const ct = (charm as CharmBase & { ct: v1.CertificateTransferProvides }).ct;
          for (const name of namesArg(args)) ct.removeCertificate(pemOf(name));
          return undefined;
        },
        removeAll: (charm) => {
          (charm as CharmBase & { ct: v1.CertificateTransferProvides }).ct.removeAllCertificates();
          return undefined;
        },
      };

/** Requirer on the v1 library (faithful or fixed); the campaign reads its events from the trace. */
function v1Requirer(lib: typeof v1.CertificateTransferRequires): CharmClass {
  return class CtV1Requirer extends CharmBase {
    readonly ct: v1.CertificateTransferRequires;
    constructor(fw: Framework) {
      super(fw);
      this.ct = new lib(this, ENDPOINT);
    }
  };
}

/** Requirer on the v0 library; keeps the last announced chain per relation (v0 has no getter). */
class CtV0Requirer extends CharmBase {
  readonly ct: v0.CertificateTransferRequires;
  readonly stored: { sets: Record<string, string[]> };
  constructor(fw: Framework) {
    super(fw);
    this.ct = new v0.CertificateTransferRequires(this, ENDPOINT);
    this.stored = fw.storedState(this, "certificates", { sets: {} as Record<string, string[]> });
    fw.observe(this.ct.on.certificateAvailable, (e) => {
      const certs = e.chain ?? [e.certificate ?? e.ca ?? ""].filter((x) => x !== "");
      this.stored.sets[String(e.relationId)] = [...new Set(certs)].sort();
    });
    fw.observe(this.ct.on.certificateRemoved, (e) => {
      delete this.stored.sets[String(e.relationId)];
    });
  }
}

const requirerCalls = (variant: CtVariant): CatalogCharm["calls"] =>
  variant === "v0"
    ? {
        current: (charm) => {
          const c = charm as CtV0Requirer;
          const out: Record<string, string[]> = {};
          for (const rel of c.model.relations(ENDPOINT))
            out[String(rel.id)] = c.stored.sets[String(rel.id)] ?? [];
          return out;
        },
        getAll: () => null,
      }
    : {
        current: (charm) => {
          const ct = (charm as CharmBase & { ct: v1.CertificateTransferRequires }).ct;
          const out: Record<string, string[]> = {};
          for (const [id, certs] of ct.getAllCertificatesByRelation())
            out[String(id)] = [...certs].sort();
          return out;
        },
        getAll: (charm, args) => {
          const ct = (charm as CharmBase & { ct: v1.CertificateTransferRequires }).ct;
          const id = typeof args[0] === "number" ? args[0] : undefined;
          return [...ct.getAllCertificates(id)].sort();
        },
      };

const providerCharms: Record<CtTsVariant, CharmClass> = {
  v0: CtV0Provider,
  v1: v1Provider(v1.CertificateTransferProvides),
  "v1-fixed": v1Provider(v1Fixed.CertificateTransferProvides),
};
const requirerCharms: Record<CtTsVariant, CharmClass> = {
  v0: CtV0Requirer,
  v1: v1Requirer(v1.CertificateTransferRequires),
  "v1-fixed": v1Requirer(v1Fixed.CertificateTransferRequires),
};

export type CtTsVariant = Exclude<CtVariant, "upstream-v1" | "upstream-v1.1">;
export const ctVariants: readonly CtTsVariant[] = ["v0", "v1", "v1-fixed"];

/** Catalog entries `ct-provider-<variant>` and `ct-requirer-<variant>`. */
export const ctCharms: CatalogCharm[] = ctVariants.flatMap((variant) => [
  {
    name: `ct-provider-${variant}`,
    description: `certificate_transfer provider on the ${variant} library`,
    charm: providerCharms[variant],
    spec: providerSpec(variant),
    calls: providerCalls(variant),
  },
  {
    name: `ct-requirer-${variant}`,
    description: `certificate_transfer requirer on the ${variant} library`,
    charm: requirerCharms[variant],
    spec: requirerSpec(variant),
    calls: requirerCalls(variant),
  },
]);
