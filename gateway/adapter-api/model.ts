import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { AdapterDescriptor } from '../registry/adapter-descriptor.ts';
import type { ContractDefinition } from '../registry/contract.ts';

export type { AdapterDescriptor, ContractUnderCheck } from '../registry/adapter-descriptor.ts';
import type { Credentials } from '../upstream/credentials.ts';
import type { UpstreamClient, UpstreamTiming } from '../upstream/model.ts';

/**
 * The adapter contract. An adapter is a folder `adapters/<name>/` whose `adapter.ts` default-exports
 * an `AdapterModule`; the gateway discovers it and nothing in `gateway/` names it. Most of an
 * adapter is data and two pure functions per operation (see `run-mapped.ts`); its upstream auth
 * flow and error mapping sit beside them, its sandbox simulator in `sandbox.ts`.
 */

/** A canonical call as the gateway hands it over: the request already validated against the contract. */
export interface AdapterCall<Settings = Record<string, unknown>> {
  requestId: string;
  /** W3C traceparent for the hop to the upstream. */
  traceparent: string;
  contractId: string;
  /** Operation id from the contract (`getEmployee`). */
  operation: string;
  /** The calling PD application (SSO client id), or `partner:<id>` on the partner listener. */
  consumer: string;
  params: Readonly<Record<string, string>>;
  /** The contract's declared query parameters (first value each); undeclared ones are dropped. */
  query: Readonly<Record<string, string>>;
  /** Parsed JSON body; `undefined` when the operation takes none. */
  body: unknown;
  /** The contract's `adapter:` block, checked against the adapter's `settings.schema.json`. */
  settings: Settings;
  /** Filled in by the upstream client; the traffic log reads it. */
  timing: UpstreamTiming;
}

/** What the PD application gets back: JSON in the canonical shape of the contract. */
export interface CanonicalResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A stored document, for adapters that keep data at the gateway (JDIHN's legal documents). */
export interface StoredDocument<T = unknown> { key: string; body: T; version: number; updatedAt: string }

/** Durable documents in the gateway's store, scoped to one adapter. */
export interface DocumentStore {
  get<T>(collection: string, key: string): Promise<StoredDocument<T> | null>;
  /** Inserts or replaces; `created` tells which. Bumps the collection's revision in the same transaction. */
  put(collection: string, key: string, body: unknown): Promise<{ created: boolean; version: number; revision: number }>;
  list<T>(collection: string): Promise<StoredDocument<T>[]>;
  /** Changes with every `put`, on every instance sharing the store: a cheap cache key. */
  revision(collection: string): Promise<number>;
}

export interface PublicRequest { method: 'GET' | 'HEAD'; path: string; headers: Readonly<Record<string, string | string[] | undefined>> }
/** Header names in lower case: the listener answers 304 itself from `etag` and `last-modified`. */
export interface PublicResponse { status: number; headers: Record<string, string>; body: Buffer }

/**
 * A read-only, unauthenticated route served on the gateway's `public` listener while a contract
 * using the adapter is active: a feed harvested by a national system (JDIHN).
 */
export interface PublicRoute {
  path: string;
  handle(request: PublicRequest): Promise<PublicResponse>;
}

/** What the gateway gives an adapter instance. */
export interface AdapterEnvironment {
  /** Upstream name from the contract (`bkn-siasn`); credentials and URL are configured under it. */
  upstreamName: string;
  /** Base URL (config `upstreams.<name>.url` over the contract's); `null` for adapters without one. */
  upstreamUrl: URL | null;
  timeoutMs: number;
  credentials: Credentials;
  /**
   * The HTTP client for this upstream: its URL, the contract's timeout and, when configured
   * (`upstreams.<name>.tls`), the gateway's client certificate for mutual TLS.
   */
  upstreamClient(options: { system: string; maxResponseBytes?: number }): UpstreamClient;
  /** For token requests to other URLs (OAuth2 endpoints): carries the same client certificate, if any. */
  dispatcher: Dispatcher | undefined;
  documents: DocumentStore;
  /** Child logger; never give it a secret or a request body. */
  log: Logger;
}

/** One adapter per upstream: holds its connection pool and token caches. */
export interface AdapterInstance<Settings = Record<string, unknown>> {
  execute(call: AdapterCall<Settings>): Promise<CanonicalResponse>;
  publicRoutes?: PublicRoute[];
  close?(): Promise<void>;
}

/** An adapter: what the contract loader checks contracts against (`AdapterDescriptor`), and how it runs. */
export interface AdapterModule<Settings = Record<string, unknown>> extends AdapterDescriptor {
  name: string;
  /** Credential names read from `upstreams.<name>.credentials` (env: or file: references). */
  credentials?: readonly string[];
  create(env: AdapterEnvironment): AdapterInstance<Settings>;
  /** Commands the adapter adds to the `penghubung` CLI (e.g. `penghubung splp export`). */
  cli?(program: Command, services: CliServices): void;
}

/** What the CLI offers adapter commands. */
export interface CliServices {
  /**
   * The active contracts: from contract directories when given (works while the gateway runs on
   * the embedded store), otherwise from the registry in the configured store.
   */
  activeContracts(options: { config?: string; directories?: string[] }): Promise<ContractDefinition[]>;
}

/**
 * Declares an adapter. `Settings` types the contract's `adapter:` block as the adapter sees it:
 * the loader has checked every contract's block against `settingsSchema` (defaults filled in)
 * before it is applied, so the gateway may hand it over untyped.
 */
export function defineAdapter<Settings = Record<string, unknown>>(module: AdapterModule<Settings>): AdapterModule {
  return module as unknown as AdapterModule;
}

/** A PD application of the demo profile that calls an integration: an SSO client and a gateway consumer. */
export interface DemoClient {
  clientId: string;
  name: string;
  department: string;
  clearance: 'publik' | 'terbatas' | 'rahasia';
  scopes: string[];
}

/** A request of `SandboxModule.demoRequests`: path from the gateway's root, JSON body. */
export interface DemoRequest { clientId: string; method: 'POST' | 'PUT'; path: string; body: unknown }

export interface SandboxStartOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The simulator's own accounts, the same values the gateway reads from its secret files. */
  credentials: Record<string, string>;
  /** Base URL of the gateway's public listener, for simulators that harvest from the gateway. */
  publicUrl: string;
}

export interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

/**
 * `adapters/<name>/sandbox.ts` default-exports one of these: the simulator of the national system
 * the adapter talks to, which `npm start` and the tests run in its place.
 */
export interface SandboxModule {
  /** Upstream name it stands in for (a contract's `upstream.name`); `null` for a harvester. */
  upstream: string | null;
  /** Port in the demo profile. */
  demoPort: number;
  /** Credential names: the demo makes random values, gives them to both simulator and gateway. */
  credentials?: readonly string[];
  /** Demo PD applications calling this integration. */
  demoClients?: readonly DemoClient[];
  /**
   * Requests a demo PD application sends through the gateway once the demo is up, so that the
   * contract's documented reads answer as printed (data the gateway itself keeps, as JDIHN's).
   * Sent as the application would, with its token; a request answered with an error stops the demo.
   */
  demoRequests?: readonly DemoRequest[];
  start(options: SandboxStartOptions): Promise<RunningSandbox>;
}

export function defineSandbox(module: SandboxModule): SandboxModule {
  return module;
}
