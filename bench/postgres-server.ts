// A throw-away PostgreSQL for a bench run, as test/support/postgres.ts starts one for the tests
// (which bench code may not import: .dependency-cruiser.cjs): the Debian package's binaries,
// `initdb` into a temp dir, the server on a free loopback port with `trust` authentication; under
// root it runs as the `postgres` OS user. `fsync` is off: the bench measures reads, and loading a
// million rows should not wait on the disk.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './children.ts';

export interface BenchPostgres { url: string; version: string; stop(): Promise<void> }

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'initdb')));
  if (!dir) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: apt-get install postgresql, or pass --store-url');
  return dir;
}

/** Under root, the `postgres` OS user's ids: PostgreSQL refuses to run as root. */
function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function answers(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query<{ server_version: string }>('show server_version')).rows[0]?.server_version;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const bin = binDir();
  const user = owner();
  const base = mkdtempSync(join(tmpdir(), 'penghubung-bench-pg-'));
  if (user) chownSync(base, user.uid, user.gid);
  const options = { cwd: base, env: { ...process.env, LC_ALL: 'C' }, ...user };
  execFileSync(join(bin, 'initdb'), ['-D', join(base, 'data'), '-U', 'penghubung', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...options, stdio: 'ignore' });
  const port = await freePort();
  const server: ChildProcess = spawn(join(bin, 'postgres'), [
    '-D', join(base, 'data'), '-p', String(port), '-h', '127.0.0.1', '-k', base,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
  ], { ...options, stdio: 'ignore' });
  const kill = () => server.kill('SIGQUIT');
  process.once('exit', kill);
  const url = `postgres://penghubung@127.0.0.1:${port}/postgres`;
  let version: string | undefined;
  for (const deadline = Date.now() + 30_000; !(version = await answers(url)); await sleep(100)) {
    if (server.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`PostgreSQL did not start on port ${port}`);
    }
  }
  return {
    url,
    version,
    async stop() {
      process.off('exit', kill);
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT');
      await exited;
      rmSync(base, { recursive: true, force: true });
    },
  };
}
