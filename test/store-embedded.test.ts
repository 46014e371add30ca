/**
 * The embedded store (SQLite) shared with the CLI, and its outages: a database locked by another
 * process, a file that cannot be written, a full disk. In each, exchanges that need no store are
 * answered, those that do get 503 STORE_UNAVAILABLE, no traffic row is lost, and the store is
 * used again once it can be.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot } from '../gateway/registry/repository.ts';
import { documentStore } from '../gateway/adapter-host/documents.ts';
import { embeddedStoreFile, openStore, PgliteDataDir } from '../gateway/store/open.ts';
import { adminClient, asyncSandboxContracts, postLetter } from './support/async-sandbox.ts';
import { audience, sandboxContracts, startHarness, tempDir, type Harness } from './support/harness.ts';
import { until } from './support/until.ts';

const unitPath = '/sandbox/v1/perangkat-daerah/2.16';

/** A gateway on the embedded store whose writes give up on another process's lock after 1 s. */
function embeddedGateway(dataDir?: () => string): { h: Harness } {
  const running = {} as { h: Harness };
  beforeAll(async () => {
    running.h = await startHarness({
      contractDirs: [asyncSandboxContracts('maxAttempts: 3')],
      clients: [adminClient],
      config: { store: { url: null, queryTimeoutSeconds: 1 } },
      ...(dataDir ? { dataDir: dataDir() } : {}),
    });
  }, 60_000);
  afterAll(async () => {
    await running.h?.close();
  });
  return running;
}

/** Request ids of the traffic log rows that start with `prefix`. */
async function loggedIds(h: Harness, prefix: string): Promise<string[]> {
  const { rows } = await sql<{ request_id: string }>`select request_id from traffic_log where request_id like ${`${prefix}%`} order by request_id`.execute(h.gateway.store.db);
  return rows.map((row) => row.request_id);
}

/**
 * During an outage started by `breakStore` and ended by `repair`: GETs are answered, a letter
 * (stored before it is accepted) gets 503 STORE_UNAVAILABLE; afterwards every exchange is in the
 * traffic log and a letter is accepted again.
 */
async function outage(h: Harness, prefix: string, breakStore: () => Promise<void> | void, repair: () => Promise<void> | void): Promise<void> {
  const reader = await h.token('app-reader');
  const writer = await h.token('app-writer');
  await breakStore();
  const served: string[] = [];
  for (let i = 0; i < 5; i++) {
    const id = `${prefix}-get-${i}`;
    const res = await fetch(`${h.url}${unitPath}`, { headers: { authorization: `Bearer ${reader}`, 'x-request-id': id } });
    expect(res.status).toBe(200);
    served.push(id);
  }
  const refused = await postLetter(h.url, writer, `${prefix}-letter`, {});
  expect(refused.status).toBe(503);
  expect(((await refused.json()) as { code: string }).code).toBe('STORE_UNAVAILABLE');
  // The batch the store refuses waits on disk (or, the disk refusing it too, in memory).
  await until(() => h.logs.text, (text) => text.includes('traffic log writing failed'), { what: 'a traffic-log batch to fail' });
  await repair();
  const accepted = await until(() => postLetter(h.url, writer, `${prefix}-z-after`, {}), (res) => res.status !== 503, { what: 'the store to take writes again', timeoutMs: 15_000 });
  expect(accepted.status).toBe(202);
  const logged = await until(() => loggedIds(h, prefix), (ids) => ids.includes(`${prefix}-z-after`) && ids.length >= served.length + 2, { what: 'every exchange of the outage in the traffic log', timeoutMs: 15_000 });
  // Each exchange once (the letter after the outage may have been tried more than once).
  expect(logged.filter((id) => !id.endsWith('-z-after'))).toEqual([...served, `${prefix}-letter`]);
}

