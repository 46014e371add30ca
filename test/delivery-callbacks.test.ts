// The optional callback of a store-and-forward delivery (`Penghubung-Callback`): a real gateway,
// the sandbox upstream, and a real HTTP receiver on loopback whose origin the Dinas allowed.
import { rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxUpstream, type SandboxUpstream } from '../adapters/sandbox/simulator.ts';
import { allowedOriginsOf } from '../gateway/delivery/callbacks.ts';
import type { Delivery } from '../gateway/delivery/outbox.ts';
import { deliverySchemas } from '../gateway/openapi/build.ts';
import { createSchemaCompiler } from '../gateway/registry/schema-compiler.ts';
import { startHarness, tempDir, testConfig, type Harness } from './support/harness.ts';
import { adminClient, asyncSandboxContracts, exampleLetter } from './support/async-sandbox.ts';
import type { DeliveryAccepted, DeliveryStatus } from './support/delivery-answers.ts';
import { until } from './support/until.ts';

const letter = exampleLetter;
const callbackAttempts = 4;
const upstreamAttempts = 2;


interface Received { method: string; url: string; headers: IncomingHttpHeaders; body: string }

/**
 * The caller's callback receiver: `/ok*` answers 204, `/fail*` 500, `/redirect*` 302 to `/target`.
 * It can be stopped and started again on the same port.
 */
class Receiver {
  readonly received: Received[] = [];
  private server?: Server;
  port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
        if (req.url!.startsWith('/ok')) res.writeHead(204).end();
        else if (req.url!.startsWith('/redirect')) res.writeHead(302, { location: `${this.origin}/target` }).end();
        else res.writeHead(500).end('receiver fault');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  to(path: string): Received[] {
    return this.received.filter((r) => r.url.split('?')[0] === path);
  }
}

