import { classifications, contractStates, httpMethods } from './contract.ts';

const name = { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 64 } as const;
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
    scopes: scopeList,
    timeoutMs: { type: 'integer', minimum: 1, maximum: 600000 },
    upstream: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'url'],
      properties: { name, url: { type: 'string', pattern: '^https?://' } },
    },
    forwarding: name,
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
          response: schemaRef,
        },
      },
    },
  },
} as const;
