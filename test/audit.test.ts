// Issue 24, item 5: every admin change writes exactly one audit row, in its own transaction (a
// refused or failed change none), reads of the traffic log too; GET /admin/v1/audit filters and
// pages them; the store itself refuses to change or delete a row.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../gateway/audit/query.ts';
import { Outbox } from '../gateway/delivery/outbox.ts';
import { regionalDay } from '../gateway/partners/agreement-check.ts';
import { upsertPartner } from '../gateway/registry/partners.ts';
import { adminApi, adminClients } from './support/admin-api.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { startPki, type ClientMaterial } from './support/pki.ts';

let h: Harness;
let certificate: ClientMaterial;
const api = adminApi(() => h);
const day = (offset: number) => regionalDay(new Date(Date.now() + offset * 86_400_000), 'Asia/Jakarta');

beforeAll(async () => {
  h = await startHarness({ clients: adminClients });
  certificate = await (await startPki()).client('bank-audit');
  await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${await h.token('app-reader')}` } });
  await h.flushTraffic();
}, 60_000);
afterAll(() => h?.close());

const auditRows = async () => Number((await h.gateway.store.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const newest = async () => (await api<{ items: AuditRecord[] }>('ops-console', 'GET', '/admin/v1/audit?limit=1')).body.items[0]!;

/** A delivery written straight to the outbox, not due for an hour: pending, or parked (`failed`). */
async function delivery(state: 'pending' | 'failed'): Promise<string> {
  const id = randomUUID();
  await h.gateway.store.transaction(async (tx) => {
    await Outbox.add(tx, {
      id, owner: 'app-writer', contract: 'sandbox-direktori', operation: 'registerLetter', orderKey: null, maxAttempts: 3,
      request: { method: 'POST', rest: '/surat', search: '', params: {}, query: {}, contentType: 'application/json', body: Buffer.from('{"perihal": "rahasia pribadi"}').toString('base64'), requestId: id, traceId: id, consumer: 'app-writer', partner: null, agreement: null },
    });
    await tx.db.updateTable('deliveries').set({ state, next_attempt_at: tx.sql.now(3600) }).where('id', '=', id).execute();
  });
  return id;
}

const agreement = (contracts: string[]) => ({ title: 'Layanan direktori', partnerId: 'bank-audit', contracts, maxClassification: 'publik', validFrom: day(-1), validUntil: day(30) });

describe('the audit trail', () => {
  it('writes exactly one row per mutating call of a scripted session, and none for a refused one', async () => {
    const pending = await delivery('pending');
    const parked = await delivery('failed');
    const pem = { body: certificate.cert, headers: { 'content-type': 'text/plain' } };
    // [who, method, path, call, expected status, audit rows the call adds, the action of its row]
    const session: [string, string, string, Parameters<typeof api>[3], number, 0 | 1, string?][] = [
      ['admin-console', 'PUT', '/admin/v1/partners/bank-audit', { body: { legalName: 'PT Bank Audit', type: 'bank' } }, 200, 1, 'partner.create'],
      ['admin-console', 'PUT', '/admin/v1/partners/bank-audit', { body: { legalName: 'PT Bank Audit Tbk', type: 'bank' } }, 200, 1, 'partner.update'],
      ['admin-console', 'PUT', '/admin/v1/partners/bank-audit', { body: { legalName: 'PT Bank Audit', type: 'casino' } }, 400, 0],
      ['ops-console', 'PUT', '/admin/v1/partners/bank-audit', { body: { legalName: 'PT Bank Ops', type: 'bank' } }, 403, 0],
      ['approver-console', 'PUT', '/admin/v1/partners/bank-audit', { body: { legalName: 'PT Bank Approver', type: 'bank' } }, 403, 0],
      ['admin-console', 'POST', '/admin/v1/partners/bank-audit/certificates', pem, 201, 1, 'certificate.register'],
      ['admin-console', 'PUT', '/admin/v1/partners/bank-other', { body: { legalName: 'PT Bank Lain', type: 'bank' } }, 200, 1, 'partner.create'],
      // Refused inside the store's transaction (registered to bank-audit): rolled back, its row with it.
      ['admin-console', 'POST', '/admin/v1/partners/bank-other/certificates', pem, 400, 0],
      ['admin-console', 'PUT', '/admin/v1/agreements/PKS%2F77%2F2026', { body: agreement(['sandbox-direktori']) }, 200, 1, 'agreement.create'],
      ['admin-console', 'PUT', '/admin/v1/agreements/PKS%2F77%2F2026', { body: agreement(['no-such-contract']) }, 400, 0],
      ['admin-console', 'PUT', '/admin/v1/agreements/PKS%2F77%2F2026', { body: { ...agreement(['sandbox-direktori']), status: 'suspended' } }, 200, 1, 'agreement.update'],
      ['admin-console', 'DELETE', `/admin/v1/certificates/${certificate.fingerprint}`, {}, 204, 1, 'certificate.unregister'],
      ['admin-console', 'DELETE', `/admin/v1/certificates/${certificate.fingerprint}`, {}, 404, 0],
      ['ops-console', 'POST', `/admin/v1/deliveries/${pending}/cancel`, {}, 200, 1, 'delivery.cancel'],
      ['ops-console', 'POST', `/admin/v1/deliveries/${pending}/cancel`, {}, 409, 0],
      ['approver-console', 'POST', `/admin/v1/deliveries/${parked}/retry`, {}, 403, 0],
      ['admin-console', 'POST', `/admin/v1/deliveries/${parked}/retry`, {}, 200, 1, 'delivery.retry'],
      ['ops-console', 'GET', '/admin/v1/traffic?consumer=app-reader', {}, 200, 1, 'traffic.read'],
      ['ops-console', 'GET', '/admin/v1/traffic?limit=0', {}, 400, 0],
      ['approver-console', 'GET', '/admin/v1/partners', {}, 200, 0],
      ['approver-console', 'GET', '/admin/v1/audit', {}, 200, 0],
    ];
    const start = await auditRows();
    let expected = start;
    for (const [who, method, path, call, status, adds, action] of session) {
      const res = await api(who, method, path, call);
      expected += adds;
      const step = `${who} ${method} ${path}`;
      expect({ step, status: res.status, rows: await auditRows() }).toEqual({ step, status, rows: expected });
      if (action) expect({ step, action: (await newest()).action }).toEqual({ step, action });
    }
    // The session's rows, oldest first: one per change, in the order the changes were made.
    const actions = session.flatMap(([, , , , , adds, action]) => (adds === 1 ? [action] : []));
    expect(actions).toHaveLength(10);
    const written = (await api<{ items: AuditRecord[] }>('ops-console', 'GET', `/admin/v1/audit?limit=${expected - start}`)).body.items;
    expect(written.map((row) => row.action).reverse()).toEqual(actions);
  });

  it('records who, when, what before and after, the request id and the source address', async () => {
    const requestId = `audit-who-${randomUUID()}`;
    const before = new Date(Date.now() - 1000).toISOString();
    const res = await api('admin-console', 'PUT', '/admin/v1/partners/bank-audit', { body: { legalName: 'PT Bank Audit Syariah', type: 'bank', contact: { email: 'ti@audit.example' } }, headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(200);
    const row = await newest();
    expect(row).toMatchObject({
      actor: { subject: 'admin-console', clientId: 'admin-console', roles: ['penghubung-admin'] },
      action: 'partner.update', objectType: 'partner', objectId: 'bank-audit', requestId,
      before: { id: 'bank-audit', legalName: 'PT Bank Audit Tbk', contact: {} },
      after: { id: 'bank-audit', legalName: 'PT Bank Audit Syariah', contact: { email: 'ti@audit.example' } },
    });
    expect(row.sourceAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(row.at >= before && row.at <= new Date(Date.now() + 1000).toISOString()).toBe(true);
  });

  it('keeps the state a delivery action changed, never the request it carries', async () => {
    const pending = await delivery('pending');
    expect((await api('ops-console', 'POST', `/admin/v1/deliveries/${pending}/cancel`)).status).toBe(200);
    const row = await newest();
    expect(row).toMatchObject({ action: 'delivery.cancel', objectId: pending, actor: { clientId: 'ops-console' }, before: { state: 'pending' }, after: { state: 'cancelled' } });
    expect(JSON.stringify(row)).not.toContain(Buffer.from('{"perihal": "rahasia pribadi"}').toString('base64'));
  });

  it('records who read the traffic log and with which filters', async () => {
    const requestId = `audit-read-${randomUUID()}`;
    const page = await api<{ items: unknown[] }>('approver-console', 'GET', '/admin/v1/traffic?consumer=app-reader&limit=5&status=2xx', { headers: { 'x-request-id': requestId } });
    expect(page.body.items.length).toBeGreaterThan(0);
    expect(await newest()).toMatchObject({
      action: 'traffic.read', objectType: 'traffic-log', requestId, actor: { clientId: 'approver-console', roles: ['penghubung-approver'] },
      before: null, after: { filter: { consumer: 'app-reader', limit: '5', status: '2xx' }, rows: page.body.items.length },
    });
  });

  it('writes no change whose audit row cannot be written: the two are one transaction', async () => {
    const nobody = { actor: { subject: null as unknown as string, clientId: 'x', roles: [] }, requestId: null, sourceAddress: null };
    const rows = await auditRows();
    await expect(upsertPartner(h.gateway.store, { id: 'bank-unrecorded', legalName: 'PT Tanpa Jejak', type: 'bank', contact: {}, status: 'active' }, nobody)).rejects.toThrow();
    expect(await h.gateway.store.db.selectFrom('partners').select('id').where('id', '=', 'bank-unrecorded').executeTakeFirst()).toBeUndefined();
    expect(await auditRows()).toBe(rows);
  });
});

describe('GET /admin/v1/audit', () => {
  type Page = { items: AuditRecord[]; nextCursor: string | null };
  const audit = (query: string) => api<Page>('ops-console', 'GET', `/admin/v1/audit${query}`);

  it('filters by action, object, actor, request id and time', async () => {
    const byAction = (await audit('?action=partner.create')).body.items;
    expect(byAction.map((row) => row.objectId)).toEqual(['bank-other', 'bank-audit']);
    const byObject = (await audit('?objectType=agreement&objectId=PKS%2F77%2F2026')).body.items;
    expect(byObject.map((row) => row.action)).toEqual(['agreement.update', 'agreement.create']);
    const byClient = (await audit('?actor=ops-console')).body.items;
    expect(byClient.length).toBeGreaterThan(1);
    expect(byClient.every((row) => row.actor.clientId === 'ops-console')).toBe(true);
    const bySubject = (await audit('?actor=approver-console&action=traffic.read')).body.items;
    expect(bySubject.map((row) => row.actor.subject)).toEqual(['approver-console']);
    const one = byAction[0]!;
    const viaRequest = (await audit(`?requestId=${encodeURIComponent(one.requestId!)}`)).body.items;
    expect(viaRequest.map((row) => row.id)).toEqual([one.id]);
    expect((await audit(`?from=${new Date(Date.now() + 60_000).toISOString()}`)).body.items).toEqual([]);
    expect((await audit(`?to=${encodeURIComponent(one.at)}&action=partner.create`)).body.items.map((row) => row.objectId)).toEqual(['bank-audit']);
  });

  it('pages newest first with a cursor, without repeats or gaps', async () => {
    const all = (await audit('?limit=1000')).body.items.map((row) => row.id);
    expect(all.length).toBeGreaterThan(10);
    expect([...all].sort().reverse()).toEqual(all); // UUIDv7 ids: newest first
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = (await audit(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).body;
      seen.push(...page.items.map((row) => row.id));
      cursor = page.nextCursor;
    } while (cursor && seen.length < 1000);
    expect(seen).toEqual(all);
  });

  it('refuses bad filters with a problem document', async () => {
    for (const query of ['?limit=0', '?limit=1001', '?from=yesterday', '?to=soon', '?cursor=%%%', '?action=a&action=b']) {
      const res = await audit(query);
      expect({ query, status: res.status, code: (res.body as unknown as { code: string }).code }).toEqual({ query, status: 400, code: 'BAD_REQUEST' });
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('has no way to change or delete a row', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      expect((await api('admin-console', method, '/admin/v1/audit')).status).toBe(404);
    }
  });
});

describe('the audit_log table', () => {
  it('refuses UPDATE and DELETE in the store itself, and the rows stay as they were', async () => {
    const { db } = h.gateway.store;
    const before = await db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    expect(before.length).toBeGreaterThan(0);
    await expect(db.updateTable('audit_log').set({ action: 'partner.forged' }).where('action', '=', 'partner.create').execute()).rejects.toThrow(/audit_log is append-only: UPDATE refused/);
    await expect(db.deleteFrom('audit_log').execute()).rejects.toThrow(/audit_log is append-only: DELETE refused/);
    await expect(sql`delete from audit_log where seq = ${before[0]!.seq}`.execute(db)).rejects.toThrow(/append-only/);
    if (h.gateway.store.kind === 'postgres') await expect(sql`truncate audit_log`.execute(db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await db.selectFrom('audit_log').selectAll().orderBy('seq').execute()).toEqual(before);
  });
});
