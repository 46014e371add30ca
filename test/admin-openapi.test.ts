import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsContentSecurityPolicy } from '../gateway/listeners/docs-page.ts';
import { lifecycleActions } from '../gateway/registry/lifecycle.ts';
import { createSchemaCompiler } from '../gateway/registry/schema-compiler.ts';
import { adminClients } from './support/admin-api.ts';
import { startHarness, type Harness } from './support/harness.ts';

/**
 * Issue 24, item 7: the admin API's own OpenAPI document and docs page, on the admin listener.
 * The document is held to the routes express serves, to the roles they check, to the official
 * OpenAPI 3.1 schema, and its examples to its schemas and to the gateway's own answers.
 */

interface Media { schema: unknown; example?: unknown; examples?: Record<string, { value?: unknown; $ref?: string }> }
interface Parameter { name: string; in: string; example?: unknown; schema: { format?: string } }
interface Operation {
  operationId: string;
  summary: string;
  description: string;
  'x-penghubung-roles'?: string[];
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
interface OpenApiDocument {
  openapi: string;
  security: Record<string, unknown>[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; examples: Record<string, { value: unknown }>; securitySchemes: Record<string, unknown> };
}
interface Answer { status: number; type: string | null; body: Record<string, unknown>; headers: Headers }

/** The express router stack as far as the route listing reads it (express 5, router 2). */
interface Layer { route?: { path: string | string[]; methods: Record<string, boolean> }; handle: { stack?: Layer[] }; rawPath?: unknown }

/** `METHOD /template` of every route in the stack, `:name` written `{name}`, mounted routers included. */
function routesOf(stack: readonly Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const { path, methods } = layer.route;
      return [path].flat().flatMap((one) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${one.replace(/:(\w+)/g, '{$1}')}`));
    }
    if (!layer.handle.stack) return [];
    // A router mounted under a prefix would need the prefix in front of its paths: none is.
    expect(layer.rawPath).toBe('/');
    return routesOf(layer.handle.stack);
  });
}

const isParam = (segment: string) => /^\{\w+\}$/.test(segment);
/** A documented operation is a route's, or an instance of it: a literal where the route has a parameter (`.../{action}` -> `.../approve`). */
function instanceOf(documented: string, route: string): boolean {
  const [dm, dp] = documented.split(' ') as [string, string];
  const [rm, rp] = route.split(' ') as [string, string];
  const ds = dp.split('/');
  const rs = rp.split('/');
  return dm === rm && ds.length === rs.length && rs.every((segment, i) => segment === ds[i] || (isParam(segment) && !isParam(ds[i]!)));
}
const undocumented = (routes: readonly string[], documented: readonly string[]) => routes.filter((route) => !documented.some((d) => instanceOf(d, route)));
const unserved = (routes: readonly string[], documented: readonly string[]) => documented.filter((d) => !routes.some((route) => instanceOf(d, route)));

let h: Harness;
let doc: OpenApiDocument;
const tokens: Record<string, string> = {};
const clients = { 'ops-console': 'penghubung-ops', 'admin-console': 'penghubung-admin', 'approver-console': 'penghubung-approver', 'app-writer': null } as const;

beforeAll(async () => {
  h = await startHarness({ clients: adminClients });
  for (const clientId of Object.keys(clients)) tokens[clientId] = await h.token(clientId);
  doc = await (await fetch(`${h.adminUrl}/admin/v1/openapi.json`, { headers: { authorization: `Bearer ${tokens['ops-console']!}` } })).json() as OpenApiDocument;
}, 60_000);
afterAll(() => h?.close());

async function call(clientId: string | null, method: string, path: string, body?: unknown, type = 'application/json'): Promise<Answer> {
  const res = await fetch(`${h.adminUrl}${path}`, {
    method,
    headers: { ...(clientId ? { authorization: `Bearer ${tokens[clientId]!}` } : {}), ...(body === undefined ? {} : { 'content-type': type }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : {}, headers: res.headers };
}

const operations = () => Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })));
const fill = (path: string, value: (name: string) => unknown) => path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(value(name))));

// Schemas refer to `#/components/...`: each is compiled with the document's components beside it.
const compiler = createSchemaCompiler();
const compiled = new Map<unknown, ValidateFunction>();
function validate(schema: unknown, value: unknown): string | null {
  let check = compiled.get(schema);
  if (!check) compiled.set(schema, (check = compiler.compile({ ...(schema as object), components: doc.components })));
  return check(value) ? null : compiler.errorsText(check);
}
const exampleValue = (example: { value?: unknown; $ref?: string }) => (example.$ref ? doc.components.examples[example.$ref.split('/').pop()!]!.value : example.value);

/** The answer is one the operation documents: its status, its problem code, and a body its schema takes. */
function documentedAnswer(operation: Operation, answer: Answer): string | null {
  const response = operation.responses[String(answer.status)];
  if (!response) return `status ${answer.status} not documented (${JSON.stringify(answer.body).slice(0, 160)})`;
  if (!response.content) return null;
  const mediaType = answer.status >= 400 ? 'application/problem+json' : (answer.type ?? '').split(';')[0]!.trim();
  const media = response.content[mediaType];
  if (!media) return `status ${answer.status}: no schema for ${answer.type}`;
  // A text answer (Prometheus metrics) is a string its schema takes as such.
  if (!/json/.test(mediaType)) return null;
  const problem = validate(media.schema, answer.body);
  return problem ? `status ${answer.status} ${JSON.stringify(answer.body.code)}: ${problem}` : null;
}

describe('the admin API\'s OpenAPI document', () => {
  it('is served to every admin role at /admin/v1/openapi.json and /openapi.json, and to nobody else', async () => {
    for (const path of ['/admin/v1/openapi.json', '/openapi.json']) {
      for (const clientId of ['ops-console', 'admin-console', 'approver-console']) {
        const res = await call(clientId, 'GET', path);
        expect(`${clientId} ${path} ${res.status} ${res.type}`).toBe(`${clientId} ${path} 200 application/json; charset=utf-8`);
        expect(res.body).toEqual(doc);
      }
      const anonymous = await call(null, 'GET', path);
      expect({ status: anonymous.status, code: anonymous.body.code, type: anonymous.type }).toEqual({ status: 401, code: 'TOKEN_MISSING', type: 'application/problem+json' });
      const app = await call('app-writer', 'GET', path);
      expect({ status: app.status, code: app.body.code }).toEqual({ status: 403, code: 'FORBIDDEN_ROLE' });
    }
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes).toEqual({ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: expect.any(String) } });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it('validates against the official OpenAPI 3.1 schema, and a broken copy does not', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect({ version: validator.version, ...result }).toEqual({ version: '3.1', valid: true });
    const broken = structuredClone(doc);
    broken.paths['/admin/v1/partners']!.get!.responses['200'] = { content: {} };
    expect((await new Validator().validate(broken as unknown as Record<string, unknown>)).valid).toBe(false);
  });

  it('documents every route the admin express app serves, and nothing it does not', () => {
    const app = h.gateway.admin.server.listeners('request').find((listener) => 'router' in listener) as unknown as { router: { stack: Layer[] } };
    const routes = routesOf(app.router.stack);
    const documented = operations().map(({ method, path }) => `${method} ${path}`);
    expect(routes.length).toBeGreaterThanOrEqual(28);
    expect(routes).toEqual(expect.arrayContaining(['GET /admin/v1/traffic', 'PUT /admin/v1/consumers/{clientId}', 'POST /admin/v1/contracts/{id}/versions/{version}/{action}', 'GET /openapi.json']));
    expect(undocumented(routes, documented)).toEqual([]);
    expect(unserved(routes, documented)).toEqual([]);
    // The one route with a parameter documented as its values: every lifecycle action, each its own operation.
    const actions = documented.filter((d) => instanceOf(d, 'POST /admin/v1/contracts/{id}/versions/{version}/{action}') && !d.endsWith('{action}'));
    expect(actions.map((d) => d.split('/').pop())).toEqual([...lifecycleActions]);
    // The comparison sees a route added without documentation, and documentation without a route.
    expect(undocumented([...routes, 'DELETE /admin/v1/partners/{id}'], documented)).toEqual(['DELETE /admin/v1/partners/{id}']);
    expect(unserved(routes, [...documented, 'GET /admin/v1/partners/{id}'])).toEqual(['GET /admin/v1/partners/{id}']);
  });

  it('lets exactly the roles of x-penghubung-roles through, and answers only as documented', async () => {
    // Path parameters of nothing that exists, and empty bodies: past the role check every call is refused, changing nothing.
    const absent = (parameter: Parameter) => (parameter.schema.format === 'uuid' ? randomUUID() : parameter.name === 'version' ? '9.9.9' : 'absent-1');
    const failures: string[] = [];
    let checked = 0;
    for (const { path, method, operation } of operations()) {
      const url = fill(path, (name) => absent(operation.parameters!.find((p) => p.name === name)!));
      const body = method === 'PUT' || method === 'POST' ? {} : undefined;
      const allowed = operation['x-penghubung-roles'];
      expect(operation.summary, path).toMatch(/\S \/ \S/);
      if (!allowed) {
        expect(operation.security, `${method} ${path}`).toEqual([]);
        const res = await call(null, method, url);
        failures.push(...[documentedAnswer(operation, res)].filter((f) => f !== null).map((f) => `${method} ${path} without a token: ${f}`));
        continue;
      }
      for (const role of allowed) expect(operation.description, `${method} ${path}`).toContain(`\`${role}\``);
      const anonymous = await call(null, method, url, body);
      if (anonymous.body.code !== 'TOKEN_MISSING') failures.push(`${method} ${path} without a token: ${anonymous.status} ${String(anonymous.body.code)}`);
      for (const [clientId, role] of Object.entries(clients)) {
        const res = await call(clientId, method, url, body);
        checked++;
        const refused = res.status === 403 && res.body.code === 'FORBIDDEN_ROLE';
        const who = `${method} ${path} as ${clientId}`;
        if (role !== null && allowed.includes(role)) {
          if (refused || res.status === 401) failures.push(`${who}: ${res.status} ${String(res.body.code)}, documented as allowed`);
          if (res.body.code === 'NOT_FOUND' && /has no/.test(String(res.body.detail))) failures.push(`${who}: no such route`);
        } else if (!refused || JSON.stringify(res.body.requiredRoles) !== JSON.stringify(allowed)) {
          failures.push(`${who}: ${res.status} ${String(res.body.code)} ${JSON.stringify(res.body.requiredRoles)}, documented roles ${JSON.stringify(allowed)}`);
        }
        const undocumentedAnswer = documentedAnswer(operation, res);
        if (undocumentedAnswer) failures.push(`${who}: ${undocumentedAnswer}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(4 * 28);
  });

  it('gives every request body and every answer an example its schema takes', () => {
    const failures: string[] = [];
    let checked = 0;
    const check = (where: string, schema: unknown, example: unknown) => {
      checked++;
      if (example === undefined) failures.push(`${where}: no example`);
      else {
        const problem = validate(schema, example);
        if (problem) failures.push(`${where}: ${problem}`);
      }
    };
    for (const { path, method, operation } of operations()) {
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) check(`${method} ${path} request ${type}`, media.schema, media.example);
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.examples) for (const [name, example] of Object.entries(media.examples)) check(`${method} ${path} ${status} ${name}`, media.schema, exampleValue(example));
          else check(`${method} ${path} ${status} ${type}`, media.schema, media.example);
        }
      }
      for (const parameter of operation.parameters ?? []) if (parameter.example !== undefined) check(`${method} ${path} parameter ${parameter.name}`, parameter.schema, parameter.example);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(200);
    // The check can fail: an example the schema refuses is caught.
    const put = doc.paths['/admin/v1/partners/{id}']!.put!.requestBody!.content['application/json']!;
    expect(validate(put.schema, { ...(put.example as object), type: 'casino' })).toMatch(/allowed values/);
  });
});

describe('the documented examples, sent to the admin API as printed', () => {
  const operation = (method: string, path: string) => doc.paths[path]![method]!;
  const exampleParameter = (op: Operation) => (name: string) => op.parameters!.find((p) => p.name === name)!.example;
  /** Sends the operation's request example as `clientId`; returns the answer, checked against the document. */
  async function send(clientId: string, method: string, path: string, type = 'application/json'): Promise<Answer> {
    const op = operation(method, path);
    const res = await call(clientId, method.toUpperCase(), fill(path, exampleParameter(op)), op.requestBody?.content[type]?.example, type);
    expect(documentedAnswer(op, res), `${method} ${path}`).toBeNull();
    return res;
  }
  const documentedExample = (method: string, path: string, status: number) => operation(method, path).responses[String(status)]!.content!['application/json']!.example;

  it('registers the partner, its certificate, its agreement and an application, answering the documented examples', async () => {
    for (const [method, path, status] of [['put', '/admin/v1/partners/{id}', 200], ['post', '/admin/v1/partners/{id}/certificates', 201], ['put', '/admin/v1/agreements/{number}', 200], ['put', '/admin/v1/consumers/{clientId}', 201]] as const) {
      const res = await send('admin-console', method, path);
      expect(res.status, path).toBe(status);
      expect(res.body, path).toEqual(documentedExample(method, path, status));
    }
    // The certificate as PEM text: the same registration.
    const again = await send('admin-console', 'post', '/admin/v1/partners/{id}/certificates', 'text/plain');
    expect(again.body).toEqual(documentedExample('post', '/admin/v1/partners/{id}/certificates', 201));
  });

  it('takes a contract version through draft, change, submit, reject, approve and activate with the documented bodies', async () => {
    const created = await send('admin-console', 'post', '/admin/v1/contracts');
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/admin/v1/contracts/disdik-sekolah/versions/1.1.0');
    expect(created.body).toMatchObject({ id: 'disdik-sekolah', version: '1.1.0', state: 'draft', source: 'api' });
    expect((await send('admin-console', 'put', '/admin/v1/contracts/{id}/versions/{version}')).status).toBe(200);
    const stored = await send('ops-console', 'get', '/admin/v1/contracts/{id}/versions/{version}');
    expect(stored.body).toEqual(documentedExample('get', '/admin/v1/contracts/{id}/versions/{version}', 200));
    const states: string[] = [];
    for (const [clientId, action] of [['admin-console', 'submit'], ['approver-console', 'reject'], ['admin-console', 'submit'], ['approver-console', 'approve'], ['admin-console', 'activate']] as const) {
      const res = await send(clientId, 'post', `/admin/v1/contracts/{id}/versions/{version}/${action}`);
      expect(res.status, action).toBe(200);
      states.push(String(res.body.state));
    }
    expect(states).toEqual(['submitted', 'draft', 'submitted', 'approved', 'active']);
    const approved = documentedExample('post', '/admin/v1/contracts/{id}/versions/{version}/approve', 200) as { approved: { recommendation: unknown } };
    expect((await send('ops-console', 'get', '/admin/v1/contracts/{id}')).body.versions).toContainEqual(expect.objectContaining({ approved: expect.objectContaining({ recommendation: approved.approved.recommendation }) }));
  });

  // After the two above: the example partner, agreement, application and contract exist.
  it('answers every documented read, with its example parameters, as its schema says', async () => {
    let succeeded = 0;
    for (const { path, method, operation: op } of operations()) {
      if (method !== 'GET') continue;
      const res = await call(op['x-penghubung-roles'] ? 'admin-console' : null, 'GET', fill(path, exampleParameter(op)));
      expect(documentedAnswer(op, res), `GET ${path}`).toBeNull();
      if (res.status === 200) succeeded++;
    }
    // All but the example delivery, which the harness has not made.
    expect(succeeded).toBe(operations().filter(({ method }) => method === 'GET').length - 1);
  });
});

describe('GET /docs on the admin listener', () => {
  it('serves the docs page for the admin API, with its CSP, its token field and its assets, without a token', async () => {
    const res = await fetch(`${h.adminUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(docsContentSecurityPolicy);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).toContain('<title>Dokumentasi API Admin Penghubung</title>');
    expect(html).toMatch(/<input id="token"[^>]* type="password"/);
    expect(html).not.toMatch(/https?:|\/\/[a-z]/i);
    // The page hands the token to Swagger UI under the document's own security scheme.
    expect(html).toContain('data-auth="bearer"');
    expect(html).toContain(`data-scheme="${Object.keys(doc.components.securitySchemes)[0]!}"`);
    const assets = [...html.matchAll(/(?:src|href)="(docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const asset of assets) {
      const served = await fetch(`${h.adminUrl}/${asset}`);
      expect(served.status, asset).toBe(200);
      expect(served.headers.get('content-security-policy'), asset).toBe(docsContentSecurityPolicy);
      await served.arrayBuffer();
    }
    // The page's script reads `openapi.json` beside it: the admin document, with the token.
    expect(new URL('openapi.json', `${h.adminUrl}/docs`).pathname).toBe('/openapi.json');
    expect((await fetch(`${h.adminUrl}/docs/assets/0000000000000000/swagger-ui.css`)).status).toBe(404);
  });
});
