import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AdapterCall, UpstreamResponse } from '../../gateway/adapter-api/index.ts';
import { refusesToken } from '../../adapters/splp/auth.ts';
import { readWso2Fault, retryAfterSeconds } from '../../adapters/splp/errors.ts';
import { fromUpstream, toUpstream } from '../../adapters/splp/mapping.ts';
import { checkSplpContract, type SplpSettings } from '../../adapters/splp/settings.ts';
import { problemOf } from '../support/problems.ts';

/** One golden fixture: canonical call, the SPLP request it becomes, an SPLP answer and the canonical result. */
interface Fixture {
  description: string;
  settings: SplpSettings;
  call: { operation: string; params: Record<string, string>; query: Record<string, string>; body?: unknown };
  upstreamRequest?: unknown;
  upstreamResponse: { status: number; headers: Record<string, string>; body?: unknown; bodyText?: string };
  canonical?: { status: number; body: unknown };
  problem?: { code: string; status: number; upstream?: Record<string, string>; headers?: Record<string, string> };
}

const dir = fileURLToPath(new URL('../../adapters/splp/fixtures/', import.meta.url));
const fixtures = readdirSync(dir).filter((file) => file.endsWith('.json')).sort()
  .map((file) => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as Fixture] as const);

function callOf(fixture: Fixture): AdapterCall<SplpSettings> {
  return {
    requestId: 'req-1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    contractId: 'splp-test',
    operation: fixture.call.operation,
    consumer: 'diskominfo-portal',
    params: fixture.call.params,
    query: fixture.call.query,
    body: fixture.call.body,
    settings: fixture.settings,
    timing: {},
  };
}

function responseOf(fixture: Fixture): UpstreamResponse {
  const { status, headers, body, bodyText } = fixture.upstreamResponse;
  return { status, headers, body: Buffer.from(bodyText ?? JSON.stringify(body)) };
}

describe('SPLP mapping golden fixtures', () => {
  it('has fixtures both ways', () => {
    expect(fixtures.filter(([, f]) => f.upstreamRequest).length).toBeGreaterThanOrEqual(4);
    expect(fixtures.filter(([, f]) => f.problem).length).toBeGreaterThanOrEqual(10);
  });

  it.each(fixtures.filter(([, f]) => f.upstreamRequest))('toUpstream %s', (_name, fixture) => {
    expect(toUpstream(callOf(fixture))).toEqual(fixture.upstreamRequest);
  });

  it.each(fixtures.filter(([, f]) => f.canonical))('fromUpstream %s', (_name, fixture) => {
    expect(fromUpstream(responseOf(fixture), callOf(fixture))).toEqual(fixture.canonical);
  });

  it.each(fixtures.filter(([, f]) => f.problem))('fromUpstream maps %s to a problem', (_name, fixture) => {
    const problem = problemOf(() => fromUpstream(responseOf(fixture), callOf(fixture)));
    const expected = fixture.problem!;
    expect({ code: problem.code, status: problem.status }).toEqual({ code: expected.code, status: expected.status });
    if (expected.upstream) expect(problem.extensions.upstream).toEqual(expected.upstream);
    if (expected.headers) expect(problem.headers).toEqual(expected.headers);
  });
});

describe('SPLP faults and token refusal', () => {
  const fault = (body: unknown) => Buffer.from(JSON.stringify(body));

  it('reads the three shapes of a WSO2 fault and leaves the API\'s own bodies alone', () => {
    expect(readWso2Fault(fault({ fault: { code: 900901, message: 'Invalid Credentials', description: 'd' } }))).toEqual({ code: '900901', message: 'Invalid Credentials', description: 'd' });
    expect(readWso2Fault(fault({ code: '900804', message: 'Message throttled out', description: 'd', nextAccessTime: '2026-Sep-09 00:00:00+0000 UTC' })))
      .toEqual({ code: '900804', message: 'Message throttled out', description: 'd', nextAccessTime: '2026-Sep-09 00:00:00+0000 UTC' });
    expect(readWso2Fault(fault({ code: '404', type: 'Status report', message: 'Not Found', description: 'The requested resource is not available.' })))
      .toMatchObject({ code: '404', message: 'The requested resource is not available.' });
    expect(readWso2Fault(fault({ code: 'E42', message: 'Kode salah' }))).toBeUndefined();
    expect(readWso2Fault(fault([{ code: 900901 }]))).toBeUndefined();
    expect(readWso2Fault(Buffer.from('<html/>'))).toBeUndefined();
  });

  it('asks for a new token only on a 401 whose fault says the token is invalid', () => {
    const answer = (status: number, body: unknown): UpstreamResponse => ({ status, headers: {}, body: fault(body) });
    expect(refusesToken(answer(401, { fault: { code: 900901, message: 'Invalid Credentials' } }))).toBe(true);
    expect(refusesToken(answer(401, { code: '900901', message: 'Invalid Credentials', description: 'd' }))).toBe(true);
    expect(refusesToken(answer(401, { fault: { code: 900902, message: 'Missing Credentials' } }))).toBe(false);
    expect(refusesToken(answer(403, { fault: { code: 900908, message: 'Resource forbidden' } }))).toBe(false);
    expect(refusesToken(answer(401, { message: 'unauthorised' }))).toBe(false);
  });

  it('bounds Retry-After and prefers an explicit header', () => {
    const throttled = (headers: Record<string, string>): UpstreamResponse => ({ status: 429, headers, body: Buffer.alloc(0) });
    const next = { code: '900800', nextAccessTime: '2026-Sep-09 12:00:00+0000 UTC' };
    expect(retryAfterSeconds(throttled({ date: 'Wed, 09 Sep 2026 10:00:00 GMT' }), next)).toBe('3600');
    expect(retryAfterSeconds(throttled({ date: 'Wed, 09 Sep 2026 12:00:05 GMT' }), next)).toBe('1');
    expect(retryAfterSeconds(throttled({ 'retry-after': '17', date: 'Wed, 09 Sep 2026 10:00:00 GMT' }), next)).toBe('17');
    expect(retryAfterSeconds(throttled({}), next)).toBe('60');
  });
});

describe('checkSplpContract', () => {
  const settings = { context: 'wilayah', version: '1.0', operations: { getRegion: { method: 'GET', path: '/wilayah/{kode}' } } };

  it('accepts a contract whose operations all have a resource', () => {
    expect(checkSplpContract({ id: 'c', operations: [{ id: 'getRegion', method: 'GET', path: '/wilayah/{kode}' }], settings })).toEqual([]);
  });

  it('names an operation without a resource, a resource without an operation and an unknown placeholder', () => {
    const problems = checkSplpContract({
      id: 'c',
      operations: [{ id: 'getRegion', method: 'GET', path: '/region/{id}' }, { id: 'listAll', method: 'GET', path: '/all' }],
      settings: { ...settings, operations: { ...settings.operations, stale: { method: 'GET', path: '/x' } } },
    });
    expect(problems).toEqual([
      'adapter.operations.getRegion.path uses {kode}, which is not a path parameter of /region/{id}',
      'operation listAll has no SPLP resource under adapter.operations',
      'adapter.operations.stale names no operation of the contract',
    ]);
  });
});
