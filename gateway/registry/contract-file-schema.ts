import { healthCheck } from '../config/shared-schemas.ts';
import { classifications, contractStates, httpMethods } from './contract.ts';

const name = { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 64 } as const;

/** Sustained requests per second and the burst allowed at once. */
export const rateRule = {
  type: 'object',
  additionalProperties: false,
  required: ['rps', 'burst'],
  properties: { rps: { type: 'number', exclusiveMinimum: 0, maximum: 100000 }, burst: { type: 'integer', minimum: 1, maximum: 1000000 } },
} as const;
const scopeList = { type: 'array', items: { type: 'string', pattern: '^[\\w.:/-]+$' }, uniqueItems: true } as const;
/** A schema is inline, or a path to a JSON / YAML file beside the contract. */
const schemaRef = {
  type: 'object',
  additionalProperties: false,
  required: ['schema'],
  properties: {
    schema: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] },
    example: {},
  },
} as const;
/**
 * The success answer: a schema like a request's, the status it comes with (default 200) and the
 * other success statuses the operation may answer (JDIHN: 201 new, 200 replaced), each in OpenAPI.
 */
const responseRef = {
  type: 'object',
  additionalProperties: false,
  required: ['schema'],
  properties: {
    ...schemaRef.properties,
    status: { type: 'integer', minimum: 200, maximum: 299 },
    description: { type: 'string', minLength: 1 },
    otherStatuses: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^2[0-9]{2}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['description'],
        properties: { description: { type: 'string', minLength: 1 }, schema: schemaRef.properties.schema, example: {} },
      },
    },
  },
} as const;
const parameter = {
  type: 'object',
  additionalProperties: false,
  required: ['schema'],
  properties: {
    schema: { type: 'object' },
    example: {},
    description: { type: 'string' },
    required: { type: 'boolean' },
  },
} as const;

/** The shape of a contract YAML file under `contracts/<integration>/`. */
export const contractFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'integration', 'version', 'state', 'classification', 'operations'],
  properties: {
    id: { ...name, maxLength: 128 },
    integration: name,
    version: { type: 'string', pattern: '^[1-9][0-9]*\\.[0-9]+\\.[0-9]+$' },
    title: { type: 'string' },
    description: { type: 'string' },
    state: { enum: [...contractStates] },
    classification: { enum: [...classifications] },
    /** The wali data: the department that owns the data (Pasal 19(3) of Perbup 000) and sets its confidentiality. */
    dataOwner: { type: 'string', minLength: 1, maxLength: 200 },
    /** The service level the contract declares (ServiceLevelSpec in contract.ts): availability in percent, p95 latency in ms. */
    serviceLevel: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        availability: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
        latencyP95Ms: { type: 'integer', minimum: 1, maximum: 600000 },
      },
    },
    /** Signed receipts (`Penghubung-Receipt`, docs/integrity.md) on every answer of its operations, unless an operation says otherwise. */
    receipt: { type: 'boolean' },
    scopes: scopeList,
    timeoutMs: { type: 'integer', minimum: 1, maximum: 600000 },
    upstream: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'url'],
      properties: {
        name,
        url: { type: 'string', pattern: '^https?://' },
        /** Calls in flight to this upstream at most, from this gateway instance. */
        maxConcurrent: { type: 'integer', minimum: 1, maximum: 100000 },
        /** Active health check: probes feed the breaker and /readyz detail. */
        healthCheck: healthCheck,
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        /** Per caller (consumer or partner) and contract: sustained requests per second and burst. */
        rate: rateRule,
      },
    },
    resilience: {
      type: 'object',
      additionalProperties: false,
      properties: {
        breaker: {
          type: 'object',
          additionalProperties: false,
          properties: {
            errorThresholdPercentage: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
            volumeThreshold: { type: 'integer', minimum: 1 },
            resetTimeoutMs: { type: 'integer', minimum: 100 },
            rollingCountMs: { type: 'integer', minimum: 1000 },
          },
        },
        retries: {
          type: 'object',
          additionalProperties: false,
          properties: {
            attempts: { type: 'integer', minimum: 0, maximum: 5 },
            baseDelayMs: { type: 'integer', minimum: 1 },
            maxDelayMs: { type: 'integer', minimum: 1 },
          },
        },
      },
    },
    forwarding: name,
    /** Passthrough: request headers the upstream gets beside the gateway's allow-list (RFC 9110 field names). */
    forwardHeaders: { type: 'array', maxItems: 32, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$', maxLength: 64 } },
    /** Settings for the adapter, checked against the adapter's own `settingsSchema`. */
    adapter: { type: 'object' },
    operations: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'method', 'path'],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z][\\w-]*$' },
          method: { enum: [...httpMethods] },
          path: { type: 'string', pattern: '^(/[\\w.~-]+|/\\{[A-Za-z_]\\w*\\})+$|^/$' },
          summary: { type: 'string' },
          scopes: scopeList,
          parameters: { type: 'object', additionalProperties: parameter },
          query: { type: 'object', additionalProperties: parameter },
          request: schemaRef,
          response: responseRef,
          /** `required`: POST/PATCH without an Idempotency-Key are refused (IDEMPOTENCY_KEY_MISSING). */
          idempotency: { enum: ['optional', 'required'] },
          /** Signed receipts on this operation's answers, over the contract's `receipt`. */
          receipt: { type: 'boolean' },
          /** Store-and-forward: accepted with 202, delivered by the worker with retries. */
          delivery: {
            type: 'object',
            additionalProperties: false,
            required: ['mode'],
            properties: {
              mode: { enum: ['sync', 'async'] },
              /** JSON pointer into the body: deliveries with the same value go out in order. */
              orderKey: { type: 'string', pattern: '^(/[^/]*)+$' },
              maxAttempts: { type: 'integer', minimum: 1, maximum: 1000 },
            },
          },
        },
      },
    },
  },
} as const;
