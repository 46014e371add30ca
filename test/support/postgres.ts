/**
 * Runs a real, throw-away PostgreSQL server for integration tests.
 *
 *   const db = await startPostgres();   // initdb + start on a free 127.0.0.1 port
 *   new pg.Client(db.url);              // postgres://penghubung@127.0.0.1:PORT/postgres
 *   await db.stop();                    // fast shutdown, data kept ("the database went down")
 *   await db.start();                   // same port, same data
 *   await db.destroy();                 // stop and delete the data directory
 *
 * Uses the Debian `postgresql` package (/usr/lib/postgresql/<highest>/bin),
 * falling back to initdb/postgres on PATH. PostgreSQL refuses to run as root,
 * so under root the server runs as the `postgres` OS user. Authentication is
 * `trust` and the server listens on 127.0.0.1 only; fsync is off for speed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, openSync, closeSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { onFreePort, serverProcess } from './server-process.ts';

export interface PostgresServer {
  /** Connection string for npm `pg`, e.g. postgres://penghubung@127.0.0.1:54321/postgres */
  url: string;
  port: number;
  /** Fast shutdown (open connections are terminated); the data is kept. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. The server cannot be started again. */
  destroy(): Promise<void>;
}

const USER = 'penghubung';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findBinDir();
  const owner = serverUser();
  const baseDir = await mkdtemp(join(tmpdir(), 'penghubung-pg-'));
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'postgres.log');
  if (owner) await chown(baseDir, owner.uid, owner.gid);
  const spawnOptions = { cwd: baseDir, env: { ...process.env, LC_ALL: 'C' }, ...owner };
  let destroyed = false;

  const postgres = serverProcess({
    name: 'PostgreSQL',
    spawn: () => {
      const log = openSync(logFile, 'a');
      try {
        return spawn(
          join(bin, 'postgres'),
          [
            '-D', dataDir,
            '-p', String(server.port),
            '-h', '127.0.0.1', // listen_addresses
            '-k', baseDir, // unix_socket_directories
            '-c', 'fsync=off',
            '-c', 'synchronous_commit=off',
            '-c', 'full_page_writes=off',
          ],
          { ...spawnOptions, stdio: ['ignore', log, log] },
        );
      } finally {
        closeSync(log);
      }
    },
    ready: () => acceptsConnections(server.url),
    readyTimeoutMs: READY_TIMEOUT_MS,
    pollMs: 100,
    output: () => logTail(logFile),
    killSignal: 'SIGQUIT', // immediate shutdown (SIGKILL would leave its backends running)
    onTestExit: () => removeWhileShuttingDown(baseDir),
  });

  const server: PostgresServer = {
    url: '',
    port: 0,
    async start() {
      if (destroyed) throw new Error('PostgreSQL test server was destroyed; call startPostgres() for a new one');
      await postgres.start();
    },
    stop: () => postgres.end('SIGINT', 'SIGQUIT', STOP_TIMEOUT_MS), // fast shutdown
    async destroy() {
      if (destroyed) return;
      await server.stop();
      destroyed = true;
      postgres.forget();
      await rm(baseDir, { recursive: true, force: true });
    },
  };

  try {
    await run(join(bin, 'initdb'), [
      '-D', dataDir,
      '-U', USER,
      '-A', 'trust',
      '-E', 'UTF8',
      '--locale=C',
      '--no-sync',
    ], spawnOptions);
    return await onFreePort(async (port) => {
      server.port = port;
      server.url = `postgres://${USER}@127.0.0.1:${port}/postgres`;
      await server.start();
      return server;
    }, /could not bind|already in use/i);
  } catch (error) {
    await server.destroy().catch(() => {});
    throw error;
  }
}

/**
 * The postmaster deletes files while it shuts down, which can make rmSync stop early without an
 * error: retried until the directory is really gone (at a test process's exit, so synchronously).
 */
function removeWhileShuttingDown(dir: string): void {
  for (let attempt = 0; attempt < 50 && existsSync(dir); attempt++) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // retried below
    }
    if (existsSync(dir)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // sleep 20 ms
  }
}

/** Highest /usr/lib/postgresql/<version>/bin, else a PATH directory with both initdb and postgres. */
function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const candidates = [
    ...versions.map((v) => join(root, v, 'bin')),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
  ];
  const dir = candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')));
  if (!dir) {
    throw new Error(
      'PostgreSQL binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or on PATH: ' +
        'install the Debian package postgresql (apt-get install -y postgresql)',
    );
  }
  return dir;
}

/** Under root, the uid/gid of the `postgres` OS user (PostgreSQL refuses to run as root). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'Running as root, but the OS user "postgres" does not exist (PostgreSQL refuses to run as root): ' +
        'install the Debian package postgresql, which creates it',
    );
  }
}

function run(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; uid?: number; gid?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('error', reject);
    proc.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${file} ${args.join(' ')} failed with exit code ${code}:\n${output}`));
    });
  });
}

async function acceptsConnections(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no PostgreSQL log)';
  }
}
