import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The key of the identifiers' keyed hashes (mask.ts), 32 random bytes made on first run in
 * `<dataDir>/privacy/identifier-key` (0600). Every instance that writes one traffic log must use
 * the same key, or a search finds only one instance's exchanges: several instances read it from
 * one file (a mounted secret) by giving its path.
 */
export function loadIdentifierKey(dataDir: string, file = join(dataDir, 'privacy', 'identifier-key')): Buffer {
  if (!existsSync(file)) {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length < 32) throw new Error(`the identifier key in ${file} is shorter than 32 bytes`);
  chmodSync(file, 0o600);
  return key;
}
