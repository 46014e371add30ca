import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { semanticErrors, type LegalDocument } from '../../adapters/jdihn/legal-document.ts';
import { renderFeed, toJdihnRecord, type JdihnRecord } from '../../adapters/jdihn/mapping.ts';
import { checkFeed } from '../../adapters/jdihn/simulator.ts';
import { createSchemaCompiler } from '../../gateway/registry/schema-compiler.ts';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as T;
const fixture = <T>(name: string) => readJson<T>(`../../adapters/jdihn/fixtures/${name}.json`);

const perbup = fixture<LegalDocument>('perbup.canonical');
const monografi = fixture<LegalDocument>('monografi.canonical');
const validateCanonical = createSchemaCompiler().compile(readJson<object>('../../contracts/jdihn/schemas/legal-document.json'));

describe('JDIHN mapping: canonical LegalDocument -> JDIHN feed record', () => {
  it.each([
    ['a regulation (Perbup): library fields are "-"', 'perbup'],
    ['a non-regulation document (monograph): regulation-only fields are "-"', 'monografi'],
  ])('maps %s exactly as the golden fixture, in JDIHN field order', (_name, name) => {
    const record = toJdihnRecord(fixture<LegalDocument>(`${name}.canonical`));
    const golden = fixture<JdihnRecord>(`${name}.jdihn`);
    expect(record).toEqual(golden);
    expect(Object.keys(record)).toEqual(Object.keys(golden));
  });

  it('gives golden records that pass the JDIHN record format, and canonical fixtures that pass the contract schema', () => {
    expect(checkFeed([fixture('perbup.jdihn'), fixture('monografi.jdihn')]).problems).toEqual([]);
    for (const document of [perbup, monografi]) {
      expect(validateCanonical(document), JSON.stringify(validateCanonical.errors)).toBe(true);
      expect(semanticErrors(document)).toEqual([]);
    }
  });

  it('writes status and several subjects the JDIHN way', () => {
    const record = toJdihnRecord({ ...perbup, status: 'tidak-berlaku', subjects: ['A', 'B', 'C'] });
    expect(record.status).toBe('Tidak Berlaku');
    expect(record.subjek).toBe('A - B - C');
    expect(record.operasi).toBe('4');
    expect(record.display).toBe('1');
  });

  it('renders the feed as a bare JSON array', () => {
    const feed = JSON.parse(renderFeed([perbup, monografi]).toString('utf8')) as JdihnRecord[];
    expect(Array.isArray(feed)).toBe(true);
    expect(feed.map((record) => record.idData)).toEqual(['perbup-2020-33', 'monografi-2023-1']);
    expect(renderFeed([]).toString()).toBe('[]');
  });
});

describe('LegalDocument rules', () => {
  it('requires number and enactedOn of a regulation, not of a document with library fields', () => {
    const { number: _number, enactedOn: _enactedOn, ...bare } = perbup;
    expect(validateCanonical(bare)).toBe(false);
    expect(validateCanonical.errors!.map((e) => e.params)).toEqual(expect.arrayContaining([{ missingProperty: 'number' }, { missingProperty: 'enactedOn' }]));
    expect(validateCanonical({ ...bare, library: { publisher: 'Bagian Hukum' } })).toBe(true);
  });

  it('refuses a subject that would be split by the feed separator', () => {
    expect(validateCanonical({ ...perbup, subjects: ['A - B'] })).toBe(false);
  });

  it('checks what the schema cannot: dates in order, year of promulgation, id of the path', () => {
    const errors = semanticErrors({ ...perbup, enactedOn: '2020-08-01', promulgatedOn: '2020-07-29', year: 2021 }, 'perbup-2020-34');
    expect(errors).toEqual([
      { in: 'body', pointer: '/id', message: 'must equal the id in the path (perbup-2020-34)' },
      { in: 'body', pointer: '/promulgatedOn', message: 'must not be before enactedOn (2020-08-01)' },
      { in: 'body', pointer: '/year', message: 'must be the year of promulgatedOn (2020)' },
    ]);
  });
});

describe('the harvester\'s format check', () => {
  const good = fixture<JdihnRecord>('perbup.jdihn');

  it('lists every broken record with its position, id and field', () => {
    const { display: _display, ...withoutDisplay } = good;
    const checked = checkFeed([
      good,
      { ...good, idData: 'x-2', operasi: 4 },
      { ...withoutDisplay, idData: 'x-3' },
      { ...good, idData: 'x-4', tahun_pengundangan: '2019' },
      { ...good, status: 'berlaku' },
    ]);
    expect(checked.records).toBe(5);
    expect(checked.valid.map((r) => r.idData)).toEqual(['perbup-2020-33']);
    expect(checked.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ index: 1, idData: 'x-2', pointer: '/operasi' }),
      expect.objectContaining({ index: 2, idData: 'x-3', pointer: '/display' }),
      { index: 3, idData: 'x-4', pointer: '/tahun_pengundangan', message: 'must be the year of tanggal_pengundangan' },
      expect.objectContaining({ index: 4, pointer: '/status' }),
      { index: 4, idData: 'perbup-2020-33', pointer: '/idData', message: 'appears more than once in the feed' },
    ]));
  });

  it('refuses a feed that is not a bare array', () => {
    expect(checkFeed({ status: true, data: [good] }).problems).toEqual([{ pointer: '/', message: 'the feed must be a bare JSON array of records' }]);
  });
});
