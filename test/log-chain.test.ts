// Issue 26, item 1: the traffic log and the audit trail as hash chains with signed checkpoints, and
// `penghubung log verify` finding what was changed, removed or added.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { Command, Option } from 'commander';
import { compactVerify } from 'jose';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSource, recordAudit } from '../gateway/audit/audit.ts';
import { auditHash, storedAuditHead } from '../gateway/audit/chain.ts';
import { checkpointType, LogCheckpoints } from '../gateway/integrity/checkpoints.ts';
import { registerLogCommands } from '../gateway/integrity/log-cli.ts';
import { clean, verifyLogs, type ChainReport, type ChainStore, type LogReport } from '../gateway/integrity/verify.ts';
import { startSsoProvider, type SsoProvider } from '../gateway/demo/sso-provider.ts';
import { chainHash, hashBytes, instanceId } from '../gateway/store/log-chain.ts';
import { openStore } from '../gateway/store/open.ts';
import type { Queryable } from '../gateway/store/store.ts';
import { canonicalTraffic } from '../gateway/traffic/chain.ts';
import type { TrafficRow } from '../gateway/traffic/row.ts';
import { insertTrafficRows } from '../gateway/traffic/traffic-log.ts';
import { adminApi, adminClients } from './support/admin-api.ts';
import { audience, startHarness, tempDir, testClients, type Harness } from './support/harness.ts';
import { asTrafficRow, auditorRecompute, chainRows, dropAuditTriggers, exchanges, instanceOf, jwksWith, testSigner, whileTampered } from './support/log-chain.ts';

const silent = pino({ level: 'silent' });
const integrity = { checkpointRows: 1000, checkpointSeconds: 3600, instanceId: null };
let sso: SsoProvider;
let signer: Awaited<ReturnType<typeof testSigner>>;
beforeAll(async () => {
  sso = await startSsoProvider({ audience, clients: [...testClients, ...adminClients] });
  signer = await testSigner();
});
afterAll(() => sso?.close());

const chainOf = (reports: LogReport[], log: 'traffic' | 'audit', chain: string): ChainReport => reports.find((r) => r.log === log)!.chains.find((c) => c.chain === chain)!;

