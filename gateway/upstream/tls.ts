import { readFileSync } from 'node:fs';
import type { GatewayConfig } from '../config/schema.ts';
import type { UpstreamTls } from './model.ts';

/**
 * The gateway's client certificate towards an upstream (`upstreams.<name>.tls`), as PEM; none
 * when not configured. Read when a client or pool is made: a renewed certificate applies when the
 * contract is re-applied or the gateway restarts.
 */
export function upstreamTlsOf(upstreams: GatewayConfig['upstreams'], upstreamName: string): UpstreamTls | undefined {
  const files = upstreams[upstreamName]?.tls;
  if (!files) return undefined;
  return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8'), ...(files.ca ? { ca: files.ca.map((f) => readFileSync(f, 'utf8')) } : {}) };
}
