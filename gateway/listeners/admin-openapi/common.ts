import { problemCatalogue, problemType, type ProblemCode } from '../../errors/catalogue.ts';

/**
 * How one admin API route is described, beside the route itself: the document (index.ts) is
 * built from these, so what an operation may answer is said once, per route, with its roles.
 */
export interface AdminOperation {
  method: 'get' | 'put' | 'post' | 'delete';
  /** OpenAPI template of the express route (`{id}` for `:id`); test/admin-openapi.test.ts holds the two together. */
  path: string;
  id: string;
  tag: string;
  /** Bahasa Indonesia / English, as the contracts' summaries. */
  summary: string;
  description?: string;
  /** Roles of which the token must hold one (admin-roles.ts); null: no token at all (health). */
  roles: readonly string[] | null;
  parameters?: readonly Parameter[];
  body?: RequestBody;
  /** The success answers, by status. */
  answers: Record<string, Answer>;
  /** What the route itself refuses with, beside what every call (token, role, body) can get. */
  problems?: readonly ProblemCode[];
  /** A more telling example of a code than the common one. */
  problemExamples?: Partial<Record<ProblemCode, { detail: string } & Record<string, unknown>>>;
}

export interface Parameter { name: string; in: 'path' | 'query'; description: string; schema: unknown; required?: boolean; example?: unknown }

export interface RequestBody {
  schema: unknown;
  example: unknown;
  required?: boolean;
  /** Other media types the route reads beside JSON, with their schema and example. */
  alternatives?: Record<string, { schema: unknown; example: unknown }>;
}

export interface Answer { description: string; schema?: unknown; example?: unknown; headers?: Record<string, unknown>; /** Default `application/json`. */ mediaType?: string }

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const pageOf = (item: string, description: string) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: ref(item), description },
    nextCursor: { type: ['string', 'null'], description: 'Untuk halaman berikut / for the next page: `cursor=<nextCursor>`; null on the last page.' },
  },
});
export const itemsOf = (item: unknown) => ({ type: 'object', required: ['items'], properties: { items: { type: 'array', items: item } } });
export const dateTime = { type: 'string', format: 'date-time' } as const;

/**
 * The route schemas are ajv's (draft-07 with its `nullable` extension); the document is OpenAPI
 * 3.1, whose schemas are JSON Schema 2020-12 and know no `nullable`: `type: [T, 'null']` instead.
 */
export function openApiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openApiSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const { nullable: isNullable, ...rest } = schema as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, openApiSchema(value)]));
  if (isNullable === true && typeof converted.type === 'string') converted.type = [converted.type, 'null'];
  return converted;
}

