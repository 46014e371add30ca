import { rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractDocumentFromFile } from '../gateway/admin-cli/contract-document.ts';
import { cliSource } from '../gateway/audit/audit.ts';
import { exportBackup, restoreBackup } from '../gateway/registry/backup.ts';
import { openStore } from '../gateway/store/open.ts';
import { sandboxContracts, startHarness, tempDir, type Harness } from './support/harness.ts';

/**
 * Issue 24: contracts through the admin API, their lifecycle (draft -> submitted -> approved ->
 * active -> deprecated -> retired, rejected back to draft), four eyes on approval, the active
 * version routing until its successor is activated, and the swap.
 */

const people = [
  { clientId: 'dinas-editor', secret: 'editor-secret-0123456789', scopes: [], roles: ['penghubung-admin'] },
  { clientId: 'dinas-approver', secret: 'approver-secret-0123456789', scopes: [], roles: ['penghubung-approver'] },
  // An editor who was also given the approver role: still not the second pair of eyes on their own work.
  { clientId: 'dinas-both', secret: 'both-secret-0123456789abc', scopes: [], roles: ['penghubung-admin', 'penghubung-approver'] },
];

/** The sandbox contract file as the admin API takes it: schemas inline instead of file references. */
interface ContractDocument { version?: string; state?: string; classification?: string; dataOwner?: string; operations: Operation[] }
interface Operation { id: string; request?: { schema: unknown }; response?: { schema: unknown } }

function sandboxDocument(version: string, change: (document: ContractDocument) => void = () => {}): ContractDocument {
  // As `penghubung contracts create` sends a file: one reading of the format, not a copy of it here.
  const document = contractDocumentFromFile(join(sandboxContracts, 'direktori.yaml')) as ContractDocument;
  document.version = version;
  change(document);
  return document;
}

const recommendation = { number: '000.5/123/DISKOMINFO/2026', date: '2026-12-01', note: 'Aman dan layak operasi.' };

let h: Harness;
let reader: string;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  h = await startHarness({ clients: people, contractDirs: [sandboxContracts] });
  for (const person of [...people.map((p) => p.clientId), 'ops-console']) tokens[person] = await h.token(person);
  reader = await h.token('app-reader');
});
afterAll(async () => {
  await h?.close();
});

const admin = (who: string) => ({
  get: (path: string) => request(h.adminUrl).get(path).set('authorization', `Bearer ${tokens[who]!}`),
  post: (path: string, body?: unknown) => request(h.adminUrl).post(path).set('authorization', `Bearer ${tokens[who]!}`).send(body as object),
  put: (path: string, body: unknown) => request(h.adminUrl).put(path).set('authorization', `Bearer ${tokens[who]!}`).send(body as object),
});
const act = (who: string, version: string, action: string, body?: unknown) => admin(who).post(`/admin/v1/contracts/sandbox-direktori/versions/${version}/${action}`, body);
const listUnits = () => request(h.url).get('/sandbox/v1/perangkat-daerah').set('authorization', `Bearer ${reader}`);

