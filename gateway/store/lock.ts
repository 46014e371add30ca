import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The embedded store is held by another live process (a running gateway). */
export class EmbeddedStoreInUse extends Error {}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt it.
 * A pid file guards the embedded store; a stale one (dead pid) is taken over.
 */
export function lockEmbeddedStore(lockFile: string): () => void {
  mkdirSync(dirname(lockFile), { recursive: true });
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && alive(holder)) {
    throw new EmbeddedStoreInUse(`the embedded store is in use by process ${holder} (lock ${lockFile}); stop that gateway first, or use PostgreSQL (DATABASE_URL) to share the registry between processes`);
  }
  writeFileSync(lockFile, String(process.pid));
  return () => rmSync(lockFile, { force: true });
}
