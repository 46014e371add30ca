import Type, { type Static, type TSchema, type TSchemaOptions } from 'typebox';
import { credentialReferencePattern, healthCheck } from './shared-schemas.ts';

/*
 * The gateway configuration, defined once: `configSchema` is the JSON Schema that `load.ts` checks
 * a config file with (ajv, which also fills the defaults), and the TypeScript types below are
 * derived from it with TypeBox (docs/decisions/0002-config-typebox.md). A key added, renamed or
 * retyped here changes both at once. Keys with a `default` are always present once loaded, so
 * they are not optional in the types.
 */

/** Asymmetric algorithms only: an HS* key would be the SSO's public key, which anyone can read. */
export const asymmetricAlgorithms = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519'] as const;
export type AsymmetricAlgorithm = (typeof asymmetricAlgorithms)[number];

/** A string or null, as ajv's `nullable` keyword (one "must be string" on a bad value, where a union would give three). */
const NullableString = (options: TSchemaOptions) => Type.Unsafe<string | null>({ type: 'string', nullable: true, ...options });

/**
 * A map with free keys, as `additionalProperties`. Type.Record writes `patternProperties` with
 * `^.*$` instead, which leaves keys holding a line break unchecked.
 */
const Dictionary = <Value extends TSchema>(value: Value, options: TSchemaOptions = {}) =>
  Type.Unsafe<Record<string, Static<Value>>>({ type: 'object', additionalProperties: value, ...options });

/** A config section: unknown keys are refused, and an absent section is `{}`, then its keys' defaults. */
const section = <Properties extends Parameters<typeof Type.Object>[0]>(properties: Properties) =>
  Type.Object(properties, { additionalProperties: false, default: {} });

const listener = (host: string, port: number) => section({
  host: Type.String({ minLength: 1, default: host }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: port }),
});
export type ListenerConfig = Static<ReturnType<typeof listener>>;

/**
 * The URL callers reach a listener at (through a proxy or a DNS name), as `GET /openapi.json`
 * names it in `servers`. Never taken from the request's `Host`, which the caller writes; when
 * null, the address the connection arrived on.
 */
const publicUrl = NullableString({ format: 'uri', pattern: '^https?://[^/?#]+(/[^?#]*)?$', default: null });

/** TLS material of a listener, as PEM file paths. Files are re-read when they change. */
const tls = section({
  cert: NullableString({ default: null }),
  key: NullableString({ default: null }),
  /** CAs whose client certificates are accepted (the Dinas' CA, BSrE's chain, ...). */
  clientCa: Type.Array(Type.String(), { default: [] }),
  /** Revocation lists of those CAs; a changed file applies to the next request. */
  crl: Type.Array(Type.String(), { default: [] }),
  minVersion: Type.Enum(['TLSv1.2', 'TLSv1.3'], { type: 'string', default: 'TLSv1.2' }),
});
export type TlsConfig = Static<typeof tls>;

/** One entry of `upstreams`. */
const upstream = Type.Object({
  url: Type.Optional(Type.String({ format: 'uri' })),
  // References only: a secret value written into the config file is refused.
  credentials: Dictionary(Type.String({ pattern: credentialReferencePattern }), { default: {} }),
  /** Mutual TLS towards the upstream (PEM file paths), for adapters. */
  tls: Type.Optional(Type.Object({
    cert: Type.String(),
    key: Type.String(),
    ca: Type.Optional(Type.Array(Type.String())),
  }, { additionalProperties: false })),
  /** Overrides the contract's health check field by field; `false` turns it off here. */
  healthCheck: Type.Optional(Type.Union([
    // Not Type.Literal(false), which adds `type: 'boolean'` and so a "must be boolean" to every refused override.
    Type.Unsafe<false>({ const: false }),
    Type.Partial(healthCheck, { additionalProperties: false }),
  ])),
}, { additionalProperties: false });

