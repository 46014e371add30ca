import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeAdapters, discoverAdapters } from '../../adapters/index.ts';
import { exportForSplp, writeSplpExport, type SplpExportDocument } from '../../adapters/splp/export.ts';
import { toOpenApi30, type ConversionContext } from '../../adapters/splp/openapi30.ts';
import { deliverySchemas } from '../../gateway/openapi/build.ts';
import { routePrefix, type ContractDefinition } from '../../gateway/registry/contract.ts';
import { loadContracts } from '../../gateway/registry/load-contracts.ts';
import { bundledContracts, tempDir } from '../support/harness.ts';

const gatewayUrl = 'https://penghubung.bangkaselatankab.go.id/';
const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** An OpenAPI 3.0 response as these tests read it. */
interface Response30 { description: string; headers?: unknown; content?: { 'application/json': { schema: unknown } }; 'x-delivery-status'?: unknown; 'x-delivered-response'?: Response30 }

/** Keywords of JSON Schema 2020-12 (or later than the OpenAPI 3.0 subset) that must not survive the export. */
const newerKeywords = ['$schema', '$id', '$defs', 'definitions', '$anchor', '$dynamicRef', '$dynamicAnchor', 'const', 'examples', 'prefixItems', 'if', 'then', 'else',
  'dependentRequired', 'dependentSchemas', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'minContains', 'maxContains', 'propertyNames', 'patternProperties',
  'contentEncoding', 'contentMediaType', 'contentSchema'];

/** Every problem of an OpenAPI 3.0 Schema Object, walking sub-schemas (and not property names). */
function schemaProblems(schema: unknown, where: string): string[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [`${where}: not an object schema`];
  const record = schema as Record<string, unknown>;
  const problems: string[] = [];
  for (const keyword of newerKeywords) if (keyword in record) problems.push(`${where}: ${keyword}`);
  if ('type' in record && typeof record.type !== 'string') problems.push(`${where}: type ${JSON.stringify(record.type)}`);
  for (const bound of ['exclusiveMinimum', 'exclusiveMaximum']) if (bound in record && typeof record[bound] !== 'boolean') problems.push(`${where}: numeric ${bound}`);
  if ('$ref' in record && Object.keys(record).length > 1) problems.push(`${where}: $ref with siblings`);
  for (const [name, sub] of Object.entries((record.properties ?? {}) as Record<string, unknown>)) problems.push(...schemaProblems(sub, `${where}/properties/${name}`));
  for (const key of ['items', 'not']) if (key in record) problems.push(...schemaProblems(record[key], `${where}/${key}`));
  if (typeof record.additionalProperties === 'object') problems.push(...schemaProblems(record.additionalProperties, `${where}/additionalProperties`));
  for (const key of ['allOf', 'anyOf', 'oneOf']) for (const [i, sub] of ((record[key] ?? []) as unknown[]).entries()) problems.push(...schemaProblems(sub, `${where}/${key}/${i}`));
  return problems;
}

/** Every Schema Object of the document: components, parameters, bodies and answers. */
function schemasOf(document: Record<string, unknown>): [string, unknown][] {
  const found: [string, unknown][] = Object.entries((document.components as { schemas: Record<string, unknown> }).schemas).map(([name, schema]) => [`#/components/schemas/${name}`, schema]);
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Record<string, unknown>>>)) {
    for (const [method, operation] of Object.entries(item)) {
      const at = `${path} ${method}`;
      for (const parameter of (operation.parameters ?? []) as { name: string; schema: unknown }[]) found.push([`${at} parameter ${parameter.name}`, parameter.schema]);
      const contents = [(operation.requestBody as { content?: object } | undefined)?.content, ...Object.values(operation.responses as Record<string, { content?: object }>).map((r) => r.content)];
      for (const content of contents) for (const [type, media] of Object.entries(content ?? {})) found.push([`${at} ${type}`, (media as { schema: unknown }).schema]);
    }
  }
  return found;
}

function refsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsOf);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, sub]) => (key === '$ref' && typeof sub === 'string' ? [sub] : refsOf(sub)));
}

function resolves(document: Record<string, unknown>, ref: string): boolean {
  if (!ref.startsWith('#/')) return false;
  let current: unknown = document;
  for (const part of ref.slice(2).split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))) {
    if (typeof current !== 'object' || current === null || !(part in current)) return false;
    current = (current as Record<string, unknown>)[part];
  }
  return true;
}

