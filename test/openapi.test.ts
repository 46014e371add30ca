import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchemaCompiler } from '../gateway/registry/schema-compiler.ts';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function openapi(clientId: string) {
  const res = await request(h.url).get('/openapi.json').set('authorization', `Bearer ${await h.token(clientId)}`);
  expect(res.status).toBe(200);
  return res.body as { openapi: string; paths: Record<string, Record<string, any>> };
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
    const post = doc.paths['/sandbox/v1/surat']!.post;
    const body = post.requestBody.content['application/json'];
    expect(body.example).toMatchObject({ nomor: '800/123/BKPSDM/2026' });
    const validate = createSchemaCompiler().compile(body.schema);
    expect(validate(body.example)).toBe(true);
    const param = doc.paths['/sandbox/v1/perangkat-daerah/{kode}']!.get.parameters[0];
    expect(param).toMatchObject({ name: 'kode', in: 'path', required: true, example: '2.16' });
    expect(post['x-contract']).toMatchObject({ id: 'sandbox-direktori', classification: 'publik', scopes: ['sandbox.read', 'sandbox.write'] });
  });

  it('the documented examples are accepted by the gateway itself', async () => {
    const doc = await openapi('app-writer');
    const example = doc.paths['/sandbox/v1/surat']!.post.requestBody.content['application/json'].example;
    const res = await request(h.url).post('/sandbox/v1/surat').set('authorization', `Bearer ${await h.token('app-writer')}`).send(example);
    expect(res.status).toBe(201);
  });
});
