import { createHash, createPrivateKey, generateKeyPairSync, sign as signBytes, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { ensurePrivateDir, privateKeyMode, writeFileAtomic } from '../../certs/files.ts';

/** A public key as published: what a partner needs to verify, and nothing else. */
export interface PublishedKey extends JWK { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; use: 'sig'; alg: 'EdDSA' }

/** One key as `penghubung keys list` shows it. */
export interface KeyDescription { kid: string; created: string; current: boolean; retired?: string }

/** A file under `<dataDir>/keys/`: `<kid>.json`. The current key keeps its private part (`d`); a retired one has it removed. */
interface KeyFile { kid: string; created: string; retired?: string; jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; d?: string } }

interface LoadedKeys { files: KeyFile[]; current: { kid: string; key: KeyObject }; published: PublishedKey[] }

export interface SigningKeysOptions {
  /** How often `sign` and `jwks` look for a rotation made by another process (the CLI); 1 s by default. */
  checkEveryMs?: number;
  /** Told when the directory changed but could not be read (the keys in memory stay in use). */
  log?: { warn(details: object, message: string): void };
}

const fileName = /^[A-Za-z0-9_-]{43}\.json$/;

export function keysDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

/** RFC 7638 thumbprint of an Ed25519 key: SHA-256 over its required members in lexical order. */
export function thumbprint(jwk: { crv: string; kty: string; x: string }): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url');
}

/** Newest first: by creation time, then kid, so two keys made in the same millisecond still order one way. */
const newestFirst = (a: KeyFile, b: KeyFile) => (a.created !== b.created ? (a.created < b.created ? 1 : -1) : a.kid === b.kid ? 0 : a.kid < b.kid ? 1 : -1);

function readKeyFile(dir: string, name: string): KeyFile {
  const path = join(dir, name);
  let file: KeyFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch (error) {
    throw new Error(`${path}: not a key file (${(error as Error).message})`, { cause: error });
  }
  const { jwk } = file;
  if (jwk?.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || typeof file.created !== 'string') throw new Error(`${path}: not an Ed25519 key file`);
  // The name, the kid and the key must agree: a file copied or edited by hand is not trusted silently.
  if (file.kid !== thumbprint(jwk) || name !== `${file.kid}.json`) throw new Error(`${path}: its kid is not the thumbprint of its key`);
  return file;
}

function readKeyFiles(dir: string): KeyFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => fileName.test(name)).map((name) => readKeyFile(dir, name)).sort(newestFirst);
}

function writeKeyFile(dir: string, file: KeyFile): void {
  writeFileAtomic(join(dir, `${file.kid}.json`), `${JSON.stringify(file, null, 1)}\n`, privateKeyMode);
}

function newKey(dir: string): KeyFile {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as KeyFile['jwk'];
  const file: KeyFile = { kid: thumbprint(jwk), created: new Date().toISOString(), jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d! } };
  writeKeyFile(dir, file);
  return file;
}

function loadKeys(dir: string): LoadedKeys {
  const files = readKeyFiles(dir);
  const newest = files[0];
  if (!newest) throw new Error(`${dir}: no signing key`);
  if (!newest.jwk.d) throw new Error(`${dir}: the newest key ${newest.kid} has no private part (retired); run penghubung keys rotate`);
  const key = createPrivateKey({ key: newest.jwk, format: 'jwk' });
  const published = files.map((file): PublishedKey => ({ kty: 'OKP', crv: 'Ed25519', x: file.jwk.x, kid: file.kid, use: 'sig', alg: 'EdDSA' }));
  return { files, current: { kid: newest.kid, key }, published };
}

/**
 * The gateway's Ed25519 signing keys under `<dataDir>/keys/` (directory 0700, files 0600), each
 * named by its RFC 7638 thumbprint (`kid`). The newest is current and signs; the older ones are
 * retired (their private part removed) and stay published, so whatever they signed still
 * verifies. A rotation is one new file, so a running gateway notices it by the directory's
 * listing, checked at most every `checkEveryMs` when it signs or publishes.
 */
export class SigningKeys {
  readonly dir: string;
  private loaded: LoadedKeys;
  private listing: string;
  private checkedAt = Date.now();
  private readonly checkEveryMs: number;
  private readonly log: SigningKeysOptions['log'];