function contract(overrides: Partial<ContractDefinition>): ContractDefinition {
  return {
    id: 'dukcapil-ringkas', integration: 'dukcapil', version: '2.1.0', title: 'Ringkasan kependudukan', description: 'Jumlah penduduk per kecamatan.',
    state: 'active', classification: 'publik', scopes: ['dukcapil.read'], timeoutMs: 5000, forwarding: 'passthrough', adapterSettings: {},
    upstream: { name: 'dukcapil', url: 'http://127.0.0.1:9/' },
    operations: [{
      id: 'getSummary', method: 'GET', path: '/kecamatan/{kode}/ringkasan', scopes: ['dukcapil.extra'],
      pathParams: { kode: { schema: { type: 'string', pattern: '^[0-9.]+$' }, example: '19.03.01' } },
      query: { tahun: { schema: { type: ['integer', 'null'], exclusiveMinimum: 2000 }, example: 2026 } },
      response: { schema: { $defs: { jumlah: { type: 'integer', minimum: 0 } }, type: 'object', properties: { laki: { $ref: '#/$defs/jumlah' }, perempuan: { $ref: '#/$defs/jumlah', description: 'Perempuan' }, jenis: { const: 'ringkasan' } } }, example: { laki: 1, perempuan: 2, jenis: 'ringkasan' } },
    }],
    ...overrides,
  };
}

