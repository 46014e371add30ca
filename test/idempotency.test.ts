import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxContracts, startHarness, tempDir, type Harness } from './support/harness.ts';

const letter = JSON.parse(readFileSync(new URL('../contracts/sandbox/schemas/letter.json', import.meta.url), 'utf8')).examples[0] as Record<string, unknown>;

/** The sandbox contract with a short timeout and a second copy whose letter registration requires a key. */
function contracts(): string {
  const dir = tempDir('contracts-');
  cpSync(sandboxContracts, join(dir, 'sandbox'), { recursive: true });
  const file = join(dir, 'sandbox', 'direktori.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('timeoutMs: 5000', 'timeoutMs: 600'));
  const strict = readFileSync(file, 'utf8')
    .replace('id: sandbox-direktori', 'id: sandbox-strict').replace('integration: sandbox', 'integration: sandbox-strict')
    .replace('    request: { schema: schemas/letter.json }', '    idempotency: required\n    request: { schema: schemas/letter.json }');
  writeFileSync(join(dir, 'sandbox', 'strict.yaml'), strict);
  return dir;
}

describe('Idempotency-Key', () => {
  let h: Harness;
  let writer: string;
  const post = async (key: string | undefined, body: unknown = letter, path = '/sandbox/v1/surat', token = writer) => {
    const res = await fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  beforeAll(async () => {
    h = await startHarness({ contractDirs: [contracts()] });
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
