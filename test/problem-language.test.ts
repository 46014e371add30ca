import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemCatalogue, type ProblemCode } from '../gateway/errors/catalogue.ts';
import { problemCatalogueId } from '../gateway/errors/catalogue-id.ts';
import { fillDetail } from '../gateway/errors/detail-template.ts';
import { preferredLanguage, varyWith } from '../gateway/errors/language.ts';
import { Problem, sendProblem } from '../gateway/errors/problem.ts';
import { Reply } from '../gateway/pipeline/reply.ts';
import { type Harness, letter, sandboxContracts, startHarness, tempDir, trafficRows } from './support/harness.ts';

const codes = Object.keys(problemCatalogue) as ProblemCode[];

interface ProblemBody { code: string; title: string; detail: string; [member: string]: unknown }
const problemBody = async (res: Response) => (await res.json()) as ProblemBody;

describe('preferredLanguage (Accept-Language, RFC 9110 section 12.5.4)', () => {
  it.each([
    'id',
    'ID',
    'id-ID',
    'id-id',
    'in-ID',
    'id;q=0.9, en;q=0.5',
    'en;q=0.5, id;q=0.9',
    'id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7',
    'en;q=0.8, id-ID',
    'id, en',
    'id;q=0.5, en;q=0.5',
    'fr, id;q=0.5',
    'en;q=0, *',
    '*;q=0.5, id',
    'id ; q=0.8 , en;q=0.7',
    'id;Q=1.000',
    ' , id,,',
  ])('%j prefers Indonesian', (header) => {
    expect(preferredLanguage(header)).toBe('id');
  });

  it.each([
    undefined,
    '',
    '*',
    'en',
    'en-US',
    'en, id',
    'en-GB, id-ID',
    'id;q=0.5, en',
    'id;q=0',
    'id-ID;q=0, en;q=0',
    'fr',
    'fr, de;q=0.5',
    'id;q=0.5, *',
    '*, id',
  ])('%j stays English', (header) => {
    expect(preferredLanguage(header)).toBe('en');
  });

  it.each([
    'id;q=2',
    'id;q=1.5',
    'id;q=0.1234',
    'id;q=',
    'id;q=.5',
    'id;level=1',
    'id;q=0.5;q=0.6',
    'id-',
    'id_ID',
    'bahasaindonesia',
    'id, en;q=abc',
    'id; en',
  ])('malformed %j is English', (header) => {
    expect(preferredLanguage(header)).toBe('en');
  });

  it('does not parse a header longer than any real one: English', () => {
    expect(preferredLanguage(`id, ${'fr,'.repeat(600)}`)).toBe('en');
    expect(preferredLanguage(`id, ${'fr,'.repeat(300)}`)).toBe('id');
  });
});

describe('varyWith', () => {
  it('adds the field to what the answer already varies on, once', () => {
    expect(varyWith(undefined, 'Accept-Language')).toBe('Accept-Language');
    expect(varyWith('Origin', 'Accept-Language')).toBe('Origin, Accept-Language');
    expect(varyWith(['Origin', 'Accept-Encoding'], 'Accept-Language')).toBe('Origin, Accept-Encoding, Accept-Language');
    expect(varyWith('origin, accept-language', 'Accept-Language')).toBe('origin, accept-language');
    expect(varyWith('*', 'Accept-Language')).toBe('*');
  });
});

