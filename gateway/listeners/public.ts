import { createServer, type Server } from 'node:http';
import type { PipelineContext } from '../pipeline/context.ts';
import { publicPipelines } from '../pipeline/for-public.ts';
import { exchangeListener } from './exchange-listener.ts';
import type { Health } from './health.ts';

/**
 * The public listener: unauthenticated, read-only feeds published by adapters (the JDIHN harvest
 * feed), each call in the traffic log like any other exchange. Off unless `public.enabled`.
 */
export function createPublicServer(ctx: PipelineContext, health: Health, isDraining: () => boolean): Server {
  return createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, exchangeListener(ctx, health, { listener: 'public', trustProxy: false, isDraining, pipelineFor: publicPipelines }));
}
