// The LAPOR! wire format and mapping, pure: golden fixtures both ways, escaping, anonymity,
// refusals. No server.
import { readFileSync } from 'node:fs';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { AdapterCall, UpstreamResponse } from '../../gateway/adapter-api/index.ts';
import type { Complaint } from '../../adapters/lapor/canonical.ts';
import { masked, redact } from '../../adapters/lapor/errors.ts';
import { mappings } from '../../adapters/lapor/mapping.ts';
import { addStreamDocument, paths, readStatusAnswer, statusDocument, wibToIso } from '../../adapters/lapor/wire.ts';
import { attribute, child, parseXml, text } from '../../adapters/lapor/xml.ts';
import { problemOf } from '../support/problems.ts';

const fixture = (name: string) => readFileSync(new URL(`../../adapters/lapor/fixtures/${name}`, import.meta.url), 'utf8');
/** Golden files end with one newline for the editor's sake; the wire has none. */
const golden = (name: string) => fixture(name).replace(/\n$/, '');
const json = <T = unknown>(name: string) => JSON.parse(fixture(name)) as T;

const token = '{6F9619FF-8B86-D011-B42D-00C04FC964FF}';

function call(operation: string, init: { body?: unknown; params?: Record<string, string> } = {}): AdapterCall {
  return {
    requestId: 'req-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', contractId: 'sp4n-lapor', operation, consumer: 'inspektorat-pengaduan',
    params: init.params ?? {}, query: {}, body: init.body, settings: {}, timing: {},
  };
}

function answer(status: number, body: string, contentType = 'text/xml; charset=UTF-8'): UpstreamResponse {
  return { status, headers: { 'content-type': contentType }, body: Buffer.from(body) };
}

describe('LAPOR! wire format: golden fixtures, canonical to LAPOR!', () => {
  it('builds the published addstream request byte for byte from a canonical complaint', () => {
    const complaint = json<Complaint>('submit-complaint.canonical-request.json');
    const request = mappings.submitComplaint.toUpstream(call('submitComplaint', { body: complaint }), token);
    expect(request).toEqual({
      method: 'POST',
      path: '/api/stream/addstream',
      headers: { 'content-type': 'text/xml; charset=UTF-8', accept: 'text/xml, application/xml' },
      body: golden('submit-complaint.upstream-request.xml'),
    });
    expect(XMLValidator.validate(request.body)).toBe(true);
  });

  it('sends an anonymous complaint with an empty <pelapor>, even when the application gave an identity', () => {
    const complaint = json<Complaint>('submit-anonymous.canonical-request.json');
    const xml = addStreamDocument(complaint, token);
    expect(xml).toBe(golden('submit-anonymous.upstream-request.xml'));
    expect(xml).toContain('<pelapor><email/><telpon/><namadepan/><namabelakang/></pelapor><laporan rahasia="1" anonim="1">');
    for (const value of Object.values(complaint.reporter!)) expect(xml).not.toContain(value);
  });

  it('gives a named reporter without a last name `_`, as the public client does', () => {
    const complaint: Complaint = { title: 'Sampah menumpuk', body: 'Sampah di pasar tidak diangkut seminggu.', category: '1', anonymous: false, confidential: false, reporter: { firstName: 'Budi', phone: '081211112222' } };
    const pelapor = child(parse(addStreamDocument(complaint, token)), 'pelapor');
    expect({ namadepan: text(pelapor, 'namadepan'), namabelakang: text(pelapor, 'namabelakang'), email: text(pelapor, 'email'), telpon: text(pelapor, 'telpon') })
      .toEqual({ namadepan: 'Budi', namabelakang: '_', email: '', telpon: '081211112222' });
  });

  it('escapes <, &, quotes in text and in the token attribute, and every script comes back byte-exact', () => {
    const tricky = 'a < b && c > d "kutip" \'apostrof\' ]]> <![CDATA[x]]> &amp; &#60; ꦗꦮ ꦲꦏ꧀ꦱꦫ · العربية · 中文 · 🇮🇩\nbaris kedua\ttab';
    const oddToken = '{A&B"<C>\'D}';
    const complaint: Complaint = { title: `Judul ${tricky.split('\n')[0]!}`, body: tricky, category: '13', anonymous: false, confidential: true, reporter: { firstName: 'ꦱꦸꦫꦺꦴ', lastName: 'محمد 王', email: 'a.b@example.id' }, incident: { location: 'Gang "Mawar" & <Melati>' } };
    const xml = addStreamDocument(complaint, oddToken);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toContain('a < b');
    expect(xml).toContain('a &lt; b &amp;&amp; c &gt; d &quot;kutip&quot; &apos;apostrof&apos; ]]&gt; &lt;![CDATA[x]]&gt; &amp;amp; &amp;#60;');
    const root = parse(xml);
    const laporan = child(root, 'laporan');
    expect(attribute(root, 'token')).toBe(oddToken);
    expect(Buffer.from(text(laporan, 'isi')!).equals(Buffer.from(tricky))).toBe(true);
    expect(text(laporan, 'judul')).toBe(complaint.title);
    expect(text(laporan, 'lokasikejadian')).toBe('Gang "Mawar" & <Melati>');
    expect(text(child(root, 'pelapor'), 'namadepan')).toBe('ꦱꦸꦫꦺꦴ');
    expect(text(child(root, 'pelapor'), 'namabelakang')).toBe('محمد 王');
  });

  it('builds the (assumed) status request and the gettopics request with KEYTOKEN', () => {
    expect(mappings.getComplaint.toUpstream(call('getComplaint', { params: { trackingId: '4512001' } }), token))
      .toMatchObject({ method: 'POST', path: paths.getStatus, body: golden('get-complaint.upstream-request.xml') });
    expect(mappings.listCategories.toUpstream(call('listCategories'), token))
      .toEqual({ method: 'POST', path: '/api/services/f01/gettopics', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: golden('list-categories.upstream-request.txt') });
  });
});

