/**
 * LxdFixed: the provider side of the `lxd` interface with upstream's defects corrected. Where
 * the faithful port (Lxd, ./provider.ts) reacts to one remote unit at a time, this one
 * reconciles: on every relation hook it computes the certificates every related requirer unit
 * asks for, makes LXD's trust store agree, and publishes in each relation exactly the
 * fingerprints of that relation's certificates LXD trusts.
 *
 * - A certificate is unregistered once no related requirer unit asks for it any more: dropped
 *   from `client_certificates`, unit departed, or relation broken. Only certificates this
 *   application registered (or this unit found trusted) for a requirer are ever removed, never the
 *   integrator's own. Certificates it registers are named `juju-<application>:<CN>` in LXD, so
 *   the leader (outside relation-broken, which may only mean that unit is leaving) also cleans up
 *   what another unit of the application registered, e.g. one that was replaced.
 * - `trusted_certs_fp` is exact: the relation's valid client certificates that LXD trusts.
 * - An application-level relation-changed is handled like any other.
 * - Ill-formed `client_certificates` (not JSON, not a list, an item that is not a PEM
 *   certificate) is logged and left out, never sent to LXD.
 * - LXD faults (unreachable, an error answer) never fail the hook: what is known stays
 *   published, the event is deferred, the problem is kept for the charm's status, and the next
 *   hook tries again.
 * - When this unit itself leaves a relation (it is being removed), it leaves the trust store
 *   alone: the application's other units still serve that relation. When the whole
 *   application goes (no unit planned), the relation's certificates are removed.
 * - relation-departed and relation-broken never register a certificate, only remove: a unit
 *   tearing down may still list members of another relation that is gone (its agent's view
 *   lags the model), and registering for them could undo the leader's clean-up for good.
 * - When the endpoint changes, certificates on the old server are left there (the old
 *   credentials may no longer work); the new server gets every certificate asked for.
 */
import type { CharmBase } from "../../harness/ops/charm.js";
import type {
  RelationBrokenEvent,
  RelationDepartedEvent,
  RelationEvent,
} from "../../harness/ops/events.js";
import { FrameworkObject, type JujuLogger } from "../../harness/ops/framework.js";
import { InvalidPemError } from "../../pki/pem.js";
import { subjectCommonName } from "../../pki/x509.js";
import { LxdConnectionError, LxdTlsError } from "../../workloads/lxd-server.js";
import {
  certificateFingerprint,
  LxdApiError,
  LxdClient,
  type LxdIdentity,
  type LxdServerInfo,
} from "./client.js";
import {
  CLIENT_CERTIFICATES_KEY,
  type ClientCertificate,
  LXD_INTERFACE_VERSION,
  NODES_KEY,
  pythonJsonDumps,
  readClientCertificates,
  VERSION_KEY,
} from "./data.js";
import type { LxdProvider } from "./provider.js";

/** Something about LXD the operator should know; `blocked` needs their action. */
export type LxdProblem = { severity: "waiting" | "blocked"; message: string };

export type LxdFixedState = {
  endpoint: string | null;
  /** Set once LXD has confirmed it trusts the stored identity. */
  serverName: string | null;
  clientCert: string | null;
  clientKey: string | null;
  serverCert: string | null;
  /** Fingerprints this unit registered, or found trusted, because a requirer asked for them. */
  managed: string[];
  /** Relations this unit is leaving while the application stays (it was the departing unit). */
  leaving: number[];
  /**
   * This unit was the departing unit while the application stays: it is being removed, and
   * leaves the trust store alone in every hook from then on (relations it breaks later, even
   * ones where it never saw itself depart, are served on by the application's other units).
   */
  unitLeaving: boolean;
  /** Relations this unit is leaving as the application goes away: their certificates go too. */
  closing: number[];
  /** A reconcile did not finish: the next hook tries again. */
  retry: boolean;
  problem: LxdProblem | null;
  /** Ill-formed requirer data left out by the last reconcile, one line per problem. */
  rejected: string[];
};

