import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';

/**
 * Issue 23, item 5: a body the admin API cannot take (too large, a charset or encoding it does
 * not read, broken compression, broken JSON) is the caller's fault: a 4xx problem+json, never a
 * 500, and no stack trace in the gateway's log. Nothing is stored.
 */

const adminClient = { clientId: 'admin-console', secret: 'admin-secret-0123456789', scopes: [], roles: ['penghubung-admin'] };
const partner = { legalName: 'PT Bank Contoh', type: 'bank', contact: { email: 'it@bank.example' } };

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startHarness({ clients: [adminClient] });
  token = await h.token('admin-console');
});
afterAll(async () => {
  await h?.close();
});

async function put(headers: Record<string, string>, body: string | Buffer): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const res = await fetch(`${h.adminUrl}/admin/v1/partners/bank-contoh`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, ...headers }, body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: JSON.parse(text) as Record<string, unknown> };
}

describe('bodies the admin API cannot take', () => {
  it.each([
    ['too large', { 'content-type': 'application/json' }, JSON.stringify({ ...partner, legalName: 'x'.repeat(300_000) }), 413, 'PAYLOAD_TOO_LARGE'],
    ['an unsupported charset', { 'content-type': 'application/json; charset=iso-8859-1' }, JSON.stringify(partner), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an unsupported content encoding', { 'content-type': 'application/json', 'content-encoding': 'compress' }, JSON.stringify(partner), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['compressed', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(JSON.stringify(partner)), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['broken compression', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, Buffer.from('not gzip at all'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['broken JSON', { 'content-type': 'application/json' }, '{"legalName": ', 400, 'MALFORMED_JSON'],
  ])('%s: a 4xx problem+json, nothing stored, no stack trace logged', async (_what, headers, body, status, code) => {
    const answer = await put(headers, body);
    expect(answer.status).toBe(status);
    expect(answer.type).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status, code });
    expect(JSON.stringify(answer.body)).not.toMatch(/at \w+ \(|node_modules/);
    const stored = await fetch(`${h.adminUrl}/admin/v1/partners`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await stored.json()) as { items: unknown[] }).items).toEqual([]);
    expect(h.logs.text).not.toContain('admin API fault');
    expect(h.logs.text).not.toMatch(/"stack":/);
  });
});