describe('LAPOR! wire format: golden fixtures, LAPOR! to canonical', () => {
  it('reads the addstream answer into a receipt', () => {
    const complaint = json('submit-complaint.canonical-request.json');
    const result = mappings.submitComplaint.fromUpstream(answer(200, fixture('submit-complaint.upstream-response.xml')), call('submitComplaint', { body: complaint }), token);
    expect(result.status).toBe(201);
    expect(result.body).toEqual(json('submit-complaint.canonical-response.json'));
    expect(result.headers).toEqual({ location: '/lapor/v1/laporan/4512001' });
  });

  it('reads a status answer: WIB times, follow-ups oldest first, entities and numeric references decoded', () => {
    const result = mappings.getComplaint.fromUpstream(answer(200, fixture('get-complaint.upstream-response.xml')), call('getComplaint', { params: { trackingId: '4512001' } }), token);
    expect(result).toEqual({ status: 200, body: json('get-complaint.canonical-response.json') });
  });

  it('reads a status answer without follow-ups', () => {
    const xml = '<lapor><trackingid>4512009</trackingid><status>belum_terverifikasi</status><diperbarui>2026-03-02 08:00:00</diperbarui><tindaklanjut/></lapor>';
    expect(readStatusAnswer(200, Buffer.from(xml))).toEqual({ kind: 'ok', value: { trackingId: '4512009', status: 'SUBMITTED', updatedAt: '2026-03-02T08:00:00+07:00', followUps: [] } });
  });

  it('reads the published gettopics answer (ids as strings or numbers, parent 0 at the top)', () => {
    const result = mappings.listCategories.fromUpstream(answer(200, fixture('list-categories.upstream-response.json'), 'application/json'), call('listCategories'), token);
    expect(result).toEqual({ status: 200, body: json('list-categories.canonical-response.json') });
  });

  it('converts LAPOR! times to ISO 8601 and refuses what is not a time', () => {
    expect(wibToIso('2026-03-02 08:00:00')).toBe('2026-03-02T08:00:00+07:00');
    expect(wibToIso('2026-03-02T01:00:00Z')).toBe('2026-03-02T01:00:00Z');
    expect(wibToIso('02/03/2026')).toBeUndefined();
    expect(wibToIso('2026-13-45 99:00:00')).toBeUndefined();
  });
});

