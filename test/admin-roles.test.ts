// Issue 24, item 1: who may do what on the admin API. penghubung-admin edits, penghubung-approver
// approves, penghubung-ops reads and acts on deliveries; all three read; anyone else gets 403
// FORBIDDEN_ROLE, naming the roles that would do.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, adminClients } from './support/admin-api.ts';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
const api = adminApi(() => h);

beforeAll(async () => {
  h = await startHarness({ clients: adminClients });
}, 60_000);
afterAll(() => h?.close());

const reads = ['/admin/v1/traffic', '/admin/v1/audit', '/admin/v1/upstreams', '/admin/v1/certificates', '/admin/v1/partners', '/admin/v1/agreements', '/admin/v1/deliveries'];
const partner = { legalName: 'PT Bank Peran', type: 'bank' };

describe('admin API roles', () => {
  it('lets ops, admin and approver read everything there is to read', async () => {
    for (const clientId of ['ops-console', 'admin-console', 'approver-console']) {
      for (const path of reads) expect(`${clientId} ${path} ${(await api(clientId, 'GET', path)).status}`).toBe(`${clientId} ${path} 200`);
    }
  });

  it('refuses a client without an admin role anything, with 403 FORBIDDEN_ROLE; no token is 401', async () => {
    for (const [method, path] of [...reads.map((path) => ['GET', path]), ['PUT', '/admin/v1/partners/bank-peran'], ['GET', '/admin/v1/backup'], ['POST', `/admin/v1/deliveries/${randomUUID()}/retry`]] as const) {
      const res = await api('app-writer', method, path, method === 'PUT' ? { body: partner } : {});
      expect(`${method} ${path} ${res.status} ${String(res.body.code)}`).toBe(`${method} ${path} 403 FORBIDDEN_ROLE`);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const anonymous = await fetch(`${h.adminUrl}/admin/v1/audit`);
    expect(anonymous.status).toBe(401);
  });

  it('lets only admin edit the registry: ops and approver get 403 naming penghubung-admin', async () => {
    for (const clientId of ['ops-console', 'approver-console']) {
      const res = await api(clientId, 'PUT', '/admin/v1/partners/bank-peran', { body: partner });
      expect({ clientId, status: res.status, code: res.body.code, requiredRoles: res.body.requiredRoles }).toEqual({ clientId, status: 403, code: 'FORBIDDEN_ROLE', requiredRoles: ['penghubung-admin'] });
      expect((await api(clientId, 'DELETE', '/admin/v1/certificates/00')).status).toBe(403);
    }
    expect((await api('admin-console', 'PUT', '/admin/v1/partners/bank-peran', { body: partner })).status).toBe(200);
    const listed = await api<{ items: { id: string }[] }>('approver-console', 'GET', '/admin/v1/partners');
    expect(listed.body.items.map((item) => item.id)).toContain('bank-peran');
  });

  it('lets ops and admin retry or cancel deliveries, not the approver', async () => {
    const unknown = `/admin/v1/deliveries/${randomUUID()}/cancel`;
    // Past the role check, an unknown delivery is 404: the role let the call through.
    expect((await api('ops-console', 'POST', unknown)).body.code).toBe('DELIVERY_NOT_FOUND');
    expect((await api('admin-console', 'POST', unknown)).body.code).toBe('DELIVERY_NOT_FOUND');
    const approver = await api('approver-console', 'POST', unknown);
    expect({ status: approver.status, requiredRoles: approver.body.requiredRoles }).toEqual({ status: 403, requiredRoles: ['penghubung-ops', 'penghubung-admin'] });
  });

  it('gives the backup (the whole registry and audit trail) to admin only', async () => {
    expect((await api('admin-console', 'GET', '/admin/v1/backup')).status).toBe(200);
    expect((await api('ops-console', 'GET', '/admin/v1/backup')).status).toBe(403);
    expect((await api('approver-console', 'GET', '/admin/v1/backup')).status).toBe(403);
  });
});
