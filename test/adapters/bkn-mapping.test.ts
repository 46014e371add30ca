// The BKN SIASN adapter's pure parts: golden fixtures both ways for every operation, the NIP
// check, dates, the answer and fault readers, the token endpoint resolution. No server.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AdapterCall, UpstreamResponse } from '../../gateway/adapter-api/index.ts';
import { isoFromSiasn, siasnFromIso } from '../../adapters/bkn/dates.ts';
import { readEnvelope, refusalOf, transportProblem, writeAnswer } from '../../adapters/bkn/errors.ts';
import { employeeLookup, readMappings, savePositionMapping, type PositionChange } from '../../adapters/bkn/mapping.ts';
import { checkNip } from '../../adapters/bkn/nip.ts';
import { tokenEndpoints, type BknSettings } from '../../adapters/bkn/settings.ts';
import { problemOf } from '../support/problems.ts';

const fixture = (operation: string, name: string) => JSON.parse(readFileSync(new URL(`../../adapters/bkn/fixtures/${operation}/${name}.json`, import.meta.url), 'utf8'));
const schemaExample = (file: string) => JSON.parse(readFileSync(new URL(`../../contracts/bkn/schemas/${file}`, import.meta.url), 'utf8')).examples[0];

const settings: BknSettings = { tokenUrl: 'https://apimws.bkn.go.id/oauth2/token', ssoTokenUrl: 'https://sso-siasn.bkn.go.id/auth/realms/public-siasn/protocol/openid-connect/token', ssoClientId: 'kuansingws' };
function call(operation: string, params: Record<string, string>, body?: unknown): AdapterCall<BknSettings> {
  return { requestId: 'req-1', traceparent: '00-0-0-01', contractId: 'bkn-siasn', operation, consumer: 'bkpsdm-simpeg', params, query: {}, body, settings, timing: {} };
}
function answer(status: number, body: unknown, type = 'application/json'): UpstreamResponse {
  return { status, headers: { 'content-type': type }, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) };
}
const fromFixture = (f: { status: number; headers: Record<string, string>; body: unknown }) => answer(f.status, f.body, f.headers['content-type']);

const schemaOf: Record<string, string> = { getEmployee: 'employee.json', listRankHistory: 'rank-history.json', listPositionHistory: 'position-history.json', listEducationHistory: 'education-history.json' };

describe('read operations against their golden fixtures', () => {
  for (const operation of Object.keys(readMappings)) {
    it(`${operation}: canonical -> SIASN request -> canonical answer, and the contract example is that answer`, () => {
      const mapping = readMappings[operation]!;
      const c = call(operation, fixture(operation, 'canonical-request').params);
      expect(mapping.toUpstream(c)).toEqual(fixture(operation, 'upstream-request'));
      const canonical = mapping.fromUpstream(fromFixture(fixture(operation, 'upstream-response')), c);
      expect(canonical).toEqual(fixture(operation, 'canonical-response'));
      expect(schemaExample(schemaOf[operation]!)).toEqual(fixture(operation, 'canonical-response').body);
    });
  }

  it('maps SIASN blanks ("", "-", null) to null and derives the pangkat of a bare golongan', () => {
    const data = { ...fixture('getEmployee', 'upstream-response').body.data, gelarBelakang: '-', tmtJabatan: '', tglLahir: null, pangkatAkhir: '', jenisJabatanId: '9', tahunLulus: '' };
    const { body } = readMappings.getEmployee!.fromUpstream(answer(200, { code: 1, data }), call('getEmployee', { nip: '198503152010011003' })) as { body: Record<string, unknown> };
    expect(body).toMatchObject({ backTitle: null, birthDate: null, rank: { code: 'III/c', name: 'Penata' }, position: { type: null, tmt: null }, education: { graduationYear: null } });
  });

  it('answers an empty history (data null) with no items', () => {
    const result = readMappings.listRankHistory!.fromUpstream(answer(200, { code: 1, data: null }), call('listRankHistory', { nip: '197708172005011004' }));
    expect(result).toEqual({ status: 200, body: { nip: '197708172005011004', items: [] } });
  });
});

