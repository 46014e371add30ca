import { credentialReferencePattern } from '../../adapters/kit/credentials.ts';
import { healthCheck } from '../registry/contract-file-schema.ts';
import type { HealthCheckSpec } from '../resilience/health-targets.ts';


/** Asymmetric algorithms only: an HS* key would be the SSO's public key, which anyone can read. */
export const asymmetricAlgorithms = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519'] as const;
export type AsymmetricAlgorithm = (typeof asymmetricAlgorithms)[number];

export interface ListenerConfig { host: string; port: number }

/** TLS material of a listener, as PEM file paths. Files are re-read when they change. */
export interface TlsConfig {
  cert: string | null;
  key: string | null;
  /** CAs whose client certificates are accepted (the Dinas' CA, BSrE's chain, ...). */
  clientCa: string[];
  /** Revocation lists of those CAs; a changed file applies to the next request. */
  crl: string[];
  minVersion: 'TLSv1.2' | 'TLSv1.3';
}

export interface GatewayConfig {
  dataDir: string;
  internal: ListenerConfig & {
    trustProxy: boolean;
    /** HTTPS for PD applications when `tls.cert` is set. */
    tls: TlsConfig;
    /** PD applications must also present a client certificate registered to their consumer. */
    requireClientCert: boolean;
  };
  /** The partner listener: mutual TLS with registered certificates, under cooperation agreements. */
  external: ListenerConfig & { enabled: boolean; tls: TlsConfig; trustProxy: boolean };
  /** The store-and-forward worker (`batchSize`: callback events sent at once; deliveries go one at a time). */
  delivery: {
    pollMs: number; batchSize: number; leaseSeconds: number; baseDelayMs: number; maxDelayMs: number; defaultMaxAttempts: number; retentionDays: number;
    /** `Penghubung-Callback`: URLs notified when a delivery ends, on the origins the Dinas allows (none by default). */
    callbacks: { allowedOrigins: string[]; maxAttempts: number; timeoutMs: number; baseDelayMs: number; maxDelayMs: number };
  };
  /**
   * How long answers to requests with an Idempotency-Key are kept for replay; a key in flight that
   * its exchange has not kept alive for its contract's timeout plus `inFlightGraceSeconds` was left
   * by a stopped gateway.
   */
  idempotency: { retentionHours: number; inFlightGraceSeconds: number };
  /** Reload interval for TLS files (certificates, CAs, CRLs). */
  tlsReloadSeconds: number;
  /** The region's time zone: agreements run by its calendar days. */
  timezone: string;
  admin: ListenerConfig;
  sso: {
    issuer: string;
    audience: string;
    algorithms: AsymmetricAlgorithm[];
    /** Background refresh of the JWKS; a failed refresh keeps the keys already known. */
    jwksRefreshSeconds: number;
    /** Minimum time between two JWKS fetches caused by tokens with an unknown `kid`. */
    jwksCooldownSeconds: number;
    clockToleranceSeconds: number;
    tokenCacheSize: number;
    /** Claims (dot paths) whose string arrays count as roles, beside the `scope` claim. */
    roleClaims: string[];
  };
  limits: {
    bodyBytes: number;
    /** Rate per caller x contract when neither the contract nor the consumer sets one. */
    defaultRate: { rps: number; burst: number };
  };
  store: {
    url: string | null;
    /**
     * A store call without an answer for this long fails and counts as the store being
     * unavailable; 0 waits forever. PostgreSQL: the query's connection is dropped (a cut network
     * otherwise holds a query until TCP gives up, some fifteen minutes). Embedded store (SQLite):
     * how long a write waits for another process's (the CLI's) lock; 0 means 30 s there, as a
     * write that waits forever would hold every other behind it. Migrations run without it on
     * PostgreSQL.
     */
    queryTimeoutSeconds: number;
  };
  redis: { url: string | null };
  contracts: { directories: string[]; reloadSeconds: number };
  /** Per upstream name: base URL over the contract's, and credential references (`env:` / `file:`). */
  upstreams: Record<string, {
    url?: string;
    credentials: Record<string, string>;
    /** Mutual TLS towards the upstream (PEM file paths), for adapters. */
    tls?: { cert: string; key: string; ca?: string[] };
    /** Overrides the contract's health check field by field; `false` turns it off here. */
    healthCheck?: Partial<HealthCheckSpec> | false;
  }>;
  /** Folders with adapters beside the bundled `adapters/` (one sub-folder per adapter). */
  adapters: { directories: string[] };
  /** Read-only, unauthenticated feeds that adapters publish (the JDIHN harvest feed). Off unless enabled. */
  public: ListenerConfig & { enabled: boolean };
  trafficLog: { batchSize: number; flushMs: number; maxQueue: number; replaySeconds: number };
  shutdown: { drainSeconds: number };
  log: {
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    /** Which exchanges also get a pino line (the traffic log in the store has every one). */
    exchanges: 'all' | 'errors' | 'none';
  };
}