describe('the chains over real exchanges and admin changes', () => {
  let h: Harness;
  let checkpoints: LogCheckpoints;
  let trafficChain: string;
  let auditChain: string;
  const api = adminApi(() => h);
  const verify = (view: ChainStore = h.gateway.store, jwks = signer.jwks) => verifyLogs(view, { jwks, pageRows: 4 });

  beforeAll(async () => {
    h = await startHarness({ sso, config: { integrity: { checkpointSeconds: 3600 } } });
    await exchanges(h, 'chain', 12);
    for (const id of ['bank-a', 'bank-b', 'bank-c']) expect((await api('admin-console', 'PUT', `/admin/v1/partners/${id}`, { body: { legalName: `PT ${id}`, type: 'bank' } })).status).toBe(200);
    await h.flushTraffic();
    checkpoints = new LogCheckpoints(h.gateway.store, h.gateway.traffic, signer, integrity, silent);
    await checkpoints.start();
    await checkpoints.checkpoint();
    trafficChain = instanceOf(h);
    auditChain = (await storedAuditHead(h.gateway.store)).chain;
  }, 60_000);
  afterAll(() => h?.close());

  it('gives every row its place (1, 2, 3, ... no gap) in its chain, and both logs verify with their checkpoints', async () => {
    expect(h.gateway.traffic.chainId).toBe(trafficChain);
    const traffic = await chainRows(h.gateway.store, 'traffic_log', trafficChain);
    expect(traffic.map((row) => row.chain_seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(traffic.map((row) => row.request_id)).toEqual(Array.from({ length: 12 }, (_, i) => `chain-${i}`));
    const audit = await chainRows(h.gateway.store, 'audit_log', auditChain);
    const allAudit = await h.gateway.store.db.selectFrom('audit_log').select('seq').execute();
    expect(audit.length).toBe(allAudit.length);
    expect(audit.map((row) => row.action).slice(-3)).toEqual(['partner.create', 'partner.create', 'partner.create']);
    expect(audit.map((row) => row.chain_seq)).toEqual(audit.map((_, i) => i + 1));

    const reports = await verify();
    expect(clean(reports)).toBe(true);
    expect(chainOf(reports, 'traffic', trafficChain)).toEqual({ log: 'traffic', chain: trafficChain, rows: 12, head: 12, checkpoints: 1, lastCheckpoint: { seq: 12, at: expect.any(String) }, problems: 0, firstBad: null });
    expect(chainOf(reports, 'audit', auditChain)).toMatchObject({ rows: audit.length, head: audit.length, checkpoints: 1, problems: 0, firstBad: null });
    expect(reports.map((r) => [r.beforeChain, r.outsideChain])).toEqual([[0, null], [0, null]]);
  });

  it('hashes what another program recomputes from the database alone, as docs/integrity.md says', async () => {
    const traffic = await chainRows(h.gateway.store, 'traffic_log', trafficChain);
    expect(auditorRecompute(traffic)).toBe(0);
    expect(auditorRecompute(await chainRows(h.gateway.store, 'audit_log', auditChain))).toBe(0);
    // The gateway's own writer for traffic rows gives the text of the generic RFC 8785 encoder.
    const { seq: _seq, hash: _hash, ...stored } = traffic[3]!;
    expect(canonicalTraffic(asTrafficRow(stored))).toBe(canonicalize({ ...stored }));
    if (h.gateway.store.kind === 'postgres') {
      // Times as the documentation tells an auditor to read them from PostgreSQL.
      const { rows } = await sql<{ text: string; at: string }>`select to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as text, at from traffic_log`.execute(h.gateway.store.db);
      expect(rows.every((row) => row.text === row.at)).toBe(true);
    }
  });

  const at = (place: number) => (tx: Queryable) => tx.db.selectFrom('traffic_log').selectAll().where('chain', '=', trafficChain).where('chain_seq', '=', place).executeTakeFirstOrThrow();
  const swapped = ['request_id', 'at', 'listener', 'consumer', 'status', 'error_code', 'total_ms', 'upstream_ms', 'bytes_out', 'response_sha256'] as const;
  const cases: [string, (tx: Queryable) => Promise<void>, number, RegExp][] = [
    ['one field of a row edited', async (tx) => {
      await tx.db.updateTable('traffic_log').set({ status: 204 }).where('chain', '=', trafficChain).where('chain_seq', '=', 5).execute();
    }, 5, /hash does not match its content/],
    ['a row deleted', async (tx) => {
      await tx.db.deleteFrom('traffic_log').where('chain', '=', trafficChain).where('chain_seq', '=', 7).execute();
    }, 7, /^row 7 is missing$/],
    ['two rows\' contents swapped', async (tx) => {
      const [three, nine] = [await at(3)(tx), await at(9)(tx)];
      const values = (row: typeof three) => Object.fromEntries(swapped.map((column) => [column, row[column]]));
      await tx.db.updateTable('traffic_log').set(values(nine)).where('seq', '=', three.seq).execute();
      await tx.db.updateTable('traffic_log').set(values(three)).where('seq', '=', nine.seq).execute();
    }, 3, /hash does not match/],
    ['a forged row inserted at a place taken, its hash computed as the gateway would', async (tx) => {
      const { seq: _seq, ...four } = await at(4)(tx);
      const three = await at(3)(tx);
      const forged = { ...four, log_id: '01900000-0000-7000-8000-000000000004', path: '/sandbox/v1/perangkat-daerah/9.99' };
      const hash = chainHash(hashBytes(three.hash)!, canonicalTraffic(asTrafficRow(forged))).toString('hex');
      await tx.db.insertInto('traffic_log').values({ ...forged, hash }).execute();
    }, 4, /^2 rows hold place 4$/],
    ['a forged row at a place before the first', async (tx) => {
      const { seq: _seq, ...one } = await at(1)(tx);
      await tx.db.insertInto('traffic_log').values({ ...one, log_id: '01900000-0000-7000-8000-000000000000', chain_seq: 0 }).execute();
    }, 0, /^a row holds place 0, and places start at 1$/],
    ['the tail cut off past a checkpoint', async (tx) => {
      await tx.db.deleteFrom('traffic_log').where('chain', '=', trafficChain).where('chain_seq', '>=', 10).execute();
    }, 10, /^rows 10 to 12 are missing: a checkpoint signed at .* names row 12$/],
    ['a checkpoint\'s hash edited to match an edited row', async (tx) => {
      await tx.db.updateTable('log_checkpoints').set({ hash: '0'.repeat(64) }).where('log', '=', 'traffic').execute();
    }, 12, /^the checkpoint at 12 was edited/],
  ];

  it.each(cases)('finds %s, at the right place', async (_what, tamper, place, reason) => {
    const reports = await whileTampered(h.gateway.store, tamper, (view) => verify(view));
    expect(clean(reports)).toBe(false);
    expect(chainOf(reports, 'traffic', trafficChain).firstBad).toEqual({ seq: place, reason: expect.stringMatching(reason) });
    expect(chainOf(reports, 'audit', auditChain).problems).toBe(0);
    // Rolled back: the store is as it was.
    expect(clean(await verify())).toBe(true);
  });

  it('finds an audit row edited or deleted once a superuser has set the append-only triggers aside', async () => {
    const edit = await whileTampered(h.gateway.store, async (tx) => {
      await dropAuditTriggers(tx);
      await tx.db.updateTable('audit_log').set({ object_id: 'bank-z' }).where('chain', '=', auditChain).where('chain_seq', '=', 2).execute();
    }, (view) => verify(view));
    expect(chainOf(edit, 'audit', auditChain).firstBad).toEqual({ seq: 2, reason: expect.stringMatching(/hash does not match/) });
    const removed = await whileTampered(h.gateway.store, async (tx) => {
      await dropAuditTriggers(tx);
      await tx.db.deleteFrom('audit_log').where('chain', '=', auditChain).where('chain_seq', '=', 3).execute();
    }, (view) => verify(view));
    expect(chainOf(removed, 'audit', auditChain).firstBad).toEqual({ seq: 3, reason: 'row 3 is missing' });
    expect(chainOf(removed, 'traffic', trafficChain).problems).toBe(0);
  });

  it('signs checkpoints a verifier checks with jose against the public key, and no other key passes', async () => {
    const checkpoint = await h.gateway.store.db.selectFrom('log_checkpoints').selectAll().where('log', '=', 'traffic').executeTakeFirstOrThrow();
    const { payload, protectedHeader } = await compactVerify(checkpoint.jws, signer.publicKey);
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: 'test-key', typ: checkpointType });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ log: 'traffic', chain: trafficChain, chain_seq: 12, hash: checkpoint.hash, at: checkpoint.at });
    const traffic = await chainRows(h.gateway.store, 'traffic_log', trafficChain);
    expect(checkpoint.hash).toBe(traffic.at(-1)!.hash);

    const other = await testSigner('other-key');
    await expect(compactVerify(checkpoint.jws, other.publicKey)).rejects.toThrow(/signature verification failed/);
    const unknownKid = await verify(h.gateway.store, other.jwks);
    expect(chainOf(unknownKid, 'traffic', trafficChain).firstBad).toEqual({ seq: 12, reason: 'the checkpoint at 12 is signed by a key the JWKS does not have' });
    // The same kid over another key: the signature itself fails.
    const impostor = await testSigner('test-key');
    const forged = await verify(h.gateway.store, impostor.jwks);
    expect(chainOf(forged, 'audit', auditChain).firstBad?.reason).toMatch(/has no valid signature/);
  });

  it('chains a row an exchange wrote itself (an async delivery\'s acceptance) once the writer gets it, and reports it meanwhile', async () => {
    const head = h.gateway.traffic.durable!.seq;
    const row: TrafficRow = {
      logId: '01900000-0000-7000-8000-0000000000aa', requestId: 'accepted-early', at: new Date().toISOString(), listener: 'internal', consumer: 'app-writer',
      contract: 'sandbox-direktori', operation: 'registerLetter', method: 'POST', path: '/sandbox/v1/surat', status: 202, errorCode: null, totalMs: 3.25,
      upstreamMs: null, bytesIn: 12, bytesOut: 40, requestSha256: 'a'.repeat(64), responseSha256: 'b'.repeat(64), clientAddress: '127.0.0.1', traceId: null,
      partner: null, agreement: null, certFingerprint: null,
    };
    await insertTrafficRows(h.gateway.store, [row]);
    const meanwhile = await verify();
    expect(meanwhile.find((r) => r.log === 'traffic')!.outsideChain).toEqual({ rows: 1, firstStoreSeq: expect.any(Number) });
    h.gateway.traffic.chainStored(row);
    await h.flushTraffic();
    const stored = await h.gateway.store.db.selectFrom('traffic_log').select(['chain', 'chain_seq', 'status']).where('request_id', '=', 'accepted-early').execute();
    expect(stored).toEqual([{ chain: trafficChain, chain_seq: head + 1, status: 202 }]);
    expect(clean(await verify())).toBe(true);
  });

  it('penghubung log verify: exit 0 when intact, 1 when a checkpoint does not verify, 2 on bad input', async () => {
    const keys = join(h.dataDir, 'jwks.json');
    const run = async (...args: string[]) => {
      const program = new Command('penghubung').exitOverride();
      registerLogCommands(program, new Option('-c, --config <file>'), () => h.gateway.config);
      const out: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = (chunk: string) => out.push(chunk) > 0;
      try {
        await program.parseAsync(['log', 'verify', ...args], { from: 'user' });
        return { code: process.exitCode ?? 0, out: out.join('') };
      } finally {
        process.stdout.write = write;
        process.exitCode = undefined;
      }
    };
    await checkpoints.checkpoint();
    writeFileSync(keys, JSON.stringify(signer.jwks));
    const intact = await run('--jwks', keys);
    expect(intact.code).toBe(0);
    expect(intact.out).toContain(`traffic chain ${trafficChain}: 13 rows, 2 checkpoints`);
    expect(intact.out).toMatch(/every chain is intact\n$/);
    const audit = await run('--jwks', keys, '--log', 'audit', '--json');
    expect(JSON.parse(audit.out)).toMatchObject({ ok: true, logs: [{ log: 'audit', chains: [{ chain: auditChain, problems: 0 }] }] });
    writeFileSync(keys, JSON.stringify((await testSigner('other-key')).jwks));
    const refused = await run('--jwks', keys, '--chain', trafficChain);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`traffic chain ${trafficChain}: 13 rows, 2 checkpoints (last at 13,`);
    expect(refused.out).toContain('TAMPERED from 12: the checkpoint at 12 is signed by a key the JWKS does not have (2 problems in all)');
    await expect(run('--jwks', keys, '--chain', 'no-such-chain')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'no chain no-such-chain in either log' });
    writeFileSync(keys, '{"not": "keys"}');
    await expect(run('--jwks', keys)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('not a JWKS') });
    await expect(run('--jwks', join(h.dataDir, 'none.json'))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('hashes text as the store keeps it: a lone surrogate (a token\'s client id may hold one) is U+FFFD in both', async () => {
    const row: TrafficRow = {
      logId: '01900000-0000-7000-8000-0000000000bb', requestId: 'odd-\ud800', at: new Date().toISOString(), listener: 'internal', consumer: 'app-\udc00x',
      contract: null, operation: null, method: 'GET', path: '/nowhere', status: 404, errorCode: 'ROUTE_NOT_FOUND', totalMs: 0.5, upstreamMs: null,
      bytesIn: 0, bytesOut: 100, requestSha256: null, responseSha256: null, clientAddress: null, traceId: null,
    };
    h.gateway.traffic.enqueue(row);
    await h.flushTraffic();
    await h.gateway.store.transaction((tx) => recordAudit(tx, { ...cliSource(), action: 'pki.issue', objectType: 'pki', objectId: 'cert-\ud801', before: null, after: { ['n\udfff']: 'v\ud800' } }));
    const stored = await h.gateway.store.db.selectFrom('traffic_log').select(['request_id', 'consumer']).where('log_id', '=', row.logId).executeTakeFirstOrThrow();
    expect(stored).toEqual({ request_id: 'odd-\ufffd', consumer: 'app-\ufffdx' });
    const audit = await h.gateway.store.db.selectFrom('audit_log').select(['object_id', 'after']).where('action', '=', 'pki.issue').executeTakeFirstOrThrow();
    expect([audit.object_id, JSON.parse(audit.after!)]).toEqual(['cert-\ufffd', { 'n\ufffd': 'v\ufffd' }]);
    expect(clean(await verify())).toBe(true);
    expect(auditorRecompute(await chainRows(h.gateway.store, 'traffic_log', trafficChain))).toBe(0);
    expect(auditorRecompute(await chainRows(h.gateway.store, 'audit_log', auditChain))).toBe(0);
  });
});