const EMPTY_STATE: LxdFixedState = {
  endpoint: null,
  serverName: null,
  clientCert: null,
  clientKey: null,
  serverCert: null,
  // Stryker disable next-line ArrayDeclaration: equivalent, the first setCredentials empties it (the endpoint changes from null)
  managed: [],
  leaving: [],
  unitLeaving: false,
  closing: [],
  // Stryker disable next-line BooleanLiteral: equivalent, setCredentials sets or clears it before anything reads it
  retry: false,
  problem: null,
  // Stryker disable next-line ArrayDeclaration: equivalent, the first reconcile replaces it before anything reads it
  rejected: [],
};

const short = (fp: string) => fp.slice(0, 12);

/** One requirer certificate and the units (with their relation) asking for it. */
interface Wanted {
  readonly certificate: ClientCertificate;
  readonly units: string[];
}

/**
 * A request that failed: the message for logs and status, and how bad it is. A value, not an
 * Error: faults are recorded in the stored state and never thrown, so no stack is captured.
 */
class ProviderFault {
  constructor(
    readonly severity: "waiting" | "blocked",
    readonly message: string,
    /** LXD no longer trusts our identity: verify again before the next attempt. */
    readonly lostTrust = false,
  ) {}
}

export class LxdFixed extends FrameworkObject implements LxdProvider {
  private readonly state: LxdFixedState;
  private readonly logger: JujuLogger;

  constructor(
    private readonly charm: CharmBase,
    readonly relationName: string,
  ) {
    super(charm, relationName);
    this.state = this.framework.storedState(this, "state", EMPTY_STATE);
    this.logger = this.framework.getLogger("lxd-provider");
    const events = charm.on.relation(relationName);
    this.framework.observe(events.created, (e) => this.reconcile(e));
    this.framework.observe(events.joined, (e) => this.reconcile(e));
    this.framework.observe(events.changed, (e) => this.reconcile(e));
    this.framework.observe(events.departed, (e) => this.onDeparted(e));
    this.framework.observe(events.broken, (e) => this.onBroken(e));
    // A new leader takes over the application's clean-up (see syncTrustStore).
    this.framework.observe(charm.on.leaderElected, () => {
      // Stryker disable next-line ConditionalExpression: equivalent, reconcile returns at once without complete credentials
      if (this.credentialsComplete) this.reconcile(null);
    });
  }

  /** Endpoint, client certificate, key and server certificate are all set. */
  get credentialsComplete(): boolean {
    const s = this.state;
    return Boolean(s.endpoint && s.clientCert && s.clientKey && s.serverCert);
  }

  /** Credentials are complete and LXD has confirmed it trusts them. */
  get isReady(): boolean {
    return this.credentialsComplete && this.state.serverName !== null;
  }

  get endpoint(): string | null {
    return this.state.endpoint;
  }

  get serverName(): string | null {
    return this.state.serverName;
  }

  /** The current problem with LXD, if any (for the charm's status). */
  get problem(): LxdProblem | null {
    return this.state.problem ? { ...this.state.problem } : null;
  }

  /** Ill-formed requirer data the last reconcile left out. */
  get rejected(): readonly string[] {
    return [...this.state.rejected];
  }

  /** A copy of the stored state. */
  get stored(): Readonly<LxdFixedState> {
    return structuredClone(this.state);
  }

  private identity(): LxdIdentity {
    const s = this.state;
    return {
      endpoint: s.endpoint ?? "",
      clientCert: s.clientCert ?? "",
      clientKey: s.clientKey ?? "",
      serverCert: s.serverCert ?? "",
    };
  }

  /**
   * Stores the credentials and checks with LXD that it trusts them. Returns whether they are
   * usable now; when not, `problem` says why (never throws on LXD's account). A change of
   * identity is followed by a reconcile of every relation.
   */
  setCredentials(
    endpoint: string,
    clientCert: string,
    clientKey: string,
    serverCert: string,
  ): boolean {
    const s = this.state;
    const same =
      s.endpoint === endpoint &&
      s.clientCert === clientCert &&
      s.clientKey === clientKey &&
      s.serverCert === serverCert;
    if (same && this.isReady) {
      if (s.retry) this.reconcile(null);
      return this.isReady;
    }
    if (s.endpoint !== endpoint) s.managed = [];
    Object.assign(s, { endpoint, clientCert, clientKey, serverCert, serverName: null });
    if (!this.verify()) {
      s.retry = true;
      return false;
    }
    this.reconcile(null);
    return this.isReady;
  }

