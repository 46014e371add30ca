import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

/**
 * `GET /docs`: Swagger UI over the caller's own `/openapi.json` (docs/decisions/0006), or on the
 * admin listener over the admin API's document (served there by express). Static: the
 * page, swagger-ui-dist's bundle and the page's script, served from memory, never an exchange (no
 * caller is identified here; the document the page loads asks for the caller's credentials).
 */

/** How the page's calls authenticate: a bearer token typed into the page, or the browser's client certificate. */
export type DocsAuth = 'bearer' | 'mutualTLS';

/** Whose document the page shows: a caller's own (exchange listeners) or the admin API's (admin listener). */
export type DocsAudience = 'caller' | 'admin';

interface Asset { type: string; body: Buffer; gzipped?: Promise<Buffer> }

const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ownDir = fileURLToPath(new URL('docs-page/', import.meta.url));

/** The files the page uses, by the name it asks for them under `docs/assets/{version}/`. */
const sources: Record<string, { file: string; type: string }> = {
  'swagger-ui-bundle.js': { file: join(swaggerDir, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { file: join(swaggerDir, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'favicon-32x32.png': { file: join(swaggerDir, 'favicon-32x32.png'), type: 'image/png' },
  'penghubung-docs.js': { file: join(ownDir, 'penghubung-docs.js'), type: 'text/javascript; charset=utf-8' },
  'penghubung-docs.css': { file: join(ownDir, 'penghubung-docs.css'), type: 'text/css; charset=utf-8' },
};

/**
 * Only the page's own origin: no inline script or style, no eval, nothing from elsewhere (no CDN),
 * and the document and "Try it out" calls go to this gateway only. Swagger UI draws its icons as
 * `data:` SVG, hence that one; its styles go through the CSSOM, which `style-src` does not govern
 * (test/docs-page-browser.test.ts renders it under this policy).
 */
export const docsContentSecurityPolicy = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const commonHeaders = {
  'content-security-policy': docsContentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** The token field: the page keeps what is typed in memory only (docs/decisions/0006). */
const tokenForm = (button: string, note = '') => `<form id="token-form" class="token-form">
    <label for="token">Token akses SSO (Bearer)</label>
    <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
    <button type="submit">${button}</button>
  </form>
  <p class="note">Token hanya disimpan di memori halaman ini (hilang saat dimuat ulang) dan hanya dikirim ke gateway ini,
  juga untuk <em>Try it out</em>.${note}</p>`;

const intro: Record<DocsAuth, string> = {
  bearer: `<p>Halaman ini menampilkan layanan yang boleh dipanggil aplikasi Anda: dokumen <code>openapi.json</code>
  dibaca dengan token akses SSO aplikasi Anda (client credentials), menurut scope dan klasifikasinya.</p>
  ${tokenForm('Tampilkan layanan')}`,
  mutualTLS: `<p>Halaman ini menampilkan layanan yang dicakup perjanjian kerja sama (PKS) Anda yang berlaku hari ini. Peramban
  mengirim sertifikat klien yang didaftarkan Dinas untuk Anda; tanpa sertifikat itu dokumen tidak dapat dibaca.</p>`,
};

const adminIntro = `<p>Halaman ini menampilkan API admin Penghubung: dokumen <code>openapi.json</code> dibaca dengan token akses SSO
  Anda yang memegang peran <code>penghubung-ops</code>, <code>penghubung-admin</code> atau <code>penghubung-approver</code>;
  setiap operasi menyebut peran yang boleh memanggilnya.</p>
  ${tokenForm('Tampilkan API admin', ' <em>Try it out</em> pada operasi yang mengubah data benar-benar mengubahnya.')}`;

/** The security scheme each document names: the page hands the token to Swagger UI under it. */
const schemeOf = (auth: DocsAuth, audience: DocsAudience) => (audience === 'admin' ? 'bearerAuth' : auth === 'bearer' ? 'sso' : 'mutualTLS');

function page(auth: DocsAuth, audience: DocsAudience, version: string): string {
  const asset = (name: string) => `docs/assets/${version}/${name}`;
  const title = audience === 'admin' ? 'Dokumentasi API Admin Penghubung' : 'Dokumentasi API Penghubung';
  return `<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" type="image/png" href="${asset('favicon-32x32.png')}">
<link rel="stylesheet" href="${asset('swagger-ui.css')}">
<link rel="stylesheet" href="${asset('penghubung-docs.css')}">
</head>
<body data-auth="${auth}" data-scheme="${schemeOf(auth, audience)}">
<header class="penghubung">
  <h1>${title}</h1>
  ${audience === 'admin' ? adminIntro : intro[auth]}
  <p id="status" class="status" role="status"></p>
</header>
<main id="swagger-ui"></main>
<noscript><p class="penghubung">Halaman ini memerlukan JavaScript. Dokumen yang sama: <code>GET /openapi.json</code>.</p></noscript>
<script src="${asset('swagger-ui-bundle.js')}"></script>
<script src="${asset('penghubung-docs.js')}"></script>
</body>
</html>
`;
}

export interface DocsPage {
  /** Answers `GET`/`HEAD` of `/docs` and its assets; false for any other request (left to the pipeline). */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
}

interface Loaded { version: string; assets: Map<string, Asset> }

/** Read on the first request: a listener nobody asks for docs keeps no 2 MB of bundle in memory. */
let loaded: Loaded | undefined;
function load(): Loaded {
  if (loaded) return loaded;
  const assets = new Map(Object.entries(sources).map(([name, { file, type }]) => [name, { type, body: readFileSync(file) }]));
  const hash = createHash('sha256');
  for (const [name, { body }] of assets) hash.update(name).update(body);
  // The version in the asset URLs changes with their bytes, so they can be cached for a year.
  loaded = { version: hash.digest('hex').slice(0, 16), assets };
  return loaded;
}

const compress = promisify(gzip);

function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  res.writeHead(status, { ...commonHeaders, ...headers, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): Promise<void> {
  const headers = { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', vary: 'accept-encoding' };
  // The bundle is 1.8 MB, a quarter of it gzipped; compressed once, off the event loop.
  if (asset.type.startsWith('text/') && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    asset.gzipped ??= compress(asset.body);
    send(req, res, 200, { ...headers, 'content-encoding': 'gzip' }, await asset.gzipped);
    return;
  }
  send(req, res, 200, headers, asset.body);
}

const notFound = Buffer.from('Tidak ditemukan / not found\n');

/** The page as express middleware (the admin listener): what it does not answer goes on to the routes. */
export function docsMiddleware(docs: DocsPage): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    if (!docs.serve(req, res)) next();
  };
}

export function docsPage(auth: DocsAuth, audience: DocsAudience = 'caller'): DocsPage {
  let html: Buffer | undefined;
  return {
    serve(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const path = (req.url ?? '/').split('?', 1)[0]!;
      if (path === '/docs') {
        const { version } = load();
        html ??= Buffer.from(page(auth, audience, version));
        send(req, res, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }, html);
        return true;
      }
      const match = /^\/docs\/assets\/([0-9a-f]{16})\/([\w.-]+)$/.exec(path);
      if (!match) return false;
      const { version, assets } = load();
      const asset = match[1] === version ? assets.get(match[2]!) : undefined;
      if (!asset) {
        send(req, res, 404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, notFound);
        return true;
      }
      sendAsset(req, res, asset).catch(() => res.destroy());
      return true;
    },
  };
}
