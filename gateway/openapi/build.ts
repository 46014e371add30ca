import { type Classification, type ResponseSpec, clearanceCovers, givesReceipt, routePrefix } from '../registry/contract.ts';
import type { Route } from '../registry/routing-table.ts';
import { problemCatalogue } from '../errors/catalogue.ts';

export interface Caller { grants: ReadonlySet<string>; clearance: Classification }

/** A PD application may call a route when its token's scopes and its clearance cover it. */
export function consumerMayCall(caller: Caller): (route: Route) => boolean {
  return (route) => route.requiredScopes.every((scope) => caller.grants.has(scope)) && clearanceCovers(caller.clearance, route.contract.classification);
}

/** How callers of a listener authenticate, as OpenAPI security schemes. */
const securitySchemes = {
  sso: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'SSO access token of the calling application.' },
  mutualTLS: { type: 'mutualTLS', description: 'Client certificate registered to the partner by the Dinas.' },
} as const;

export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'instance', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request id (X-Request-Id).' },
    code: { type: 'string', enum: Object.keys(problemCatalogue) },
    errors: { type: 'array', items: { type: 'object', properties: { in: { type: 'string' }, pointer: { type: 'string' }, message: { type: 'string' } } } },
    upstream: {
      type: 'object',
      description: 'UPSTREAM_* codes: what the national system or upstream itself answered.',
      properties: { system: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
    },
  },
};

const deliveryRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** What store-and-forward answers and sends: the 202, the poll document, the callback event. */
export const deliverySchemas = {
  DeliveryAccepted: {
    type: 'object',
    description: 'The request was stored and will be delivered to the upstream; poll `location`.',
    required: ['deliveryId', 'status', 'location'],
    properties: {
      deliveryId: { type: 'string', format: 'uuid' },
      status: { const: 'pending' },
      location: { type: 'string', description: '`deliveries/{deliveryId}` relative to the URL of the request (RFC 9110 10.2.2), also in the `Location` header: it resolves to `GET {prefix}/deliveries/{deliveryId}` under the contract\'s prefix, also through a proxy that publishes the prefix (SPLP).' },
    },
  },
  DeliveryStatus: {
    type: 'object',
    description: 'Where an accepted request stands (visible to the application that sent it only).',
    required: ['deliveryId', 'contract', 'operation', 'status', 'attempts', 'acceptedAt', 'updatedAt'],
    properties: {
      deliveryId: { type: 'string', format: 'uuid' },
      contract: { type: 'string' },
      operation: { type: 'string' },
      status: { enum: ['pending', 'delivering', 'delivered', 'failed', 'cancelled'], description: '`failed`: parked for the Dinas, who retry or cancel it.' },
      attempts: { type: 'integer' },
      acceptedAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
      nextAttemptAt: { type: 'string', format: 'date-time', description: 'While `pending`.' },
      lastError: { type: 'string' },
      response: {
        type: 'object',
        description: 'The upstream\'s answer, once there is one. When `status` is `delivered`, `body` is the operation\'s answer as documented under `x-delivered-response` of its 202; when `failed`, the refusal.',
        required: ['status', 'body'],
        properties: { status: { type: 'integer' }, body: {} },
      },
      callback: {
        type: 'object',
        description: 'Present when the request carried `Penghubung-Callback`. `none` until the delivery ends.',
        required: ['url', 'state', 'attempts'],
        properties: {
          url: { type: 'string', format: 'uri' },
          state: { enum: ['none', 'pending', 'sent', 'failed'] },
          attempts: { type: 'integer' },
          nextAttemptAt: { type: 'string', format: 'date-time' },
          lastError: { type: 'string' },
        },
      },
    },
  },
  DeliveryEvent: {
    type: 'object',
    description: 'Sent to the callback URL when a delivery ends. Thin on purpose: no upstream answer and no personal data; fetch the details from `location` with your own token (so a forged event can do no harm).',
    required: ['deliveryId', 'status', 'location'],
    properties: {
      deliveryId: { type: 'string', format: 'uuid' },
      status: { enum: ['delivered', 'failed', 'cancelled'] },
      location: { type: 'string' },
    },
  },
} as const;

const callbackParameter = {
  name: 'Penghubung-Callback',
  in: 'header',
  required: false,
  schema: { type: 'string', format: 'uri', maxLength: 2048 },
  description: 'Optional: an absolute http(s) URL, on an origin the Dinas allowed (`delivery.callbacks.allowedOrigins`), that gets a `DeliveryEvent` POST when the delivery ends. Anything else is refused with 422 `CALLBACK_NOT_ALLOWED` and nothing is stored. Redirects are not followed; a non-2xx answer is retried with backoff.',
};

const deliveryEnded = {
  '{$request.header.Penghubung-Callback}': {
    post: {
      summary: 'The delivery ended (delivered, failed or cancelled)',
      parameters: [
        { name: 'Penghubung-Event', in: 'header', required: true, schema: { enum: ['delivery.delivered', 'delivery.failed', 'delivery.cancelled'] } },
        { name: 'Penghubung-Delivery-Id', in: 'header', required: true, schema: { type: 'string', format: 'uuid' } },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: deliveryRef('DeliveryEvent') } } },
      responses: { '2XX': { description: 'Received. Any other answer (a redirect too) is retried with backoff, then given up; polling still works.' } },
    },
  },
};

const json = (schema: unknown, example: unknown) => ({ content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } } });

