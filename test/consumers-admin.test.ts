import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';

/**
 * Issue 24, item 4: PD applications (consumers) through the admin API: registered, changed,
 * granted scopes, suspended, listed; each change in the audit trail and in routing at once.
 */

const editor = { clientId: 'dinas-editor', secret: 'editor-secret-0123456789', scopes: [], roles: ['penghubung-admin'] };
const approver = { clientId: 'dinas-approver', secret: 'approver-secret-0123456789', scopes: [], roles: ['penghubung-approver'] };

let h: Harness;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  h = await startHarness({ clients: [editor, approver] });
  for (const who of ['dinas-editor', 'dinas-approver', 'ops-console', 'app-reader']) tokens[who] = await h.token(who);
});
afterAll(async () => {
  await h?.close();
});

const put = (who: string, clientId: string, body: unknown) => request(h.adminUrl).put(`/admin/v1/consumers/${clientId}`).set('authorization', `Bearer ${tokens[who]!}`).send(body as object);
const get = (who: string, path: string) => request(h.adminUrl).get(path).set('authorization', `Bearer ${tokens[who]!}`);
const readUnit = () => request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${tokens['app-reader']!}`);
const reader = { name: 'Reader', department: 'Dinkes', clearance: 'publik', contact: { name: 'Admin SIK', email: 'sik@dinkes.example.go.id' } };

describe('consumers through the admin API', () => {
  it('registers an application for editors only, and shows it to readers', async () => {
    const app = { name: 'SIMPEG', department: 'BKPSDM', clearance: 'terbatas', scopes: ['sandbox.read'], contact: { email: 'simpeg@bkpsdm.example.go.id' } };
    expect((await put('ops-console', 'bkpsdm-simpeg', app)).status).toBe(403);
    expect((await put('dinas-approver', 'bkpsdm-simpeg', app)).body.code).toBe('FORBIDDEN_ROLE');
    const created = await put('dinas-editor', 'bkpsdm-simpeg', app);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ clientId: 'bkpsdm-simpeg', status: 'active', scopes: ['sandbox.read'], contact: { email: 'simpeg@bkpsdm.example.go.id' } });
    expect((await put('dinas-editor', 'bkpsdm-simpeg', { ...app, department: 'BKPSDM Kab.' })).status).toBe(200);
    const listed = await get('ops-console', '/admin/v1/consumers');
    expect(listed.body.items).toContainEqual(expect.objectContaining({ clientId: 'bkpsdm-simpeg', department: 'BKPSDM Kab.' }));
    expect((await get('dinas-approver', '/admin/v1/consumers/bkpsdm-simpeg')).body.clearance).toBe('terbatas');
    expect((await get('ops-console', '/admin/v1/consumers/nobody')).status).toBe(404);
  });

  it('refuses an invalid application with 400 problem+json and stores nothing', async () => {
    const invalid = await put('dinas-editor', 'bad-app', { name: 'X', department: 'Y', clearance: 'sangat-rahasia', contact: { email: 'not an email' } });
    expect(invalid.status).toBe(400);
    expect(invalid.headers['content-type']).toMatch(/problem\+json/);
    expect(invalid.body.detail).toMatch(/clearance/);
    expect((await get('ops-console', '/admin/v1/consumers/bad-app')).status).toBe(404);
  });

  it('grants scopes: a token scope counts only where the Dinas granted it', async () => {
    expect((await readUnit()).status).toBe(200);
    await put('dinas-editor', 'app-reader', { ...reader, scopes: ['other.read'] });
    const denied = await readUnit();
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: 'SCOPE_DENIED', missingScopes: ['sandbox.read'] });
    expect(denied.body.detail).toMatch(/not granted/);
    await put('dinas-editor', 'app-reader', { ...reader, scopes: ['sandbox.read'] });
    expect((await readUnit()).status).toBe(200);
  });

  it('suspends an application at once, and reactivates it', async () => {
    await put('dinas-editor', 'app-reader', { ...reader, status: 'suspended' });
    const refused = await readUnit();
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CONSUMER_UNKNOWN');
    await put('dinas-editor', 'app-reader', { ...reader, status: 'active' });
    expect((await readUnit()).status).toBe(200);
  });

  it('writes one audit row per change, with the application before and after', async () => {
    const audit = await get('ops-console', '/admin/v1/audit?objectType=consumer&limit=100');
    const rows = (audit.body.items as { action: string; objectId: string; before: { status?: string } | null; after: { status: string } }[]).reverse();
    expect(rows.map((row) => `${row.action} ${row.objectId}`)).toEqual([
      'consumer.create bkpsdm-simpeg', 'consumer.update bkpsdm-simpeg',
      'consumer.update app-reader', 'consumer.update app-reader',
      'consumer.suspend app-reader', 'consumer.reactivate app-reader',
    ]);
    expect(rows[0]!.before).toBeNull();
    expect(rows[4]).toMatchObject({ before: { status: 'active' }, after: { status: 'suspended' } });
  });
});
