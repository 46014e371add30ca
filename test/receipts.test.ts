import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { calculateJwkThumbprint, CompactSign, compactVerify, createLocalJWKSet, errors, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysDir, SigningKeys } from '../gateway/integrity/keys.ts';
import { receiptOf } from '../gateway/pipeline/38-receipt.ts';
import type { Exchange } from '../gateway/pipeline/exchange.ts';
import { letter, sandboxContracts, startHarness, tempDir, type Harness } from './support/harness.ts';
import { until } from './support/until.ts';

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');
const holdLimit = 64 * 1024;

/** An upstream whose answers stream in pieces: `?bytes=N&pieces=K&gapMs=M`, and `&cut=1` to stop after the first piece. */
async function startPieceUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://upstream').searchParams;
    const bytes = Number(query.get('bytes') ?? 1000);
    const pieces = Number(query.get('pieces') ?? 1);
    const gapMs = Number(query.get('gapMs') ?? 0);
    const body = Buffer.alloc(bytes, 'abcdefghij');
    const size = Math.ceil(bytes / pieces);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const send = (from: number): void => {
      if (from >= bytes) return void res.end();
      res.write(body.subarray(from, from + size));
      // Cut once the head and the first piece are surely out.
      if (query.get('cut') === '1') return void setTimeout(() => res.socket?.destroy(), 50);
      setTimeout(send, gapMs, from + size);
    };
    send(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The bundled sandbox, and a contract that asks for receipts on every operation but one. */
function contracts(): string {
  const dir = madeDir('contracts-');
  cpSync(sandboxContracts, join(dir, 'sandbox'), { recursive: true });
  writeFileSync(join(dir, 'probe.yaml'), [
    'id: receipt-probe', 'integration: probe', 'version: 1.0.0', 'title: Receipt probe', 'state: active', 'classification: publik', 'dataOwner: Diskominfo',
    'scopes: [sandbox.read]', 'timeoutMs: 3000', 'receipt: true', 'upstream: { name: pieces, url: http://127.0.0.1:9/api }', 'operations:',
    '  - { id: getBlob, method: GET, path: /blob }',
    '  - { id: getPlain, method: GET, path: /plain, receipt: false }', '',
  ].join('\n'));
  return dir;
}

/** Temp dirs of this file, removed at the end. */
const made: string[] = [];
const madeDir = (prefix: string) => {
  const dir = tempDir(prefix);
  made.push(dir);
  return dir;
};

let h: Harness;
let pieces: Awaited<ReturnType<typeof startPieceUpstream>>;
let writer: string;
/** The first letter's exchange: what later tests check again (tampering, rotation, the CLI). */
let first: { jws: string; request: string; response: Buffer; kid: string };

const jwksOf = async (base: string) => (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;

async function registerLetter(headers: Record<string, string> = {}, body: unknown = letter) {
  const request = JSON.stringify(body);
  const res = await fetch(`${h.url}/sandbox/v1/surat`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', ...headers }, body: request });
  return { status: res.status, headers: res.headers, request, response: Buffer.from(await res.arrayBuffer()), jws: res.headers.get('penghubung-receipt') };
}

/** A receipt checked the way a partner does: plain jose over the JWKS, offline. */
async function partnerVerifies(jws: string, jwks: JSONWebKeySet) {
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] });
  return { header: protectedHeader, receipt: JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown> };
}