  /** Forgets the credentials (they were withdrawn): relation hooks wait until new ones come. */
  clearCredentials(): void {
    if (this.credentialsComplete) this.logger.warning("LXD credentials withdrawn");
    Object.assign(this.state, {
      endpoint: null,
      serverName: null,
      clientCert: null,
      clientKey: null,
      serverCert: null,
      problem: null,
      retry: false,
    });
  }

  /** Tries again what an earlier hook could not finish (call it from update-status). */
  retryPending(): void {
    // Stryker disable next-line ConditionalExpression: equivalent, with complete credentials serverName is null only while retry is set
    if (this.credentialsComplete && (this.state.retry || this.state.serverName === null)) {
      this.reconcile(null);
    }
  }

  /** `GET /1.0` with the stored identity; records the server name or the problem. */
  private verify(): boolean {
    const s = this.state;
    let info: LxdServerInfo;
    try {
      info = new LxdClient(this.charm.model, this.identity()).serverInfo();
    } catch (error) {
      this.recordFault(this.asFault(error, "checking the credentials"));
      return false;
    }
    if (info.auth !== "trusted") {
      let fp = "";
      try {
        fp = ` (fingerprint ${short(certificateFingerprint(s.clientCert ?? ""))})`;
      } catch {
        // an unparsable certificate fails the TLS handshake first; nothing to add here
      }
      this.recordFault(
        new ProviderFault(
          "blocked",
          `LXD at ${s.endpoint} does not trust the integrator's client certificate${fp}`,
        ),
      );
      return false;
    }
    s.serverName = info.serverName;
    this.logger.info(`credentials for LXD at ${s.endpoint} (${info.serverName}) verified`);
    return true;
  }

  private asFault(error: unknown, doing: string): ProviderFault {
    const endpoint = this.state.endpoint ?? "";
    if (error instanceof LxdTlsError) return new ProviderFault("blocked", `${error.message}`);
    if (error instanceof LxdConnectionError) {
      return new ProviderFault(
        "waiting",
        `cannot reach LXD at ${endpoint} (${error.message}); retrying`,
      );
    }
    // Stryker disable next-line ConditionalExpression: equivalent, the client raises nothing else for certificates readClientCertificates accepted
    if (error instanceof LxdApiError) {
      if (error.status === 403) {
        return new ProviderFault(
          "blocked",
          `LXD at ${endpoint} no longer trusts the integrator's client certificate`,
          true,
        );
      }
      return new ProviderFault(
        "waiting",
        `LXD at ${endpoint} answered ${error.status} ${doing} (${error.detail}); retrying`,
      );
    }
    throw error;
  }

  private recordFault(fault: ProviderFault): void {
    this.state.problem = { severity: fault.severity, message: fault.message };
    this.state.retry = true;
    if (fault.lostTrust) this.state.serverName = null;
    this.logger.error(fault.message);
  }

  private onDeparted(event: RelationDepartedEvent): void {
    const self = this.charm.model.unit.name;
    const id = event.relation.id;
    // Stryker disable next-line OptionalChaining: equivalent here, the harness always names the departing unit
    if (event.departingUnit?.name === self) {
      if (this.charm.app.plannedUnits() > 0) {
        // Only this unit is leaving: the application's other units keep serving the relation.
        if (!this.state.leaving.includes(id)) this.state.leaving.push(id);
        this.state.unitLeaving = true;
        return;
      }
      // The whole application is going: nobody will serve this relation any more.
      if (!this.state.closing.includes(id)) this.state.closing.push(id);
    }
    this.reconcile(event);
  }

  private onBroken(event: RelationBrokenEvent): void {
    const id = event.relation.id;
    if (this.state.leaving.includes(id)) {
      this.state.leaving = this.state.leaving.filter((r) => r !== id);
      return;
    }
    this.reconcile(event);
    this.state.closing = this.state.closing.filter((r) => r !== id);
  }