describe('LAPOR! refusals and unreadable answers', () => {
  const complaint = json<Complaint>('submit-complaint.canonical-request.json');
  const submit = (response: UpstreamResponse) => problemOf(() => mappings.submitComplaint.fromUpstream(response, call('submitComplaint', { body: complaint }), token));
  const refusal = (kode: string, pesan: string) => `<?xml version="1.0"?><lapor><error><kode>${kode}</kode><pesan>${pesan}</pesan></error></lapor>`;

  it('an invalid token is UPSTREAM_AUTH_FAILED, with LAPOR!\'s code and the token masked in its message', () => {
    const problem = submit(answer(401, refusal('TOKEN_TIDAK_VALID', `Token ${token} tidak terdaftar`)));
    expect(problem.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(problem.extensions).toEqual({ upstream: { system: 'SP4N-LAPOR!', code: 'TOKEN_TIDAK_VALID', message: `Token ${masked} tidak terdaftar` } });
    expect(JSON.stringify(problem.toDocument('r'))).not.toContain(token);
  });

  it('a refused complaint is UPSTREAM_REJECTED; a message quoting the identity or the text has them masked', () => {
    expect(submit(answer(400, refusal('TOPIK_TIDAK_DIKENAL', 'Topik 11 tidak dikenal')))).toMatchObject({ code: 'UPSTREAM_REJECTED', extensions: { upstream: { code: 'TOPIK_TIDAK_DIKENAL', message: 'Topik 11 tidak dikenal' } } });
    const quoting = submit(answer(400, refusal('DATA_TIDAK_VALID', `Nomor telpon "${complaint.reporter!.phone!}" milik ${complaint.reporter!.email!} tidak valid; isi: ${complaint.body.replaceAll('&', '&amp;').replaceAll('<', '&lt;')}`)));
    expect(quoting.code).toBe('UPSTREAM_REJECTED');
    const document = JSON.stringify(quoting.toDocument('r'));
    for (const value of [complaint.reporter!.phone!, complaint.reporter!.email!, 'ꦗꦭꦤ꧀ꦫꦸꦱꦏ꧀']) expect(document).not.toContain(value);
    expect(quoting.extensions).toEqual({ upstream: { system: 'SP4N-LAPOR!', code: 'DATA_TIDAK_VALID', message: `Nomor telpon "${masked}" milik ${masked} tidak valid; isi: ${masked}` } });
  });

  it('an unknown tracking id is UPSTREAM_NOT_FOUND', () => {
    const problem = problemOf(() => mappings.getComplaint.fromUpstream(answer(404, refusal('TRACKINGID_TIDAK_DITEMUKAN', 'Laporan tidak ditemukan')), call('getComplaint', { params: { trackingId: '999999' } }), token));
    expect(problem).toMatchObject({ code: 'UPSTREAM_NOT_FOUND', status: 404, extensions: { upstream: { code: 'TRACKINGID_TIDAK_DITEMUKAN' } } });
  });

  it('an unknown refusal code is classified by the HTTP status', () => {
    expect(submit(answer(403, refusal('AKSES_DITOLAK', 'Akses ditolak'))).code).toBe('UPSTREAM_AUTH_FAILED');
    expect(submit(answer(422, refusal('LAINNYA', 'Ditolak'))).code).toBe('UPSTREAM_REJECTED');
    expect(submit(answer(401, '<html><body>Unauthorized</body></html>', 'text/html'))).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', extensions: { upstream: { code: 'HTTP 401' } } });
    expect(problemOf(() => mappings.listCategories.fromUpstream(answer(401, '{"status":"error","message":"KEYTOKEN tidak valid"}', 'application/json'), call('listCategories'), token)))
      .toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', extensions: { upstream: { message: 'KEYTOKEN tidak valid' } } });
  });

  it('HTTP 5xx is UPSTREAM_UNAVAILABLE', () => {
    expect(submit(answer(500, '<html>500</html>', 'text/html'))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 502 });
  });

  it.each([
    ['truncated XML', 200, '<?xml version="1.0"?><lapor><trackingid>45'],
    ['an HTML maintenance page', 200, '<!DOCTYPE html><html><body><p>Pemeliharaan</p></body></html>'],
    ['JSON', 200, '{"trackingid":"1"}'],
    ['an answer without transaksiid', 200, '<lapor><trackingid>4512001</trackingid></lapor>'],
    ['a non-2xx answer without a LAPOR! error', 302, '<lapor><trackingid>4512001</trackingid><transaksiid>T</transaksiid></lapor>'],
  ])('%s is UPSTREAM_INVALID_RESPONSE, quoting nothing of it', (_name, status, body) => {
    const problem = submit(answer(status, body));
    expect(problem.code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(problem.message).not.toContain('4512001');
    expect(problem.message).not.toContain('Pemeliharaan');
  });

  it('a status answer with an unknown status, a bad time or about another complaint is UPSTREAM_INVALID_RESPONSE', () => {
    const status = (xml: string) => problemOf(() => mappings.getComplaint.fromUpstream(answer(200, xml), call('getComplaint', { params: { trackingId: '4512001' } }), token)).code;
    expect(status('<lapor><trackingid>4512001</trackingid><status>entah</status><diperbarui>2026-03-02 08:00:00</diperbarui></lapor>')).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(status('<lapor><trackingid>4512001</trackingid><status>selesai</status><diperbarui>kemarin</diperbarui></lapor>')).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(status('<lapor><trackingid>4519999</trackingid><status>selesai</status><diperbarui>2026-03-02 08:00:00</diperbarui></lapor>')).toBe('UPSTREAM_INVALID_RESPONSE');
  });
});

describe('XML codec', () => {
  it('does not expand entities an answer declares in a DOCTYPE', () => {
    const parsed = parseXml('<!DOCTYPE lapor [<!ENTITY x "ledakan">]><lapor><isi>&x;</isi></lapor>');
    expect(parsed.ok && text(parsed.root, 'isi')).toBe('&x;');
  });

  it('masks longer values first and leaves values under 3 characters alone', () => {
    expect(redact('Siti Rahmawati (Siti) ok', ['Siti', 'Siti Rahmawati', 'ok'])).toBe(`${masked} (${masked}) ok`);
  });

  it('the status document carries the token as an attribute', () => {
    expect(attribute(parse(statusDocument('4512001', token)), 'token')).toBe(token);
  });
});

function parse(xml: string) {
  const parsed = parseXml(xml);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.root;
}