describe('embedded store: locked by another process', () => {
  const running = embeddedGateway();

  it('exchanges go on while another process holds the write lock (writes wait asynchronously, then 503); nothing is lost once it lets go', async () => {
    const { h } = running;
    let holder: ChildProcess | undefined;
    // Another program holding a write transaction open, as a stuck script or a long restore would.
    const lockScript = `const { DatabaseSync } = require('node:sqlite');
      const db = new DatabaseSync(process.argv[1]);
      db.exec('begin immediate');
      db.exec('update registry_revision set revision = revision');
      process.stdout.write('locked\\n');
      process.stdin.once('data', () => { db.exec('commit'); db.close(); process.exit(0); });`;
    const lag = { before: 0, during: 0 };
    await outage(h, 'lock', async () => {
      holder = spawn(process.execPath, ['-e', lockScript, embeddedStoreFile(h.dataDir)], { stdio: ['pipe', 'pipe', 'inherit'] });
      await once(holder.stdout!, 'data');
      // While writes wait for the lock, the event loop is free: a timer fires on time.
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 20));
      lag.during = performance.now() - started - 20;
    }, async () => {
      holder!.stdin!.write('go\n');
      await once(holder!, 'exit');
    });
    expect(lag.during).toBeLessThan(200);
    expect(h.logs.text).toMatch(/database is locked/);
  });
});

describe('embedded store: its file cannot be written', () => {
  const running = embeddedGateway();

  it('exchanges go on while the database file and its WAL refuse writes (immutable); nothing is lost once they take them again', async () => {
    const { h } = running;
    const file = embeddedStoreFile(h.dataDir);
    const files = [file, `${file}-wal`].filter((path) => existsSync(path));
    expect(files).toHaveLength(2);
    await outage(h, 'readonly', () => {
      execFileSync('chattr', ['+i', ...files]);
    }, () => {
      execFileSync('chattr', ['-i', ...files]);
    });
    expect(h.logs.text).toMatch(/disk I\/O error|readonly|read-only/);
  });
});

describe('embedded store: the disk full', () => {
  // The data dir on a file system of its own, 16 MiB, filled up by a ballast file. Unmounted
  // last: after hooks run in reverse order, so this one is registered before the gateway's.
  const mount = tempDir('small-disk-');
  afterAll(() => {
    spawnSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  });
  const running = embeddedGateway(() => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mount]);
    const dataDir = join(mount, 'data');
    mkdirSync(dataDir);
    return dataDir;
  });

  it('exchanges go on while neither the store nor the spool can write (rows held in memory); all are written once there is room', async () => {
    const { h } = running;
    const ballast = join(mount, 'ballast');
    await outage(h, 'full', () => {
      const fd = openSync(ballast, 'w');
      try {
        for (const chunk = Buffer.alloc(1 << 16, 1); ;) writeSync(fd, chunk);
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
    }, () => {
      rmSync(ballast);
    });
    expect(h.logs.text).toContain('database or disk is full');
    expect(h.logs.text).toContain('traffic log spool unwritable');
  });
});

describe('embedded store: the CLI beside a running gateway', () => {
  const running = {} as { h: Harness };
  beforeAll(async () => {
    running.h = await startHarness({ contractDirs: [sandboxContracts], config: { store: { url: null } } });
  }, 60_000);
  afterAll(async () => {
    await running.h?.close();
  });

  it('penghubung apply writes a new contract into the store the gateway holds open, and the gateway routes it within its revision poll', async () => {
    const { h } = running;
    const reader = await h.token('app-reader');
    const call = () => fetch(`${h.url}/sandbox2/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${reader}` } });
    expect((await call()).status).toBe(404);
    // A second integration: the sandbox contract under another id and integration.
    const contracts = tempDir('contracts-');
    cpSync(sandboxContracts, join(contracts, 'sandbox2'), { recursive: true });
    const file = join(contracts, 'sandbox2', 'direktori.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('id: sandbox-direktori', 'id: sandbox-kedua').replace('integration: sandbox', 'integration: sandbox2'));
    const config = join(contracts, 'penghubung.yaml');
    writeFileSync(config, `dataDir: ${h.dataDir}\nsso:\n  issuer: ${h.sso.issuer}\n  audience: ${audience}\n`);
    const applied = spawnSync(process.execPath, ['bin/penghubung.js', 'apply', join(contracts, 'sandbox2'), '--bootstrap', '--config', config], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: '' });
    expect(applied.stdout).toMatch(/applied 1 contracts as written \(bootstrap\): 1 created/);
    // The harness polls the revision every 0.2 s.
    const routed = await until(call, (res) => res.status === 200, { what: 'the new contract to route', timeoutMs: 5000 });
    expect(routed.status).toBe(200);
    expect(h.upstream.hits).toBeGreaterThan(0);
  });
});

