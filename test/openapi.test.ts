import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchemaCompiler } from '../gateway/registry/schema-compiler.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { rawRequest } from './support/raw-http.ts';

/** A complaint application: the bundled LAPOR! contract's submission is delivered asynchronously. */
const complaintApp = { clientId: 'app-pengaduan', secret: 'pengaduan-secret-0123456789', scopes: ['lapor.read', 'lapor.write'], consumer: { name: 'Pengaduan', department: 'Inspektorat', clearance: 'terbatas' as const } };

/** The gateway's OpenAPI 3.1 document, as far as these tests read it. */
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, { get?: Operation; post?: Operation }>;
  tags: { name: string }[];
  components: { schemas: Record<string, unknown> };
}
interface Operation {
  operationId?: string;
  parameters: { name: string; in: string; required?: boolean; example?: unknown }[];
  requestBody: { content: { 'application/json': Media } };
  responses: Record<string, Answer>;
  callbacks?: { deliveryEnded: { '{$request.header.Penghubung-Callback}': { post: Operation } } };
  'x-contract': unknown;
}
interface Answer {
  content: { 'application/json': Media };
  headers: Record<string, { schema: unknown }>;
  links: Record<string, unknown>;
  'x-delivered-response': Answer;
}
interface Media { schema: { required?: string[] }; example?: unknown }

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clients: [complaintApp] });
});
afterAll(async () => {
  await h?.close();
});

async function openapi(clientId: string) {
  const res = await request(h.url).get('/openapi.json').set('authorization', `Bearer ${await h.token(clientId)}`);
  expect(res.status).toBe(200);
  return res.body as OpenApiDocument;
}

describe('GET /openapi.json', () => {
  it('needs a token', async () => {
    const res = await request(h.url).get('/openapi.json');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('TOKEN_MISSING');
  });

  it('lists exactly what a read-only consumer may call', async () => {
    const doc = await openapi('app-reader');
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    expect(operations).toEqual(['GET /sandbox/v1/perangkat-daerah', 'GET /sandbox/v1/perangkat-daerah/{kode}']);
  });

  it('gives a writer the POST operation with its schema and a documented example that validates', async () => {
    const doc = await openapi('app-writer');
    const post = doc.paths['/sandbox/v1/surat']!.post!;
    const body = post.requestBody.content['application/json'];
    expect(body.example).toMatchObject({ nomor: '800/123/BKPSDM/2026' });
    const validate = createSchemaCompiler().compile(body.schema);
    expect(validate(body.example)).toBe(true);
    const param = doc.paths['/sandbox/v1/perangkat-daerah/{kode}']!.get!.parameters[0];
    expect(param).toMatchObject({ name: 'kode', in: 'path', required: true, example: '2.16' });
    expect(post['x-contract']).toMatchObject({ id: 'sandbox-direktori', classification: 'publik', scopes: ['sandbox.read', 'sandbox.write'] });
  });

  it('the documented examples are accepted by the gateway itself', async () => {
    const doc = await openapi('app-writer');
    const example = doc.paths['/sandbox/v1/surat']!.post!.requestBody.content['application/json'].example;
    const res = await request(h.url).post('/sandbox/v1/surat').set('authorization', `Bearer ${await h.token('app-writer')}`).send(example as object);
    expect(res.status).toBe(201);
  });

  it('documents an async operation as its 202 with Location, the callback header and event, its answer as the poll\'s response.body, and the poll endpoint', async () => {
    const doc = await openapi('app-pengaduan');
    const submit = doc.paths['/lapor/v1/laporan']!.post!;
    expect(Object.keys(submit.responses).sort()).toEqual(['202', 'default']);
    const accepted = submit.responses['202']!;
    expect(accepted.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DeliveryAccepted' });
    expect(accepted.headers.Location!.schema).toEqual({ type: 'string' });
    expect(accepted.links.deliveryStatus).toMatchObject({ operationId: 'penghubung.getDelivery', parameters: { id: '$response.body#/deliveryId' } });
    // What the poll returns in response.body once delivered: the contract's receipt, whose example validates.
    const delivered = accepted['x-delivered-response'].content['application/json'];
    expect(delivered.schema.required).toContain('trackingId');
    const compiler = createSchemaCompiler();
    expect(compiler.compile(delivered.schema)(delivered.example)).toBe(true);
    expect(submit.parameters).toContainEqual(expect.objectContaining({ name: 'Penghubung-Callback', in: 'header', required: false }));
    const event = submit.callbacks!.deliveryEnded['{$request.header.Penghubung-Callback}'].post;
    expect(event.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DeliveryEvent' });
    expect(event.parameters.map((p: { name: string }) => p.name)).toEqual(['Penghubung-Event', 'Penghubung-Delivery-Id']);

    const poll = doc.paths['/deliveries/{id}']!.get!;
    expect(poll).toMatchObject({ operationId: 'penghubung.getDelivery', parameters: [{ name: 'id', in: 'path', required: true }] });
    expect(poll.responses['200']!.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DeliveryStatus' });
    expect(Object.keys(doc.components.schemas).sort()).toEqual(['DeliveryAccepted', 'DeliveryEvent', 'DeliveryStatus', 'Problem']);
    expect(doc.tags.map((t) => t.name)).toContain('deliveries');
    // Every $ref in the document resolves.
    for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) expect(doc.components.schemas[ref[1]!], ref[1]).toBeDefined();
    // The synchronous operations of the same contract keep their 200.
    expect(Object.keys(doc.paths['/lapor/v1/kategori']!.get!.responses)).toEqual(['200', 'default']);
  });

  it('lists the poll endpoint only for a caller that may call an async operation', async () => {
    const doc = await openapi('app-writer');
    expect(doc.paths['/deliveries/{id}']).toBeUndefined();
    expect(Object.keys(doc.components.schemas)).toEqual(['Problem']);
    // The sandbox's letter registry answers 201, as its contract declares.
    expect(Object.keys(doc.paths['/sandbox/v1/surat']!.post!.responses)).toEqual(['201', 'default']);
    expect(doc.paths['/sandbox/v1/surat']!.post!.callbacks).toBeUndefined();
  });
});

describe('the listener URL in servers', () => {
  it('is the address the connection arrived on, never the caller\'s Host', async () => {
    const res = await request(h.url).get('/openapi.json').set('host', 'attacker.example').set('authorization', `Bearer ${await h.token('app-reader')}`);
    expect(res.status).toBe(200);
    expect(res.body.servers).toEqual([{ url: h.url }]);
    expect(JSON.stringify(res.body)).not.toContain('attacker.example');
  });

  it('is the configured publicUrl when there is one', async () => {
    const proxied = await startHarness({ config: { internal: { publicUrl: 'https://penghubung.kuansing.go.id/' } } });
    try {
      const res = await request(proxied.url).get('/openapi.json').set('host', 'attacker.example').set('authorization', `Bearer ${await proxied.token('app-reader')}`);
      expect(res.body.servers).toEqual([{ url: 'https://penghubung.kuansing.go.id' }]);
    } finally {
      await proxied.close();
    }
  });

  it('two Host headers are refused with 400 problem+json, on the exchange and admin listeners', async () => {
    for (const base of [h.url, h.adminUrl]) {
      const answer = await rawRequest(base, `GET /openapi.json HTTP/1.1\r\nHost: ${new URL(base).host}\r\nHost: attacker.example\r\nConnection: close`);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/content-type: application\/problem\+json/i);
      expect(answer).toContain('"code":"BAD_REQUEST"');
    }
  });
});
