import Type, { type Static } from 'typebox';

/*
 * Schema pieces that the config shares with the layers above it (the contract format, the health
 * checks, the adapter kit). Config is the bottom layer: they are defined here and imported upwards,
 * so `gateway/config/` imports nothing from the rest of the gateway.
 */

/**
 * A credential reference in config `upstreams.<name>.credentials` (`env:BKN_CLIENT_SECRET` or
 * `file:/run/secrets/bkn/client-secret`): the value itself is refused, so it never sits in a
 * config file. `gateway/upstream/credentials.ts` resolves the references.
 */
export const credentialReferencePattern = '^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$';

/**
 * An upstream's health check as a contract states it (`upstream.healthCheck`), and as config
 * `upstreams.<name>.healthCheck` overrides it (field by field, so every field is optional there).
 */
export const healthCheck = Type.Object(
  {
    /** Below the upstream's base URL, like an operation path; may carry a query. */
    path: Type.String({ pattern: '^/' }),
    /** Pause between probes (default 10). */
    intervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    /** Per probe (default 2000, or the interval if shorter). */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60000 })),
    /** Failed probes in a row that open the circuit (default 2). */
    unhealthyThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  },
  { additionalProperties: false },
);

/** See `healthCheck`. */
export type HealthCheckSpec = Static<typeof healthCheck>;
