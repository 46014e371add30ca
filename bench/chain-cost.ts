// What chaining a traffic-log row costs the gateway's thread (docs/integrity.md): its
// canonical encoding (RFC 8785) and SHA-256 after the previous hash, as the writer does it for
// each row of a batch (`TrafficChain.seal`), beside the generic `canonicalize` package doing the
// same encoding, and the parts alone. CPU of this thread per row, rounds of 100,000 rows once
// warm; the rows are built beforehand, as the pipeline builds them anyway.
//
// Last, what one checkpoint's signature costs (an Ed25519 JWS as the gateway's keys make it), to
// spread over the rows it covers.
//
//   node bench/chain-cost.ts [rounds]
import { generateKeyPairSync, sign } from 'node:crypto';
import canonicalize from 'canonicalize';
import { timeOrderedUuid } from '../gateway/pipeline/exchange.ts';
import { chainHash, genesisHash } from '../gateway/store/log-chain.ts';
import { canonicalTraffic, TrafficChain } from '../gateway/traffic/chain.ts';
import type { TrafficRow } from '../gateway/traffic/row.ts';
import { trafficMix } from './traffic-mix.ts';

const rounds = Number(process.argv[2] ?? 5);
const perRound = 100_000;
const threadUs = () => { const { user, system } = process.threadCpuUsage(); return user + system; };

let n = 0;
/** The passthrough bench's row: an ordinary 200 of a consumer, both body hashes. */
const ordinary = (): TrafficRow => ({
  logId: timeOrderedUuid(), requestId: timeOrderedUuid(), at: new Date().toISOString(), listener: 'internal',
  consumer: `app-${n % 7}`, contract: `contract-${n % 5}`, operation: 'getPerangkatDaerah', method: 'GET',
  path: `/sandbox/v1/perangkat-daerah/2.${n++ % 40}`, status: 200, errorCode: null, totalMs: 1.234, upstreamMs: 0.98,
  bytesIn: 0, bytesOut: 345, requestSha256: null, responseSha256: 'ab'.repeat(32), clientAddress: '127.0.0.1',
  traceId: '0af7651916cd43dd8448eb211c80319c', partner: null, agreement: null, certFingerprint: null,
});

/** Rows of the console bench's mix (errors, partners, ten contracts): bench/traffic-mix.ts. */
const mixed = (count: number): TrafficRow[] => [...trafficMix(count, 1, Date.now(), 500)].flat();

/** Each variant prepares what it needs from the rows, then gives the work that is timed. */
const variants: Record<string, (rows: TrafficRow[]) => () => void> = {
  'seal (the writer: text checks, encoding, SHA-256, chain columns set)': (rows) => {
    const chain = new TrafficChain('0193a5c2-8f00-7000-8000-000000000001');
    return () => {
      for (const row of rows) chain.seal(row);
    };
  },
  'canonicalTraffic alone (the encoding)': (rows) => () => {
    for (const row of rows) canonicalTraffic(row);
  },
  'canonicalize package alone (the same text, generic)': (rows) => {
    const records = rows.map((row) => JSON.parse(canonicalTraffic(row)) as Record<string, unknown>);
    return () => {
      for (const record of records) canonicalize(record);
    };
  },
  'SHA-256 alone (32 bytes + the encoding)': (rows) => {
    const texts = rows.map(canonicalTraffic);
    return () => {
      let previous = genesisHash;
      for (const text of texts) previous = chainHash(previous, text);
    };
  },
};

for (const [what, rowsOf] of [['ordinary 200', () => Array.from({ length: perRound }, ordinary)], ['console mix', () => mixed(perRound)]] as const) {
  const sample = rowsOf();
  new TrafficChain('0193a5c2-8f00-7000-8000-000000000001').seal(sample[0]!);
  console.log(`${what}: encoding ${Buffer.byteLength(canonicalTraffic(sample[0]!))} bytes (first row, chained)`);
  for (const [name, prepare] of Object.entries(variants)) {
    const figures: string[] = [];
    for (let round = 0; round < rounds + 1; round++) {
      const work = prepare(rowsOf());
      const before = threadUs();
      work();
      const spent = threadUs() - before;
      // The first round warms the code up: not counted.
      if (round > 0) figures.push((spent / perRound).toFixed(2));
    }
    console.log(`  ${name}: µs CPU per row, rounds of ${perRound.toLocaleString('en')}: ${figures.join('  ')}`);
  }
}

// A checkpoint: header and payload in base64url, signed with Ed25519 (as gateway/integrity/keys.ts).
const { privateKey } = generateKeyPairSync('ed25519');
const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const signatures = 2000;
const figures: string[] = [];
for (let round = 0; round < rounds + 1; round++) {
  const before = threadUs();
  for (let i = 0; i < signatures; i++) {
    const input = `${encoded({ alg: 'EdDSA', kid: 'k'.repeat(43), typ: 'penghubung-checkpoint+jws' })}.${encoded({ log: 'traffic', chain: 'c', chain_seq: i, hash: 'ab'.repeat(32), at: new Date().toISOString() })}`;
    sign(null, Buffer.from(input), privateKey).toString('base64url');
  }
  if (round > 0) figures.push(((threadUs() - before) / signatures).toFixed(1));
}
console.log(`checkpoint JWS (Ed25519): µs CPU per checkpoint, rounds of ${signatures}: ${figures.join('  ')}`);
