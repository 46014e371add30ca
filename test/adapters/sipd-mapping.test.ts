import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import sipdAdapter from '../../adapters/sipd/adapter.ts';
import { SipdCallAuth } from '../../adapters/sipd/auth.ts';
import { redactProblem, redactValues } from '../../adapters/kit/redact.ts';
import { errorLines } from '../../adapters/sipd/errors.ts';
import { mappings } from '../../adapters/sipd/mapping.ts';
import type { PlanDoc, SipdSettings } from '../../adapters/sipd/types.ts';
import { Credentials, type AdapterCall, type UpstreamRequest, type UpstreamResponse } from '../../gateway/adapter-api/index.ts';
import { Problem } from '../../gateway/errors/problem.ts';
import { loadContractFile } from '../../gateway/registry/load-contracts.ts';
import { problemOf } from '../support/problems.ts';

const fixture = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../adapters/sipd/fixtures/${name}.json`, import.meta.url)), 'utf8')) as T;

interface CanonicalFixture { operation: string; params: Record<string, string>; query: Record<string, string>; settings: SipdSettings; body: unknown }
interface ResponseFixture { status: number; headers: Record<string, string>; body: unknown }

function callOf(canonical: CanonicalFixture, changes: Partial<CanonicalFixture> = {}): AdapterCall<SipdSettings> {
  const merged = { ...canonical, ...changes };
  return {
    requestId: 'req-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', contractId: 'sipd',
    operation: merged.operation, consumer: 'bappeda-perencanaan', params: merged.params, query: merged.query,
    body: merged.body ?? undefined, settings: merged.settings, timing: {},
  };
}

/** The request as a plain object, the JSON body parsed, for comparison with a golden fixture. */
function plain(request: UpstreamRequest): Record<string, unknown> {
  return { ...request, ...(request.body === undefined ? {} : { body: JSON.parse(String(request.body)) }) };
}

function response(status: number, body: unknown, raw = false): UpstreamResponse {
  return { status, headers: {}, body: Buffer.from(raw ? String(body) : JSON.stringify(body)) };
}

const pushCall = () => callOf(fixture<CanonicalFixture>('pushPlan.canonical-request'));
const rupCall = () => callOf(fixture<CanonicalFixture>('listRup.canonical-request'));
const push = mappings.pushPlan!;
const rup = mappings.listRup!;

describe('pushPlan golden fixtures', () => {
  it('maps the canonical PlanDoc to the SIPD push request, field names as SIPD lists them', () => {
    expect(plain(push.toUpstream(pushCall()))).toEqual(fixture('pushPlan.upstream-request'));
  });

  it('maps SIPD\'s code-200 answer without ERROR lines to the canonical receipt, empty log lines left out', () => {
    const answer = fixture<ResponseFixture>('pushPlan.upstream-response');
    expect(push.fromUpstream(response(answer.status, answer.body), pushCall())).toEqual(fixture('pushPlan.canonical-response'));
  });

  it('turns ERROR lines inside a code-200 answer into UPSTREAM_REJECTED with SIPD\'s words', () => {
    const answer = fixture<ResponseFixture>('pushPlan-rejected.upstream-response');
    const problem = problemOf(() => push.fromUpstream(response(answer.status, answer.body), pushCall()));
    expect({ status: problem.status, code: problem.code, ...problem.extensions }).toEqual(fixture('pushPlan-rejected.canonical-problem'));
  });

  it('sends each document kind to its own push_ endpoint and maps every status word', () => {
    for (const jenis of ['rpjmd', 'renstra', 'ranwal', 'mapping']) {
      expect(push.toUpstream(callOf(fixture('pushPlan.canonical-request'), { params: { jenis } })).path).toBe(`/run/serv/push_${jenis}`);
    }
    const doc = fixture<CanonicalFixture>('pushPlan.canonical-request').body as PlanDoc;
    doc.programs[0]!.indicators[0]!.status = 'cumulative';
    delete doc.official.rank;
    delete doc.regionCode;
    const body = JSON.parse(String(push.toUpstream(callOf(fixture('pushPlan.canonical-request'), { body: doc })).body)) as { pejabat: object; program: { indikator: { status: string }[] }[] };
    expect(body.program[0]!.indikator[0]!.status).toBe('komulatif');
    expect(body.pejabat).not.toHaveProperty('kepalapangkat');
  });

  it('refuses a document for another region before any upstream call', () => {
    const doc = { ...(fixture<CanonicalFixture>('pushPlan.canonical-request').body as PlanDoc), regionCode: '6201' };
    const problem = problemOf(() => push.toUpstream(callOf(fixture('pushPlan.canonical-request'), { body: doc })));
    expect(problem.code).toBe('CONTRACT_VALIDATION_FAILED');
    expect(problem.extensions).toEqual({ errors: [{ in: 'body', pointer: '/regionCode', message: expect.stringContaining('1499') }] });
  });
});

describe('SIPD push answers', () => {
  const failure = (status: number, body: unknown, raw = false) => problemOf(() => push.fromUpstream(response(status, body, raw), pushCall()));

  it('finds ERROR lines however SIPD spaces or cases them, and only those', () => {
    expect(errorLines(['x OK', 'ERROR: a', '  error : b', 'NO ERROR: here', 42, null])).toEqual(['ERROR: a', 'error : b']);
  });

  it('maps a refused key (HTTP 401, or code 401 inside HTTP 200) to UPSTREAM_AUTH_FAILED', () => {
    for (const problem of [failure(401, { code: 401, msg: 'Unauthorized', log: [] }), failure(200, { code: '403', msg: 'key salah', log: [] })]) {
      expect(problem.code).toBe('UPSTREAM_AUTH_FAILED');
      expect(problem.status).toBe(502);
      expect(problem.extensions.upstream).toMatchObject({ system: 'SIPD' });
    }
    expect(failure(401, '<html>401</html>', true).extensions.upstream).toEqual({ system: 'SIPD', code: '401' });
  });

  it('maps other codes: 400 rejected, 404 not found, 5xx unavailable', () => {
    expect(failure(200, { code: 400, msg: 'Format data tidak valid', log: [] })).toMatchObject({ code: 'UPSTREAM_REJECTED', extensions: { upstream: { system: 'SIPD', code: '400', message: 'Format data tidak valid' } } });
    expect(failure(200, { code: 404, msg: 'pemda tidak ditemukan' }).code).toBe('UPSTREAM_NOT_FOUND');
    const unavailable = failure(500, '<html>500 Internal Server Error</html>', true);
    expect(unavailable.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(unavailable.headers['retry-after']).toBe('5');
  });

  it('maps an unreadable answer to UPSTREAM_INVALID_RESPONSE', () => {
    expect(failure(200, '<br /><b>Warning</b>: mysqli_connect()', true).code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(failure(200, { msg: 'no code' }).code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(failure(200, [1, 2]).code).toBe('UPSTREAM_INVALID_RESPONSE');
  });
});

describe('listRup golden fixtures', () => {
  it('maps the canonical query to vSIRUP with the region from the settings and no token', () => {
    const request = rup.toUpstream(rupCall());
    expect(plain(request)).toEqual(fixture('listRup.upstream-request'));
    const withoutUnit = rup.toUpstream(callOf(fixture('listRup.canonical-request'), { query: { tahun: '2026' }, settings: { kodepemda: '1499', kodewil: '149900' } }));
    expect(withoutUnit.query).toEqual({ tahun: '2026', kodewil: '149900' });
  });

  it('maps vSIRUP rows to the canonical list (numeric strings read, text trimmed)', () => {
    const answer = fixture<ResponseFixture>('listRup.upstream-response');
    expect(rup.fromUpstream(response(answer.status, answer.body), rupCall())).toEqual(fixture('listRup.canonical-response'));
  });

  it('accepts SIPD\'s {code, data} envelope and maps its refusals', () => {
    const rows = fixture<ResponseFixture>('listRup.upstream-response').body;
    expect(rup.fromUpstream(response(200, { code: 200, msg: 'OK', data: rows }), rupCall())).toEqual(fixture('listRup.canonical-response'));
    expect(problemOf(() => rup.fromUpstream(response(200, { code: 401, msg: 'token tidak valid' }), rupCall())).code).toBe('UPSTREAM_AUTH_FAILED');
    expect(problemOf(() => rup.fromUpstream(response(200, [{ kd_rup: '1', nama_paket: 'x', pagu: 'banyak' }]), rupCall())).code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(problemOf(() => rup.fromUpstream(response(200, { code: 200, msg: 'OK' }), rupCall())).code).toBe('UPSTREAM_INVALID_RESPONSE');
  });
});

describe('SIPD credentials', () => {
  const credentials = new Credentials('sipd', { pushKey: 'env:SIPD_PUSH', apiToken: 'env:SIPD_TOKEN' }, { SIPD_PUSH: 'push-key-value-123', SIPD_TOKEN: 'api-token-value-456' });

  it('puts the push key in the authentication header and the API token in _apitoken, each only where it belongs', async () => {
    const auth = new SipdCallAuth(credentials);
    const pushed = await auth.authorize(push.toUpstream(pushCall()));
    expect(pushed.headers).toMatchObject({ authentication: 'Bearer push-key-value-123' });
    expect(pushed.headers).not.toHaveProperty('authorization');
    expect(pushed.query).not.toHaveProperty('_apitoken');
    const read = await auth.authorize(rup.toUpstream(rupCall()));
    expect(read.query).toEqual({ _apitoken: 'api-token-value-456', tahun: '2025', kodewil: '1499', kodeskpd: '1.01.0101' });
    expect(read.headers).not.toHaveProperty('authentication');
    expect(auth.revealed).toEqual(['push-key-value-123', 'api-token-value-456']);
  });

  it('fails a call with an unconfigured credential as UPSTREAM_AUTH_FAILED naming the setting, not the value', async () => {
    const partial = new Credentials('sipd', { pushKey: 'env:SIPD_PUSH' }, { SIPD_PUSH: 'push-key-value-123' });
    const error = await new SipdCallAuth(partial).authorize(rup.toUpstream(rupCall())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Problem);
    expect((error as Problem).code).toBe('UPSTREAM_AUTH_FAILED');
    expect(JSON.stringify((error as Problem).toDocument('r'))).toContain('upstreams.sipd.credentials.apiToken');
  });

  it('takes echoed secret values out of answers and problems', () => {
    expect(redactValues({ log: ['key push-key-value-123 OK'], n: 1 }, ['push-key-value-123'])).toEqual({ log: ['key [redacted] OK'], n: 1 });
    const echoed = new Problem('UPSTREAM_AUTH_FAILED', 'token api-token-value-456 refused', { upstream: { system: 'SIPD', message: '_apitoken api-token-value-456 tidak valid' } });
    const clean = redactProblem(echoed, ['api-token-value-456']) as Problem;
    expect(JSON.stringify(clean.toDocument('r'))).not.toContain('api-token-value-456');
    expect(clean.extensions.upstream).toEqual({ system: 'SIPD', message: '_apitoken [redacted] tidak valid' });
  });
});

describe('the SIPD contract', () => {
  const adapters = new Map([['sipd', { operations: sipdAdapter.operations, settingsSchema: sipdAdapter.settingsSchema! }]]);
  const contract = loadContractFile(fileURLToPath(new URL('../../contracts/sipd/sipd.yaml', import.meta.url)), adapters);

  it('loads against the adapter, and its examples are the golden fixtures', () => {
    expect(contract.operations.map((op) => op.id).sort()).toEqual([...sipdAdapter.operations].sort());
    const byId = Object.fromEntries(contract.operations.map((op) => [op.id, op]));
    expect(byId.pushPlan!.request!.example).toEqual(fixture<CanonicalFixture>('pushPlan.canonical-request').body);
    expect(byId.pushPlan!.response!.example).toEqual(fixture<ResponseFixture>('pushPlan.canonical-response').body);
    expect(byId.pushPlan!.scopes).toEqual(['sipd.write']);
    expect(byId.listRup!.scopes).toEqual(['sipd.read']);
    expect(byId.listRup!.response!.example).toEqual(fixture<ResponseFixture>('listRup.canonical-response').body);
    expect(contract.adapterSettings).toEqual({ kodepemda: '1499' });
    expect(contract.classification).toBe('terbatas');
  });

  it('refuses an adapter: block without a well-formed kode pemda', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipd-contract-'));
    cpSync(fileURLToPath(new URL('../../contracts/sipd/', import.meta.url)), dir, { recursive: true });
    const file = join(dir, 'sipd.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace("kodepemda: '1499'", "kodepemda: '14'"));
    try {
      expect(() => loadContractFile(file, adapters)).toThrow(/kodepemda/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