describe('SPLP export of the bundled contracts', () => {
  let contracts: ContractDefinition[];
  let documents: SplpExportDocument[];

  beforeAll(async () => {
    contracts = loadContracts([bundledContracts], describeAdapters(await discoverAdapters())).map((loaded) => loaded.definition);
    documents = exportForSplp(contracts, { gatewayUrl, region: 'Kabupaten Bangka Selatan' });
  });

  it('exports each active publik contract not itself consumed from SPLP, and nothing else', () => {
    const expected = contracts.filter((c) => c.state === 'active' && c.classification === 'publik' && c.forwarding !== 'splp').map((c) => c.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(documents.map((d) => d.contractId)).toEqual(expected);
    expect(documents.map((d) => d.contractId)).not.toContain('splp-wilayah');
    for (const skipped of contracts.filter((c) => c.classification !== 'publik')) expect(documents.map((d) => d.contractId)).not.toContain(skipped.id);
  });

  it('gives OpenAPI 3.0.3 documents pointing at the region\'s gateway, with WSO2\'s extensions', () => {
    for (const { contractId, fileName, document } of documents) {
      const source = contracts.find((c) => c.id === contractId)!;
      const server = `https://penghubung.bangkaselatankab.go.id${routePrefix(source)}`;
      expect(fileName).toBe(`${contractId}.openapi.json`);
      expect(document).toMatchObject({
        openapi: '3.0.3',
        info: { title: `${source.title} (Kabupaten Bangka Selatan)`, version: source.version },
        servers: [{ url: server }],
        'x-wso2-basePath': `/${source.integration}/${source.version}`,
        'x-wso2-production-endpoints': { urls: [server], type: 'http' },
        components: { securitySchemes: { penghubung: { type: 'http', scheme: 'bearer' } } },
      });
    }
  });

  it('has every operation with its path and query parameters', () => {
    for (const { contractId, document } of documents) {
      const source = contracts.find((c) => c.id === contractId)!;
      const paths = document.paths as Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string; required: boolean }[] }>>;
      const operations = Object.values(paths).flatMap((item) => Object.entries(item).filter(([m]) => methods.includes(m)));
      expect(operations.length).toBe(source.operations.length);
      for (const operation of source.operations) {
        const found = paths[operation.path]?.[operation.method.toLowerCase()];
        expect(found?.operationId, `${contractId} ${operation.id}`).toBe(operation.id);
        const declared = (found!.parameters ?? []).filter((p) => p.in === 'path');
        expect(declared.map((p) => p.name).sort()).toEqual([...operation.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
        expect(declared.every((p) => p.required)).toBe(true);
        expect((found!.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name).sort()).toEqual(Object.keys(operation.query).sort());
      }
    }
  });

  it('leaves no JSON Schema 2020-12 keyword in any schema, and every $ref resolves', () => {
    for (const { document } of documents) {
      expect(schemasOf(document).flatMap(([where, schema]) => schemaProblems(schema, where))).toEqual([]);
      for (const ref of refsOf(document)) expect(resolves(document, ref), ref).toBe(true);
    }
  });

  it('documents an async operation (SP4N-LAPOR! submitComplaint) with its 202, Location and the poll document, as the gateway\'s own OpenAPI does', () => {
    const [lapor] = exportForSplp(contracts.filter((c) => c.id === 'sp4n-lapor'), { gatewayUrl, classifications: ['terbatas'] });
    expect(contracts.find((c) => c.id === 'sp4n-lapor')!.operations.find((o) => o.id === 'submitComplaint')!.delivery?.mode).toBe('async');
    const { document, notes } = lapor!;
    const paths = document.paths as Record<string, Record<string, { operationId: string; responses: Record<string, Response30> }>>;
    const submit = paths['/laporan']!.post!;
    expect(Object.keys(submit.responses).sort()).toEqual(['202', 'default']);
    const accepted = submit.responses['202']!;
    expect(accepted.headers).toEqual({ Location: { description: expect.stringContaining('`deliveries/{deliveryId}` relative to the URL of this request'), schema: { type: 'string' } } });
    expect(accepted.content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/DeliveryAccepted' } } });
    expect(accepted['x-delivery-status']).toEqual({ $ref: '#/components/schemas/DeliveryStatus' });
    expect(accepted['x-delivered-response']!.content!['application/json'].schema).toEqual({ $ref: '#/components/schemas/SubmitComplaintResponse' });
    expect(accepted.description).toContain('Poll `GET /deliveries/{deliveryId}` of this API');
    // The poll is an operation of the same API, so SPLP publishes it under the same context.
    const pollOp = paths['/deliveries/{deliveryId}']!.get! as unknown as { operationId: string; parameters: { name: string; in: string }[]; responses: Record<string, Response30> };
    expect(pollOp.operationId).toBe('getDelivery');
    expect(pollOp.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:deliveryId']);
    expect(pollOp.responses['200']!.content!['application/json'].schema).toEqual({ $ref: '#/components/schemas/DeliveryStatus' });
    // The synchronous operations of the same contract keep their 200.
    expect(Object.keys(paths['/laporan/{trackingId}']!.get!.responses).sort()).toEqual(['200', 'default']);

    // The gateway's own schemas, in 3.0: the same members, `const` as a one-value `enum`.
    const schemas = (document.components as { schemas: Record<string, { properties: Record<string, { enum?: unknown[] }>; required?: string[] }> }).schemas;
    for (const name of ['DeliveryAccepted', 'DeliveryStatus'] as const) {
      expect(Object.keys(schemas[name]!.properties), name).toEqual(Object.keys(deliverySchemas[name].properties));
      expect(schemas[name]!.required, name).toEqual(deliverySchemas[name].required);
    }
    expect(schemas.DeliveryAccepted!.properties.status).toEqual({ enum: ['pending'] });
    expect(schemas.DeliveryStatus!.properties.status!.enum).toEqual(['pending', 'delivering', 'delivered', 'failed', 'cancelled']);
    // Not the operator's to review: the gateway's own documents.
    expect(notes.filter((note) => note.includes('Delivery'))).toEqual([]);
    expect(schemasOf(document).flatMap(([where, schema]) => schemaProblems(schema, where))).toEqual([]);
    for (const ref of refsOf(document)) expect(resolves(document, ref), ref).toBe(true);
  });

  it('documents no delivery schemas for a contract without async operations', () => {
    const syncOnly = documents.filter(({ contractId }) => contracts.find((c) => c.id === contractId)!.operations.every((o) => o.delivery?.mode !== 'async'));
    expect(syncOnly.length).toBeGreaterThan(0);
    for (const { document } of syncOnly) {
      expect(Object.keys((document.components as { schemas: object }).schemas)).not.toContain('DeliveryStatus');
      expect(Object.keys(document.paths as object)).not.toContain('/deliveries/{deliveryId}');
      const responses = Object.values(document.paths as Record<string, Record<string, { responses: object }>>).flatMap((item) => Object.values(item).map((operation) => Object.keys(operation.responses)));
      expect(responses.every((codes) => codes.includes('200') && !codes.includes('202'))).toBe(true);
    }
  });

  it('writes <contract id>.openapi.json files', async () => {
    const dir = tempDir('splp-export-');
    const files = await writeSplpExport(dir, documents);
    expect(readdirSync(dir).sort()).toEqual(documents.map((d) => d.fileName).sort());
    expect(JSON.parse(readFileSync(files[0]!, 'utf8'))).toEqual(documents[0]!.document);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('SPLP export options and conversion', () => {
  const terbatas = contract({ id: 'pegawai-ringkas', classification: 'terbatas' });

  it('leaves out non-publik, non-active and SPLP-consumed contracts unless asked', () => {
    const all = [contract({}), terbatas, contract({ id: 'draft-one', state: 'draft' }), contract({ id: 'from-splp', forwarding: 'splp' })];
    expect(exportForSplp(all, { gatewayUrl }).map((d) => d.contractId)).toEqual(['dukcapil-ringkas']);
    expect(exportForSplp(all, { gatewayUrl, classifications: ['publik', 'terbatas'] }).map((d) => d.contractId)).toEqual(['dukcapil-ringkas', 'pegawai-ringkas']);
    expect(() => exportForSplp(all, { gatewayUrl: 'ftp://example' })).toThrow(/http/);
  });

  it('down-converts the schemas and reports each change', () => {
    const [{ document, notes }] = exportForSplp([contract({})], { gatewayUrl }) as [SplpExportDocument];
    const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
    expect(schemas.GetSummaryResponse).toEqual({
      type: 'object',
      properties: {
        laki: { $ref: '#/components/schemas/GetSummaryResponse_jumlah' },
        perempuan: { description: 'Perempuan', allOf: [{ $ref: '#/components/schemas/GetSummaryResponse_jumlah' }] },
        jenis: { enum: ['ringkasan'] },
      },
    });
    expect(schemas.GetSummaryResponse_jumlah).toEqual({ type: 'integer', minimum: 0 });
    const tahun = ((document.paths as Record<string, Record<string, { parameters: { name: string; schema: unknown }[] }>>)['/kecamatan/{kode}/ringkasan']!.get!.parameters).find((p) => p.name === 'tahun');
    expect(tahun!.schema).toEqual({ type: 'integer', nullable: true, minimum: 2000, exclusiveMinimum: true });
    expect(notes).toEqual(expect.arrayContaining([
      expect.stringMatching(/jenis: const -> enum/),
      expect.stringMatching(/parameters\/tahun: type \["integer","null"\] -> type integer \+ nullable/),
      expect.stringMatching(/exclusiveMinimum: 2000 -> minimum/),
      expect.stringMatching(/perempuan: \$ref with sibling keywords -> allOf/),
    ]));
  });

  it('converts the rest of the 2020-12 vocabulary', () => {
    const context: ConversionContext = { prefix: 'X_', components: {}, notes: [] };
    const converted = toOpenApi30({
      type: 'object',
      examples: [{ a: 'x' }],
      if: { required: ['a'] }, then: { required: ['b'] },
      patternProperties: { '^x-': { type: 'string' } },
      properties: {
        a: { type: ['string', 'integer'] },
        b: { prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false },
        c: false,
        d: { type: 'string', contentEncoding: 'base64' },
        e: { enum: ['x', null] },
        f: { type: 'null' },
        g: { $ref: '#' },
      },
    }, '#/s', { ...context, rootName: 'Root' });
    expect(converted).toEqual({
      type: 'object',
      example: { a: 'x' },
      additionalProperties: { type: 'string' },
      properties: {
        a: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        b: { items: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, maxItems: 2 },
        c: { not: {} },
        d: { type: 'string', format: 'byte' },
        e: { enum: ['x', null], nullable: true },
        f: { enum: [null], nullable: true },
        g: { $ref: '#/components/schemas/Root' },
      },
    });
    expect(context.notes).toEqual(expect.arrayContaining(['#/s: if is not part of OpenAPI 3.0; dropped', '#/s: then is not part of OpenAPI 3.0; dropped']));
  });

  it('documents the region SSO\'s client credentials flow when its token URL is given', () => {
    const [{ document }] = exportForSplp([contract({})], { gatewayUrl, tokenUrl: 'https://sso.bangkaselatankab.go.id/token' }) as [SplpExportDocument];
    expect((document.components as Record<string, unknown>).securitySchemes).toEqual({
      penghubung: expect.objectContaining({ type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://sso.bangkaselatankab.go.id/token', scopes: { 'dukcapil.extra': expect.any(String), 'dukcapil.read': expect.any(String) } } } }),
    });
    const get = (document.paths as Record<string, Record<string, { security: unknown }>>)['/kecamatan/{kode}/ringkasan']!.get!;
    expect(get.security).toEqual([{ penghubung: ['dukcapil.read', 'dukcapil.extra'] }]);
  });
});

describe('penghubung splp export', () => {
  it('writes the files from contract directories and lists what it exported', () => {
    const out = tempDir('splp-cli-');
    try {
      const run = spawnSync(process.execPath, ['bin/penghubung.js', 'splp', 'export', '--from', bundledContracts, '--out', out, '--gateway-url', gatewayUrl, '--include', 'publik,terbatas'], { encoding: 'utf8', cwd: new URL('../../', import.meta.url).pathname });
      expect(run.stderr).not.toMatch(/penghubung:/);
      expect(run.status).toBe(0);
      const files = readdirSync(out).sort();
      expect(files).toContain('bkn-siasn.openapi.json');
      expect(files).toContain('sandbox-direktori.openapi.json');
      expect(files.some((f) => f.startsWith('splp-'))).toBe(false);
      expect(run.stdout).toMatch(new RegExp(`${files.length} of \\d+ active contracts exported \\(classifications: publik, terbatas\\)`));
      const document = JSON.parse(readFileSync(`${out}/bkn-siasn.openapi.json`, 'utf8')) as { openapi: string };
      expect(document.openapi).toBe('3.0.3');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses an unknown classification with a clear message', () => {
    const run = spawnSync(process.execPath, ['bin/penghubung.js', 'splp', 'export', '--from', bundledContracts, '--out', '/tmp/never', '--gateway-url', gatewayUrl, '--include', 'sangat-rahasia'], { encoding: 'utf8', cwd: new URL('../../', import.meta.url).pathname });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--include: unknown classification sangat-rahasia');
  });
});
