// THE swappable module: the only file that knows SP4N-LAPOR!'s wire format. LAPOR! gives its
// current integration API only to developer accounts registered with it; this implements the one
// that is public (see docs/integrations/lapor.md for the sources). When the region registers and
// receives the current documentation, replace this file: same exports, new format. Every function
// is pure, and the GUID token is an argument because LAPOR! wants it inside the XML body.
//
//   PUBLISHED  POST /api/stream/addstream          text/xml  <lapor token><pelapor/><laporan rahasia anonim><isi/></laporan></lapor>
//                                                             answer: <trackingid>, <transaksiid>
//   PUBLISHED  POST /api/services/f01/gettopics    KEYTOKEN  answer: JSON [{id, parent, topic_name}]
//   ASSUMED    POST /api/services/f01/getstatus    text/xml  (no public status endpoint exists)
//
// Everything marked ASSUMED is to be confirmed with KemenPAN-RB / the LAPOR! team when
// registering as a developer.
import { type Category, type Complaint, type ComplaintStatus, type FollowUp } from './canonical.ts';
import { buildXml, child, children, parseXml, text, type XmlNode } from './xml.ts';

export const paths = {
  addStream: '/api/stream/addstream',
  getTopics: '/api/services/f01/gettopics',
  /** ASSUMED: designed in the style of the published endpoints. */
  getStatus: '/api/services/f01/getstatus',
} as const;

export interface WireRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** How LAPOR! said no, in its own words. */
export interface LaporFault {
  kind: 'auth' | 'rejected' | 'not-found';
  code: string;
  message?: string;
}

export type WireAnswer<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'fault'; fault: LaporFault }
  /** Not a LAPOR! answer at all; the reason quotes none of the body. */
  | { kind: 'unreadable'; reason: string };

const xmlHeaders = { 'content-type': 'text/xml; charset=UTF-8', accept: 'text/xml, application/xml' };
const flag = (value: boolean) => (value ? '1' : '0');

// ---------------------------------------------------------------------------------------------
// addstream: submit a complaint

/**
 * The addstream document. An anonymous complaint carries an empty `<pelapor>`: the identity never
 * leaves the gateway. `namabelakang` is never empty for a named reporter: the public client sends
 * `_` when there is none (LAPOR! seems to refuse an empty one). ASSUMED: `judul`, `topik`,
 * `tanggalkejadian` and `lokasikejadian` (the public example only shows `isi`; the LAPOR! form
 * asks for all of them).
 */
export function addStreamDocument(complaint: Complaint, token: string): string {
  const reporter = complaint.anonymous ? undefined : complaint.reporter;
  return buildXml({
    lapor: {
      '@_token': token,
      pelapor: {
        email: reporter?.email ?? '',
        telpon: reporter?.phone ?? '',
        namadepan: reporter?.firstName ?? '',
        namabelakang: reporter ? (reporter.lastName?.trim() ? reporter.lastName : '_') : '',
      },
      laporan: {
        '@_rahasia': flag(complaint.confidential),
        '@_anonim': flag(complaint.anonymous),
        judul: complaint.title,
        isi: complaint.body,
        topik: complaint.category,
        tanggalkejadian: complaint.incident?.date,
        lokasikejadian: complaint.incident?.location,
      },
    },
  });
}

export function addStreamRequest(complaint: Complaint, token: string): WireRequest {
  return { method: 'POST', path: paths.addStream, headers: { ...xmlHeaders }, body: addStreamDocument(complaint, token) };
}

export function readAddStreamAnswer(status: number, body: Buffer): WireAnswer<{ trackingId: string; transactionId: string }> {
  const answer = readXmlAnswer(status, body);
  if (answer.kind !== 'ok') return answer;
  const trackingId = text(answer.value, 'trackingid');
  const transactionId = text(answer.value, 'transaksiid');
  if (!trackingId || !transactionId) return { kind: 'unreadable', reason: 'the answer has no trackingid and transaksiid' };
  return { kind: 'ok', value: { trackingId, transactionId } };
}

// ---------------------------------------------------------------------------------------------
// getstatus (ASSUMED): a complaint's workflow state and follow-ups

/** ASSUMED status codes: the states LAPOR!'s own pages show, as lower-case codes. */
const wireStatuses: Record<string, ComplaintStatus> = {
  belum_terverifikasi: 'SUBMITTED',
  terverifikasi: 'VERIFIED',
  ditunda: 'DEFERRED',
  bukan_kewenangan: 'NOT_AUTHORIZED',
  didisposisikan: 'DISPOSED',
  ditindaklanjuti: 'RESPONDED',
  selesai: 'CLOSED',
  diarsipkan: 'ARCHIVED',
};

export function statusDocument(trackingId: string, token: string): string {
  return buildXml({ lapor: { '@_token': token, trackingid: trackingId } });
}

export function statusRequest(trackingId: string, token: string): WireRequest {
  return { method: 'POST', path: paths.getStatus, headers: { ...xmlHeaders }, body: statusDocument(trackingId, token) };
}

export interface WireStatus {
  trackingId: string;
  status: ComplaintStatus;
  updatedAt: string;
  followUps: FollowUp[];
}

/**
 * ASSUMED answer: `<lapor><trackingid/><status/><diperbarui/><tindaklanjut><item><waktu/><dari/>
 * <isi/></item>...</tindaklanjut></lapor>`, times as `YYYY-MM-DD HH:mm:ss` in WIB (UTC+7) without
 * a zone, as PHP systems of the region usually write them.
 */
