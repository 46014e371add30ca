import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../gateway/idempotency/store.ts';
import { requestFingerprint } from '../gateway/pipeline/45-idempotency.ts';
import { sandboxContracts, startHarness, tempDir, type Harness } from './support/harness.ts';

const letter = JSON.parse(readFileSync(new URL('../contracts/sandbox/schemas/letter.json', import.meta.url), 'utf8')).examples[0] as Record<string, unknown>;

/** The sandbox contract with a short timeout and a second copy whose letter registration requires a key. */
function contracts(): string {
  const dir = tempDir('contracts-');
  cpSync(sandboxContracts, join(dir, 'sandbox'), { recursive: true });
  const file = join(dir, 'sandbox', 'direktori.yaml');
  // The sandbox's echo, for a PATCH and for an answer as large as its request.
  const echo = ['POST', 'PATCH'].map((method) => `  - id: echo${method}\n    method: ${method}\n    path: /echo\n    scopes: [sandbox.write]\n`).join('');
  writeFileSync(file, `${readFileSync(file, 'utf8').replace('timeoutMs: 5000', 'timeoutMs: 600')}${echo}`);
  const strict = readFileSync(file, 'utf8').slice(0, -echo.length)
    .replace('id: sandbox-direktori', 'id: sandbox-strict').replace('integration: sandbox', 'integration: sandbox-strict')
    .replace('    request: { schema: schemas/letter.json }', '    idempotency: required\n    request: { schema: schemas/letter.json }');
  writeFileSync(join(dir, 'sandbox', 'strict.yaml'), strict);
  return dir;
}

/** Another PD application allowed to write: keys are per caller. */
const secondWriter = { clientId: 'app-writer-2', secret: 'writer2-secret-0123456789', scopes: ['sandbox.read', 'sandbox.write'], consumer: { name: 'Writer 2', department: 'Bappeda', clearance: 'terbatas' as const } };
const contractTimeoutMs = 600;
const inFlightGraceSeconds = 1;

