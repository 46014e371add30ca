import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './ports.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';

async function query(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => {});
  }
}

describe('freePort', () => {
  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('startPostgres', () => {
  let db: PostgresServer | undefined;

  beforeAll(async () => {
    db = await startPostgres();
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
  }, 30_000);

  it('runs a real PostgreSQL that survives stop/start with its data, then is destroyed', async () => {
    if (!db) throw new Error('server did not start');
    expect(db.url).toBe(`postgres://penghubung@127.0.0.1:${db.port}/postgres`);

    const version = await query(db.url, 'SHOW server_version_num');
    expect(Number(version.rows[0].server_version_num)).toBeGreaterThanOrEqual(120000);

    await query(db.url, 'CREATE TABLE services (id serial PRIMARY KEY, name text NOT NULL)');
    await query(db.url, 'INSERT INTO services (name) VALUES ($1), ($2)', ['kependudukan', 'perizinan']);

    // A connection that is open when the database goes down gets an error.
    const open = new pg.Client(db.url);
    const openErrors: Error[] = [];
    open.on('error', (error) => openErrors.push(error));
    await open.connect();

    await db.stop();
    await expect(query(db.url, 'SELECT 1')).rejects.toThrow();
    await expect(open.query('SELECT 1')).rejects.toThrow();
    await open.end().catch(() => {});

    await db.start();
    const rows = await query(db.url, 'SELECT name FROM services ORDER BY id');
    expect(rows.rows.map((row: { name: string }) => row.name)).toEqual(['kependudukan', 'perizinan']);

    await db.destroy();
    await expect(query(db.url, 'SELECT 1')).rejects.toThrow();
    await expect(db.start()).rejects.toThrow(/destroyed/);
    await db.destroy(); // idempotent
  }, 60_000);
});