// Every call can meet these: a bad request (two Host headers, a body cut off) and a fault.
const everyCall: readonly ProblemCode[] = ['BAD_REQUEST', 'INTERNAL_ERROR'];
const withToken: readonly ProblemCode[] = ['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'FORBIDDEN_ROLE'];
const withBody: readonly ProblemCode[] = ['MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

/** What the admin API says for each code, as an example; routes may give their own. */
const commonDetails: Partial<Record<ProblemCode, { detail: string } & Record<string, unknown>>> = {
  BAD_REQUEST: { detail: 'Send exactly one Host header.' },
  INTERNAL_ERROR: { detail: 'The gateway could not complete the request.' },
  TOKEN_MISSING: { detail: 'Send the SSO access token as `Authorization: Bearer <token>`.' },
  TOKEN_INVALID: { detail: 'The access token signature does not verify.' },
  TOKEN_EXPIRED: { detail: 'The access token has expired.' },
  MALFORMED_JSON: { detail: 'The request body is not valid JSON: Unexpected end of JSON input' },
  PAYLOAD_TOO_LARGE: { detail: 'The request body exceeds the limit of 262144 bytes.', limitBytes: 262144 },
  UNSUPPORTED_MEDIA_TYPE: { detail: 'The admin API takes bodies without Content-Encoding (no compression).' },
  STORE_UNAVAILABLE: { detail: 'The gateway\'s store is unavailable and this request needs it; it was not taken. Retry shortly.' },
};

const requestId = '01a252af-4523-7fec-bcba-84c973116959';

function problemDocument(code: ProblemCode, { detail, ...extensions }: { detail: string } & Record<string, unknown>) {
  const { status, title } = problemCatalogue[code];
  return { type: problemType(code), title, status, detail, instance: requestId, code, ...extensions };
}

/** The examples many operations share, once in `components.examples`; the operations refer to them. */
export const sharedProblemExamples = Object.fromEntries(Object.entries(commonDetails).map(([code, given]) => [code, {
  summary: problemCatalogue[code as ProblemCode].title,
  value: problemDocument(code as ProblemCode, given),
}]));

function problemExample(code: ProblemCode, operation: AdminOperation): unknown {
  const own = code === 'FORBIDDEN_ROLE'
    ? { detail: `This needs one of the roles ${(operation.roles ?? []).join(', ')}.`, requiredRoles: operation.roles }
    : operation.problemExamples?.[code];
  if (own) return { summary: problemCatalogue[code].title, value: problemDocument(code, own) };
  if (commonDetails[code]) return { $ref: `#/components/examples/${code}` };
  return { summary: problemCatalogue[code].title, value: problemDocument(code, { detail: problemCatalogue[code].description }) };
}

/** The refusals an operation can meet, one response per status, each code with its example. */
function problemResponses(operation: AdminOperation): Record<string, unknown> {
  const codes = new Set<ProblemCode>([...(operation.roles ? withToken : []), ...(operation.body ? withBody : []), ...(operation.problems ?? []), ...everyCall]);
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) byStatus.set(problemCatalogue[code].status, [...(byStatus.get(problemCatalogue[code].status) ?? []), code]);
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, list]) => [String(status), {
    description: list.map((code) => `\`${code}\`: ${problemCatalogue[code].title}`).join('; '),
    ...(status === 503 ? { headers: { 'Retry-After': { description: 'Detik / seconds.', schema: { type: 'integer' } } } } : {}),
    content: {
      'application/problem+json': {
        schema: { ...ref('Problem'), properties: { code: { enum: list } } },
        examples: Object.fromEntries(list.map((code) => [code, problemExample(code, operation)])),
      },
    },
  }]));
}

const rolesText = (roles: readonly string[] | null) => (roles
  ? `Peran / roles: ${roles.map((role) => `\`${role}\``).join(', ')} (salah satu / any one of them).`
  : 'Tanpa token / no token.');

/** One operation of the document. */
export function operationObject(operation: AdminOperation): Record<string, unknown> {
  const { body } = operation;
  return {
    operationId: `admin.${operation.id}`,
    summary: operation.summary,
    description: [operation.description, rolesText(operation.roles)].filter(Boolean).join('\n\n'),
    tags: [operation.tag],
    ...(operation.roles ? { 'x-penghubung-roles': operation.roles } : { security: [] }),
    ...(operation.parameters?.length ? { parameters: operation.parameters.map((p) => ({ ...p, required: p.in === 'path' ? true : p.required ?? false })) } : {}),
    ...(body ? {
      requestBody: {
        required: body.required ?? true,
        content: {
          'application/json': { schema: body.schema, example: body.example },
          ...body.alternatives,
        },
      },
    } : {}),
    responses: {
      ...Object.fromEntries(Object.entries(operation.answers).map(([status, answer]) => [status, {
        description: answer.description,
        ...(answer.headers ? { headers: answer.headers } : {}),
        ...(answer.schema === undefined ? {} : { content: { [answer.mediaType ?? 'application/json']: { schema: answer.schema, example: answer.example } } }),
      }])),
      ...problemResponses(operation),
    },
  };
}

/** The time window and cursor of the traffic log's and the audit trail's pages (store/seq-paging.ts). */
export const pagingParameters: readonly Parameter[] = [
  { name: 'from', in: 'query', description: 'Sejak (termasuk) / from, inclusive: ISO 8601.', schema: dateTime, example: '2026-12-01T00:00:00+07:00' },
  { name: 'to', in: 'query', description: 'Sampai (tidak termasuk) / until, exclusive: ISO 8601.', schema: dateTime },
  { name: 'limit', in: 'query', description: 'Baris per halaman / rows per page (default 100).', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
  { name: 'cursor', in: 'query', description: '`nextCursor` dari halaman sebelumnya / of the previous page.', schema: { type: 'string' } },
];