export function readStatusAnswer(status: number, body: Buffer): WireAnswer<WireStatus> {
  const answer = readXmlAnswer(status, body, ['item']);
  if (answer.kind !== 'ok') return answer;
  const root = answer.value;
  const trackingId = text(root, 'trackingid');
  const code = text(root, 'status');
  const updatedAt = wibToIso(text(root, 'diperbarui'));
  if (!trackingId || code === undefined || !updatedAt) return { kind: 'unreadable', reason: 'the status answer lacks trackingid, status or diperbarui' };
  const mapped = wireStatuses[code.toLowerCase()];
  if (!mapped) return { kind: 'unreadable', reason: 'the status answer has an unknown status code' };
  const followUps: FollowUp[] = [];
  for (const item of children(child(root, 'tindaklanjut'), 'item')) {
    const at = wibToIso(text(item, 'waktu'));
    const from = text(item, 'dari');
    const message = text(item, 'isi');
    if (!at || from === undefined || message === undefined) return { kind: 'unreadable', reason: 'a tindaklanjut item lacks waktu, dari or isi' };
    followUps.push({ at, from, message });
  }
  return { kind: 'ok', value: { trackingId, status: mapped, updatedAt, followUps } };
}

/** `2026-03-02 08:00:00` (WIB, no zone) as `2026-03-02T08:00:00+07:00`; an ISO time with a zone passes as is. */
export function wibToIso(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(value);
  const iso = local ? `${local[1]}T${local[2]}+07:00` : value;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(iso) && !Number.isNaN(Date.parse(iso)) ? iso : undefined;
}

// ---------------------------------------------------------------------------------------------
// gettopics: the complaint categories

/**
 * PUBLISHED: `POST /api/services/f01/gettopics` with the parameter `KEYTOKEN`, JSON answer.
 * ASSUMED: the parameter travels as a form field.
 */
export function topicsRequest(token: string): WireRequest {
  return {
    method: 'POST',
    path: paths.getTopics,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ KEYTOKEN: token }).toString(),
  };
}

/** PUBLISHED answer: `[{"id":"13","parent":"3","topic_name":"Teknologi Informasi dan Komunikasi"}, ...]`, parent `0` at the top. */
export function readTopicsAnswer(status: number, body: Buffer): WireAnswer<Category[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    if (status === 401 || status === 403) return { kind: 'fault', fault: { kind: 'auth', code: `HTTP ${status}` } };
    return { kind: 'unreadable', reason: 'the topics answer is not JSON' };
  }
  if (!Array.isArray(parsed)) {
    const refusal = parsed as { error?: unknown; message?: unknown } | null;
    const message = typeof refusal?.message === 'string' ? refusal.message : typeof refusal?.error === 'string' ? refusal.error : undefined;
    if (status === 401 || status === 403) return { kind: 'fault', fault: { kind: 'auth', code: `HTTP ${status}`, ...(message ? { message } : {}) } };
    return { kind: 'unreadable', reason: 'the topics answer is not a list' };
  }
  const topics: Category[] = [];
  for (const item of parsed as { id?: unknown; parent?: unknown; topic_name?: unknown }[]) {
    const id = scalar(item?.id);
    const parent = scalar(item?.parent);
    if (!id || typeof item.topic_name !== 'string') return { kind: 'unreadable', reason: 'a topic lacks id or topic_name' };
    topics.push({ id, parentId: !parent || parent === '0' ? null : parent, name: item.topic_name });
  }
  return { kind: 'ok', value: topics };
}

const scalar = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);

// ---------------------------------------------------------------------------------------------
// answers and refusals

/**
 * ASSUMED refusal: `<lapor><error><kode/><pesan/></error></lapor>`. The code decides the kind, the
 * HTTP status where the code is not one of the known ones.
 */
const faultKinds: Record<string, LaporFault['kind']> = {
  TOKEN_TIDAK_VALID: 'auth',
  TRACKINGID_TIDAK_DITEMUKAN: 'not-found',
};

/**
 * An XML answer's root, or LAPOR!'s refusal. The content type is not checked: the public client
 * reads the body whatever the header says, so the body decides (an HTML error page is refused).
 */
function readXmlAnswer(status: number, body: Buffer, arrayTags: readonly string[] = []): WireAnswer<XmlNode> {
  const parsed = parseXml(body.toString('utf8'), arrayTags);
  if (!parsed.ok) {
    if (status === 401 || status === 403) return { kind: 'fault', fault: { kind: 'auth', code: `HTTP ${status}` } };
    return { kind: 'unreadable', reason: parsed.reason };
  }
  if (parsed.rootName !== 'lapor') {
    if (status === 401 || status === 403) return { kind: 'fault', fault: { kind: 'auth', code: `HTTP ${status}` } };
    return { kind: 'unreadable', reason: `the answer's root element is not <lapor>` };
  }
  const error = child(parsed.root, 'error');
  if (error) {
    const code = text(error, 'kode') || `HTTP ${status}`;
    const message = text(error, 'pesan');
    const kind = faultKinds[code] ?? (status === 401 || status === 403 ? 'auth' : status === 404 ? 'not-found' : 'rejected');
    return { kind: 'fault', fault: { kind, code, ...(message ? { message } : {}) } };
  }
  if (status === 401 || status === 403) return { kind: 'fault', fault: { kind: 'auth', code: `HTTP ${status}` } };
  if (status < 200 || status > 299) return { kind: 'unreadable', reason: `HTTP ${status} without a LAPOR! error` };
  return { kind: 'ok', value: parsed.root };
}