const listener = (host: string, port: number) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1, default: host },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: port },
  },
  required: [],
  default: {},
}) as const;

const nullableUrl = { type: 'string', nullable: true, default: null } as const;

const tls = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cert: { type: 'string', nullable: true, default: null },
    key: { type: 'string', nullable: true, default: null },
    clientCa: { type: 'array', items: { type: 'string' }, default: [] },
    crl: { type: 'array', items: { type: 'string' }, default: [] },
    minVersion: { type: 'string', enum: ['TLSv1.2', 'TLSv1.3'], default: 'TLSv1.2' },
  },
  required: [],
  default: {},
} as const;

export const configSchema = {
  $id: 'https://penghubung.go.id/schemas/config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir: { type: 'string', minLength: 1, default: './data' },
    internal: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...listener('0.0.0.0', 8080).properties,
        trustProxy: { type: 'boolean', default: false },
        tls,
        requireClientCert: { type: 'boolean', default: false },
      },
      required: [],
      default: {},
    },
    external: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...listener('0.0.0.0', 8443).properties,
        enabled: { type: 'boolean', default: false },
        trustProxy: { type: 'boolean', default: false },
        tls,
      },
      required: [],
      default: {},
    },
    tlsReloadSeconds: { type: 'number', minimum: 0.1, default: 5 },
    delivery: {
      type: 'object',
      additionalProperties: false,
      properties: {
        pollMs: { type: 'integer', minimum: 10, default: 1000 },
        batchSize: { type: 'integer', minimum: 1, default: 20 },
        leaseSeconds: { type: 'integer', minimum: 1, default: 120 },
        baseDelayMs: { type: 'integer', minimum: 1, default: 2000 },
        maxDelayMs: { type: 'integer', minimum: 1, default: 600000 },
        defaultMaxAttempts: { type: 'integer', minimum: 1, default: 50 },
        // Ended deliveries (and the answers callers poll) are kept this long, then deleted.
        retentionDays: { type: 'integer', minimum: 1, maximum: 3650, default: 30 },
        callbacks: {
          type: 'object',
          additionalProperties: false,
          properties: {
            // Origins only (scheme://host[:port]): an allow-list against SSRF, so callers cannot
            // point the gateway at its admin listener or a metadata endpoint.
            allowedOrigins: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^https?://[^/?#@\\s]+/?$' }, default: [] },
            maxAttempts: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
            timeoutMs: { type: 'integer', minimum: 100, maximum: 60000, default: 5000 },
            baseDelayMs: { type: 'integer', minimum: 1, default: 5000 },
            maxDelayMs: { type: 'integer', minimum: 1, default: 300000 },
          },
          required: [],
          default: {},
        },
      },
      required: [],
      default: {},
    },
    idempotency: {
      type: 'object',
      additionalProperties: false,
      properties: {
        retentionHours: { type: 'number', exclusiveMinimum: 0, maximum: 8760, default: 24 },
        inFlightGraceSeconds: { type: 'number', minimum: 0, maximum: 86400, default: 60 },
      },
      required: [],
      default: {},
    },
    timezone: { type: 'string', minLength: 1, default: 'Asia/Jakarta' },
    admin: listener('127.0.0.1', 9090),
    sso: {
      type: 'object',
      additionalProperties: false,
      properties: {
        issuer: { type: 'string', format: 'uri' },
        audience: { type: 'string', minLength: 1 },
        algorithms: {
          type: 'array', minItems: 1, uniqueItems: true,
          items: { type: 'string', enum: [...asymmetricAlgorithms] },
          default: ['ES256', 'RS256', 'PS256', 'EdDSA'],
        },
        jwksRefreshSeconds: { type: 'integer', minimum: 1, default: 300 },
        jwksCooldownSeconds: { type: 'number', minimum: 0, default: 30 },
        clockToleranceSeconds: { type: 'integer', minimum: 0, maximum: 300, default: 5 },
        tokenCacheSize: { type: 'integer', minimum: 0, default: 10000 },
        roleClaims: { type: 'array', items: { type: 'string' }, default: ['roles', 'realm_access.roles'] },
      },
      required: ['issuer', 'audience'],
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        bodyBytes: { type: 'integer', minimum: 1, default: 1048576 },
        defaultRate: {
          type: 'object',
          additionalProperties: false,
          properties: { rps: { type: 'number', exclusiveMinimum: 0, default: 50 }, burst: { type: 'integer', minimum: 1, default: 100 } },
          required: [],
          default: {},
        },
      },
      required: [],
      default: {},
    },
    store: {
      type: 'object', additionalProperties: false,
      properties: { url: nullableUrl, queryTimeoutSeconds: { type: 'number', minimum: 0, default: 30 } }, required: [], default: {},
    },
    redis: {
      type: 'object', additionalProperties: false,
      properties: { url: nullableUrl }, required: [], default: {},
    },
    contracts: {
      type: 'object',
      additionalProperties: false,
      properties: {
        directories: { type: 'array', items: { type: 'string' }, default: [] },
        reloadSeconds: { type: 'number', minimum: 0.1, default: 2 },
      },
      required: [],
      default: {},
    },
    upstreams: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          url: { type: 'string', format: 'uri' },
          credentials: {
            type: 'object',
            // References only: a secret value written into the config file is refused.
            additionalProperties: { type: 'string', pattern: credentialReferencePattern },
            default: {},
          },
          tls: {
            type: 'object',
            additionalProperties: false,
            properties: { cert: { type: 'string' }, key: { type: 'string' }, ca: { type: 'array', items: { type: 'string' } } },
            required: ['cert', 'key'],
          },
          healthCheck: { anyOf: [{ const: false }, { ...healthCheck, required: [] }] },
        },
        required: [],
      },
      required: [],
      default: {},
    },
    adapters: {
      type: 'object',
      additionalProperties: false,
      properties: { directories: { type: 'array', items: { type: 'string' }, default: [] } },
      required: [],
      default: {},
    },
    public: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...listener('0.0.0.0', 8088).properties,
        enabled: { type: 'boolean', default: false },
      },
      required: [],
      default: {},
    },
    trafficLog: {
      type: 'object',
      additionalProperties: false,
      properties: {
        batchSize: { type: 'integer', minimum: 1, default: 500 },
        flushMs: { type: 'integer', minimum: 1, default: 200 },
        maxQueue: { type: 'integer', minimum: 1, default: 20000 },
        replaySeconds: { type: 'number', minimum: 0.05, default: 5 },
      },
      required: [],
      default: {},
    },
    shutdown: {
      type: 'object',
      additionalProperties: false,
      properties: { drainSeconds: { type: 'number', minimum: 0, default: 15 } },
      required: [],
      default: {},
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
        exchanges: { type: 'string', enum: ['all', 'errors', 'none'], default: 'errors' },
      },
      required: [],
      default: {},
    },
  },
  required: ['sso'],
} as const;