describe('delivery callbacks', () => {
  let h: Harness;
  let writer: string;
  const receiver = new Receiver();
  const restarted: SandboxUpstream[] = [];
  const dataDir = tempDir();
  // No order key: letters are independent here.
  const contracts = asyncSandboxContracts(`maxAttempts: ${upstreamAttempts}`);
  const options = () => ({
    dataDir,
    contractDirs: [contracts],
    clients: [adminClient],
    config: {
      delivery: {
        pollMs: 50, baseDelayMs: 40, maxDelayMs: 100,
        // A trailing slash is normalized away (the configuration test covers the rest).
        callbacks: { allowedOrigins: [`${receiver.origin}/`], maxAttempts: callbackAttempts, timeoutMs: 1000, baseDelayMs: 100, maxDelayMs: 400 },
      },
    },
  });

  const submit = async (callback?: string, extra: Record<string, string> = {}, body: unknown = letter) => {
    const res = await fetch(`${h.url}/sandbox/v1/surat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', ...(callback === undefined ? {} : { 'penghubung-callback': callback }), ...extra },
      body: JSON.stringify(body),
    });
    return { status: res.status, contentType: res.headers.get('content-type'), location: res.headers.get('location'), body: (await res.json()) as DeliveryAccepted };
  };
  // A 202's Location is relative to the URL the letter was sent to.
  const poll = async (location: string) => {
    const res = await fetch(new URL(location, `${h.url}/sandbox/v1/surat`), { headers: { authorization: `Bearer ${writer}` } });
    return (await res.json()) as DeliveryStatus;
  };
  const admin = async (method: string, path: string) => {
    const res = await fetch(`${h.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${await h.token('admin-console')}` } });
    return { status: res.status, body: (await res.json()) as Delivery };
  };
  const deliveryRows = async () => Number((await h.gateway.store.db.selectFrom('deliveries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const events = (path: string) => receiver.to(path).map((r) => JSON.parse(r.body) as Record<string, string>);

  beforeAll(async () => {
    await receiver.start();
    h = await startHarness(options());
    writer = await h.token('app-writer');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await receiver.stop();
    for (const upstream of restarted) await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('notifies an allowed callback once, with the thin event, after delivery; its query string stays out of logs and the admin view', async () => {
    const accepted = await submit(`${receiver.origin}/ok/hook?token=rahasia-penerima#fragment`);
    expect(accepted.status).toBe(202);
    const done = await until(() => poll(accepted.location!), (p) => p.callback?.state === 'sent');
    expect(done).toMatchObject({ status: 'delivered', callback: { url: `${receiver.origin}/ok/hook?token=rahasia-penerima`, state: 'sent', attempts: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [event, ...more] = receiver.to('/ok/hook');
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({ method: 'POST', url: '/ok/hook?token=rahasia-penerima' });
    expect(event!.headers).toMatchObject({ 'content-type': 'application/json', 'penghubung-delivery-id': accepted.body.deliveryId, 'penghubung-event': 'delivery.delivered' });
    // Thin: no upstream answer, nothing of the request.
    expect(JSON.parse(event!.body)).toEqual({ deliveryId: accepted.body.deliveryId, status: 'delivered', location: `/deliveries/${accepted.body.deliveryId}` });
    // What the OpenAPI document says of the 202, the poll document and the event is what they are.
    const compiler = createSchemaCompiler();
    for (const [schema, value] of [[deliverySchemas.DeliveryAccepted, accepted.body], [deliverySchemas.DeliveryStatus, done], [deliverySchemas.DeliveryEvent, JSON.parse(event!.body)]] as const) {
      const validate = compiler.compile(schema);
      expect(validate(value), `${schema.description}: ${compiler.errorsText(validate)}`).toBe(true);
    }
    const view = await admin('GET', `/admin/v1/deliveries/${accepted.body.deliveryId}`);
    expect(view.body.callback).toMatchObject({ url: `${receiver.origin}/ok/hook?[query omitted]`, state: 'sent', attempts: 1 });
    expect(h.logs.text).toContain('delivery callback sent');
    expect(h.logs.text).not.toContain('rahasia-penerima');
  });

  it('refuses a callback that is not allowed, malformed, with userinfo, non-http or on a sync operation: 422, nothing stored, nothing sent', async () => {
    const rows = await deliveryRows();
    const hits = h.upstream.hits;
    const cases: [string, string][] = [
      ['http://127.0.0.1:1/ok', 'origin'],
      [`${h.adminUrl}/admin/v1/deliveries`, 'origin'],
      ['http://169.254.169.254/latest/meta-data/', 'origin'],
      [`https://127.0.0.1:${receiver.port}/ok`, 'origin'],
      ['/ok/relative', 'malformed'],
      ['bukan url', 'malformed'],
      [`${receiver.origin}/ok/${'x'.repeat(2100)}`, 'malformed'],
      [`http://user:sandi@127.0.0.1:${receiver.port}/ok`, 'userinfo'],
      [`ftp://127.0.0.1:${receiver.port}/ok`, 'scheme'],
      ['file:///etc/passwd', 'scheme'],
    ];
    for (const [callback, reason] of cases) {
      const refused = await submit(callback);
      expect(refused.status, callback).toBe(422);
      expect(refused.contentType).toBe('application/problem+json');
      expect(refused.body, callback).toMatchObject({ code: 'CALLBACK_NOT_ALLOWED', reason, detail: expect.stringContaining('Nothing was stored') });
    }
    const sync = await fetch(`${h.url}/sandbox/v1/perangkat-daerah`, { headers: { authorization: `Bearer ${writer}`, 'penghubung-callback': `${receiver.origin}/ok` } });
    expect(sync.status).toBe(422);
    expect(await sync.json()).toMatchObject({ code: 'CALLBACK_NOT_ALLOWED', reason: 'not-async', detail: expect.stringContaining('not `delivery: async`') });
    // A refused request does not use up its Idempotency-Key: sent again without the header, it is accepted.
    expect((await submit('http://127.0.0.1:1/ok', { 'idempotency-key': 'callback-refused-1' })).status).toBe(422);
    expect(await deliveryRows()).toBe(rows);
    expect(h.upstream.hits).toBe(hits);
    const again = await submit(undefined, { 'idempotency-key': 'callback-refused-1' });
    expect(again.status).toBe(202);
    expect(await deliveryRows()).toBe(rows + 1);
  });

  it('retries a receiver that is down and notifies it once it is back', async () => {
    await receiver.stop();
    const accepted = await submit(`${receiver.origin}/ok/later`);
    const failing = await until(() => poll(accepted.location!), (p) => p.callback?.lastError !== undefined);
    expect(failing).toMatchObject({ status: 'delivered', callback: { state: 'pending', lastError: expect.stringMatching(/^could not be reached \(/), nextAttemptAt: expect.any(String) } });
    await receiver.start();
    const sent = await until(() => poll(accepted.location!), (p) => p.callback?.state === 'sent');
    expect(sent.callback!.state).toBe('sent');
    expect(sent.callback!.attempts).toBeGreaterThanOrEqual(2);
    expect(events('/ok/later')).toEqual([{ deliveryId: accepted.body.deliveryId, status: 'delivered', location: `/deliveries/${accepted.body.deliveryId}` }]);
  });

  it('gives a callback up as failed after maxAttempts, while the delivery stays delivered', async () => {
    const accepted = await submit(`${receiver.origin}/fail/always`);
    const failed = await until(() => poll(accepted.location!), (p) => p.callback?.state === 'failed');
    expect(failed).toMatchObject({ status: 'delivered', response: { status: 201 }, callback: { state: 'failed', attempts: callbackAttempts, lastError: 'answered 500' } });
    expect(receiver.to('/fail/always')).toHaveLength(callbackAttempts);
    expect(h.logs.text).toContain('delivery callback given up');
  });

  it('does not follow a redirect', async () => {
    const accepted = await submit(`${receiver.origin}/redirect/me`);
    const failed = await until(() => poll(accepted.location!), (p) => p.callback?.state === 'failed');
    expect(failed.callback).toMatchObject({ state: 'failed', lastError: 'answered 302 (redirects are not followed)' });
    expect(receiver.to('/redirect/me')).toHaveLength(callbackAttempts);
    expect(receiver.to('/target')).toHaveLength(0);
  });

  it('notifies a parked delivery and a cancelled one with their status, and a retried one again when it ends again', async () => {
    const port = Number(new URL(h.upstream.url).port);
    await h.upstream.close();
    const parked = await submit(`${receiver.origin}/ok/parked`, {}, { ...letter, perihal: 'Parkir' });
    const cancelled = await submit(`${receiver.origin}/ok/cancelled`, {}, { ...letter, perihal: 'Batal' });
    const failed = await until(() => poll(parked.location!), (p) => p.status === 'failed' && p.callback?.state === 'sent');
    expect(failed).toMatchObject({ attempts: upstreamAttempts, callback: { state: 'sent' } });
    expect(events('/ok/parked')).toEqual([{ deliveryId: parked.body.deliveryId, status: 'failed', location: `/deliveries/${parked.body.deliveryId}` }]);
    expect(receiver.to('/ok/parked')[0]!.headers['penghubung-event']).toBe('delivery.failed');

    await until(() => poll(cancelled.location!), (p) => p.status === 'failed' && p.callback?.state === 'sent');
    expect((await admin('POST', `/admin/v1/deliveries/${cancelled.body.deliveryId}/cancel`)).body.state).toBe('cancelled');
    await until(() => poll(cancelled.location!), (p) => p.callback?.state === 'sent' && p.status === 'cancelled');
    expect(events('/ok/cancelled').map((e) => e.status)).toEqual(['failed', 'cancelled']);
    expect(receiver.to('/ok/cancelled').map((r) => r.headers['penghubung-event'])).toEqual(['delivery.failed', 'delivery.cancelled']);

    restarted.push(await startSandboxUpstream({ port }));
    const retried = await admin('POST', `/admin/v1/deliveries/${parked.body.deliveryId}/retry`);
    expect(retried.body.callback).toMatchObject({ state: 'none', attempts: 0 });
    const delivered = await until(() => poll(parked.location!), (p) => p.status === 'delivered' && p.callback?.state === 'sent');
    expect(delivered.status).toBe('delivered');
    expect(events('/ok/parked').map((e) => e.status)).toEqual(['failed', 'delivered']);
  });

  it('keeps a notification that is due across a gateway restart, and sends it from the new instance', async () => {
    await receiver.stop();
    const accepted = await submit(`${receiver.origin}/ok/restart`);
    const waiting = await until(() => poll(accepted.location!), (p) => p.callback?.lastError !== undefined);
    expect(waiting).toMatchObject({ status: 'delivered', callback: { state: 'pending' } });
    await h.close();
    await receiver.start();
    h = await startHarness(options());
    writer = await h.token('app-writer');
    const sent = await until(() => poll(accepted.location!), (p) => p.callback?.state === 'sent');
    expect(sent.callback!.state).toBe('sent');
    expect(events('/ok/restart')).toEqual([{ deliveryId: accepted.body.deliveryId, status: 'delivered', location: `/deliveries/${accepted.body.deliveryId}` }]);
  }, 60_000);
});

describe('delivery.callbacks configuration', () => {
  const sso = { issuer: 'https://sso.example.go.id/realms/pemda', audience: 'urn:penghubung:gateway' };

  it('defaults to no allowed origin, 5 attempts and a 5 s timeout', () => {
    expect(testConfig({ sso }).delivery.callbacks).toEqual({ allowedOrigins: [], maxAttempts: 5, timeoutMs: 5000, baseDelayMs: 5000, maxDelayMs: 300000 });
  });

  it('takes origins only, and compares them in their normalized form', () => {
    for (const entry of ['https://sistem.example.go.id/path', 'https://user@sistem.example.go.id', 'ftp://sistem.example.go.id', 'sistem.example.go.id', 'https://sistem.example.go.id?x=1']) {
      expect(() => testConfig({ sso, delivery: { callbacks: { allowedOrigins: [entry] } } }), entry).toThrow(/delivery\.callbacks\.allowedOrigins/);
    }
    expect(() => testConfig({ sso, delivery: { callbacks: { maxAttempts: 0 } } })).toThrow(/delivery\.callbacks\.maxAttempts/);
    const config = testConfig({ sso, delivery: { callbacks: { allowedOrigins: ['https://Sistem.Example.go.id:443/', 'http://10.10.20.15:8000'] } } });
    expect([...allowedOriginsOf(config.delivery.callbacks.allowedOrigins)]).toEqual(['https://sistem.example.go.id', 'http://10.10.20.15:8000']);
  });
});
