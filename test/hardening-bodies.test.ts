import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../gateway/pipeline/body.ts';
import { createSchemaCompiler } from '../gateway/registry/schema-compiler.ts';
import { problemOf } from './support/problems.ts';
import { type Harness, letter, sandboxContracts, startHarness } from './support/harness.ts';

/**
 * Issue 23, item 5: JSON bodies built to hurt (very many values, deep nesting, long strings,
 * duplicate keys) are refused fast with a problem+json, before JSON.parse and ajv build anything
 * big, and while they arrive ordinary callers are not held up.
 */

const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** `count` distinct three-letter keys: the most properties under the 1 MiB body limit. */
function manyProperties(count: number): string {
  const keys = Array.from({ length: count }, (_, i) => `"${alphabet[i % 62]}${alphabet[Math.floor(i / 62) % 62]}${alphabet[Math.floor(i / 3844) % 62]}":0`);
  return `{${keys.join(',')}}`;
}

const hostile = {
  // 130 000 properties in 1 MB: answered 500 (a RangeError) before, after ~200 ms of one core.
  manyProperties: manyProperties(130_000),
  bigArray: `{"nomor":[${Array.from({ length: 300_000 }, () => '0').join(',')}]}`,
  deep: `{"pengirim":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
  longString: JSON.stringify({ ...letter, perihal: 'x'.repeat(900_000) }),
  longName: JSON.stringify({ ...letter, ['k'.repeat(900_000)]: 1 }),
  longNumber: `{"lampiran":1${'0'.repeat(900_000)}}`,
};

/** Posts `bodies` at once, `rounds` times, and reports each answer's status, code and time. */
const attackerScript = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, token, rounds, bodies } = workerData;
(async () => {
  const results = [];
  for (let round = 0; round < rounds; round++) {
    results.push(...await Promise.all(bodies.map(async (body) => {
      const started = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body });
      const answer = await res.json();
      return { status: res.status, ms: performance.now() - started, code: answer.code };
    })));
  }
  parentPort.postMessage(results);
})();
`;

describe('parseJson refuses structures past its limits, before parsing them', () => {
  const nested = (depth: number) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);

  it('nesting: 32 levels are read, 33 are refused with the pointer where it went too deep', () => {
    expect(parseJson(nested(32))).toBeDefined();
    const problem = problemOf(() => parseJson(nested(33)));
    expect(problem.code).toBe('JSON_TOO_COMPLEX');
    expect(problem.status).toBe(400);
    expect(problem.extensions).toMatchObject({ limit: 'maxDepth', max: 32, pointer: `/${Array(32).fill('0').join('/')}` });
    const inObject = problemOf(() => parseJson(Buffer.from(`{"a":{"b":${'['.repeat(40)}${']'.repeat(40)}}}`)));
    expect(inObject.extensions).toMatchObject({ limit: 'maxDepth', pointer: `/a/b/${Array(30).fill('0').join('/')}` });
  });

  it('values: 10 000 in the whole document are read (properties and elements together), 10 001 are refused', () => {
    // The document itself, an array of 4 999 objects each with one property: 1 + 4 999 * 2 = 9 999, plus one more.
    const within = `[${Array.from({ length: 4_999 }, () => '{"a":1}').join(',')},2]`;
    expect((parseJson(Buffer.from(within)) as unknown[]).length).toBe(5_000);
    const over = `[${Array.from({ length: 4_999 }, () => '{"a":1}').join(',')},2,3]`;
    expect(problemOf(() => parseJson(Buffer.from(over))).extensions).toMatchObject({ limit: 'maxValues', max: 10_000, pointer: '/5000' });
  });

  it('strings: 65 536 bytes as sent are read, one more is refused; property names beyond 1 024 bytes, numbers beyond 100 characters too', () => {
    expect(parseJson(Buffer.from(JSON.stringify({ s: 'é'.repeat(32_768) })))).toEqual({ s: 'é'.repeat(32_768) });
    expect(problemOf(() => parseJson(Buffer.from(JSON.stringify({ a: [1, { s: 'x'.repeat(65_537) }] })))).extensions).toMatchObject({ limit: 'maxStringBytes', max: 65_536, pointer: '/a/1/s' });
    expect(parseJson(Buffer.from(JSON.stringify({ ['n'.repeat(1_024)]: 1 })))).toEqual({ ['n'.repeat(1_024)]: 1 });
    expect(problemOf(() => parseJson(Buffer.from(JSON.stringify({ ['n'.repeat(1_025)]: 1 })))).extensions).toMatchObject({ limit: 'maxNameBytes', max: 1_024 });
    expect(parseJson(Buffer.from(`[-1.${'5'.repeat(95)}e3]`))).toHaveLength(1);
    expect(problemOf(() => parseJson(Buffer.from(`{"x":[1${'0'.repeat(100)}]}`))).extensions).toMatchObject({ limit: 'maxNumberBytes', max: 100, pointer: '/x/0' });
  });

  it('a duplicate property name is refused, also when spelled with escapes, with the object and the name', () => {
    const duplicate = problemOf(() => parseJson(Buffer.from('{"a":1,"b":{"c":1,"d":2,"c":3}}')));
    expect(duplicate.code).toBe('JSON_DUPLICATE_KEY');
    expect(duplicate.status).toBe(400);
    expect(duplicate.extensions).toEqual({ pointer: '/b', name: 'c' });
    expect(problemOf(() => parseJson(Buffer.from('{"nomor":"1","nom\\u006fr":"2"}'))).extensions).toEqual({ pointer: '', name: 'nomor' });
    expect(problemOf(() => parseJson(Buffer.from('[{"a":1},{"x/y~":1,"x/y~":2}]'))).extensions).toEqual({ pointer: '/1', name: 'x/y~' });
    // Same names in different objects, a value equal to a name, names that differ only in case: all fine.
    expect(parseJson(Buffer.from('{"a":{"a":"a"},"b":[{"a":1},{"a":2}],"A":0}'))).toEqual({ a: { a: 'a' }, b: [{ a: 1 }, { a: 2 }], A: 0 });
  });

  it('reads what JSON.parse reads: escapes, quotes and brackets inside strings do not confuse the scan', () => {
    const documents = [
      '{"a":"x\\"y","b":"\\\\","c":"\\\\\\"","d":"[{,:}]","e":"\\u005b"}',
      ' [ 1 , -2.5e+3 , true , false , null , "" , { } , [ ] ] ',
      '"top"', '17', 'null',
      JSON.stringify({ ...letter, catatan: 'baris\nbaru "kutip" \\ {tidak} [struktur]', 'kunci "aneh"': { '': [] } }),
    ];
    for (const text of documents) expect(parseJson(Buffer.from(text))).toEqual(JSON.parse(text));
  });

  it('MALFORMED_JSON for a body that is not UTF-8 (the gateway would validate one text and forward another)', () => {
    const body = Buffer.concat([Buffer.from('{"perihal":"Undangan '), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(problemOf(() => parseJson(body)).code).toBe('MALFORMED_JSON');
    expect(problemOf(() => parseJson(Buffer.from('{"a":'))).code).toBe('MALFORMED_JSON');
  });

  it('refuses each hostile body of about 1 MB within a few milliseconds', () => {
    for (const [name, text] of Object.entries(hostile)) {
      const body = Buffer.from(text);
      const started = performance.now();
      const problem = problemOf(() => parseJson(body));
      const ms = performance.now() - started;
      expect(problem.code, name).toBe('JSON_TOO_COMPLEX');
      expect(ms, name).toBeLessThan(50);
    }
  });
});

describe('contract schemas on bodies within the limits', () => {
  it('uniqueItems takes one pass, not one per pair of items (ajv runs it under allErrors even past maxItems)', () => {
    const validate = createSchemaCompiler().compile({ type: 'object', properties: { tags: { type: 'array', maxItems: 20, uniqueItems: true } } });
    const distinct = { tags: Array.from({ length: 9_000 }, (_, i) => ({ kode: i })) };
    const started = performance.now();
    expect(validate(distinct)).toBe(false);
    const ms = performance.now() - started;
    expect(validate.errors!.map((e) => e.keyword)).toEqual(['maxItems']);
    expect(ms).toBeLessThan(150);
    // Equal as JSON values, whatever the order of members: duplicates.
    expect(validate({ tags: [{ a: 1, b: [1, 2] }, 'x', { b: [1, 2], a: 1 }] })).toBe(false);
    expect(validate.errors).toMatchObject([{ keyword: 'uniqueItems', instancePath: '/tags', message: 'must NOT have duplicate items (items ## 0 and 2 are identical)' }]);
    expect(validate({ tags: [1, '1', [1], { a: 1 }, { a: '1' }, null, true] })).toBe(true);
  });
});

describe('hostile JSON bodies at the gateway', () => {
  let h: Harness;
  let writer: string;
  let reader: string;

  beforeAll(async () => {
    h = await startHarness({ contractDirs: [sandboxContracts] });
    writer = await h.token('app-writer');
    reader = await h.token('app-reader');
  });
  afterAll(async () => {
    await h?.close();
  });

  async function post(body: string | Buffer): Promise<{ status: number; ms: number; type: string; text: string; json: Record<string, unknown> }> {
    const started = performance.now();
    const res = await fetch(`${h.url}/sandbox/v1/surat`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body });
    const text = await res.text();
    const ms = performance.now() - started;
    return { status: res.status, ms, type: res.headers.get('content-type') ?? '', text, json: JSON.parse(text) as Record<string, unknown> };
  }

  async function ordinary(): Promise<number> {
    const started = performance.now();
    const res = await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${reader}` } });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    return performance.now() - started;
  }

  it('each is refused 400 JSON_TOO_COMPLEX, not 500, and nothing reaches the upstream', async () => {
    const hits = h.upstream.hits;
    for (const [name, body] of Object.entries(hostile)) {
      const res = await post(body);
      expect(res.status, `${name}: ${res.text.slice(0, 300)}`).toBe(400);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(res.json.code, name).toBe('JSON_TOO_COMPLEX');
    }
    expect(h.upstream.hits).toBe(hits);
  });

  it('the list of validation errors is capped at 20, and the answer says how many were left out', async () => {
    const extra = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`extra${i}`, i]));
    const res = await post(JSON.stringify({ ...letter, tanggal: 'kemarin', ...extra }));
    expect(res.status).toBe(422);
    expect(res.json.code).toBe('CONTRACT_VALIDATION_FAILED');
    expect(res.json.errors).toHaveLength(20);
    expect(res.json.errorsOmitted).toBe(3_001 - 20);
    expect(res.json.detail).toContain('3001 errors');
    expect(res.text.length).toBeLessThan(8_000);
    // A short list is whole, without the member.
    const few = await post(JSON.stringify({ ...letter, sifat: 'kilat' }));
    expect(few.status).toBe(422);
    expect(few.json.errors).toHaveLength(1);
    expect(few.json).not.toHaveProperty('errorsOmitted');
  });

  it('a body naming a property twice is refused 400 JSON_DUPLICATE_KEY (validated on one value, forwarded with both)', async () => {
    const hits = h.upstream.hits;
    // JSON.parse keeps the last value, which is valid; an upstream parser keeping the first would see 12345.
    const text = JSON.stringify(letter).replace('{', '{"sifat":12345,');
    const res = await post(text);
    expect(res.status, res.text).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.json).toMatchObject({ code: 'JSON_DUPLICATE_KEY', pointer: '', name: 'sifat' });
    const nested = await post(JSON.stringify(letter).replace('"pengirim":{', '"pengirim":{"email":"x@evil.example",'));
    expect(nested.json).toMatchObject({ code: 'JSON_DUPLICATE_KEY', pointer: '/pengirim', name: 'email' });
    expect(h.upstream.hits).toBe(hits);
    // The same letter without the duplicate goes through.
    expect((await post(JSON.stringify(letter))).status).toBe(201);
  });

  it('while hostile bodies arrive, ordinary calls are not held up and the hostile ones are refused fast', async () => {
    for (let i = 0; i < 5; i++) await ordinary(); // warm: connections, token cache, compiled code
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) baseline.push(await ordinary());

    // The attacker runs in a thread of its own, so that sending its megabytes does not count
    // against the ordinary caller, which shares this thread with the gateway.
    const attacker = new Worker(attackerScript, {
      eval: true,
      workerData: { url: `${h.url}/sandbox/v1/surat`, token: writer, rounds: 3, bodies: [hostile.manyProperties, hostile.bigArray, hostile.manyProperties, hostile.deep, hostile.manyProperties, hostile.longString, hostile.manyProperties, hostile.longName] },
    });
    let attacking = true;
    const attack = new Promise<{ status: number; ms: number; code: unknown }[]>((resolve, reject) => {
      attacker.once('message', (results: { status: number; ms: number; code: unknown }[]) => {
        attacking = false;
        resolve(results);
      });
      attacker.once('error', (error: Error) => {
        attacking = false;
        reject(error);
      });
    });
    await new Promise<void>((resolve) => attacker.once('online', () => resolve()));
    const underAttack: number[] = [];
    while (attacking) underAttack.push(await ordinary());
    const results = await attack;
    await attacker.terminate();

    const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))]!;
    const median = (values: number[]) => quantile(values, 0.5);
    const slowestHostile = Math.max(...results.map((r) => r.ms));
    console.log(`ordinary calls: median ${median(baseline).toFixed(1)} ms alone; under attack ${underAttack.length} calls, median ${median(underAttack).toFixed(1)} ms, p90 ${quantile(underAttack, 0.9).toFixed(1)} ms, max ${Math.max(...underAttack).toFixed(1)} ms; ${results.length} hostile bodies refused in ${Math.min(...results.map((r) => r.ms)).toFixed(1)}-${slowestHostile.toFixed(1)} ms`);
    // Refused, never answered 500 (the fault this class fixes). The aim of ~100 ms of delay at most
    // is measured (the line above; figures in the note), not a timed test: on two shared
    // cores a busy neighbour moves it. The bounds below only catch the fault's own scale (before
    // the JSON limits, bodies like these held every caller for seconds).
    for (const result of results) expect(result).toMatchObject({ status: 400, code: 'JSON_TOO_COMPLEX' });
    expect(Math.max(...underAttack)).toBeLessThan(median(baseline) + 2000);
    expect(slowestHostile).toBeLessThan(2000);
  });
});