describe('Idempotency-Key', () => {
  let h: Harness;
  let writer: string;
  const post = async (key: string | undefined, body: unknown = letter, path = '/sandbox/v1/surat', token = writer, method = 'POST') => {
    const res = await fetch(`${h.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  beforeAll(async () => {
    h = await startHarness({
      contractDirs: [contracts()],
      clients: [secondWriter],
      config: { limits: { bodyBytes: 10 * 2 ** 20 }, idempotency: { inFlightGraceSeconds } },
    });
    writer = await h.token('app-writer');
  }, 60_000);
  afterAll(() => h?.close());

  it('executes the first request once and replays its answer to a repeat, marked as a replay', async () => {
    const hits = h.upstream.hits;
    const first = await post('"a1b2c3d4-0001"');
    expect(first.status).toBe(201);
    const again = await post('"a1b2c3d4-0001"');
    expect({ status: again.status, text: again.text }).toEqual({ status: 201, text: first.text });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(h.upstream.hits - hits).toBe(1);
  });

  it('refuses the same key with another body (422) without calling the upstream', async () => {
    const hits = h.upstream.hits;
    const reused = await post('"a1b2c3d4-0001"', { ...letter, perihal: 'Lain' });
    expect(reused.status).toBe(422);
    expect(JSON.parse(reused.text).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(h.upstream.hits).toBe(hits);
  });

  it('answers 409 to a repeat while the first is still running', async () => {
    h.upstream.delayMs = 300;
    try {
      const hits = h.upstream.hits;
      const [a, b] = await Promise.all([post('key-in-flight'), new Promise((r) => setTimeout(r, 80)).then(() => post('key-in-flight'))]);
      expect([a.status, b.status]).toEqual([201, 409]);
      expect(JSON.parse(b.text).code).toBe('IDEMPOTENCY_REQUEST_IN_FLIGHT');
      expect(b.headers.get('retry-after')).toBe('1');
      expect(h.upstream.hits - hits).toBe(1);
    } finally {
      h.upstream.delayMs = 0;
    }
  });

  it('keeps a timed-out first request as the answer: retries never cause a second upstream side effect', async () => {
    h.upstream.delayMs = 900; // the contract's timeout is 600 ms here
    const hits = h.upstream.hits;
    try {
      const first = await post('key-timeout');
      expect(JSON.parse(first.text).code).toBe('UPSTREAM_TIMEOUT');
      await new Promise((r) => setTimeout(r, 500)); // the upstream finishes its work meanwhile
      for (let i = 0; i < 3; i++) {
        const retry = await post('key-timeout');
        expect(JSON.parse(retry.text).code).toBe('UPSTREAM_TIMEOUT');
        expect(retry.headers.get('idempotent-replayed')).toBe('true');
      }
      expect(h.upstream.hits - hits).toBe(1);
    } finally {
      h.upstream.delayMs = 0;
    }
  });

  it('does the same for PATCH', async () => {
    const hits = h.upstream.hits;
    const patch = { perihal: 'Ralat tanggal' };
    const first = await post('key-patch', patch, '/sandbox/v1/echo', writer, 'PATCH');
    expect({ status: first.status, body: JSON.parse(first.text) }).toEqual({ status: 200, body: patch });
    const again = await post('key-patch', patch, '/sandbox/v1/echo', writer, 'PATCH');
    expect({ status: again.status, text: again.text, replayed: again.headers.get('idempotent-replayed') }).toEqual({ status: 200, text: first.text, replayed: 'true' });
    const other = await post('key-patch', { perihal: 'Lain' }, '/sandbox/v1/echo', writer, 'PATCH');
    expect(JSON.parse(other.text).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(h.upstream.hits - hits).toBe(1);
  });

  it('keeps keys per caller: the same key from another application is a request of its own', async () => {
    const otherWriter = await h.token(secondWriter.clientId);
    const hits = h.upstream.hits;
    const mine = await post('key-shared-name');
    const theirs = await post('key-shared-name', letter, '/sandbox/v1/surat', otherWriter);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    // Each letter got its own agenda number upstream, and each caller's repeat replays its own.
    expect(JSON.parse(theirs.text).nomorAgenda).not.toBe(JSON.parse(mine.text).nomorAgenda);
    expect((await post('key-shared-name')).text).toBe(mine.text);
    expect((await post('key-shared-name', letter, '/sandbox/v1/surat', otherWriter)).text).toBe(theirs.text);
    expect(h.upstream.hits - hits).toBe(2);
  });

  it('keeps an answer for idempotency.retentionHours, then forgets it', async () => {
    await post('key-retention');
    const row = await h.gateway.store.db.selectFrom('idempotency_keys').select(['created_at', 'expires_at'])
      .where('owner', '=', 'consumer:app-writer').where('key', '=', 'key-retention').executeTakeFirstOrThrow();
    expect((Date.parse(row.expires_at) - Date.parse(row.created_at)) / 1000).toBeCloseTo(24 * 3600, 0);

    // The store itself, with a retention of one second: an expired key is claimed anew and purged.
    const keys = new IdempotencyStore(h.gateway.store, 1 / 3600, { dataDir: tempDir(), log: h.gateway.log });
    const claimOf = (key: string) => ({ owner: 'consumer:test', key, claimId: `claim-${key}-${Math.random()}`, reqId: key });
    const abandonment = { afterSeconds: 3600, answer: () => ({ status: 502, headers: {}, body: Buffer.from('') }) };
    expect(await keys.claim(claimOf('short-lived'), 'f1', abandonment)).toEqual({ kind: 'claimed' });
    await keys.finish(claimOf('short-lived'), { answer: { status: 201, headers: {}, body: Buffer.from('first') } });
    expect((await keys.claim(claimOf('short-lived'), 'f1', abandonment)).kind).toBe('replay');
    await keys.claim(claimOf('purged'), 'f2', abandonment);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await keys.claim(claimOf('short-lived'), 'f1', abandonment)).toEqual({ kind: 'claimed' });
    expect(await keys.purgeExpired()).toBe(1);
    expect(await h.gateway.store.db.selectFrom('idempotency_keys').select('key').where('owner', '=', 'consumer:test').execute()).toEqual([{ key: 'short-lived' }]);

    // A key is given back only by the claim that holds it: never another exchange's claim.
    const mine = claimOf('scoped');
    expect(await keys.claim(mine, 'f3', abandonment)).toEqual({ kind: 'claimed' });
    await keys.release({ ...mine, claimId: 'another-claim' });
    expect(await keys.claim(claimOf('scoped'), 'f3', abandonment)).toEqual({ kind: 'in-flight' });
    await keys.release(mine);
    expect(await keys.claim(claimOf('scoped'), 'f3', abandonment)).toEqual({ kind: 'claimed' });
  });

  it('settles a key left in flight by a gateway that stopped: 502 IDEMPOTENCY_OUTCOME_UNKNOWN, not 409 until it expires', async () => {
    // What a gateway killed mid-exchange leaves behind: the claim, and no answer.
    const fingerprint = requestFingerprint('POST', '/sandbox/v1/surat', Buffer.from(JSON.stringify(letter)));
    const { store } = h.gateway;
    const leave = (key: string, secondsAgo: number) => store.db.insertInto('idempotency_keys').values({
      owner: 'consumer:app-writer', key, fingerprint, state: 'in-flight',
      created_at: store.sql.now(-secondsAgo), alive_at: store.sql.now(-secondsAgo), expires_at: store.sql.now(24 * 3600),
    }).execute();
    const hits = h.upstream.hits;
    // Younger than the contract's timeout plus the grace: its exchange may still be running.
    await leave('key-left-recently', contractTimeoutMs / 1000 + inFlightGraceSeconds - 0.8);
    expect(JSON.parse((await post('key-left-recently')).text).code).toBe('IDEMPOTENCY_REQUEST_IN_FLIGHT');
    await new Promise((r) => setTimeout(r, 1000));
    await leave('key-left-long-ago', 3600);
    for (const key of ['key-left-recently', 'key-left-long-ago']) {
      const settled = await post(key);
      expect({ key, status: settled.status, code: JSON.parse(settled.text).code }).toEqual({ key, status: 502, code: 'IDEMPOTENCY_OUTCOME_UNKNOWN' });
      expect(settled.headers.get('content-type')).toBe('application/problem+json');
      const again = await post(key);
      expect({ text: again.text, replayed: again.headers.get('idempotent-replayed') }).toEqual({ text: settled.text, replayed: 'true' });
    }
    expect(h.upstream.hits - hits).toBe(0);
  });

  it('keeps the key of an exchange still streaming its answer past the bound: a repeat meanwhile gets 409, later the answer', async () => {
    // Eight pieces 300 ms apart: 2.4 s in all, past the contract's timeout plus the grace (1.6 s),
    // while no gap between pieces reaches the timeout.
    const path = '/sandbox/v1/echo?dripMs=300';
    const body = { lampiran: 'y'.repeat(800) };
    const hits = h.upstream.hits;
    const first = post('key-streamed', body, path);
    await new Promise((r) => setTimeout(r, 2000));
    const during = await post('key-streamed', body, path);
    expect({ status: during.status, code: JSON.parse(during.text).code }).toEqual({ status: 409, code: 'IDEMPOTENCY_REQUEST_IN_FLIGHT' });
    const done = await first;
    expect({ status: done.status, text: done.text }).toEqual({ status: 200, text: JSON.stringify(body) });
    const again = await post('key-streamed', body, path);
    expect({ status: again.status, text: again.text, replayed: again.headers.get('idempotent-replayed') }).toEqual({ status: 200, text: done.text, replayed: 'true' });
    expect(h.upstream.hits - hits).toBe(1);
  });

  it('does not keep an answer over 8 MiB: a repeat gets 410 with the first status, and nothing runs twice', async () => {
    const large = { lampiran: 'x'.repeat(9 * 2 ** 20) };
    const hits = h.upstream.hits;
    const first = await post('key-large', large, '/sandbox/v1/echo');
    expect({ status: first.status, bytes: first.text.length }).toEqual({ status: 200, bytes: JSON.stringify(large).length });
    const again = await post('key-large', large, '/sandbox/v1/echo');
    expect(again.status).toBe(410);
    expect(JSON.parse(again.text)).toMatchObject({ code: 'IDEMPOTENCY_ANSWER_NOT_KEPT', originalStatus: 200 });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(h.upstream.hits - hits).toBe(1);
  });

  it('gives the key back when nothing reached the upstream, so the retry runs', async () => {
    const port = new URL(h.upstream.url).port;
    await h.upstream.close();
    const refused = await post('key-connect');
    expect(JSON.parse(refused.text).code).toBe('UPSTREAM_UNAVAILABLE');
    const { startSandboxUpstream } = await import('../adapters/sandbox/simulator.ts');
    const back = await startSandboxUpstream({ port: Number(port) });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const retry = await post('key-connect');
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBeNull();
      expect(back.hits).toBe(1);
    } finally {
      await back.close();
    }
  });

  it('refuses a request without a key where the contract requires one, and a malformed key', async () => {
    const missing = await post(undefined, letter, '/sandbox-strict/v1/surat');
    expect({ status: missing.status, code: JSON.parse(missing.text).code }).toEqual({ status: 400, code: 'IDEMPOTENCY_KEY_MISSING' });
    const bad = await post('"has space"', letter, '/sandbox-strict/v1/surat');
    expect({ status: bad.status, code: JSON.parse(bad.text).code }).toEqual({ status: 400, code: 'IDEMPOTENCY_KEY_INVALID' });
  });
});