describe('contracts through the admin API', () => {
  it('lets only editors create drafts; ops and approvers read', async () => {
    const draft = sandboxDocument('1.1.0');
    expect((await admin('ops-console').post('/admin/v1/contracts', draft)).status).toBe(403);
    expect((await admin('dinas-approver').post('/admin/v1/contracts', draft)).body.code).toBe('FORBIDDEN_ROLE');
    const created = await admin('dinas-editor').post('/admin/v1/contracts', draft);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'sandbox-direktori', version: '1.1.0', state: 'draft', created: { by: 'dinas-editor' } });
    expect((await admin('dinas-editor').post('/admin/v1/contracts', draft)).body.code).toBe('CONTRACT_VERSION_EXISTS');
    for (const who of ['ops-console', 'dinas-approver']) {
      const listed = await admin(who).get('/admin/v1/contracts');
      expect(listed.status).toBe(200);
      expect(listed.body.items).toContainEqual(expect.objectContaining({ id: 'sandbox-direktori', dataOwner: 'Diskominfo', versions: expect.arrayContaining([{ version: '1.1.0', state: 'draft' }, { version: '1.0.0', state: 'active' }]) }));
    }
  });

  it('refuses a document that is not a valid contract, with the reasons', async () => {
    const invalid = await admin('dinas-editor').post('/admin/v1/contracts', sandboxDocument('1.2.0', (d) => { d.classification = 'sangat-rahasia'; }));
    expect(invalid.status).toBe(422);
    expect(invalid.headers['content-type']).toMatch(/problem\+json/);
    expect(invalid.body.code).toBe('CONTRACT_DOCUMENT_INVALID');
    // The wali data is required of a contract sent to the admin API (Pasal 19(3) of Perbup 000).
    const ownerless = await admin('dinas-editor').post('/admin/v1/contracts', sandboxDocument('1.2.0', (d) => { delete d.dataOwner; }));
    expect(ownerless.body).toMatchObject({ code: 'CONTRACT_DOCUMENT_INVALID', reason: expect.stringContaining('dataOwner') });
    // A schema by file name would read a file of the gateway's host: only inline schemas are taken.
    const byFile = await admin('dinas-editor').post('/admin/v1/contracts', sandboxDocument('1.2.0', (d) => { d.operations[0]!.response = { schema: '../../../etc/passwd' }; }));
    expect(byFile.body).toMatchObject({ code: 'CONTRACT_DOCUMENT_INVALID', reason: expect.stringContaining('inline') });
  });

  it('refuses an action the state does not allow with 409 and changes nothing', async () => {
    const early = await act('dinas-editor', '1.1.0', 'activate');
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'CONTRACT_STATE_CONFLICT', state: 'draft', allowedStates: ['approved'] });
    expect((await act('dinas-approver', '1.1.0', 'approve', { recommendation })).body).toMatchObject({ code: 'CONTRACT_STATE_CONFLICT', state: 'draft' });
  });

  it('keeps four eyes: whoever created or changed a version cannot approve it, whatever roles they hold', async () => {
    // The draft is changed by the editor who also holds the approver role: drop the list operation.
    const changed = await admin('dinas-both').put('/admin/v1/contracts/sandbox-direktori/versions/1.1.0', sandboxDocument('1.1.0', (d) => {
      d.operations = d.operations.filter((op) => op.id !== 'listUnits');
    }));
    expect(changed.status).toBe(200);
    expect(changed.body.changed.by).toBe('dinas-both');
    expect((await act('dinas-both', '1.1.0', 'submit')).body.state).toBe('submitted');
    const own = await act('dinas-both', '1.1.0', 'approve', { recommendation });
    expect(own.status).toBe(403);
    expect(own.body.code).toBe('FOUR_EYES_REQUIRED');
    expect((await act('dinas-editor', '1.1.0', 'approve', { recommendation })).body.code).toBe('FORBIDDEN_ROLE');
    expect((await act('dinas-approver', '1.1.0', 'approve', {})).status).toBe(400);
  });

  it('sends a rejected version back to draft, and records the approval with the recommendation', async () => {
    const rejected = await act('dinas-approver', '1.1.0', 'reject', { note: 'Lengkapi contoh.' });
    expect(rejected.body).toMatchObject({ state: 'draft', rejected: { by: 'dinas-approver', note: 'Lengkapi contoh.' } });
    expect((await act('dinas-editor', '1.1.0', 'submit')).body.state).toBe('submitted');
    const approved = await act('dinas-approver', '1.1.0', 'approve', { recommendation });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ state: 'approved', approved: { by: 'dinas-approver', recommendation } });
    expect(Date.parse(approved.body.approved.at as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps the active version routing until its successor is activated, then swaps whole, with no request seeing neither', async () => {
    expect((await listUnits()).status).toBe(200);
    // Requests run while the successor is activated: each sees the old version (200) or the new one (404, no list).
    const statuses: number[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        const batch = await Promise.all(Array.from({ length: 4 }, () => request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${reader}`)));
        statuses.push(...batch.map((res) => res.status));
      }
    })();
    const activated = await act('dinas-editor', '1.1.0', 'activate');
    running = false;
    await load;
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ state: 'active', activated: { by: 'dinas-editor' } });
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 200)).toBe(true);
    // The routing table is the new version's: the list operation is gone, the old version retired.
    expect((await listUnits()).body.code).toBe('CONTRACT_NOT_FOUND');
    const versions = (await admin('ops-console').get('/admin/v1/contracts/sandbox-direktori')).body.versions as { version: string; state: string; retired?: { note: string } }[];
    expect(versions.find((v) => v.version === '1.0.0')).toMatchObject({ state: 'retired', retired: { note: 'superseded by 1.1.0' } });
  });

  it('serves a deprecated version with Deprecation and Sunset, and answers CONTRACT_RETIRED once retired', async () => {
    expect((await act('dinas-editor', '1.1.0', 'deprecate', { sunset: '2020-01-01' })).status).toBe(400);
    const deprecated = await act('dinas-editor', '1.1.0', 'deprecate', { sunset: '2099-06-30' });
    expect(deprecated.body.state).toBe('deprecated');
    const served = await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${reader}`);
    expect(served.status).toBe(200);
    expect(served.headers.deprecation).toMatch(/^@\d+$/);
    expect(served.headers.sunset).toBe('Tue, 30 Jun 2099 00:00:00 GMT');
    expect((await act('dinas-editor', '1.1.0', 'retire', { note: 'Diganti layanan v2.' })).body.state).toBe('retired');
    const gone = await request(h.url).get('/sandbox/v1/perangkat-daerah/2.16').set('authorization', `Bearer ${reader}`);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ code: 'CONTRACT_RETIRED', contract: 'sandbox-direktori', version: '1.1.0' });
  });

  it('writes one audit row per lifecycle call, with who and the state before and after', async () => {
    const audit = await admin('ops-console').get('/admin/v1/audit?objectType=contract-version&limit=100');
    expect(audit.status).toBe(200);
    const actions = (audit.body.items as { action: string }[]).map((row) => row.action).reverse();
    // The first: the harness's start, which applies the contract files as written (bootstrap).
    expect(actions).toEqual(['contract.bootstrap', 'contract.create', 'contract.change', 'contract.submit', 'contract.reject', 'contract.submit', 'contract.approve', 'contract.activate', 'contract.deprecate', 'contract.retire']);
  });

  it('backs up every version with its approval: export, restore into a fresh store, export again gives the same versions', async () => {
    const backup = await exportBackup(h.gateway.store);
    const versions = backup.tables.contracts;
    expect(versions.find((row) => row.version === '1.1.0')).toMatchObject({ state: 'retired', approved_by: 'dinas-approver', recommendation, rejection_note: 'Lengkapi contoh.' });
    const dir = tempDir('lifecycle-backup-');
    const store = await openStore({ dataDir: dir, store: { url: null } });
    try {
      await restoreBackup(store, backup, cliSource());
      const again = await exportBackup(store);
      expect(again.tables.contracts).toEqual(versions);
      // The audit trail too, with the restore's own row after it (rows are never replaced).
      expect(again.tables.audit_log.slice(0, -1)).toEqual(backup.tables.audit_log);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

