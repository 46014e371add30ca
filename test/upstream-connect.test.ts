/**
 * How the gateway's upstream clients connect (adapters/kit/connector.ts): an address that never
 * answers a connection attempt (a dropped uplink) fails as a connect timeout at half the request's
 * timeout, known to have sent nothing, in the adapters' pools and the delivery worker alike; an
 * address that answers is served as before. The passthrough forwarder's case is a chaos test
 * (chaos-upstream.test.ts, "upstream unreachable").
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamConnector } from '../gateway/upstream/connector.ts';
import type { UpstreamTiming } from '../gateway/adapter-api/index.ts';
import { UpstreamClient } from '../gateway/upstream/upstream-client.ts';
import { Problem } from '../gateway/errors/problem.ts';
import { DeliveryAgents } from '../gateway/delivery/sender.ts';
import { startUnreachableUpstream, type UnreachableUpstream } from './support/chaos-upstreams.ts';

/** The request timeout of every call here: connections are given up on after half of it. */
const timeoutMs = 1200;
/**
 * How late a connect timeout may fire here: less than undici's own `connect.timeout` would be
 * (its coarse timer wheel fires a 600 ms timeout at about 1000 ms), more than a busy CI machine needs.
 */
const connectSlackMs = 300;

describe('connecting to an upstream', () => {
  let unreachable: UnreachableUpstream;
  let server: Server;
  let liveUrl: string;

  beforeAll(async () => {
    unreachable = await startUnreachableUpstream();
    server = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    liveUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await unreachable?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('an adapter\'s call to an address that never answers fails as "could not be reached" at the connect timeout, marked as nothing sent', async () => {
    const client = new UpstreamClient(new URL(unreachable.url), { system: 'Uji', timeoutMs });
    const timing: UpstreamTiming = {};
    const started = performance.now();
    const failure = await client.send({ method: 'POST', path: '/laporan', body: '{}' }, { requestId: 'r-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', timing }).catch((error: unknown) => error);
    const elapsed = performance.now() - started;
    await client.close();
    expect(failure).toBeInstanceOf(Problem);
    expect({ code: (failure as Problem).code, connectFailed: timing.connectFailed, timedOut: timing.timedOut }).toEqual({ code: 'UPSTREAM_UNAVAILABLE', connectFailed: true, timedOut: undefined });
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs / 2 - 20);
    expect(elapsed).toBeLessThan(timeoutMs / 2 + connectSlackMs);
  });

  it('the delivery worker\'s connection to an address that never answers fails with a connect timeout, before the request\'s timeout', async () => {
    const agents = new DeliveryAgents();
    const started = performance.now();
    const failure = await request(unreachable.url, { dispatcher: agents.for(timeoutMs), method: 'POST', body: '{}' }).catch((error: unknown) => error);
    const elapsed = performance.now() - started;
    await agents.close();
    expect((failure as { code?: string }).code).toBe('UND_ERR_CONNECT_TIMEOUT');
    expect(elapsed).toBeLessThan(timeoutMs / 2 + connectSlackMs);
  });

  it('connects to an address that answers', async () => {
    const client = new UpstreamClient(new URL(liveUrl), { system: 'Uji', timeoutMs });
    const answers = [await client.send({ method: 'GET', path: '/a' }), await client.send({ method: 'GET', path: '/b' })];
    await client.close();
    expect(answers.map((a) => [a.status, a.body.toString()])).toEqual([[200, '{"ok":true}'], [200, '{"ok":true}']]);
  });

  it('gives up on a connection at half the request timeout, between 250 ms and 10 s', async () => {
    const connect = upstreamConnector(100);
    const started = performance.now();
    const { hostname, port } = new URL(unreachable.url);
    const error = await new Promise<Error | null>((resolve) => connect({ hostname, port, protocol: 'http:' }, (...result) => resolve(result[0])));
    expect(error?.message).toMatch(/^Connect timeout after 250 ms/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });
});
