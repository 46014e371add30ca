import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeAdapters, discoverAdapters } from '../adapters/index.ts';
import { buildOpenApi } from '../gateway/openapi/build.ts';
import type { ContractDefinition } from '../gateway/registry/contract.ts';
import { loadContractFile, loadContracts } from '../gateway/registry/load-contracts.ts';
import { RoutingTable } from '../gateway/registry/routing-table.ts';
import { bundledContracts, tempDir } from './support/harness.ts';

/** A passthrough contract whose one POST has the given `response:` block (YAML, indented under it). */
function contractWith(response: string, extra = ''): string {
  return `
id: test-surat
integration: surat
version: 1.0.0
state: active
classification: publik
upstream: { name: surat, url: http://127.0.0.1:9/surat }
operations:
  - id: register
    method: POST
    path: /surat
${extra}    request: { schema: { type: object }, example: { perihal: rapat } }
    response:
${response}`;
}

const receipt = `      schema: { type: object, required: [nomor], properties: { nomor: { type: string }, baru: { type: boolean } } }
`;

/** The routes of the contracts, as a running gateway's table holds them. */
function routesOf(contracts: ContractDefinition[]) {
  return new RoutingTable({ revision: 1, contracts, consumers: new Map(), partners: new Map(), certificates: new Map(), agreementsByPartner: new Map() }).routes;
}

function load(text: string) {
  const dir = tempDir('contract-status-');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'surat.yaml');
  writeFileSync(file, text);
  return loadContractFile(file);
}

function refusal(text: string): string {
  try {
    load(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the contract to be refused');
}

/** The `responses` of the contract's one operation in the OpenAPI document. */
function documented(text: string): Record<string, { description: string; content?: { 'application/json': { schema: unknown; example?: unknown } } }> {
  const definition = load(text);
  const doc = buildOpenApi(routesOf([definition]), () => true, 'http://gateway') as { paths: Record<string, { post: { responses: never } }> };
  return doc.paths['/surat/v1/surat']!.post.responses;
}

describe('an operation\'s response status', () => {
  it('is 200 when the contract names none, and the stored definition carries no status (digests of existing contracts unchanged)', () => {
    const text = contractWith(receipt);
    expect(load(text).operations[0]!.response).not.toHaveProperty('status');
    expect(Object.keys(documented(text))).toEqual(['200', 'default']);
  });

  it('documents the declared status with its description, schema and example instead of 200', () => {
    const responses = documented(contractWith(`${receipt}      status: 201
      description: Surat teregistrasi
      example: { nomor: '001/2026', baru: true }
`));
    expect(Object.keys(responses)).toEqual(['201', 'default']);
    expect(responses['201']).toMatchObject({ description: 'Surat teregistrasi', content: { 'application/json': { example: { nomor: '001/2026', baru: true } } } });
    expect(responses['201']!.content!['application/json'].schema).toMatchObject({ required: ['nomor'] });
  });

  it('documents other statuses with the main schema, or their own, and their examples', () => {
    const responses = documented(contractWith(`${receipt}      status: 201
      example: { nomor: '001/2026', baru: true }
      otherStatuses:
        200:
          description: Sudah teregistrasi
          example: { nomor: '001/2026', baru: false }
        203:
          description: Dari salinan
          schema: { type: object, required: [salinan], properties: { salinan: { const: true } } }
          example: { salinan: true }
`));
    expect(Object.keys(responses)).toEqual(['200', '201', '203', 'default']);
    expect(responses['200']!.content!['application/json']).toMatchObject({ schema: { required: ['nomor'] }, example: { nomor: '001/2026', baru: false } });
    expect(responses['203']!.content!['application/json']).toMatchObject({ schema: { required: ['salinan'] }, example: { salinan: true } });
  });

  it.each([
    ['a status that is not a success', `${receipt}      status: 404\n`, /response\/status must be <= 299/],
    ['another status that is not a success', `${receipt}      otherStatuses:\n        500: { description: Gagal }\n`, /propertyNames|property name must be valid/],
    ['another status without a description', `${receipt}      otherStatuses:\n        200: { example: { nomor: x } }\n`, /must have required property 'description'/],
    ['another status repeating the main one', `${receipt}      status: 201\n      otherStatuses:\n        201: { description: Lagi }\n`, /otherStatuses repeats the main status 201/],
    ['an example of another status that breaks the main schema', `${receipt}      otherStatuses:\n        201: { description: Baru, example: { baru: true } }\n`, /response 201: the example does not match its schema/],
  ])('refuses %s', (_name, response, reason) => {
    expect(refusal(contractWith(response))).toMatch(reason);
  });

  it('refuses a status on an async operation, whose answer is the 202', () => {
    const text = contractWith(`${receipt}      status: 201\n`, '    delivery: { mode: async }\n');
    expect(refusal(text)).toMatch(/an async operation answers 202/);
  });
});

describe('the bundled contracts', () => {
  it('document JDIHN\'s registration as 201 (new) and 200 (replaced), its update as 200 and 201', async () => {
    const loaded = loadContracts([bundledContracts], describeAdapters(await discoverAdapters()));
    const doc = buildOpenApi(routesOf(loaded.map((c) => c.definition)), () => true, 'http://gateway') as { paths: Record<string, Record<string, { responses: Record<string, { content?: { 'application/json': { example?: { created?: boolean } } } }> }>> };
    const register = doc.paths['/jdihn/v1/dokumen']!.post!.responses;
    expect(Object.keys(register)).toEqual(['200', '201', 'default']);
    expect(register['201']!.content!['application/json'].example).toMatchObject({ created: true, version: 1 });
    expect(register['200']!.content!['application/json'].example).toMatchObject({ created: false, version: 2 });
    const update = doc.paths['/jdihn/v1/dokumen/{id}']!.put!.responses;
    expect(Object.keys(update)).toEqual(['200', '201', 'default']);
    expect(update['200']!.content!['application/json'].example).toMatchObject({ created: false });
    // The sandbox's letter registry answers 201 too.
    expect(Object.keys(doc.paths['/sandbox/v1/surat']!.post!.responses)).toEqual(['201', 'default']);
  });
});
