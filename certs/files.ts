import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { PkiError } from './errors.ts';

/** Private keys and the PKI directories are readable by the gateway's user only. */
export const privateDirMode = 0o700;
export const privateKeyMode = 0o600;
/** Certificates, the CRL and the index hold nothing secret. */
export const publicFileMode = 0o644;

/** Creates the directory (and parents) and forces 0700 even if it already existed with looser bits. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: privateDirMode });
  chmodSync(path, privateDirMode);
}

/**
 * Writes through a temporary file in the same directory, fsyncs it and renames it over the target,
 * so a crash leaves either the old file or the new one, never half a CRL, key or index. The temporary
 * file is created with the final mode, so a key is never readable by others, not even for a moment.
 */
export function writeFileAtomic(path: string, data: string, mode: number): void {
  ensurePrivateDir(dirname(path));
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  // The umask can only remove bits; chmod makes the mode exact (0644 stays 0644 under umask 077).
  chmodSync(temp, mode);
  renameSync(temp, path);
}

const lockWaitMs = 5_000;
const staleLockMs = 60_000;

/**
 * Runs `work` while holding `<dir>/.lock`, so two `penghubung certs` commands cannot both read the
 * index, add a record and write it back (one record would be lost). `work` must be synchronous: the
 * lock also orders concurrent calls inside one process. A lock older than a minute is left over from
 * a crashed command and is taken over.
 */
export function withLock<T>(dir: string, work: () => T): T {
  ensurePrivateDir(dir);
  const lockFile = `${dir}/.lock`;
  const deadline = Date.now() + lockWaitMs;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lockFile, 'wx', privateKeyMode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockAgeMs(lockFile) > staleLockMs) {
        rmSync(lockFile, { force: true });
      } else if (Date.now() > deadline) {
        throw new PkiError(`another certs command holds ${lockFile}; retry, or remove the file if no command is running`);
      } else {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      }
    }
  }
  try {
    writeSync(fd, `${process.pid}\n`);
    return work();
  } finally {
    closeSync(fd);
    unlinkSync(lockFile);
  }
}

function lockAgeMs(lockFile: string): number {
  try {
    return Date.now() - statSync(lockFile).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
