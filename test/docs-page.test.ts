import { request as httpsRequest } from 'node:https';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsContentSecurityPolicy } from '../gateway/listeners/docs-page.ts';
import { startHarness, trafficRows, type Harness } from './support/harness.ts';
import { startPki, type TestPki } from './support/pki.ts';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** One request with Node's clients (no automatic decompression, unlike fetch): https with the test CA, no client certificate. */
function get(url: string, pki: TestPki, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, ca: pki.caPem, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function getPlain(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const res = await fetch(url, { method, headers: { 'accept-encoding': 'identity', ...headers } });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()) };
}

/** The asset URLs the page names, relative to `/docs`. */
function assetsOf(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
}

describe('GET /docs', () => {
  let h: Harness;
  let pki: TestPki;
  let internal: (path: string, headers?: Record<string, string>, method?: string) => Promise<Answer>;
  let partner: (path: string, headers?: Record<string, string>, method?: string) => Promise<Answer>;

  beforeAll(async () => {
    pki = await startPki();
    h = await startHarness({ config: { external: { enabled: true, host: '127.0.0.1', port: 0, tls: { cert: pki.server.certFile, key: pki.server.keyFile, clientCa: [pki.caFile], crl: [pki.crlFile] } } } });
    internal = (path, headers, method) => getPlain(`${h.url}${path}`, headers, method);
    partner = (path, headers, method) => get(`${h.gateway.external!.url}${path}`, pki, { 'accept-encoding': 'identity', ...headers }, method);
  }, 60_000);
  afterAll(() => h?.close());

  it.each([['internal'], ['partner']] as const)('serves the %s listener a page in Bahasa Indonesia with a strict CSP and no URL of elsewhere', async (listener) => {
    const res = await (listener === 'internal' ? internal : partner)('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(docsContentSecurityPolicy);
    expect(docsContentSecurityPolicy).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(docsContentSecurityPolicy).toMatch(/(^|; )connect-src 'self'(;|$)/);
    expect(docsContentSecurityPolicy).toMatch(/(^|; )default-src 'none'(;|$)/);
    expect(docsContentSecurityPolicy).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-cache');
    const html = res.body.toString('utf8');
    expect(html).toContain('<html lang="id">');
    expect(html).toContain('<title>Dokumentasi API Penghubung</title>');
    // No CDN, no other host at all: every URL in the page is relative to it.
    expect(html).not.toMatch(/https?:|\/\/[a-z]/i);
    // No inline script: the CSP would refuse it.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(expect.arrayContaining([expect.stringMatching(/ src="docs\/assets\//)]));
    expect(html).not.toMatch(/<script(?![^>]* src=)[^>]*>/);
    expect(assetsOf(html).length).toBeGreaterThanOrEqual(5);
    for (const asset of assetsOf(html)) expect(asset).toMatch(/^docs\/assets\/[0-9a-f]{16}\/[\w.-]+$/);
    if (listener === 'internal') {
      expect(html).toContain('data-auth="bearer"');
      expect(html).toMatch(/<input id="token"[^>]* type="password"/);
    } else {
      expect(html).toContain('data-auth="mutualTLS"');
      expect(html).not.toContain('id="token"');
      expect(html).toContain('sertifikat klien');
    }
  });

  it('serves the page\'s assets with their content types, cached for a year under a versioned URL', async () => {
    const html = (await internal('/docs')).body.toString('utf8');
    const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', png: 'image/png' };
    for (const asset of assetsOf(html)) {
      for (const fetchAsset of [internal, partner]) {
        const res = await fetchAsset(`/${asset}`);
        expect(res.status, asset).toBe(200);
        expect(res.headers['content-type'], asset).toBe(types[asset.split('.').at(-1)!]);
        expect(res.headers['cache-control'], asset).toBe('public, max-age=31536000, immutable');
        expect(res.headers['x-content-type-options'], asset).toBe('nosniff');
        expect(Number(res.headers['content-length']), asset).toBe(res.body.length);
      }
    }
    const bundle = (await internal(`/${assetsOf(html).find((a) => a.endsWith('swagger-ui-bundle.js'))!}`)).body.toString('utf8');
    expect(bundle).toContain('SwaggerUIBundle');
    const script = (await internal(`/${assetsOf(html).find((a) => a.endsWith('penghubung-docs.js'))!}`)).body.toString('utf8');
    // The page loads the caller's own document, and never the public validator service.
    expect(script).toContain('openapi.json');
    expect(script).toMatch(/validatorUrl: null/);
  });

  it('gzips the bundle for a client that accepts it', async () => {
    const html = (await internal('/docs')).body.toString('utf8');
    const path = `/${assetsOf(html).find((a) => a.endsWith('swagger-ui-bundle.js'))!}`;
    const plain = await partner(path);
    const zipped = await partner(path, { 'accept-encoding': 'gzip, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
  });

  it('answers HEAD without a body, and 404 for an asset it does not have or an old version', async () => {
    const head = await internal('/docs', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(500);
    const [asset] = assetsOf((await internal('/docs')).body.toString('utf8'));
    const version = asset!.split('/')[2]!;
    // Only the files of the page's list are served, never another file of the package (the source maps, its own index.html).
    for (const path of [`/docs/assets/${version}/index.html`, `/docs/assets/${version}/swagger-ui-bundle.js.map`, '/docs/assets/0000000000000000/swagger-ui.css']) {
      const res = await internal(path);
      expect(res.status, path).toBe(404);
      expect(res.headers['cache-control'], path).toBe('no-store');
    }
    // A name that is no file name is not the docs page's at all: the pipeline refuses it (no token here).
    const traversal = await internal(`/docs/assets/${version}/..%2fpackage.json`);
    expect(traversal.status).toBe(401);
    expect(traversal.body.toString('utf8')).not.toContain('swagger-ui-dist');
  });

  it('is not an exchange: no traffic-log row for the page or its assets, while the document it loads is one', async () => {
    const html = (await internal('/docs', { 'x-request-id': 'docs-page-1' })).body.toString('utf8');
    await internal(`/${assetsOf(html)[0]!}`, { 'x-request-id': 'docs-asset-1' });
    await partner('/docs', { 'x-request-id': 'docs-page-2' });
    const document = await internal('/openapi.json', { 'x-request-id': 'docs-document-1' });
    expect(document.status).toBe(401);
    await h.flushTraffic();
    expect(await trafficRows(h.gateway, 'docs-document-1')).toHaveLength(1);
    for (const id of ['docs-page-1', 'docs-asset-1', 'docs-page-2']) expect(await trafficRows(h.gateway, id), id).toEqual([]);
  });

  it('leaves other methods and paths under /docs to the pipeline', async () => {
    const post = await internal('/docs', { 'x-request-id': 'docs-post-1' }, 'POST');
    expect(post.headers['content-type']).toMatch(/^application\/problem\+json/);
    const below = await internal('/docs/v1/anything');
    expect(below.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
