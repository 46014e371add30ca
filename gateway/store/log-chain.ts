import { hash, randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The hash chains of the traffic log and the audit trail (docs/integrity.md): each row
 * carries `hash = SHA-256(previous row's hash || canonical encoding of the row)`, the first row of
 * a chain hashing after 32 zero bytes. What the canonical encoding is belongs to each log
 * (gateway/traffic/chain.ts, gateway/audit/chain.ts); the store only knows the arithmetic, so
 * that both logs and `penghubung log verify` share it.
 */
export const genesisHash: Buffer = Buffer.alloc(32);

/** The bytes hashed, written into one buffer kept between rows: a one-shot hash costs less than a Hash object per row. */
let scratch = Buffer.allocUnsafe(4096);

/** The hash of a row whose canonical encoding is `canonical`, after the row hashing to `previous`. */
export function chainHash(previous: Buffer, canonical: string): Buffer {
  // A UTF-16 code unit is at most three bytes of UTF-8.
  if (scratch.length < 32 + canonical.length * 3) scratch = Buffer.allocUnsafe(32 + canonical.length * 3);
  previous.copy(scratch, 0, 0, 32);
  const length = scratch.write(canonical, 32, 'utf8');
  return hash('sha256', scratch.subarray(0, 32 + length), 'buffer');
}

/** A chain's last row as a writer continues from it: its place and its hash. */
export interface ChainHead {
  seq: number;
  hash: Buffer;
}

export const emptyChain = (): ChainHead => ({ seq: 0, hash: genesisHash });

/** Hashes are stored as lowercase hex, as the traffic log's body hashes are. */
export const hashHex = (digest: Buffer) => digest.toString('hex');

/** A stored hash back to its bytes; undefined when it is not 64 hex digits (a hand edit). */
export function hashBytes(hex: unknown): Buffer | undefined {
  return typeof hex === 'string' && /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

/**
 * Text as both stores keep it. A JavaScript string may hold a lone surrogate (a client id in a
 * token can), which neither store can write as UTF-8: each would keep U+FFFD instead, and a row
 * hashed over the original would never verify. RFC 8785 refuses such strings too. So a string is
 * made well formed once, before it is both hashed and written.
 */
export const storedText = (text: string): string => (text.isWellFormed() ? text : text.toWellFormed());

/** The file that names this instance's traffic chain, under the data dir. */
export const instanceIdFile = (dataDir: string) => join(dataDir, 'instance-id');

/**
 * This gateway instance's id: the name of its traffic-log chain. Configured
 * (`integrity.instanceId`), or a random UUID made on the first run and kept in
 * `<dataDir>/instance-id`, so that the chain goes on across restarts. Written whole under another
 * name and linked into place (which fails when the file exists), so a CLI command and the gateway
 * starting at once on a new data dir agree on one, and neither ever reads half a file.
 */
export function instanceId(dataDir: string, configured?: string | null): string {
  if (configured) return configured;
  const file = instanceIdFile(dataDir);
  const read = () => readFileSync(file, 'utf8').trim();
  try {
    const known = read();
    if (known) return known;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temporary, `${randomUUID()}\n`, { flush: true, mode: 0o644 });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  const id = read();
  if (!id) throw new Error(`${file} is empty: write this instance's id into it (the traffic log chain it names), or remove it to start a new chain`);
  return id;
}