describe('savePosition against its golden fixtures', () => {
  it('looks the employee up, maps the change to jabatan/save and the answer to a receipt', () => {
    const lookup = fixture('savePosition', 'employee-lookup');
    const change: PositionChange = fixture('savePosition', 'canonical-request').body;
    expect(employeeLookup.toUpstream(change.nip)).toEqual(lookup.request);
    expect(employeeLookup.fromUpstream(fromFixture(fixture('getEmployee', 'upstream-response')))).toEqual(lookup.employee);
    const request = savePositionMapping.toUpstream(change, lookup.employee);
    const expected = fixture('savePosition', 'upstream-request');
    expect({ ...request, body: JSON.parse(String(request.body)) }).toEqual(expected);
    expect(savePositionMapping.fromUpstream(fromFixture(fixture('savePosition', 'upstream-response')), change)).toEqual(fixture('savePosition', 'canonical-response'));
    expect(schemaExample('position-change.json')).toEqual(change);
    expect(schemaExample('position-change-receipt.json')).toEqual(fixture('savePosition', 'canonical-response').body);
  });

  it('sends the echelon for a struktural position and the position id for a pelaksana one, the others empty', () => {
    const employee = { pnsId: 'P', instansiId: 'I', satuanKerjaId: 'S' };
    const base = { nip: '199012242015032002', unitId: 'U', decree: { number: 'SK-1', date: '2024-01-02' }, tmt: '2024-02-01' };
    const struktural = JSON.parse(String(savePositionMapping.toUpstream({ ...base, type: 'struktural', echelonId: '41' }, employee).body));
    expect(struktural).toMatchObject({ jenisJabatan: '1', eselonId: '41', jabatanFungsionalId: '', jabatanFungsionalUmumId: '', tmtPelantikan: '' });
    const pelaksana = JSON.parse(String(savePositionMapping.toUpstream({ ...base, type: 'pelaksana', positionId: 'JFU', inaugurationDate: null }, employee).body));
    expect(pelaksana).toMatchObject({ jenisJabatan: '4', eselonId: '', jabatanFungsionalId: '', jabatanFungsionalUmumId: 'JFU', tmtJabatan: '01-02-2024' });
  });
});

describe('NIP check', () => {
  const today = new Date('2025-06-15T00:00:00Z');
  it('accepts a NIP whose birth date, TMT CPNS, gender and sequence are plausible', () => {
    expect(checkNip('198503152010011003', today)).toEqual({ valid: true, parts: { birthDate: '1985-03-15', cpnsTmt: '2010-01', gender: 'male', sequence: '003' } });
    expect(checkNip('199012242015032002', today)).toMatchObject({ valid: true, parts: { gender: 'female' } });
  });
  const refused: [string, string, RegExp][] = [
    ['17 digits', '19850315201001100', /18 digits/],
    ['a letter', '19850315201001100X', /18 digits/],
    ['30 February', '198502302010011003', /birth date/],
    ['birth month 13', '198513152010011003', /birth date/],
    ['born in the future', '202701012045011001', /future/],
    ['TMT month 00', '198503152010001003', /TMT CPNS/],
    ['TMT before age 18', '198503152002011003', /turned 18/],
    ['TMT in the future', '198503152025071003', /future/],
    ['gender 3', '198503152010013003', /gender/],
    ['sequence 000', '198503152010011000', /sequence/],
  ];
  for (const [what, nip, reason] of refused) {
    it(`refuses ${what}`, () => {
      const check = checkNip(nip, today);
      expect(check.valid).toBe(false);
      expect(check.valid ? '' : check.reason).toMatch(reason);
    });
  }

  it('is checked by every read mapping before a request exists: CONTRACT_VALIDATION_FAILED on /nip', () => {
    for (const mapping of Object.values(readMappings)) {
      const problem = problemOf(() => mapping.toUpstream(call('x', { nip: '198513152010011003' })));
      expect(problem.code).toBe('CONTRACT_VALIDATION_FAILED');
      expect(problem.extensions.errors).toEqual([{ in: 'path', pointer: '/nip', message: expect.stringMatching(/birth date/) }]);
    }
  });
});