  /** What every related requirer unit asks for, by relation; ill-formed data is reported. */
  private wanted(): { byRelation: Map<number, Map<string, Wanted>>; rejected: string[] } {
    const byRelation = new Map<number, Map<string, Wanted>>();
    const rejected: string[] = [];
    for (const relation of this.charm.model.relations(this.relationName)) {
      if (this.state.leaving.includes(relation.id) || this.state.closing.includes(relation.id)) {
        continue;
      }
      const wanted = new Map<string, Wanted>();
      const units = [...relation.units].sort((a, b) => a.name.localeCompare(b.name));
      for (const unit of units) {
        const reading = readClientCertificates(
          relation.data.get(unit).get(CLIENT_CERTIFICATES_KEY),
        );
        for (const problem of reading.problems) rejected.push(`${unit.name}: ${problem}`);
        for (const certificate of reading.certificates) {
          const entry = wanted.get(certificate.fingerprint);
          if (entry) entry.units.push(unit.name);
          else wanted.set(certificate.fingerprint, { certificate, units: [unit.name] });
        }
      }
      byRelation.set(relation.id, wanted);
    }
    return { byRelation, rejected };
  }

  /**
   * Makes LXD's trust store hold what the related requirers ask for and publishes the result.
   * `event` (null when called outside a relation hook) is deferred when something failed.
   */
  private reconcile(event: RelationEvent | null): void {
    const s = this.state;
    // A unit being removed leaves the trust store to the units that stay.
    if (s.unitLeaving) return;
    // Without credentials there is nothing to keep: setCredentials reconciles every relation.
    if (!this.credentialsComplete) return;
    if (s.serverName === null && !this.verify()) {
      event?.defer();
      return;
    }
    const { byRelation, rejected } = this.wanted();
    const newlyRejected = rejected.filter((r) => !s.rejected.includes(r));
    for (const line of newlyRejected) {
      this.logger.error(`ignoring invalid ${CLIENT_CERTIFICATES_KEY} from ${line}`);
    }
    s.rejected = rejected;

    const client = new LxdClient(this.charm.model, this.identity());
    const own = this.ownFingerprint();
    let fault: ProviderFault | null = null;
    let trustStore: Set<string> | null = null;
    let ownedByApp: string[] = [];
    try {
      const entries = client.trustStore();
      trustStore = new Set(entries.keys());
      // The leader speaks for the application: outside relation-broken (which may mean this unit
      // is leaving while others stay) it also cleans up what any unit of the application registered.
      if (this.charm.unit.isLeader() && this.framework.hook.kind !== "relation-broken") {
        const tag = this.registrationTag();
        ownedByApp = [...entries].filter(([, name]) => name.startsWith(tag)).map(([fp]) => fp);
      }
    } catch (error) {
      fault = this.asFault(error, "listing its trust store");
    }
    if (trustStore !== null) {
      fault = this.syncTrustStore(client, trustStore, byRelation, own, ownedByApp);
      this.publish(byRelation, trustStore);
    }
    if (fault) {
      this.recordFault(fault);
      event?.defer();
      return;
    }
    if (s.problem) this.logger.info(`LXD at ${s.endpoint} is back in reach`);
    s.problem = null;
    s.retry = false;
  }

  // Stryker disable BlockStatement,ConditionalExpression: equivalent, credentials reach reconcile only once LXD accepted the client certificate, so it parses
  private ownFingerprint(): string | null {
    try {
      return certificateFingerprint(this.state.clientCert ?? "");
    } catch (error) {
      if (error instanceof InvalidPemError) return null;
      throw error;
    }
  }

  // Stryker restore BlockStatement,ConditionalExpression

  /** The prefix of the LXD certificate names this application registers. */
  private registrationTag(): string {
    return `juju-${this.charm.model.app.name}:`;
  }