describe('the Indonesian detail of a code', () => {
  it('fills a part from the members, and drops a part whose member is absent or not plain text', () => {
    expect(fillDetail('Scope kurang[ ({missingScopes})].', { missingScopes: ['a.read', 'b.write'] })).toBe('Scope kurang (a.read, b.write).');
    expect(fillDetail('Scope kurang[ ({missingScopes})].', {})).toBe('Scope kurang.');
    expect(fillDetail('Layanan hulu[ {upstream.system}] mati.', { upstream: { system: 'SIPD' } })).toBe('Layanan hulu SIPD mati.');
    expect(fillDetail('Layanan hulu[ {upstream.system}] mati.', { upstream: 'SIPD' })).toBe('Layanan hulu mati.');
    expect(fillDetail('Batas[ {max}][ di {pointer}].', { max: 32, pointer: '' })).toBe('Batas 32.');
    expect(fillDetail('Kontrak[ {contract} versi {version}].', { contract: 'x' })).toBe('Kontrak.');
    expect(fillDetail('Rute[: {routes}].', { routes: [{ method: 'GET' }] })).toBe('Rute.');
  });

  it('never reads a member\'s value as a template', () => {
    expect(fillDetail('Properti[ {name}] ganda[ di {pointer}].', { name: '[{pointer}]', pointer: '/a' })).toBe('Properti [{pointer}] ganda di /a.');
  });

  it.each(codes)('%s reads as a whole sentence with no member and with every member', (code) => {
    const template = problemCatalogueId[code].detail;
    const bare = fillDetail(template, {});
    expect(bare).not.toMatch(/[[\]{}]|\s[.,;:)]|\(\)|\s{2}/);
    expect(bare).toMatch(/\.$/);
    const members: Record<string, unknown> = {};
    for (const [, path] of template.matchAll(/\{([A-Za-z.]+)\}/g)) {
      const [head, ...rest] = path!.split('.');
      members[head!] = rest.length === 0 ? 'NILAI' : { [rest.join('.')]: 'NILAI' };
    }
    const full = fillDetail(template, members);
    expect(full).not.toMatch(/[[\]{}]/);
    expect(full.split('NILAI').length - 1).toBe([...template.matchAll(/\{/g)].length);
  });

  it('is what toDocument gives in Indonesian; English stays the default, extension members stay as they are', () => {
    const problem = new Problem('SCOPE_DENIED', 'The token lacks the scope sandbox.write required by sandbox-direktori.', { missingScopes: ['sandbox.write'] });
    const id = problem.toDocument('r-1', 'x-1', 'id');
    expect(id).toMatchObject({ status: 403, code: 'SCOPE_DENIED', instance: 'r-1', exchangeId: 'x-1', title: 'Scope tidak diberikan', missingScopes: ['sandbox.write'] });
    expect(id.detail).toContain('(sandbox.write)');
    const en = problem.toDocument('r-1', 'x-1');
    expect(en).toEqual({ ...id, title: 'Scope not granted', detail: problem.message });
  });
});

/** A one-off server whose handler answers with a problem; resolves with the answer as fetch got it. */
async function answerOf(handler: RequestListener, headers: Record<string, string>): Promise<Response> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { headers });
    await res.arrayBuffer();
    return res;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('Vary on a problem answer', () => {
  it('sendProblem adds Accept-Language to the Vary a handler set', async () => {
    const res = await answerOf((_req, res) => {
      res.setHeader('vary', 'Origin');
      sendProblem(res, new Problem('NOT_FOUND', 'Nothing here.'), 'r-2');
    }, { 'accept-language': 'id' });
    expect(res.status).toBe(404);
    expect(res.headers.get('vary')).toBe('Origin, Accept-Language');
    expect(res.headers.get('content-language')).toBe('id');
  });

  it('Reply.problem does the same', async () => {
    const res = await answerOf((_req, res) => {
      res.setHeader('vary', 'Accept-Encoding');
      new Reply(res, { requestId: 'r-3', exchangeId: 'x-3' }).problem(new Problem('NOT_FOUND', 'Nothing here.'));
    }, { 'accept-language': 'en-US' });
    expect(res.headers.get('vary')).toBe('Accept-Encoding, Accept-Language');
    expect(res.headers.get('content-language')).toBe('en');
  });
});