/** The 202 of a `delivery: async` operation; its own answer comes later, in the poll document's `response.body`. */
function acceptedResponse(route: Route): Record<string, unknown> {
  const { response } = route.operation;
  return {
    description: 'Accepted for store-and-forward delivery: stored, and sent to the upstream by the gateway (with retries, across restarts). Poll `Location`; once `status` is `delivered`, `response.body` is the answer described under `x-delivered-response`.',
    headers: { Location: { description: 'Where to poll: `deliveries/{deliveryId}` relative to the URL of this request, that is `GET {prefix}/deliveries/{deliveryId}` (also answered at `GET /deliveries/{deliveryId}`).', schema: { type: 'string' } } },
    content: { 'application/json': { schema: deliveryRef('DeliveryAccepted') } },
    links: { deliveryStatus: { operationId: 'penghubung.getDelivery', parameters: { id: '$response.body#/deliveryId' }, description: 'Poll the delivery.' } },
    ...(response ? {
      'x-delivered-response': {
        description: 'The upstream\'s answer, in `response.body` of `GET /deliveries/{id}` once the delivery is `delivered`.',
        ...json(response.schema, response.example),
      },
    } : {}),
  };
}

/** A synchronous operation's answers: its status (200 unless the contract says otherwise) and the other statuses it declares. */
function successResponses(response: ResponseSpec | undefined): Record<string, unknown> {
  const description = 'Answer of the upstream service.';
  if (!response) return { '200': { description } };
  return {
    [String(response.status ?? 200)]: { description: response.description ?? description, ...json(response.schema, response.example) },
    ...Object.fromEntries(Object.entries(response.otherStatuses ?? {}).map(([status, other]) => [status, { description: other.description, ...json(other.schema ?? response.schema, other.example) }])),
  };
}

const problemResponse = { description: 'Refusal by the gateway (RFC 9457).', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };

const receiptHeaders = {
  'Penghubung-Receipt': {
    description: 'Tanda terima bertanda tangan / signed receipt: a compact JWS (EdDSA) over the request id, exchange id, contract, operation, caller, times, status and the SHA-256 of the request body received and of this answer\'s body. Verify it offline against `GET /.well-known/jwks.json` (docs/integrity.md). Refusals given before the caller was identified, authorized and within its rate limit carry none.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' },
  },
};

/** Every answer of an operation that gives receipts documents the header. */
function withReceipt(responses: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(responses).map(([status, response]) => {
    const { headers, ...rest } = response as { headers?: Record<string, unknown> };
    return [status, { ...rest, headers: { ...headers, ...receiptHeaders } }];
  }));
}

const getDelivery = {
  get: {
    operationId: 'penghubung.getDelivery',
    summary: 'Where a request accepted for delivery (202) stands',
    description: 'Also answered under the prefix of the delivery\'s contract, `GET /{integration}/v{major}/deliveries/{id}`, where the 202\'s relative `Location` resolves.',
    tags: ['deliveries'],
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
    responses: {
      '200': { description: 'The delivery, with the upstream\'s answer once there is one.', content: { 'application/json': { schema: deliveryRef('DeliveryStatus') } } },
      default: problemResponse,
    },
  },
};

/** OpenAPI 3.1 document of exactly the operations the caller may call, from the active contracts. */
export function buildOpenApi(routes: readonly Route[], mayCall: (route: Route) => boolean, serverUrl: string, security: keyof typeof securitySchemes = 'sso'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Map<string, string>();
  let anyAsync = false;
  for (const route of routes) {
    if (!mayCall(route)) continue;
    const { contract, operation } = route;
    const path = routePrefix(contract) + (operation.path === '/' ? '' : operation.path);
    tags.set(contract.integration, contract.title);
    const isAsync = operation.delivery?.mode === 'async';
    anyAsync ||= isAsync;
    const parameters = [
      ...Object.entries(operation.pathParams).map(([name, spec]) => ({ name, in: 'path', required: true, schema: spec.schema, example: spec.example, description: spec.description })),
      ...Object.entries(operation.query).map(([name, spec]) => ({ name, in: 'query', required: spec.required ?? false, schema: spec.schema, example: spec.example, description: spec.description })),
      ...(isAsync ? [callbackParameter] : []),
    ];
    const receipt = givesReceipt(contract, operation);
    const answers = { ...(isAsync ? { '202': acceptedResponse(route) } : successResponses(operation.response)), default: problemResponse };
    const responses = receipt ? withReceipt(answers) : answers;
    (paths[path] ??= {})[operation.method.toLowerCase()] = {
      operationId: `${contract.id}.${operation.id}`,
      summary: operation.summary ?? operation.id,
      tags: [contract.integration],
      'x-contract': { id: contract.id, version: contract.version, classification: contract.classification, scopes: route.requiredScopes, ...(receipt ? { receipt: true } : {}) },
      ...(parameters.length ? { parameters } : {}),
      ...(operation.request ? { requestBody: { required: true, ...json(operation.request.schema, operation.request.example) } } : {}),
      responses,
      ...(isAsync ? { callbacks: { deliveryEnded } } : {}),
    };
  }
  // The poll endpoint is listed for a caller that may call an async operation.
  if (anyAsync) {
    paths['/deliveries/{id}'] = getDelivery;
    tags.set('deliveries', 'Store-and-forward: requests accepted with 202 and delivered by the gateway.');
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Penghubung: layanan yang dapat Anda panggil / services you may call', version: '1' },
    servers: [{ url: serverUrl }],
    tags: [...tags].map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: { Problem: problemSchema, ...(anyAsync ? deliverySchemas : {}) },
      securitySchemes: { [security]: securitySchemes[security] },
    },
    security: [{ [security]: [] }],
  };
}