describe('dates', () => {
  it('turns dd-mm-yyyy into ISO, blanks into null, and refuses what is not a real date', () => {
    expect(isoFromSiasn('01-04-2018', 'tmt')).toBe('2018-04-01');
    expect(isoFromSiasn('2018-04-01', 'tmt')).toBe('2018-04-01');
    for (const blank of ['', ' ', '-', null, undefined]) expect(isoFromSiasn(blank, 'tmt')).toBeNull();
    for (const bad of ['31-02-2020', '2020/01/01', '1-4-2018', 12]) expect(problemOf(() => isoFromSiasn(bad, 'tmt')).code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(siasnFromIso('2024-07-01')).toBe('01-07-2024');
  });
});

describe('SIASN answers and faults', () => {
  it('reads code 1 envelopes; any other code is UPSTREAM_NOT_FOUND with SIASN code and words', () => {
    expect(readEnvelope(answer(200, { code: 1, data: { a: 1 } }))).toEqual({ a: 1 });
    const problem = problemOf(() => readEnvelope(answer(200, { code: 0, data: 'Data tidak ditemukan' })));
    expect(problem).toMatchObject({ code: 'UPSTREAM_NOT_FOUND', status: 404, extensions: { upstream: { system: 'BKN SIASN', code: '0', message: 'Data tidak ditemukan' } } });
  });

  it('reads write answers; success false is UPSTREAM_REJECTED with SIASN message', () => {
    expect(writeAnswer(answer(200, { success: true, message: 'success', mapData: { rwJabatanId: 'x' } }))).toEqual({ message: 'success', mapData: { rwJabatanId: 'x' } });
    expect(problemOf(() => writeAnswer(answer(200, { success: false, message: 'unor tidak ditemukan', mapData: null })))).toMatchObject({
      code: 'UPSTREAM_REJECTED', status: 422, extensions: { upstream: { system: 'BKN SIASN', message: 'unor tidak ditemukan' } },
    });
  });

  it('tells which token a refusal is about: WSO2 900901/900902 the API Manager token, "invalid or expired jwt" the SSO token', () => {
    expect(refusalOf(answer(401, { code: '900901', message: 'Invalid Credentials', description: '...' }))).toBe('gateway');
    expect(refusalOf(answer(401, { fault: { code: 900902, message: 'Missing Credentials' } }))).toBe('gateway');
    expect(refusalOf(answer(401, { message: 'invalid or expired jwt' }))).toBe('sso');
    expect(refusalOf(answer(200, { code: 0, data: 'Token SSO mismatch' }))).toBe('sso');
    expect(refusalOf(answer(403, { code: '900908', message: 'Resource forbidden' }))).toBeNull();
    expect(refusalOf(answer(200, { code: 0, data: 'Data tidak ditemukan' }))).toBeNull();
  });

  it('maps a refusal that persists to UPSTREAM_AUTH_FAILED with the WSO2 or SSO code and message', () => {
    expect(transportProblem(answer(401, { code: '900901', message: 'Invalid Credentials' }))).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', extensions: { upstream: { system: 'BKN SIASN', code: '900901', message: 'Invalid Credentials' } } });
    expect(transportProblem(answer(401, { message: 'invalid or expired jwt' }))).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', extensions: { upstream: { code: '401', message: 'invalid or expired jwt' } } });
  });

  it('maps BKN failures: 5xx and throttling UPSTREAM_UNAVAILABLE, HTML or garbage UPSTREAM_INVALID_RESPONSE', () => {
    expect(transportProblem(answer(503, { code: '101503', message: 'Runtime Error' }))?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(transportProblem(answer(429, { code: '900800', message: 'Message throttled out' }))?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(problemOf(() => readEnvelope(answer(200, '<html><body>Maintenance</body></html>', 'text/html'))).code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(problemOf(() => readEnvelope(answer(200, 'not json', 'application/json'))).code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(problemOf(() => readEnvelope(answer(200, { data: {} }))).code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(problemOf(() => readMappings.listRankHistory!.fromUpstream(answer(200, { code: 1, data: 'x' }), call('listRankHistory', { nip: '198503152010011003' }))).code).toBe('UPSTREAM_INVALID_RESPONSE');
  });
});

describe('token endpoints', () => {
  it('uses the absolute URLs on bkn.go.id, and their paths on any other upstream origin', () => {
    expect(tokenEndpoints(settings, new URL('https://apimws.bkn.go.id:8243/apisiasn/1.0'))).toEqual({ tokenUrl: settings.tokenUrl, ssoTokenUrl: settings.ssoTokenUrl });
    expect(tokenEndpoints(settings, new URL('http://127.0.0.1:9101/apisiasn/1.0'))).toEqual({
      tokenUrl: 'http://127.0.0.1:9101/oauth2/token',
      ssoTokenUrl: 'http://127.0.0.1:9101/auth/realms/public-siasn/protocol/openid-connect/token',
    });
    const training = { ...settings, tokenUrl: 'https://training-apimws.bkn.go.id/oauth2/token', ssoTokenUrl: '/sso/token' };
    expect(tokenEndpoints(training, new URL('https://training-apimws.bkn.go.id:8243/apisiasn/1.0'))).toEqual({
      tokenUrl: 'https://training-apimws.bkn.go.id/oauth2/token',
      ssoTokenUrl: 'https://training-apimws.bkn.go.id:8243/sso/token',
    });
  });
});
