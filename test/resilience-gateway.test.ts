import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxUpstream, type SandboxUpstream } from '../adapters/sandbox/simulator.ts';
import type { ProblemDocument } from '../gateway/errors/problem.ts';
import { upsertConsumers } from '../gateway/registry/repository.ts';
import { sandboxContracts, startHarness, tempDir, type Harness } from './support/harness.ts';
import { until } from './support/until.ts';

/** The sandbox contract with limits and breaker settings small enough to reach in a test. */
function tunedContracts(): string {
  const dir = tempDir('contracts-');
  cpSync(sandboxContracts, join(dir, 'sandbox'), { recursive: true });
  const file = join(dir, 'sandbox', 'direktori.yaml');
  const text = readFileSync(file, 'utf8')
    .replace('timeoutMs: 5000', 'timeoutMs: 1000')
    .replace('upstream:\n  name: sandbox', 'limits:\n  rate: { rps: 1, burst: 4 }\nresilience:\n  breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 600 }\nupstream:\n  name: sandbox\n  maxConcurrent: 2');
  writeFileSync(file, text);
  return dir;
}

describe('limits and breakers through the gateway', () => {
  let h: Harness;
  const get = async (clientId: string, path = '/sandbox/v1/perangkat-daerah/2.16') => {
    const res = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${await h.token(clientId)}` } });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Partial<ProblemDocument> };
  };

  beforeAll(async () => {
    h = await startHarness({ contractDirs: [tunedContracts()] });
  }, 60_000);
  afterAll(() => h?.close());

  it('holds each consumer to the contract rate, with RateLimit headers and Retry-After, without starving the others', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await get('app-reader'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429]);
    expect(answers[0]!.headers.get('ratelimit-limit')).toBe('4');
    expect(answers[0]!.headers.get('ratelimit-remaining')).toBe('3');
    expect(Number(answers[0]!.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    // The refusal is an RFC 9457 problem like any other: its media type and every member.
    expect(answers[4]!.headers.get('content-type')).toBe('application/problem+json');
    expect(answers[4]!.body).toEqual({
      type: 'https://penghubung.go.id/problems/rate-limited',
      title: 'Rate limit reached',
      status: 429,
      detail: 'More than 4 requests in 4 s to sandbox-direktori.',
      instance: answers[4]!.headers.get('x-request-id'),
      code: 'RATE_LIMITED',
      exchangeId: answers[4]!.headers.get('penghubung-exchange-id'),
      limit: { rps: 1, burst: 4 },
    });
    expect(answers[4]!.body.instance).toMatch(/\S/);
    expect(Number(answers[4]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another consumer has its own budget.
    expect((await get('app-writer')).status).toBe(200);
  });

  it('applies a consumer\'s own rate for the contract without restart', async () => {
    await upsertConsumers(h.gateway.store, [{ clientId: 'app-writer', name: 'Writer', department: 'BKPSDM', clearance: 'terbatas', limits: { 'sandbox-direktori': { rps: 100, burst: 50 } } }]);
    await h.gateway.registry.refresh();
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await get('app-writer')).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('caps the calls in flight to the upstream (maxConcurrent)', async () => {
    h.upstream.delayMs = 300;
    try {
      const answers = await Promise.all(['app-writer', 'app-writer', 'app-writer'].map((c) => get(c)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, 200, 503]);
      expect(answers.find((a) => a.status === 503)!.body.code).toBe('UPSTREAM_BUSY');
    } finally {
      h.upstream.delayMs = 0;
    }
  });

  it('opens the circuit when the upstream fails, answers at once without calling it, and closes after recovery', async () => {
    const upstreamUrl = new URL(h.upstream.url);
    await h.upstream.close();
    // The window still holds the earlier successes: failures until they pass 50 % of it.
    const codes: string[] = [];
    while (codes.length < 40 && codes.at(-1) !== 'UPSTREAM_CIRCUIT_OPEN') codes.push((await get('app-writer')).body.code as string);
    expect(codes.at(-1)).toBe('UPSTREAM_CIRCUIT_OPEN');
    expect(new Set(codes.slice(0, -1))).toEqual(new Set(['UPSTREAM_UNAVAILABLE']));
    const started = performance.now();
    const open = await get('app-writer');
    expect({ status: open.status, code: open.body.code }).toEqual({ status: 503, code: 'UPSTREAM_CIRCUIT_OPEN' });
    expect(performance.now() - started).toBeLessThan(500);
    expect(Number(open.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const ops = { authorization: `Bearer ${await h.token('ops-console')}` };
    const upstreams = (await (await fetch(`${h.adminUrl}/admin/v1/upstreams`, { headers: ops })).json()) as { items: { upstream: string; state: string }[] };
    expect(upstreams.items.find((u) => u.upstream === 'sandbox')?.state).toBe('open');

    // The upstream comes back on the same port; after the reset timeout a probe closes the circuit.
    const revived: SandboxUpstream = await startSandboxUpstream({ port: Number(upstreamUrl.port) });
    try {
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect((await get('app-writer')).status).toBe(200);
      expect(revived.hits).toBe(1);
      const after = (await (await fetch(`${h.adminUrl}/admin/v1/upstreams`, { headers: ops })).json()) as { items: { upstream: string; state: string }[] };
      expect(after.items.find((u) => u.upstream === 'sandbox')?.state).toBe('closed');
    } finally {
      await revived.close();
    }
  });
});

describe('active health checks through the gateway', () => {
  it('probes the contract\'s health path and shows the upstream in /readyz and /admin/v1/upstreams', async () => {
    const dir = tempDir('contracts-');
    cpSync(sandboxContracts, join(dir, 'sandbox'), { recursive: true });
    const file = join(dir, 'sandbox', 'direktori.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('upstream:\n  name: sandbox', 'upstream:\n  healthCheck: { path: /perangkat-daerah, intervalSeconds: 1 }\n  name: sandbox'));
    const h = await startHarness({ contractDirs: [dir] });
    try {
      const readyDetail = async () => {
        const ready = (await (await fetch(`${h.adminUrl}/readyz`)).json()) as { checks?: Record<string, { detail?: string }> };
        return ready.checks?.upstreams?.detail ?? JSON.stringify(ready);
      };
      expect(await until(readyDetail, (detail) => detail.includes('sandbox up'), { what: 'the sandbox probed up in /readyz', timeoutMs: 5000, intervalMs: 100 })).toContain('sandbox up');
      expect(h.upstream.lastRequest?.url).toBe('/api/perangkat-daerah');
      const ops = { authorization: `Bearer ${await h.token('ops-console')}` };
      const upstreams = (await (await fetch(`${h.adminUrl}/admin/v1/upstreams`, { headers: ops })).json()) as { items: { upstream: string; probe?: { healthy: boolean | null } }[] };
      expect(upstreams.items.find((u) => u.upstream === 'sandbox')?.probe?.healthy).toBe(true);
    } finally {
      await h.close();
    }
  });
});