describe('embedded store: moving from the earlier embedded store (PGlite)', () => {
  const config = (dataDir: string) => {
    const file = join(tempDir('pglite-config-'), 'penghubung.yaml');
    writeFileSync(file, `dataDir: ${dataDir}\nsso:\n  issuer: https://sso.example.go.id/realms/pemda\n  audience: penghubung\n`);
    return file;
  };
  const penghubung = (...args: string[]) => spawnSync(process.execPath, ['bin/penghubung.js', ...args], { encoding: 'utf8', timeout: 60_000 });

  it('a data dir it wrote is refused at start with how to move the registry, and left as it was', async () => {
    const dataDir = tempDir('pglite-');
    mkdirSync(join(dataDir, 'store'));
    writeFileSync(join(dataDir, 'store', 'PG_VERSION'), '17\n');
    const opening = openStore({ dataDir, store: { url: null } });
    await expect(opening).rejects.toBeInstanceOf(PgliteDataDir);
    await expect(opening).rejects.toThrow(/penghubung backup --out registry\.json.*penghubung restore registry\.json --replace/);
    const cli = penghubung('consumer', 'app-x', '--name', 'App X', '--config', config(dataDir));
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toContain('holds a registry in the earlier embedded store (PGlite)');
    expect(readdirSync(dataDir).sort()).toEqual(['store']);
    expect(existsSync(embeddedStoreFile(dataDir))).toBe(false);
  });

  it('a backup the previous version wrote (test/fixtures/backup-pglite-0.1.json) restores into the embedded store whole', async () => {
    const dataDir = tempDir('pglite-moved-');
    const restored = penghubung('restore', 'test/fixtures/backup-pglite-0.1.json', '--replace', '--config', config(dataDir));
    expect({ status: restored.status, stderr: restored.stderr }).toEqual({ status: 0, stderr: '' });
    const store = await openStore({ dataDir, store: { url: null } });
    try {
      const snapshot = await readSnapshot(store);
      expect(snapshot.contracts.map((contract) => contract.id)).toEqual(['sandbox-direktori']);
      expect(snapshot.consumers.get('bkpsdm-simpeg')).toEqual({ clientId: 'bkpsdm-simpeg', name: 'SIMPEG BKPSDM', department: 'BKPSDM', clearance: 'terbatas', status: 'active', limits: { 'sandbox-direktori': { rps: 5, burst: 10 } }, scopes: null, contact: {} });
      expect(snapshot.agreementsByPartner.get('bank-sumsel')).toEqual([{ number: 'PKS/001/DKISP/2026', title: 'Layanan informasi pajak daerah', partnerId: 'bank-sumsel', contracts: ['sandbox-direktori'], maxClassification: 'terbatas', validFrom: '2026-01-01', validUntil: '2027-12-31', dailyQuota: 1000, status: 'active', classificationException: null }]);
      expect(snapshot.partners.get('bank-sumsel')?.contact).toEqual({ email: 'it@banksumselbabel.example' });
      expect(await documentStore(store, 'jdihn').get('dokumen', 'perbup-22-2021')).toMatchObject({ body: { judul: 'Perbup Bangka Selatan 22/2021 tentang SPBE', tahun: 2021 }, version: 1 });
      // Times as this version keeps them: ISO 8601 UTC with milliseconds.
      const { updated_at: updatedAt } = await store.db.selectFrom('contracts').select('updated_at').executeTakeFirstOrThrow();
      expect(updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    } finally {
      await store.close();
    }
  });
});