  /** Registers what is wanted and missing, unregisters what is managed and unwanted. */
  private syncTrustStore(
    client: LxdClient,
    trustStore: Set<string>,
    byRelation: Map<number, Map<string, Wanted>>,
    own: string | null,
    ownedByApp: readonly string[],
  ): ProviderFault | null {
    const s = this.state;
    const managed = new Set([...s.managed, ...ownedByApp]);
    const wantedAll = new Map<string, Wanted>();
    for (const wanted of byRelation.values()) {
      for (const [fp, w] of wanted) if (!wantedAll.has(fp)) wantedAll.set(fp, w);
    }
    // A departure or a break only ever takes certificates away. A unit tearing down may still
    // list the members of another relation that has gone (its view of the model lags), so a
    // registration then could bring back a certificate the leader has just removed, with no
    // hook left anywhere to remove it again.
    const hook = this.framework.hook.kind;
    const mayRegister = hook !== "relation-departed" && hook !== "relation-broken";
    let fault: ProviderFault | null = null;
    try {
      for (const [fp, w] of wantedAll) {
        if (fp === own) continue;
        if (trustStore.has(fp)) {
          managed.add(fp);
          continue;
        }
        if (!mayRegister) continue;
        const outcome = client.register(
          w.certificate.pem,
          `${this.registrationTag()}${subjectCommonName(w.certificate.pem) ?? ""}`,
        );
        // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, only a failed outcome has a status (undefined < 500 is false) and LXD answers no failure below 400
        if (outcome.kind === "failed" && outcome.status >= 400 && outcome.status < 500) {
          if (outcome.status !== 403) {
            // LXD refuses this certificate itself: asking again will not help.
            const line = `${w.units.join(", ")}: LXD refused certificate ${short(fp)} (${outcome.status} ${outcome.detail})`;
            this.logger.error(line);
            s.rejected.push(line);
            continue;
          }
        }
        if (outcome.kind === "failed") {
          const f = this.asFault(
            new LxdApiError(outcome.status, outcome.detail, outcome.detail),
            `to registering the certificate of ${w.units.join(", ")}`,
          );
          fault ??= f;
          this.logger.error(f.message);
          if (f.lostTrust) break;
          continue;
        }
        trustStore.add(fp);
        managed.add(fp);
        this.logger.info(
          outcome.kind === "added"
            ? `trusted certificate ${short(fp)} of ${w.units.join(", ")}`
            : `certificate ${short(fp)} of ${w.units.join(", ")} was already trusted`,
        );
      }
      // While this unit leaves a relation, it removes nothing (see onDeparted).
      if (s.leaving.length === 0 && !fault?.lostTrust) {
        for (const fp of [...managed].sort()) {
          if (wantedAll.has(fp) || fp === own) continue;
          if (!trustStore.has(fp)) {
            managed.delete(fp);
            continue;
          }
          const outcome = client.unregister(fp);
          if (outcome.kind === "failed") {
            const f = this.asFault(
              new LxdApiError(outcome.status, outcome.detail, outcome.detail),
              `to removing certificate ${short(fp)}`,
            );
            fault ??= f;
            this.logger.error(f.message);
            if (f.lostTrust) break;
            continue;
          }
          trustStore.delete(fp);
          managed.delete(fp);
          this.logger.info(
            `removed certificate ${short(fp)} from the trust store: no related unit asks for it any more`,
          );
        }
      }
    } catch (error) {
      // Unreachable or TLS failure in the middle: keep what was done, try the rest later.
      fault = this.asFault(error, "");
    }
    s.managed = [...managed].sort();
    return fault;
  }

  /** Writes `nodes` and `version` in every relation: the node and its exact trusted list. */
  private publish(byRelation: Map<number, Map<string, Wanted>>, trustStore: Set<string>): void {
    const s = this.state;
    for (const relation of this.charm.model.relations(this.relationName)) {
      const wanted = byRelation.get(relation.id);
      if (wanted === undefined) continue;
      const trusted = [...wanted.keys()].filter((fp) => trustStore.has(fp)).sort();
      const bag = relation.data.get(this.charm.model.unit);
      bag.set(
        NODES_KEY,
        pythonJsonDumps([{ endpoint: s.endpoint, name: s.serverName, trusted_certs_fp: trusted }]),
      );
      bag.set(VERSION_KEY, LXD_INTERFACE_VERSION);
    }
  }
}
