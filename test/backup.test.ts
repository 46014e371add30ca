import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSource } from '../gateway/audit/audit.ts';
import { BackupRefused, checkBackup, exportBackup, restoreBackup, type Backup } from '../gateway/registry/backup.ts';
import { registerCertificate, upsertAgreement, upsertPartner, type Agreement } from '../gateway/registry/partners.ts';
import { upsertConsumers } from '../gateway/registry/repository.ts';
import { adminClient } from './support/async-sandbox.ts';
import { startHarness, tempDir, type Harness } from './support/harness.ts';
import { startPki } from './support/pki.ts';
import { startPostgres } from './support/postgres.ts';
import { openStore } from '../gateway/store/open.ts';
import { until } from './support/until.ts';
import { listMigrations } from '../gateway/store/migrate.ts';

/** The newest migration's version: what a fresh store's backups carry. */
const latestSchema = listMigrations('embedded').at(-1)!.version;

const penghubung = (...args: string[]) => {
  const run = spawnSync(process.execPath, ['bin/penghubung.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.replace(/.*nodedir.*\n?/g, '') };
};

/** A cooperation agreement with a partner, as the Dinas registers it. */
const agreement: Agreement = { number: 'PKS/001/DKISP/2026', title: 'Layanan informasi pajak daerah', partnerId: 'bank-sumsel', contracts: ['sandbox-direktori'], maxClassification: 'terbatas', validFrom: '2026-01-01', validUntil: '2027-12-31', dailyQuota: 1000, status: 'active', classificationException: { legalBasis: 'Keputusan Bupati Nomor 500/12/2026 (uji)' } };

/**
 * The tables a restore replaces, but the feed revisions, which it moves on on purpose (the audit
 * trail is only added to, and gets the restore's own row: see its test).
 */
function rowsButFeedRevisions(tables: Backup['tables']) {
  const { adapter_collections: _feeds, audit_log: _trail, ...rest } = tables;
  return rest;
}

describe('backup and restore of the registry', () => {
  let h: Harness;
  const read = async (clientId: string) => (await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${await h.token(clientId)}` } })).status;

  beforeAll(async () => {
    h = await startHarness({ clients: [adminClient] });
    const { store } = h.gateway;
    await upsertPartner(store, { id: 'bank-sumsel', legalName: 'PT Bank Sumsel Babel', type: 'bank', contact: { email: 'it@banksumselbabel.example' }, status: 'active' }, cliSource());
    await registerCertificate(store, 'partner', 'bank-sumsel', (await (await startPki()).client('bank-sumsel')).cert, cliSource());
    await upsertAgreement(store, agreement, cliSource());
    // A legal document JDIHN harvests from the gateway: kept nowhere else.
    await store.db.insertInto('adapter_documents').values({ adapter: 'jdihn', collection: 'dokumen', key: 'perbup-22-2021', body: '{"judul": "Perbup Bangka Selatan 22/2021 tentang SPBE"}' }).execute();
    await store.db.insertInto('adapter_collections').values({ adapter: 'jdihn', collection: 'dokumen', revision: 3 }).execute();
  }, 60_000);
  afterAll(() => h?.close());

  it('serves a consistent backup at GET /admin/v1/backup to admins only, with every registry table and the adapters\' documents', async () => {
    const get = async (clientId: string) => fetch(`${h.adminUrl}/admin/v1/backup`, { headers: { authorization: `Bearer ${await h.token(clientId)}` } });
    expect((await get('ops-console')).status).toBe(403);
    const res = await get('admin-console');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="penghubung-backup-\d{4}-\d{2}-\d{2}T\d{6}\.json"$/);
    const backup = checkBackup(await res.json());
    expect(backup.schemaVersion).toBe(latestSchema);
    const ids = (table: keyof Backup['tables'], column: string) => backup.tables[table].map((row) => row[column]);
    expect(ids('consumers', 'client_id')).toEqual(['app-reader', 'app-writer']);
    expect(ids('partners', 'id')).toEqual(['bank-sumsel']);
    expect(ids('agreements', 'number')).toEqual(['PKS/001/DKISP/2026']);
    expect(ids('client_certificates', 'owner_id')).toEqual(['bank-sumsel']);
    expect(ids('contracts', 'id')).toContain('sandbox-direktori');
    expect(backup.tables.adapter_documents).toMatchObject([{ adapter: 'jdihn', key: 'perbup-22-2021', body: { judul: 'Perbup Bangka Selatan 22/2021 tentang SPBE' } }]);
  });

  it('restores the registry as it was, all of it, and running gateways apply it; document feeds move on', async () => {
    const { store } = h.gateway;
    const backup = await exportBackup(store);
    // After the backup: an application suspended, another registered, the agreement ended, a document edited.
    await upsertConsumers(store, [{ clientId: 'app-reader', name: 'Reader', department: 'Dinkes', status: 'suspended' }, { clientId: 'app-later', name: 'Later' }]);
    await upsertAgreement(store, { ...agreement, status: 'terminated' }, cliSource());
    await store.db.updateTable('adapter_documents').set({ body: '{"judul": "diubah"}' }).execute();
    expect(await until(() => read('app-reader'), (status) => status === 403)).toBe(403);

    const { revision, counts } = await restoreBackup(store, backup, cliSource());
    expect(revision).toBeGreaterThan(backup.registryRevision);
    expect(counts.consumers).toEqual({ now: 3, backup: 2 });
    const after = await exportBackup(store);
    expect(rowsButFeedRevisions(after.tables)).toEqual(rowsButFeedRevisions(backup.tables));
    const [restoredFeeds, backedUpFeeds] = [after.tables.adapter_collections, backup.tables.adapter_collections];
    // Same collections, each at a revision above any it had, so no feed's ETag can match by accident.
    expect(restoredFeeds.map((row) => [row.adapter, row.collection])).toEqual(backedUpFeeds.map((row) => [row.adapter, row.collection]));
    expect(Number(restoredFeeds[0]!.revision)).toBeGreaterThan(3);
    expect(await until(() => read('app-reader'), (status) => status === 200)).toBe(200);
  });

  it('carries the audit trail: a fresh store restored from it has the same rows, then the restore\'s own; a second restore replaces none', async () => {
    const backup = await exportBackup(h.gateway.store);
    const trail = backup.tables.audit_log;
    expect(trail.map((row) => row.action)).toEqual(expect.arrayContaining(['partner.create', 'certificate.register', 'agreement.create']));
    const dir = tempDir('backup-audit-');
    const store = await openStore({ dataDir: dir, store: { url: null } });
    try {
      expect((await restoreBackup(store, backup, cliSource())).auditRowsAdded).toBe(trail.length);
      const copied = (await exportBackup(store)).tables.audit_log;
      expect(copied.slice(0, -1)).toEqual(trail);
      expect(copied.at(-1)).toMatchObject({ action: 'backup.restore', object_type: 'registry', object_id: backup.sha256, actor_client: 'penghubung-cli', after: { auditRowsAdded: trail.length } });
      expect((await restoreBackup(store, backup, cliSource())).auditRowsAdded).toBe(0);
      const twice = (await exportBackup(store)).tables.audit_log;
      expect(twice.slice(0, -1)).toEqual(copied);
      expect(twice.at(-1)).toMatchObject({ action: 'backup.restore', after: { auditRowsAdded: 0 } });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a backup written before the audit trail as one with an empty trail', async () => {
    const backup = await exportBackup(h.gateway.store);
    const { audit_log: _trail, ...tables } = backup.tables;
    const older = { ...backup, tables, sha256: createHash('sha256').update(JSON.stringify(tables)).digest('hex') };
    expect(checkBackup(JSON.parse(JSON.stringify(older))).tables.audit_log).toEqual([]);
    expect(() => checkBackup({ ...older, tables: { ...tables, audit_log: {} } })).toThrow(/audit_log is not a list of rows/);
  });

  it('refuses a damaged, edited, foreign or newer backup with a reason, and changes nothing', async () => {
    const { store } = h.gateway;
    const backup = await exportBackup(store);
    const edited = structuredClone(backup);
    edited.tables.consumers[0]!.clearance = 'rahasia';
    expect(() => checkBackup(edited)).toThrow(/SHA-256 does not match its tables: the file was damaged or edited/);
    expect(() => checkBackup({ tables: {} })).toThrow(/not a Penghubung backup/);
    expect(() => checkBackup({ ...backup, formatVersion: 2 })).toThrow(/format version 2 is not supported/);
    await expect(restoreBackup(store, { ...backup, schemaVersion: 99 }, cliSource())).rejects.toThrow(`newer gateway (store schema 99, this store has ${latestSchema})`);
    // Rows the store has no column for: refused inside the transaction, after the deletes, which are undone.
    const foreign = structuredClone(backup);
    foreign.tables.partners[0]!.rating = 'AAA';
    await expect(restoreBackup(store, foreign, cliSource())).rejects.toBeInstanceOf(BackupRefused);
    await expect(restoreBackup(store, foreign, cliSource())).rejects.toThrow(/table partners of the backup has columns this store does not: rating/);
    const unchanged = await exportBackup(store);
    expect(rowsButFeedRevisions(unchanged.tables)).toEqual(rowsButFeedRevisions(backup.tables));
    // A refused restore records nothing either.
    expect(unchanged.tables.audit_log).toEqual(backup.tables.audit_log);
  });

  it('moves a single server\'s registry from the embedded store to PostgreSQL (scale-out): the same rows, the revision moved on', async () => {
    const backup = await exportBackup(h.gateway.store);
    const pg = await startPostgres();
    try {
      const store = await openStore({ dataDir: tempDir('backup-pg-'), store: { url: pg.url } });
      try {
        await upsertConsumers(store, [{ clientId: 'app-only-in-postgres', name: 'Only here' }]);
        const { revision, counts } = await restoreBackup(store, backup, cliSource());
        expect(counts.consumers).toEqual({ now: 1, backup: backup.tables.consumers.length });
        const copied = await exportBackup(store);
        expect(copied.schemaVersion).toBe(backup.schemaVersion);
        expect(copied.registryRevision).toBe(revision);
        expect(rowsButFeedRevisions(copied.tables)).toEqual(rowsButFeedRevisions(backup.tables));
        expect(copied.tables.audit_log.slice(0, -1)).toEqual(backup.tables.audit_log);
      } finally {
        await store.close();
      }
    } finally {
      await pg.destroy();
    }
  }, 90_000);

  it('penghubung backup writes a file only its owner reads and never overwrites one; restore shows the change first and replaces with --replace', () => {
    const dir = tempDir('backup-cli-');
    const config = join(dir, 'penghubung.yaml');
    writeFileSync(config, `dataDir: ${join(dir, 'data')}\nsso:\n  issuer: https://sso.example.go.id/realms/pemda\n  audience: penghubung\n`);
    const file = join(dir, 'registry.json');
    expect(penghubung('apply', 'contracts/sandbox', '--config', config).status).toBe(0);
    expect(penghubung('consumer', 'app-x', '--name', 'App X', '--config', config).status).toBe(0);
    const written = penghubung('backup', '--out', file, '--config', config);
    expect({ status: written.status, stderr: written.stderr }).toEqual({ status: 0, stderr: '' });
    expect(written.stdout).toMatch(/^backup written to .*registry\.json: contracts 1, consumers 1, partners 0/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const first = readFileSync(file, 'utf8');
    const again = penghubung('backup', '--out', file, '--config', config);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/EEXIST/);
    expect(readFileSync(file, 'utf8')).toBe(first);

    expect(penghubung('consumer', 'app-y', '--name', 'App Y', '--config', config).status).toBe(0);
    const preview = penghubung('restore', file, '--config', config);
    expect(preview.status).toBe(0);
    expect(preview.stdout).toMatch(/consumers\s+2 now ->\s+1 in the backup/);
    expect(preview.stdout).toMatch(/nothing changed; add --replace to restore/);
    const restored = penghubung('restore', file, '--replace', '--config', config);
    expect({ status: restored.status, stderr: restored.stderr }).toEqual({ status: 0, stderr: '' });
    expect(restored.stdout).toMatch(/registry revision \d+: running gateways on this store apply it/);
    const check = join(dir, 'check.json');
    expect(penghubung('backup', '--out', check, '--config', config).status).toBe(0);
    expect(JSON.parse(readFileSync(check, 'utf8')).tables.consumers.map((c: { client_id: string }) => c.client_id)).toEqual(['app-x']);

    writeFileSync(file, first.replace('"App X"', '"App Z"'));
    const tampered = penghubung('restore', file, '--replace', '--config', config);
    expect({ status: tampered.status, stderr: tampered.stderr }).toEqual({ status: 2, stderr: `penghubung: ${file}: the backup's SHA-256 does not match its tables: the file was damaged or edited\n` });
  }, 120_000);

  it('penghubung backup reads the store while a gateway serves from it (the embedded one too): the registry GET /admin/v1/backup gives', async () => {
    const config = join(tempDir('backup-beside-'), 'penghubung.yaml');
    const { url } = h.gateway.config.store;
    writeFileSync(config, `dataDir: ${h.dataDir}\n${url ? `store:\n  url: ${url}\n` : ''}sso:\n  issuer: https://sso.example.go.id/realms/pemda\n  audience: penghubung\n`);
    const file = join(tempDir('backup-beside-out-'), 'b.json');
    const cli = penghubung('backup', '--out', file, '--config', config);
    expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 0, stderr: '' });
    const served = checkBackup(await (await fetch(`${h.adminUrl}/admin/v1/backup`, { headers: { authorization: `Bearer ${await h.token('admin-console')}` } })).json());
    const written = checkBackup(JSON.parse(readFileSync(file, 'utf8')));
    expect(written.tables).toEqual(served.tables);
    expect(written.registryRevision).toBe(served.registryRevision);
    // The gateway went on serving meanwhile.
    expect(await read('app-reader')).toBe(200);
  }, 60_000);
});
