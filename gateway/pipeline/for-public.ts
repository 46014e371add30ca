import { record } from './60-record.ts';
import type { Pipeline } from './run.ts';
import { servePublic } from './serve-public.ts';

/** The public listener's one pipeline: unauthenticated, read-only feeds of adapters, each call in the traffic log. */
const feeds: Pipeline = { request: [servePublic], filters: [], after: [record] };

export function publicPipelines(): Pipeline {
  return feeds;
}
