import { Pool } from 'undici';
import { upstreamConnector } from './connector.ts';
import { connectTimeoutFor, type UpstreamTls } from './model.ts';

/**
 * The passthrough forwarder's keep-alive connections: one undici pool per upstream origin and
 * connect timeout, connecting as every upstream client does (`upstreamConnector`): an address that
 * never answers (a dropped uplink) fails as a connect error, known to have sent nothing, before
 * the contract's timeout would make its outcome unknown.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly tlsFor: (upstreamName: string) => UpstreamTls | undefined;

  /** `tlsFor`: the gateway's client certificate towards an upstream (`upstreams.<name>.tls`), if any. */
  constructor(tlsFor: (upstreamName: string) => UpstreamTls | undefined = () => undefined) {
    this.tlsFor = tlsFor;
  }

  poolFor(upstream: URL, upstreamName: string, contractTimeoutMs: number): Pool {
    const key = `${upstreamName} ${upstream.origin} ${connectTimeoutFor(contractTimeoutMs)}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const tls = upstream.protocol === 'https:' ? this.tlsFor(upstreamName) : undefined;
      // The caller's own timer decides the rest (the contract's timeout, an idle timeout once answering).
      pool = new Pool(upstream.origin, { connections: 256, headersTimeout: 0, bodyTimeout: 0, connect: upstreamConnector(contractTimeoutMs, tls) });
      this.pools.set(key, pool);
    }
    return pool;
  }

  close(): void {
    for (const pool of this.pools.values()) void pool.destroy();
    this.pools.clear();
  }
}
