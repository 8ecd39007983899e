/**
 * Endpoint URL → in-memory LXD server, so a charm given an endpoint string (from config or a
 * cloud credential) reaches the right server. An endpoint nobody serves is unreachable.
 */
import {
  endpointAddress,
  LxdConnectionError,
  type LxdMethod,
  type LxdRequestOptions,
  type LxdResponse,
  LxdServer,
  type LxdServerOptions,
  type LxdServerSnapshot,
  normaliseEndpoint,
} from "./lxd-server.js";

export class LxdServerRegistry {
  readonly #servers = new Map<string, LxdServer>();

  /** Registers a server under its endpoint; throws if the endpoint is already taken. */
  add(server: LxdServer): LxdServer {
    if (this.#servers.has(server.endpoint)) {
      throw new Error(`an LXD server is already registered at ${server.endpoint}`);
    }
    this.#servers.set(server.endpoint, server);
    return server;
  }

  /** Creates a server and registers it. */
  create(options: LxdServerOptions): LxdServer {
    return this.add(new LxdServer(options));
  }

  get(endpoint: string): LxdServer | undefined {
    return this.#servers.get(normaliseEndpoint(endpoint));
  }

  has(endpoint: string): boolean {
    return this.#servers.has(normaliseEndpoint(endpoint));
  }

  /** Unregisters a server (it becomes unreachable); returns whether one was there. */
  remove(endpoint: string): boolean {
    return this.#servers.delete(normaliseEndpoint(endpoint));
  }

  /** Registered endpoints, sorted. */
  endpoints(): string[] {
    return [...this.#servers.keys()].sort();
  }

  /**
   * Sends a request to the server at `endpoint`. Throws LxdConnectionError
   * ("connection refused: <endpoint>") when no server is registered there.
   */
  request(
    endpoint: string,
    method: LxdMethod,
    path: string,
    options: LxdRequestOptions = {},
  ): LxdResponse {
    const server = this.get(endpoint);
    if (server === undefined) throw new LxdConnectionError(endpoint);
    return server.request(method, path, options);
  }

  /**
   * The server listening at a host and port (its endpoint URL's, see endpointAddress), as a
   * client that connects to an address rather than a URL finds it.
   */
  at(host: string, port: number): LxdServer | undefined {
    const wanted = host.toLowerCase();
    for (const server of this.#servers.values()) {
      const address = endpointAddress(server.endpoint);
      if (address !== null && address.host === wanted && address.port === port) return server;
    }
    return undefined;
  }

  /**
   * Sends a request to the server at a host and port. Throws LxdConnectionError
   * ("connection refused: <host>:<port>") when none listens there.
   */
  requestAt(
    host: string,
    port: number,
    method: LxdMethod,
    path: string,
    options: LxdRequestOptions = {},
  ): LxdResponse {
    const server = this.at(host, port);
    if (server === undefined) {
      const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
      throw new LxdConnectionError(address);
    }
    return server.request(method, path, options);
  }

  /** Every server's trust store, keyed by endpoint (sorted), for traces. */
  snapshot(): Record<string, LxdServerSnapshot> {
    const out: Record<string, LxdServerSnapshot> = {};
    for (const endpoint of this.endpoints())
      out[endpoint] = this.#servers.get(endpoint)!.snapshot();
    return out;
  }
}
