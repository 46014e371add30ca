import { spawnSync } from 'node:child_process';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';

/**
 * Issue 25, item 7: `GET /metrics` on the admin listener in Prometheus text format: exchanges and
 * latency by contract, operation, caller class and status class, upstream latency, limit
 * refusals, breaker states, the traffic log's queue and spool, deliveries by state. No label with
 * an unbounded value (no request id, no path). `promtool check metrics` accepts the output.
 */

let h: Harness;
let metrics: string;
beforeAll(async () => {
  h = await startHarness();
  const reader = await h.token('app-reader');
  for (let i = 0; i < 3; i++) await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${reader}`).set('x-request-id', `metrics-ok-${i}`);
  await request(h.url).get('/nowhere/v1/x/19850315201001100312').set('authorization', `Bearer ${reader}`).set('x-request-id', 'metrics-not-found');
  await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16');
  const res = await request(h.adminUrl).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  metrics = res.text;
});
afterAll(async () => {
  await h?.close();
});

/** The value of one sample, by its name and exact labels. */
function sample(name: string, labels: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics', () => {
  it('counts exchanges by contract, operation, caller class and status class, with their latency', () => {
    expect(sample('penghubung_exchanges_total', 'listener="internal",contract="sandbox-direktori",operation="getUnit",caller="consumer",status_class="2xx"')).toBe(3);
    expect(sample('penghubung_exchanges_total', 'listener="internal",contract="none",operation="none",caller="consumer",status_class="4xx"')).toBe(1);
    expect(sample('penghubung_exchanges_total', 'listener="internal",contract="none",operation="none",caller="unidentified",status_class="4xx"')).toBe(1);
    expect(sample('penghubung_exchange_duration_seconds_count', 'listener="internal",contract="sandbox-direktori",operation="getUnit",caller="consumer",status_class="2xx"')).toBe(3);
    expect(sample('penghubung_upstream_duration_seconds_count', 'upstream="sandbox",contract="sandbox-direktori"')).toBe(3);
  });

  it('shows the breaker of each upstream in use and the traffic log\'s queue and spool', () => {
    expect(sample('penghubung_breaker_state', 'upstream="sandbox"')).toBe(0);
    expect(metrics).toMatch(/^penghubung_traffic_log_queue_rows \d+$/m);
    expect(metrics).toMatch(/^penghubung_traffic_log_spool_files 0$/m);
    expect(metrics).toContain('# TYPE penghubung_deliveries gauge');
  });

  it('carries no request id, path or personal id in any label', () => {
    for (const secret of ['metrics-ok-0', 'metrics-not-found', '/sandbox/v1/perangkat-daerah', '19850315201001100312', 'app-reader']) expect(metrics).not.toContain(secret);
  });

  it('is accepted by promtool check metrics', () => {
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    expect({ status: checked.status, problems: `${checked.stdout}${checked.stderr}`.trim() }).toEqual({ status: 0, problems: '' });
  });
});