describe('the traffic chain across restarts and store outages', () => {
  it('goes on where it stopped when the gateway starts again on the same data dir', async () => {
    const dataDir = tempDir('chain-restart-');
    try {
      const first = await startHarness({ sso, dataDir });
      await exchanges(first, 'before', 5);
      await first.close();
      const second = await startHarness({ sso, dataDir });
      try {
        await exchanges(second, 'after', 4);
        await second.flushTraffic();
        const rows = await chainRows(second.gateway.store, 'traffic_log', instanceOf(second));
        expect(rows.map((row) => [row.chain_seq, row.request_id])).toEqual([...Array.from({ length: 5 }, (_, i) => `before-${i}`), ...Array.from({ length: 4 }, (_, i) => `after-${i}`)].map((id, i) => [i + 1, id]));
        expect(auditorRecompute(rows)).toBe(0);
        expect(clean(await verifyLogs(second.gateway.store, { jwks: jwksWith(signer.jwks, dataDir) }))).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('names the chain by the data dir\'s instance id, made once, or by the configured one', () => {
    const dataDir = tempDir('instance-');
    try {
      const made = instanceId(dataDir);
      expect(made).toMatch(/^[0-9a-f-]{36}$/);
      expect(instanceId(dataDir)).toBe(made);
      expect(instanceId(dataDir, 'gateway-b')).toBe('gateway-b');
      expect(readdirSync(dataDir)).toEqual(['instance-id']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

});

describe('the audit chain under concurrent writers', () => {
  it('holds one chain, no place taken twice, while admin changes and a CLI beside the gateway write at once', async () => {
    const h = await startHarness({ sso });
    const api = adminApi(() => h);
    // The CLI's own connection to the same store (the SQLite file, or the PostgreSQL).
    const cli = await openStore(h.gateway.config);
    try {
      const changes = Array.from({ length: 12 }, (_, i) => api('admin-console', 'PUT', `/admin/v1/partners/bank-${i}`, { body: { legalName: `PT Bank ${i}`, type: 'bank' } }));
      const commands = Array.from({ length: 6 }, (_, i) => cli.transaction((tx) => recordAudit(tx, { ...cliSource(), action: 'pki.issue', objectType: 'pki', objectId: `cert-${i}`, before: null, after: { n: i } })));
      const answers = await Promise.all(changes);
      await Promise.all(commands);
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
      const head = await storedAuditHead(h.gateway.store);
      const rows = await chainRows(h.gateway.store, 'audit_log', head.chain);
      const total = await h.gateway.store.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(rows.length).toBe(Number(total.n));
      expect(rows.map((row) => row.chain_seq)).toEqual(rows.map((_, i) => i + 1));
      expect(rows.filter((row) => row.action === 'partner.create').length).toBe(12);
      expect(rows.filter((row) => row.action === 'pki.issue').length).toBe(6);
      expect(auditorRecompute(rows)).toBe(0);
      // The hash of the last row, as the writer's own function computes it from the row before.
      const { seq: _seq, hash, ...last } = rows.at(-1)!;
      expect(auditHash(hashBytes(rows.at(-2)!.hash)!, last as Parameters<typeof auditHash>[1])).toBe(hash);
      expect(clean(await verifyLogs(h.gateway.store, { jwks: jwksWith(signer.jwks, h.dataDir), logs: ['audit'] }))).toBe(true);
    } finally {
      await cli.close();
      await h.close();
    }
  });
});
