import { readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverSandboxes } from '../adapters/index.ts';
import type { LaporSimulator } from '../adapters/lapor/simulator.ts';
import { mergeDemoClients, startDemo, type Demo } from '../gateway/demo/profile.ts';
import type { DemoClient } from '../gateway/adapter-api/index.ts';
import { clearanceCovers } from '../gateway/registry/contract.ts';
import type { Route } from '../gateway/registry/routing-table.ts';
import { createSchemaCompiler } from '../gateway/registry/schema-compiler.ts';
import { LogCapture, tempDir } from './support/harness.ts';

/** The gateway's OpenAPI 3.1 document, as far as these tests read it. */
interface OpenApiDocument {
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}
interface Media { schema: unknown; example?: unknown }
interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; example?: string | number | boolean }[];
  requestBody?: { content: { 'application/json': Media } };
  responses: Record<string, { content?: { 'application/json': Media }; 'x-delivered-response'?: { content: { 'application/json': Media } } }>;
}

/**
 * The developer docs as a Dinas or PD developer meets them in `npm start`: every consumer's and
 * the partner's document valid OpenAPI 3.1, every contract's examples in it, and every documented
 * read answering as printed, before anyone has written anything.
 */
describe('the developer docs of the demo', () => {
  let demo: Demo;
  let clients: DemoClient[];
  const dataDir = tempDir('demo-docs-');
  const documents = new Map<string, OpenApiDocument>();

  beforeAll(async () => {
    demo = await startDemo({ dataDir, ports: { sso: 0, internal: 0, admin: 0, public: 0, external: 0, simulators: 0 }, logStream: new LogCapture() });
    clients = mergeDemoClients((await discoverSandboxes()).values());
    for (const client of clients) {
      const res = await fetch(`${demo.gateway.internal.url}/openapi.json`, { headers: { authorization: `Bearer ${await demo.sso.token(client.clientId)}` } });
      expect(res.status).toBe(200);
      documents.set(client.clientId, (await res.json()) as OpenApiDocument);
    }
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const mayCall = (client: DemoClient, route: Route) => route.requiredScopes.every((s) => client.scopes.includes(s)) && clearanceCovers(client.clearance, route.contract.classification);
  const documentedPath = (route: Route) => `/${route.contract.integration}/v${Number.parseInt(route.contract.version, 10)}${route.operation.path === '/' ? '' : route.operation.path}`;

  it('keeps the examples of every bundled contract in the document of each caller that may call it', () => {
    const missing: string[] = [];
    const routes = demo.gateway.registry.current.routes;
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const route of routes) {
      const { operation } = route;
      const name = `${route.contract.id}:${operation.id}`;
      const callers = clients.filter((client) => mayCall(client, route));
      if (callers.length === 0) missing.push(`${name}: no demo client may call it`);
      for (const client of callers) {
        const documented = documents.get(client.clientId)!.paths[documentedPath(route)]?.[operation.method.toLowerCase()];
        if (!documented) {
          missing.push(`${name}: not in ${client.clientId}'s document`);
          continue;
        }
        for (const [param, spec] of [...Object.entries(operation.pathParams), ...Object.entries(operation.query)]) {
          if (spec.example === undefined) continue;
          const example = documented.parameters?.find((p) => p.name === param)?.example;
          if (JSON.stringify(example) !== JSON.stringify(spec.example)) missing.push(`${name}: parameter ${param} example ${JSON.stringify(example)}`);
        }
        if (operation.request && JSON.stringify(documented.requestBody?.content['application/json'].example) !== JSON.stringify(operation.request.example)) missing.push(`${name}: request example`);
        // Every bundled operation documents an answer with its example.
        const answer = operation.delivery?.mode === 'async'
          ? documented.responses['202']?.['x-delivered-response']?.content['application/json']
          : documented.responses[String(operation.response?.status ?? 200)]?.content?.['application/json'];
        if (operation.response?.example === undefined || JSON.stringify(answer?.example) !== JSON.stringify(operation.response.example)) missing.push(`${name}: response example`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('answers the documented example of every read as printed (2xx), before anything was written', async () => {
    // JDIHN's documents live in the gateway's store: the demo registers the one its read names
    // (adapters/jdihn/demo-document.ts), as the JDIH application would. Simulators hold the rest.
    const outcomes: string[] = [];
    let reads = 0;
    for (const client of clients) {
      const doc = documents.get(client.clientId)!;
      const token = await demo.sso.token(client.clientId);
      for (const [path, operations] of Object.entries(doc.paths)) {
        const get = operations.get;
        if (!get || get.operationId === 'penghubung.getDelivery') continue;
        let url = path;
        const query = new URLSearchParams();
        for (const param of get.parameters ?? []) {
          if (param.in === 'path') url = url.replace(`{${param.name}}`, encodeURIComponent(String(param.example)));
          else if (param.in === 'query' && param.example !== undefined) query.set(param.name, String(param.example));
        }
        const res = await fetch(`${doc.servers[0]!.url}${url}${query.size > 0 ? `?${query.toString()}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
        const text = await res.text();
        reads++;
        const expected = Number(Object.keys(get.responses).find((status) => /^2\d\d$/.test(status)));
        if (res.status !== expected) outcomes.push(`${client.clientId} GET ${url}: ${res.status} ${text.slice(0, 200)}`);
      }
    }
    expect(outcomes).toEqual([]);
    expect(reads).toBeGreaterThanOrEqual(11);
  });

  it('seeds the LAPOR! simulator with the documented complaint, whose documented read answers 200 (disposed)', async () => {
    const sim = demo.sandboxes.lapor as LaporSimulator;
    const example = demo.gateway.registry.current.routes.find((r) => r.operation.id === 'submitComplaint')!.operation.request!.example as {
      title: string; body: string; category: string; reporter: { firstName: string; lastName: string; email: string; phone: string }; incident: object;
    };
    const seeded = sim.complaints.get('4512001')!;
    expect({ title: seeded.title, body: seeded.isi, category: seeded.topic.id, anonymous: seeded.anonymous, incident: seeded.incident }).toEqual({ title: example.title, body: example.body, category: example.category, anonymous: false, incident: example.incident });
    expect(seeded.reporter).toEqual({ namadepan: example.reporter.firstName, namabelakang: example.reporter.lastName, email: example.reporter.email, telpon: example.reporter.phone });

    const route = demo.gateway.registry.current.routes.find((r) => r.operation.id === 'getComplaint')!;
    const res = await fetch(`${demo.gateway.internal.url}/lapor/v1/laporan/${String(route.operation.pathParams.trackingId!.example)}`, { headers: { authorization: `Bearer ${await demo.sso.token('inspektorat-pengaduan')}` } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(createSchemaCompiler().compile(route.operation.response!.schema)(body)).toBe(true);
    expect(body).toMatchObject({ trackingId: '4512001', status: 'DISPOSED' });
  });

  it('answers JDIHN\'s documented registration with the documented 201, its update with 200, and then its documented read', async () => {
    const doc = documents.get('bagian-hukum-jdih')!;
    const headers = { authorization: `Bearer ${await demo.sso.token('bagian-hukum-jdih')}`, 'content-type': 'application/json' };
    const register = doc.paths['/jdihn/v1/dokumen']!.post!;
    const created = await fetch(`${doc.servers[0]!.url}/jdihn/v1/dokumen`, { method: 'POST', headers, body: JSON.stringify(register.requestBody!.content['application/json'].example) });
    expect(created.status).toBe(201);
    expect(Object.keys(register.responses)).toEqual(['200', '201', 'default']);
    expect(await created.json()).toEqual(register.responses['201']!.content!['application/json'].example);

    const update = doc.paths['/jdihn/v1/dokumen/{id}']!.put!;
    const replaced = await fetch(`${doc.servers[0]!.url}/jdihn/v1/dokumen/perbup-2020-33`, { method: 'PUT', headers, body: JSON.stringify(update.requestBody!.content['application/json'].example) });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toEqual(update.responses['200']!.content!['application/json'].example);

    const read = await fetch(`${doc.servers[0]!.url}/jdihn/v1/dokumen/perbup-2020-33`, { headers });
    expect(read.status).toBe(200);
  });

  describe('validated against the official OpenAPI 3.1 schema', () => {
    it('accepts the document of every demo PD application', async () => {
      expect(documents.size).toBeGreaterThanOrEqual(6);
      for (const [clientId, doc] of documents) {
        const validator = new Validator();
        const result = await validator.validate(doc as unknown as Record<string, unknown>);
        expect({ clientId, version: validator.version, ...result }).toEqual({ clientId, version: '3.1', valid: true });
      }
    });

    it('accepts the demo partner\'s document, read with its client certificate', async () => {
      const partnerDir = join(dataDir, 'demo', 'partners', 'bpd-demo');
      const doc = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = httpsRequest(`${demo.gateway.external!.url}/openapi.json`, {
          ca: readFileSync(join(partnerDir, 'ca.cert.pem')), cert: readFileSync(join(partnerDir, 'client.cert.pem')), key: readFileSync(join(partnerDir, 'client.key.pem')), agent: false,
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : reject(new Error(`HTTP ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end();
      });
      expect(Object.keys(doc.paths as object)).toContain('/sandbox/v1/perangkat-daerah/{kode}');
      const result = await new Validator().validate(doc);
      expect(result).toEqual({ valid: true });
    });

    it('refuses a document that breaks the schema (the check is not vacuous)', async () => {
      const broken = structuredClone(documents.get('bagian-hukum-jdih')!) as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
      broken.paths['/jdihn/v1/dokumen']!.post!.responses['201'] = { content: {} };
      const result = await new Validator().validate(broken);
      expect(result.valid).toBe(false);
    });
  });
});