beforeAll(async () => {
  pieces = await startPieceUpstream();
  h = await startHarness({ contractDirs: [contracts()], upstreams: { pieces: { url: pieces.url, credentials: {} } }, config: { limits: { bodyBytes: holdLimit } } });
  writer = await h.token('app-writer');
}, 60_000);
afterAll(async () => {
  await h?.close();
  await pieces?.close();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('signed receipts', () => {
  it('answer a letter registration with a receipt a partner verifies offline, with the JWKS fetched once and plain jose', async () => {
    const sent = await registerLetter({ 'x-request-id': 'req-receipt-0001' });
    expect(sent.status).toBe(201);
    expect(sent.jws).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // No token: the JWKS is public, and cacheable.
    const res = await fetch(`${h.url}/.well-known/jwks.json`);
    expect({ status: res.status, cache: res.headers.get('cache-control') }).toEqual({ status: 200, cache: 'public, max-age=300' });
    const jwks = (await res.json()) as JSONWebKeySet;
    const { header, receipt } = await partnerVerifies(sent.jws!, jwks);
    expect(header).toEqual({ alg: 'EdDSA', kid: jwks.keys[0]!.kid, typ: 'penghubung-receipt+jws' });
    expect(receipt).toEqual({
      requestId: 'req-receipt-0001', exchangeId: sent.headers.get('penghubung-exchange-id'),
      contract: 'sandbox-direktori', version: '1.0.0', operation: 'registerLetter', caller: { consumer: 'app-writer' },
      receivedAt: expect.stringMatching(/Z$/), answeredAt: expect.stringMatching(/Z$/),
      requestSha256: sha256(sent.request), responseSha256: sha256(sent.response), status: 201,
    });
    expect(Date.parse(receipt.answeredAt as string)).toBeGreaterThanOrEqual(Date.parse(receipt.receivedAt as string));
    // The traffic log holds the same two hashes.
    await h.flushTraffic();
    const [row] = await h.gateway.store.db.selectFrom('traffic_log').select(['request_sha256', 'response_sha256']).where('request_id', '=', 'req-receipt-0001').execute();
    expect(row).toEqual({ request_sha256: receipt.requestSha256, response_sha256: receipt.responseSha256 });
    first = { jws: sent.jws!, request: sent.request, response: sent.response, kid: header.kid! };
  });

  it('publish the same public keys on the admin listener, named by their RFC 7638 thumbprint, without a traffic-log row', async () => {
    const internal = await jwksOf(h.url);
    expect(await jwksOf(h.adminUrl)).toEqual(internal);
    for (const key of internal.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig', alg: 'EdDSA' });
      expect(key).not.toHaveProperty('d');
      expect(key.kid).toBe(await calculateJwkThumbprint(key));
    }
    await h.flushTraffic();
    const rows = await h.gateway.store.db.selectFrom('traffic_log').select('log_id').where('path', '=', '/.well-known/jwks.json').execute();
    expect(rows).toEqual([]);
  });

  it('are the JWS jose itself would make with the same key, header and payload (Ed25519 is deterministic)', async () => {
    const file = JSON.parse(readFileSync(join(keysDir(h.dataDir), `${first.kid}.json`), 'utf8')) as { jwk: JWK };
    const [header, payload] = first.jws.split('.') as [string, string];
    const byJose = await new CompactSign(Buffer.from(payload, 'base64url'))
      .setProtectedHeader(JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg: string })
      .sign(await importJWK(file.jwk, 'EdDSA'));
    expect(byJose).toBe(first.jws);
  });

  it('fail on a tampered body, payload, header or key', async () => {
    const jwks = await jwksOf(h.url);
    const { receipt } = await partnerVerifies(first.jws, jwks);
    const altered = Buffer.from(first.response);
    altered[altered.length - 2] = altered.at(-2)! ^ 1;
    expect(sha256(altered)).not.toBe(receipt.responseSha256);
    const [header, payload, signature] = first.jws.split('.') as [string, string, string];
    const claimed = Buffer.from(JSON.stringify({ ...receipt, status: 200 })).toString('base64url');
    await expect(partnerVerifies(`${header}.${claimed}.${signature}`, jwks)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    const otherKid = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'not-a-gateway-key', typ: 'penghubung-receipt+jws' })).toString('base64url');
    await expect(partnerVerifies(`${otherKid}.${payload}.${signature}`, jwks)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    // Signed by another key under the gateway's kid.
    const forged = await new CompactSign(Buffer.from(payload, 'base64url')).setProtectedHeader({ alg: 'EdDSA', kid: first.kid, typ: 'penghubung-receipt+jws' })
      .sign(generateKeyPairSync('ed25519').privateKey);
    await expect(partnerVerifies(forged, jwks)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });

  it('come with answers of receipt operations only, and with refusals once the caller is authorized', async () => {
    const unit = await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${writer}` } });
    expect({ status: unit.status, receipt: unit.headers.get('penghubung-receipt') }).toEqual({ status: 200, receipt: null });
    const plain = await fetch(`${h.url}/probe/v1/plain?bytes=100`, { headers: { authorization: `Bearer ${writer}` } });
    expect({ status: plain.status, receipt: plain.headers.get('penghubung-receipt') }).toEqual({ status: 200, receipt: null });
    // Refused before the receipt stage: a reader has no sandbox.write scope.
    const reader = await fetch(`${h.url}/sandbox/v1/surat`, { method: 'POST', headers: { authorization: `Bearer ${await h.token('app-reader')}`, 'content-type': 'application/json' }, body: JSON.stringify(letter) });
    expect({ status: reader.status, receipt: reader.headers.get('penghubung-receipt') }).toEqual({ status: 403, receipt: null });
    // Refused after it: the letter fails its schema, and the refusal is what the receipt proves.
    const invalid = await registerLetter({}, { ...letter, sifat: 'kilat' });
    expect(invalid.status).toBe(422);
    const { receipt } = await partnerVerifies(invalid.jws!, await jwksOf(h.url));
    expect(receipt).toMatchObject({ status: 422, requestSha256: sha256(invalid.request), responseSha256: sha256(invalid.response) });
    expect(JSON.parse(invalid.response.toString('utf8'))).toMatchObject({ code: 'CONTRACT_VALIDATION_FAILED' });
  });

  it('are replayed as they were with an idempotent repeat: the kept answer and its receipt', async () => {
    const once = await registerLetter({ 'idempotency-key': 'receipt-key-1' });
    const again = await registerLetter({ 'idempotency-key': 'receipt-key-1' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect({ status: again.status, body: again.response.toString(), jws: again.jws }).toEqual({ status: once.status, body: once.response.toString(), jws: once.jws });
    expect(once.jws).not.toBeNull();
  });

  it('hold an upstream\'s streamed answer whole, then send it with its receipt', async () => {
    const url = (op: string) => `${h.url}/probe/v1/${op}?bytes=20000&pieces=4&gapMs=40`;
    const held = await fetch(url('blob'), { headers: { authorization: `Bearer ${writer}` } });
    const body = Buffer.from(await held.arrayBuffer());
    expect({ status: held.status, bytes: body.length, length: held.headers.get('content-length'), chunked: held.headers.get('transfer-encoding') }).toEqual({ status: 200, bytes: 20000, length: '20000', chunked: null });
    const { receipt } = await partnerVerifies(held.headers.get('penghubung-receipt')!, await jwksOf(h.url));
    expect(receipt).toMatchObject({ contract: 'receipt-probe', operation: 'getBlob', status: 200, responseSha256: sha256(body), requestSha256: sha256('') });
    // Without a receipt the same answer streams through.
    const streamed = await fetch(url('plain'), { headers: { authorization: `Bearer ${writer}` } });
    expect({ bytes: (await streamed.arrayBuffer()).byteLength, chunked: streamed.headers.get('transfer-encoding') }).toEqual({ bytes: 20000, chunked: 'chunked' });
  });

  it('answer 502 with a receipt, not a cut connection, when a held answer outgrows limits.bodyBytes or is cut off', async () => {
    for (const query of [`bytes=${holdLimit + 1000}&pieces=8`, 'bytes=20000&pieces=4&cut=1']) {
      const res = await fetch(`${h.url}/probe/v1/blob?${query}`, { headers: { authorization: `Bearer ${writer}` } });
      const body = Buffer.from(await res.arrayBuffer());
      expect({ query, status: res.status, code: (JSON.parse(body.toString('utf8')) as { code: string }).code }).toEqual({ query, status: 502, code: 'UPSTREAM_INVALID_RESPONSE' });
      const { receipt } = await partnerVerifies(res.headers.get('penghubung-receipt')!, await jwksOf(h.url));
      expect(receipt).toMatchObject({ status: 502, responseSha256: sha256(body) });
    }
  });

  it('name the partner and its agreement as the caller of an external exchange', () => {
    const requestHash = createHash('sha256').update('{"a":1}');
    const ex = {
      requestId: 'r-1', id: 'x-1', receivedAt: new Date('2026-12-01T01:00:00Z'), requestHash,
      match: { route: { contract: { id: 'c', version: '1.2.3' }, operation: { id: 'op' } } },
      partner: { id: 'bank-contoh' }, agreement: { number: 'PKS/7/2026' },
    } as unknown as Exchange;
    const receipt = receiptOf(ex, { status: 200, headers: {}, body: Buffer.from('ok') });
    expect(receipt).toMatchObject({ caller: { partner: 'bank-contoh', agreement: 'PKS/7/2026' }, requestSha256: sha256('{"a":1}'), responseSha256: sha256('ok'), version: '1.2.3' });
    // The receipt read a copy: the traffic log still gets the hash itself.
    expect(requestHash.digest('hex')).toBe(sha256('{"a":1}'));
  });
});

describe('signing keys', () => {
  it('rotate under a running gateway: new receipts carry the new kid, the old receipt still verifies against the published JWKS', async () => {
    const before = (await jwksOf(h.url)).keys.map((key) => key.kid);
    expect(before).toEqual([first.kid]);
    const kid = await SigningKeys.rotate(h.dataDir);
    const published = await until(() => jwksOf(h.url), (jwks) => jwks.keys.some((key) => key.kid === kid), { what: 'the new key published', timeoutMs: 5000 });
    expect(published.keys.map((key) => key.kid)).toEqual([kid, first.kid]);
    const next = await registerLetter();
    expect((await partnerVerifies(next.jws!, published)).header.kid).toBe(kid);
    expect((await partnerVerifies(first.jws, published)).receipt).toMatchObject({ requestId: 'req-receipt-0001' });
    // The retired key can sign nothing more: its private part is gone.
    const retired = JSON.parse(readFileSync(join(keysDir(h.dataDir), `${first.kid}.json`), 'utf8')) as { jwk: JWK; retired?: string };
    expect(retired.jwk.d).toBeUndefined();
    expect(retired.retired).toMatch(/Z$/);
    expect(SigningKeys.describe(h.dataDir).map((key) => [key.kid, key.current])).toEqual([[kid, true], [first.kid, false]]);
  });

  it('are files of mode 0600 in a directory of mode 0700, named by their kid', () => {
    const dir = keysDir(h.dataDir);
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    const files = readdirSync(dir).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(2);
    for (const name of files) expect({ name, mode: (statSync(join(dir, name)).mode & 0o777).toString(8) }).toEqual({ name, mode: '600' });
  });
});

describe('penghubung receipt verify and penghubung keys', () => {
  // Not spawnSync: the gateway that answers `--jwks <url>` runs in this process.
  const cli = (args: string[], dataDir = h.dataDir) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['test/support/integrity-cli.ts', ...args], { env: { ...process.env, PENGHUBUNG_DATA_DIR: dataDir }, timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  let work: string;
  beforeAll(() => {
    work = madeDir('receipt-cli-');
    writeFileSync(join(work, 'request.json'), first.request);
    writeFileSync(join(work, 'response.json'), first.response);
    writeFileSync(join(work, 'tampered.json'), first.response.toString('utf8').replace('SANDBOX', 'SANDBOY'));
    writeFileSync(join(work, 'receipt.jws'), `${first.jws}\n`);
  });
  const files = (response = 'response.json') => ['--request', join(work, 'request.json'), '--response', join(work, response)];

  it('exits 0 for a valid receipt, checked against the data dir\'s keys, a JWKS URL or a file, and prints its fields', async () => {
    const valid = await cli(['receipt', 'verify', first.jws, ...files()]);
    expect({ status: valid.status, stderr: valid.stderr }).toEqual({ status: 0, stderr: '' });
    expect(valid.stdout).toContain(`signed by key ${first.kid}`);
    expect(valid.stdout).toContain('sandbox-direktori 1.0.0, operation registerLetter');
    expect(valid.stdout).toContain('consumer app-writer');
    expect(valid.stdout).toMatch(/^valid: /m);
    writeFileSync(join(work, 'jwks.json'), JSON.stringify(SigningKeys.publishedIn(h.dataDir)));
    expect((await cli(['receipt', 'verify', join(work, 'receipt.jws'), ...files(), '--jwks', `${h.url}/.well-known/jwks.json`], work)).status).toBe(0);
    expect((await cli(['receipt', 'verify', first.jws, ...files(), '--jwks', join(work, 'jwks.json')], work)).status).toBe(0);
  });

  it('exits 1 and names the check that failed: a tampered response, a forged signature', async () => {
    const tampered = await cli(['receipt', 'verify', first.jws, ...files('tampered.json')]);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toMatch(/responseSha256 +\w{64} {2}DIFFERS from/);
    expect(tampered.stdout).toContain('INVALID: response');
    const [header, payload, signature] = first.jws.split('.') as [string, string, string];
    const forged = await cli(['receipt', 'verify', `${header}.${payload}.${signature.slice(0, -4)}AAAA`, ...files()]);
    expect({ status: forged.status, failed: /INVALID: signature/.test(forged.stdout) }).toEqual({ status: 1, failed: true });
  });

  it('exits 2 on input it cannot check: no such file, not a JWS, a missing option, no keys', async () => {
    expect((await cli(['receipt', 'verify', first.jws, '--request', join(work, 'absent.json'), '--response', join(work, 'response.json')])).status).toBe(2);
    const notJws = await cli(['receipt', 'verify', join(work, 'request.json'), ...files()]);
    expect({ status: notJws.status, stderr: notJws.stderr }).toEqual({ status: 2, stderr: expect.stringContaining('not a compact JWS') });
    expect((await cli(['receipt', 'verify', first.jws, '--request', join(work, 'request.json')])).status).toBe(2);
    const noKeys = await cli(['receipt', 'verify', first.jws, ...files()], work);
    expect({ status: noKeys.status, stderr: noKeys.stderr }).toEqual({ status: 2, stderr: expect.stringContaining('no signing keys') });
  });

  it('lists and rotates the keys of a data dir', async () => {
    const dataDir = madeDir('keys-cli-');
    expect((await cli(['keys', 'list'], dataDir)).stdout).toContain('no signing keys');
    const before = (await SigningKeys.open(dataDir)).currentKid;
    const rotated = await cli(['keys', 'rotate'], dataDir);
    expect(rotated.status).toBe(0);
    const kid = /new current signing key (\S+)/.exec(rotated.stdout)?.[1];
    expect(kid).toMatch(/^[\w-]{43}$/);
    const listed = (await cli(['keys', 'list'], dataDir)).stdout.trim().split('\n');
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatch(new RegExp(`^${kid!}  created \\S+Z  current$`));
    expect(listed[1]).toMatch(new RegExp(`^${before}  created \\S+Z  retired \\S+Z$`));
  });
});