export const configSchema = Type.Object({
  dataDir: Type.String({ minLength: 1, default: './data' }),
  internal: section({
    ...listener('0.0.0.0', 8080).properties,
    publicUrl,
    trustProxy: Type.Boolean({ default: false }),
    /** HTTPS for PD applications when `tls.cert` is set. */
    tls,
    /** PD applications must also present a client certificate registered to their consumer. */
    requireClientCert: Type.Boolean({ default: false }),
  }),
  /** The partner listener: mutual TLS with registered certificates, under cooperation agreements. */
  external: section({
    ...listener('0.0.0.0', 8443).properties,
    publicUrl,
    enabled: Type.Boolean({ default: false }),
    trustProxy: Type.Boolean({ default: false }),
    tls,
  }),
  /** Reload interval for TLS files (certificates, CAs, CRLs). */
  tlsReloadSeconds: Type.Number({ minimum: 0.1, default: 5 }),
  /** The store-and-forward worker (`batchSize`: callback events sent at once; deliveries go one at a time). */
  delivery: section({
    pollMs: Type.Integer({ minimum: 10, default: 1000 }),
    batchSize: Type.Integer({ minimum: 1, default: 20 }),
    leaseSeconds: Type.Integer({ minimum: 1, default: 120 }),
    baseDelayMs: Type.Integer({ minimum: 1, default: 2000 }),
    maxDelayMs: Type.Integer({ minimum: 1, default: 600000 }),
    defaultMaxAttempts: Type.Integer({ minimum: 1, default: 50 }),
    /** Ended deliveries (and the answers callers poll) are kept this long, then deleted. */
    retentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
    /** `Penghubung-Callback`: URLs notified when a delivery ends, on the origins the Dinas allows (none by default). */
    callbacks: section({
      /**
       * Origins only (scheme://host[:port]): an allow-list against SSRF, so callers cannot point
       * the gateway at its admin listener or a metadata endpoint.
       */
      allowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^/?#@\\s]+/?$' }), { uniqueItems: true, default: [] }),
      maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
      timeoutMs: Type.Integer({ minimum: 100, maximum: 60000, default: 5000 }),
      baseDelayMs: Type.Integer({ minimum: 1, default: 5000 }),
      maxDelayMs: Type.Integer({ minimum: 1, default: 300000 }),
    }),
  }),
  /**
   * How long answers to requests with an Idempotency-Key are kept for replay; a key in flight that
   * its exchange has not kept alive for its contract's timeout plus `inFlightGraceSeconds` was left
   * by a stopped gateway.
   */
  idempotency: section({
    retentionHours: Type.Number({ exclusiveMinimum: 0, maximum: 8760, default: 24 }),
    inFlightGraceSeconds: Type.Number({ minimum: 0, maximum: 86400, default: 60 }),
  }),
  /** The region's time zone: agreements run by its calendar days. */
  timezone: Type.String({ minLength: 1, default: 'Asia/Jakarta' }),
  admin: listener('127.0.0.1', 9090),
  /**
   * The ops console on the admin listener (`/`): people sign in through the SSO (authorization
   * code with PKCE) as the confidential client `clientId`. Off until a client secret is given.
   */
  console: section({
    clientId: Type.String({ minLength: 1, default: 'penghubung-console' }),
    clientSecret: NullableString({ pattern: credentialReferencePattern, default: null }),
    /**
     * The admin listener's URL as browsers reach it (a TLS proxy in front): the redirect URI
     * registered at the SSO is `<publicUrl>/masuk/kembali`. Null: `http://<admin.host>:<admin.port>`.
     */
    publicUrl,
    /** A session ends after this long without a request, and in any case after `sessionMaxHours`. */
    sessionIdleMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 30 }),
    sessionMaxHours: Type.Integer({ minimum: 1, maximum: 24, default: 8 }),
  }),
  /** Who the console and the SPBE report speak for: the region, its Dinas and the head who signs. */
  region: section({
    name: Type.String({ minLength: 1, default: 'Pemerintah Kabupaten Contoh' }),
    agency: Type.String({ minLength: 1, default: 'Dinas Komunikasi dan Informatika' }),
    /** The town written above the signature ("Contoh, 7 Desember 2026"). */
    city: Type.String({ minLength: 1, default: 'Contoh' }),
    head: section({
      title: Type.String({ minLength: 1, default: 'Kepala Dinas Komunikasi dan Informatika' }),
      name: Type.String({ minLength: 1, default: '(nama Kepala Dinas)' }),
      /** The head's NIP, printed under the name; empty leaves the line out. */
      nip: Type.String({ default: '' }),
    }),
  }),
  sso: Type.Object({
    issuer: Type.String({ format: 'uri' }),
    audience: Type.String({ minLength: 1 }),
    algorithms: Type.Array(Type.Enum(asymmetricAlgorithms, { type: 'string' }), {
      minItems: 1, uniqueItems: true, default: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    }),
    /** Background refresh of the JWKS; a failed refresh keeps the keys already known. */
    jwksRefreshSeconds: Type.Integer({ minimum: 1, default: 300 }),
    /** Minimum time between two JWKS fetches caused by tokens with an unknown `kid`. */
    jwksCooldownSeconds: Type.Number({ minimum: 0, default: 30 }),
    clockToleranceSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 5 }),
    tokenCacheSize: Type.Integer({ minimum: 0, default: 10000 }),
    /** Claims (dot paths) whose string arrays count as roles, beside the `scope` claim. */
    roleClaims: Type.Array(Type.String(), { default: ['roles', 'realm_access.roles'] }),
  }, { additionalProperties: false }),
  limits: section({
    bodyBytes: Type.Integer({ minimum: 1, default: 1048576 }),
    /** Rate per caller x contract when neither the contract nor the consumer sets one. */
    defaultRate: section({
      rps: Type.Number({ exclusiveMinimum: 0, default: 50 }),
      burst: Type.Integer({ minimum: 1, default: 100 }),
    }),
  }),
  store: section({
    url: NullableString({ default: null }),
    /**
     * A store call without an answer for this long fails and counts as the store being
     * unavailable; 0 waits forever. PostgreSQL: the query's connection is dropped (a cut network
     * otherwise holds a query until TCP gives up, some fifteen minutes). Embedded store (SQLite):
     * how long a write waits for another process's (the CLI's) lock; 0 means 30 s there, as a
     * write that waits forever would hold every other behind it. Migrations run without it on
     * PostgreSQL.
     */
    queryTimeoutSeconds: Type.Number({ minimum: 0, default: 30 }),
  }),
  redis: section({ url: NullableString({ default: null }) }),
  contracts: section({
    directories: Type.Array(Type.String(), { default: [] }),
    /**
     * Take the files' states as written (the first install, the demo, tests); otherwise a new
     * version in the files becomes a draft awaiting approval (docs/administration.md).
     */
    bootstrap: Type.Boolean({ default: false }),
    reloadSeconds: Type.Number({ minimum: 0.1, default: 2 }),
  }),
  /** Per upstream name: base URL over the contract's, and credential references (`env:` / `file:`). */
  upstreams: Dictionary(upstream, { default: {} }),
  /** Folders with adapters beside the bundled `adapters/` (one sub-folder per adapter). */
  adapters: section({ directories: Type.Array(Type.String(), { default: [] }) }),
  /** Read-only, unauthenticated feeds that adapters publish (the JDIHN harvest feed). Off unless enabled. */
  public: section({
    ...listener('0.0.0.0', 8088).properties,
    enabled: Type.Boolean({ default: false }),
  }),
  trafficLog: section({
    batchSize: Type.Integer({ minimum: 1, default: 500 }),
    flushMs: Type.Integer({ minimum: 1, default: 200 }),
    maxQueue: Type.Integer({ minimum: 1, default: 20000 }),
    replaySeconds: Type.Number({ minimum: 0.05, default: 5 }),
  }),
  /** Hash chains over the traffic log and the audit trail, and their signed checkpoints (docs/integrity.md). */
  integrity: section({
    /** A chain that has grown this many rows since its last checkpoint gets the next one at once... */
    checkpointRows: Type.Integer({ minimum: 1, default: 1000 }),
    /** ...and one that has grown at all, within this many seconds. */
    checkpointSeconds: Type.Number({ minimum: 0.05, default: 60 }),
    /**
     * This instance's id: the name of its traffic-log chain. Null: a random one made on the first
     * run and kept in `<dataDir>/instance-id`. Two instances must never share one.
     */
    instanceId: NullableString({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$', default: null }),
  }),
  shutdown: section({ drainSeconds: Type.Number({ minimum: 0, default: 15 }) }),
  log: section({
    level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { type: 'string', default: 'info' }),
    /** Which exchanges also get a pino line (the traffic log in the store has every one). */
    exchanges: Type.Enum(['all', 'errors', 'none'], { type: 'string', default: 'errors' }),
  }),
}, { $id: 'https://penghubung.go.id/schemas/config.json', additionalProperties: false });

export type GatewayConfig = Static<typeof configSchema>;