describe('problem answers of the gateway', () => {
  let h: Harness;

  /** The sandbox contract with a timeout short enough to time out in a test. */
  function shortTimeoutContracts(): string {
    const dir = tempDir('contracts-');
    cpSync(sandboxContracts, join(dir, 'sandbox'), { recursive: true });
    const file = join(dir, 'sandbox', 'direktori.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('timeoutMs: 5000', 'timeoutMs: 300'));
    return dir;
  }

  beforeAll(async () => {
    h = await startHarness({ contractDirs: [shortTimeoutContracts()] });
  }, 60_000);
  afterAll(() => h?.close());

  const get = (base: string, path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

  it('on the internal listener: Indonesian for Accept-Language: id, and the traffic log hashes what was sent', async () => {
    const res = await get(h.url, '/sandbox/v1/perangkat-daerah', { 'accept-language': 'id', 'x-request-id': 'bahasa-0001' });
    const text = await res.text();
    const body = JSON.parse(text);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('content-language')).toBe('id');
    expect(res.headers.get('vary')).toMatch(/\bAccept-Language\b/i);
    expect(body).toMatchObject({ code: 'TOKEN_MISSING', status: 401, title: 'Token akses tidak ada', detail: problemCatalogueId.TOKEN_MISSING.detail, instance: 'bahasa-0001' });
    await h.flushTraffic();
    const [row] = await trafficRows(h.gateway, 'bahasa-0001');
    expect(row).toMatchObject({ status: 401, error_code: 'TOKEN_MISSING' });
    expect(row!.response_sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(Number(row!.bytes_out)).toBe(Buffer.byteLength(text));
  });

  it('on the internal listener: English without the header, with the throw site\'s own detail', async () => {
    const res = await get(h.url, '/sandbox/v1/perangkat-daerah');
    const body = await problemBody(res);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-language')).toBe('en');
    expect(res.headers.get('vary')).toMatch(/\bAccept-Language\b/i);
    expect(body).toMatchObject({ code: 'TOKEN_MISSING', title: 'Access token missing', detail: 'Send the SSO access token as `Authorization: Bearer <token>`.' });
  });

  it('fills the Indonesian detail from the extension members, which stay as they are', async () => {
    const res = await fetch(`${h.url}/sandbox/v1/surat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.token('app-reader')}`, 'content-type': 'application/json', 'accept-language': 'id;q=0.9, en;q=0.5' },
      body: JSON.stringify(letter),
    });
    const body = await problemBody(res);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-language')).toBe('id');
    expect(body).toMatchObject({ code: 'SCOPE_DENIED', title: problemCatalogueId.SCOPE_DENIED.title, missingScopes: ['sandbox.write'] });
    expect(body.detail).toContain('(sandbox.write)');
  });

  it('on the admin API: 401 and 403 in Indonesian with the header, English without', async () => {
    const none = await get(h.adminUrl, '/admin/v1/traffic', { 'accept-language': 'id-ID' });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-language')).toBe('id');
    expect(none.headers.get('vary')).toMatch(/\bAccept-Language\b/i);
    expect(await problemBody(none)).toMatchObject({ code: 'TOKEN_MISSING', title: 'Token akses tidak ada', detail: problemCatalogueId.TOKEN_MISSING.detail });

    const pd = await get(h.adminUrl, '/admin/v1/traffic', { authorization: `Bearer ${await h.token('app-writer')}`, 'accept-language': 'id' });
    const refused = await problemBody(pd);
    expect(pd.status).toBe(403);
    expect(refused).toMatchObject({ code: 'FORBIDDEN_ROLE', title: problemCatalogueId.FORBIDDEN_ROLE.title });
    expect(refused.detail).toContain('penghubung-ops');
    expect(refused.requiredRoles).toContain('penghubung-ops');

    const english = await get(h.adminUrl, '/admin/v1/traffic', { 'accept-language': 'en-US, id;q=0.5' });
    expect(english.headers.get('content-language')).toBe('en');
    expect((await problemBody(english)).title).toBe('Access token missing');
  });

  it('replays a kept Indonesian problem as it was sent, labelled with its language', async () => {
    h.upstream.delayMs = 600;
    try {
      const writer = await h.token('app-writer');
      const post = (headers: Record<string, string>) => fetch(`${h.url}/sandbox/v1/surat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', 'idempotency-key': 'bahasa-replay-1', ...headers },
        body: JSON.stringify(letter),
      });
      const first = await post({ 'accept-language': 'id' });
      const firstText = await first.text();
      expect(first.status).toBe(504);
      expect(JSON.parse(firstText).title).toBe(problemCatalogueId.UPSTREAM_TIMEOUT.title);
      const again = await post({});
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.status).toBe(504);
      expect(await again.text()).toBe(firstText);
      expect(again.headers.get('content-language')).toBe('id');
    } finally {
      h.upstream.delayMs = 0;
    }
  });
});
