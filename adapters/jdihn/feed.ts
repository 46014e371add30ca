import { createHash } from 'node:crypto';
import type { DocumentStore, PublicResponse, PublicRoute } from '../../gateway/adapter-api/index.ts';
import type { LegalDocument } from './legal-document.ts';
import { renderFeed } from './mapping.ts';

/** The store collection holding the documents; its revision keys the rendered feed. */
export const collection = 'dokumen';

/** Where the gateway's public listener serves the feed; the URL given to BPHN is `<public base>/jdihn/integrasi`. */
export const feedPath = '/jdihn/integrasi';

/** Harvesters may reuse a copy for five minutes; after that they revalidate with If-None-Match. */
const cacheControl = 'public, max-age=300';

interface RenderedFeed { revision: number; body: Buffer; headers: Record<string, string> }

/** A strong validator: the same bytes always give the same tag, whichever instance rendered them. */
function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

async function render(documents: DocumentStore, revision: number): Promise<RenderedFeed> {
  const stored = await documents.list<LegalDocument>(collection);
  const body = renderFeed(stored.map((entry) => entry.body));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    etag: etagOf(body),
    'cache-control': cacheControl,
  };
  const newest = stored.reduce((latest, entry) => (entry.updatedAt > latest ? entry.updatedAt : latest), '');
  if (newest) headers['last-modified'] = new Date(newest).toUTCString();
  return { revision, body, headers };
}

/**
 * The JDIHN harvest feed as a public route. The rendered array is kept in memory under the
 * collection's revision, so a harvest when nothing changed costs one small query; a write through
 * any gateway instance sharing the store bumps the revision and shows at the next harvest.
 * The public listener answers 304 itself when If-None-Match matches the `etag`.
 */
export function feedRoute(documents: DocumentStore): PublicRoute {
  let cached: RenderedFeed | null = null;
  // One render per revision even when harvests arrive together.
  let rendering: Promise<RenderedFeed> | null = null;
  let renderingRevision = -1;

  const current = async (): Promise<RenderedFeed> => {
    const revision = await documents.revision(collection);
    if (cached?.revision === revision) return cached;
    if (!rendering || renderingRevision !== revision) {
      renderingRevision = revision;
      const started = render(documents, revision);
      rendering = started;
      void started.then(
        (feed) => {
          if (!cached || feed.revision >= cached.revision) cached = feed;
        },
        () => undefined,
      ).finally(() => {
        if (rendering === started) rendering = null;
      });
    }
    return rendering;
  };

  return {
    path: feedPath,
    async handle(): Promise<PublicResponse> {
      const feed = await current();
      return { status: 200, headers: { ...feed.headers }, body: feed.body };
    },
  };
}
