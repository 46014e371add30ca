import { Problem } from '../errors/problem.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

const bearer = /^Bearer[ ]+([A-Za-z0-9_.~+/-]+=*)$/i;

/** The token of an `Authorization: Bearer` header (never the query string), or a TOKEN_MISSING refusal. */
export function bearerToken(header: string | undefined): string {
  if (!header) throw new Problem('TOKEN_MISSING', 'Send the SSO access token as `Authorization: Bearer <token>`.');
  const token = bearer.exec(header)?.[1];
  if (!token) throw new Problem('TOKEN_MISSING', 'The Authorization header must use the Bearer scheme.');
  return token;
}

/** Who is calling: the SSO token in the Authorization header (never the query string) -> consumer. */
export async function identify(ex: Exchange, ctx: PipelineContext): Promise<void> {
  ex.token = await ctx.verifier.verify(bearerToken(ex.req.headers.authorization));
  const clientId = ex.token.clientId;
  const consumer = clientId === undefined ? undefined : ex.table.consumers.get(clientId);
  if (!consumer || consumer.status !== 'active') {
    throw new Problem('CONSUMER_UNKNOWN', `The SSO client ${JSON.stringify(clientId ?? null)} is not a registered, active consumer of the gateway.`);
  }
  ex.consumer = consumer;
}