  private constructor(dir: string, loaded: LoadedKeys, listing: string, options: SigningKeysOptions) {
    this.dir = dir;
    this.loaded = loaded;
    this.listing = listing;
    this.checkEveryMs = options.checkEveryMs ?? 1000;
    this.log = options.log;
  }

  /** The keys of a data dir; the first one is made if there is none. */
  static open(dataDir: string, options: SigningKeysOptions = {}): Promise<SigningKeys> {
    // The files are small and read once: synchronously, inside a promise so a failure rejects.
    return new Promise((resolve) => {
      const dir = keysDir(dataDir);
      ensurePrivateDir(dir);
      if (readKeyFiles(dir).length === 0) newKey(dir);
      resolve(new SigningKeys(dir, loadKeys(dir), listingOf(dir), options));
    });
  }

  /**
   * A new current key. The older keys lose their private part but stay published. Only keys older
   * than the new one are retired: two rotations at once leave the newer one current, never none.
   */
  static rotate(dataDir: string): Promise<string> {
    return new Promise((resolve) => {
      const dir = keysDir(dataDir);
      ensurePrivateDir(dir);
      const made = newKey(dir);
      const retired = new Date().toISOString();
      for (const file of readKeyFiles(dir)) {
        if (file.jwk.d && file.kid !== made.kid && newestFirst(made, file) < 0) writeKeyFile(dir, { ...file, retired, jwk: { kty: 'OKP', crv: 'Ed25519', x: file.jwk.x } });
      }
      resolve(made.kid);
    });
  }

  /** The keys of a data dir, newest first, without making one. */
  static describe(dataDir: string): KeyDescription[] {
    return readKeyFiles(keysDir(dataDir)).map((file, i) => ({ kid: file.kid, created: file.created, current: i === 0 && file.jwk.d !== undefined, ...(file.retired ? { retired: file.retired } : {}) }));
  }

  /** The public keys of a data dir as a JWKS, without making one (the CLI's default for `receipt verify`). */
  static publishedIn(dataDir: string): { keys: PublishedKey[] } {
    return { keys: readKeyFiles(keysDir(dataDir)).map((file) => ({ kty: 'OKP', crv: 'Ed25519', x: file.jwk.x, kid: file.kid, use: 'sig', alg: 'EdDSA' })) };
  }

  get currentKid(): string {
    this.maybeReload();
    return this.loaded.current.kid;
  }

  /**
   * Compact JWS, alg EdDSA, header `{ alg, kid, typ }` over the JSON payload: the bytes jose's
   * `CompactSign` makes (Ed25519 is deterministic). Signed on libuv's pool (the callback form), so
   * the gateway's thread, which every exchange waits for, only prepares and collects; jose's
   * WebCrypto path does the same with more layers (bench/receipt-cost.ts compares the three).
   */
  async sign(payload: Record<string, unknown>, typ: string): Promise<string> {
    this.maybeReload();
    const { kid, key } = this.loaded.current;
    const input = `${base64url({ alg: 'EdDSA', kid, typ })}.${base64url(payload)}`;
    const signature = await new Promise<Buffer>((resolve, reject) => {
      signBytes(null, Buffer.from(input), key, (error, bytes) => (error ? reject(error) : resolve(bytes)));
    });
    return `${input}.${signature.toString('base64url')}`;
  }

  /** Every public key, current and retired, as a JWKS (RFC 7517), current first. */
  jwks(): { keys: PublishedKey[] } {
    this.maybeReload();
    return { keys: this.loaded.published };
  }

  /** Reads the directory again now; the keys in memory stay in use if it cannot be read. */
  reload(): void {
    this.checkedAt = Date.now();
    try {
      const listing = listingOf(this.dir);
      if (listing === this.listing) return;
      // Remembered before loading: a directory that cannot be read is reported once, not every check.
      this.listing = listing;
      this.loaded = loadKeys(this.dir);
    } catch (error) {
      this.log?.warn({ dir: this.dir, err: (error as Error).message }, 'signing keys not reloaded; the keys in memory stay in use');
    }
  }

  private maybeReload(): void {
    if (Date.now() - this.checkedAt >= this.checkEveryMs) this.reload();
  }
}

function listingOf(dir: string): string {
  return readdirSync(dir).filter((name) => fileName.test(name)).sort().join('\n');
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
