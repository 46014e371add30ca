import type { Classification } from '../registry/contract.ts';
import { clearanceCovers, routePrefix } from '../registry/contract.ts';
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

/** OpenAPI 3.1 document of exactly the operations the caller may call, from the active contracts. */
export function buildOpenApi(routes: readonly Route[], mayCall: (route: Route) => boolean, serverUrl: string, security: keyof typeof securitySchemes = 'sso'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Map<string, string>();
  for (const route of routes) {
    if (!mayCall(route)) continue;
    const { contract, operation } = route;
    const path = routePrefix(contract) + (operation.path === '/' ? '' : operation.path);
    tags.set(contract.integration, contract.title);
    const parameters = [
      ...Object.entries(operation.pathParams).map(([name, spec]) => ({ name, in: 'path', required: true, schema: spec.schema, example: spec.example, description: spec.description })),
      ...Object.entries(operation.query).map(([name, spec]) => ({ name, in: 'query', required: spec.required ?? false, schema: spec.schema, example: spec.example, description: spec.description })),
    ];
    const responses: Record<string, unknown> = {
      '200': {
        description: 'Answer of the upstream service.',
        ...(operation.response ? { content: { 'application/json': { schema: operation.response.schema, ...(operation.response.example === undefined ? {} : { example: operation.response.example }) } } } : {}),
      },
      default: { description: 'Refusal by the gateway (RFC 9457).', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    };
    (paths[path] ??= {})[operation.method.toLowerCase()] = {
      operationId: `${contract.id}.${operation.id}`,
      summary: operation.summary ?? operation.id,
      tags: [contract.integration],
      'x-contract': { id: contract.id, version: contract.version, classification: contract.classification, scopes: route.requiredScopes },
      ...(parameters.length ? { parameters } : {}),
      ...(operation.request ? { requestBody: { required: true, content: { 'application/json': { schema: operation.request.schema, example: operation.request.example } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Penghubung: layanan yang dapat Anda panggil / services you may call', version: '1' },
    servers: [{ url: serverUrl }],
    tags: [...tags].map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: { [security]: securitySchemes[security] },
    },
    security: [{ [security]: [] }],
  };
}
