// A stand-in for SP4N-LAPOR!: the published addstream (text/xml, token inside the body) and
// gettopics (KEYTOKEN, JSON), and the ASSUMED getstatus, with LAPOR!'s checks, a complaint store,
// the workflow on a test clock, and handles for tests: the bodies received (to prove anonymity and
// escaping), hit counts, faults. It reads the XML itself and does not use wire.ts, so a mistake in
// the adapter's wire format shows up as a refusal here rather than being mirrored.
import { startSimServer, type SimAnswer, type SimRequest, type SimServer } from '../kit/sim-server.ts';
import { SimClock, documentedComplaint, formatWib, simTopics, timeline, type StoredComplaint } from './simulator-workflow.ts';
import { attribute, buildXml, child, parseXml, text, type XmlNode } from './xml.ts';

export type LaporFaultMode = 'http-500' | 'garbage' | 'wrong-content-type';

export interface LaporSimulatorOptions {
  host?: string;
  port?: number;
  /** The GUID token LAPOR! issued to the region. */
  token: string;
  /** Simulated hours per real hour while the clock is not pinned (the demo runs a day a minute). */
  timeScale?: number;
  /** File the contract's documented complaint first (the demo), so its documented read answers 200. */
  seedDocumented?: boolean;
}

export interface ReceivedRequest {
  path: string;
  contentType: string | undefined;
  body: string;
}

export interface LaporSimulator extends SimServer {
  /** The last 200 request bodies received, oldest first (test memory only). */
  received: ReceivedRequest[];
  /** The last body received on addstream: the XML exactly as the adapter sent it. */
  lastAddStream(): string | undefined;
  complaints: ReadonlyMap<string, StoredComplaint>;
  now(): Date;
  /** Pins the clock (tests); it then moves only with `advance`. */
  setNow(at: Date | string): void;
  advance(hours: number): void;
  /** The next `times` requests, on any endpoint, fail this way. */
  failNext(mode: LaporFaultMode, times?: number): void;
  /** LAPOR! issued a new token: the old one is refused from now on. */
  setToken(token: string): void;
}

const xmlType = { 'content-type': 'text/xml; charset=UTF-8' };

function xmlAnswer(status: number, root: XmlNode): SimAnswer {
  return { status, headers: xmlType, body: buildXml({ lapor: root }) };
}

function refusal(status: number, kode: string, pesan: string): SimAnswer {
  return xmlAnswer(status, { error: { kode, pesan } });
}

const faults: Record<LaporFaultMode, SimAnswer> = {
  'http-500': { status: 500, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>500 Internal Server Error</h1></body></html>' },
  garbage: { status: 200, headers: xmlType, body: '<?xml version="1.0"?><lapor><trackingid>45' },
  'wrong-content-type': { status: 200, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: '<!DOCTYPE html><html><head><title>LAPOR!</title></head><body><p>Situs sedang dalam pemeliharaan.</p></body></html>' },
};

/** LAPOR! wants an Indonesian mobile number. */
const phonePattern = /^(\+62|62|0)8[0-9]{7,12}$/;

export async function startLaporSimulator(options: LaporSimulatorOptions): Promise<LaporSimulator> {
  let token = options.token;
  const clock = new SimClock(options.timeScale ?? 1);
  const complaints = new Map<string, StoredComplaint>();
  const received: ReceivedRequest[] = [];
  const pendingFaults: LaporFaultMode[] = [];
  let nextTracking = 4_512_001;
  if (options.seedDocumented) {
    const seeded = documentedComplaint(clock.now());
    complaints.set(seeded.trackingId, seeded);
    nextTracking = Number(seeded.trackingId) + 1;
  }

  /** The XML document of a request, or LAPOR!'s refusal of it. */
  function readDocument(req: SimRequest): { root: XmlNode } | { refused: SimAnswer } {
    if (!/\bxml\b/i.test(req.headers['content-type'] ?? '')) return { refused: refusal(400, 'FORMAT_TIDAK_VALID', 'Content-Type harus text/xml') };
    const parsed = parseXml(req.body.toString('utf8'));
    if (!parsed.ok || parsed.rootName !== 'lapor') return { refused: refusal(400, 'FORMAT_TIDAK_VALID', 'Dokumen XML tidak valid') };
    // Quirk kept on purpose: the refusal quotes the token it got, as some systems do; the adapter must mask it.
    const sent = attribute(parsed.root, 'token');
    if (sent !== token) return { refused: refusal(401, 'TOKEN_TIDAK_VALID', `Token ${sent ?? ''} tidak terdaftar`) };
    return { root: parsed.root };
  }

  function addStream(req: SimRequest): SimAnswer {
    const document = readDocument(req);
    if ('refused' in document) return document.refused;
    const pelapor = child(document.root, 'pelapor');
    const laporan = child(document.root, 'laporan');
    const isi = text(laporan, 'isi') ?? '';
    if (isi.trim() === '') return refusal(400, 'ISI_KOSONG', 'Isi laporan tidak boleh kosong');
    const topicId = text(laporan, 'topik') ?? '';
    const topic = simTopics.find((candidate) => candidate.id === topicId);
    if (!topic) return refusal(400, 'TOPIK_TIDAK_DIKENAL', `Topik ${topicId} tidak dikenal`);
    const rahasia = attribute(laporan, 'rahasia');
    const anonim = attribute(laporan, 'anonim');
    if (!['0', '1'].includes(rahasia ?? '') || !['0', '1'].includes(anonim ?? '')) return refusal(400, 'DATA_TIDAK_VALID', 'Atribut rahasia dan anonim harus 0 atau 1');
    const reporter = { email: text(pelapor, 'email') ?? '', telpon: text(pelapor, 'telpon') ?? '', namadepan: text(pelapor, 'namadepan') ?? '', namabelakang: text(pelapor, 'namabelakang') ?? '' };
    if (anonim === '0') {
      if (!reporter.namadepan || !reporter.namabelakang) return refusal(400, 'DATA_TIDAK_VALID', 'Nama depan dan nama belakang pelapor wajib diisi');
      if (!reporter.email && !reporter.telpon) return refusal(400, 'DATA_TIDAK_VALID', 'Email atau nomor telpon pelapor wajib diisi');
      // Quirk kept on purpose: the refusal quotes the number; the adapter must mask it.
      if (reporter.telpon && !phonePattern.test(reporter.telpon)) return refusal(400, 'DATA_TIDAK_VALID', `Nomor telpon "${reporter.telpon}" tidak valid`);
    }
    const trackingId = String(nextTracking++);
    const transactionId = `TRX${String(complaints.size + 1).padStart(9, '0')}`;
    const date = text(laporan, 'tanggalkejadian');
    const location = text(laporan, 'lokasikejadian');
    complaints.set(trackingId, {
      trackingId,
      transactionId,
      submittedAt: clock.now(),
      topic,
      anonymous: anonim === '1',
      confidential: rahasia === '1',
      title: text(laporan, 'judul') ?? '',
      isi,
      reporter: anonim === '1' ? null : reporter,
      incident: { ...(date ? { date } : {}), ...(location ? { location } : {}) },
    });
    return xmlAnswer(200, { status: 'sukses', trackingid: trackingId, transaksiid: transactionId });
  }

  function getStatus(req: SimRequest): SimAnswer {
    const document = readDocument(req);
    if ('refused' in document) return document.refused;
    const trackingId = text(document.root, 'trackingid') ?? '';
    const complaint = complaints.get(trackingId);
    if (!complaint) return refusal(404, 'TRACKINGID_TIDAK_DITEMUKAN', `Laporan dengan trackingid ${trackingId} tidak ditemukan`);
    const reached = timeline(complaint, clock.now());
    const last = reached[reached.length - 1]!;
    const items = reached.flatMap((entry) => (entry.followUp ? [{ waktu: formatWib(entry.at), dari: entry.followUp.from, isi: entry.followUp.message }] : []));
    return xmlAnswer(200, { trackingid: trackingId, status: last.status, diperbarui: formatWib(last.at), tindaklanjut: items.length > 0 ? { item: items } : '' });
  }

  function getTopics(req: SimRequest): SimAnswer {
    const keyToken = new URLSearchParams(req.body.toString('utf8')).get('KEYTOKEN');
    if (keyToken !== token) return { status: 401, body: { status: 'error', message: 'KEYTOKEN tidak valid' } };
    return { status: 200, body: simTopics.map(({ id, parent, topic_name }) => ({ id, parent, topic_name })) };
  }

  const routes: Record<string, (req: SimRequest) => SimAnswer> = {
    '/api/stream/addstream': addStream,
    '/api/services/f01/getstatus': getStatus,
    '/api/services/f01/gettopics': getTopics,
  };

  const server = await startSimServer((req) => {
    received.push({ path: req.path, contentType: req.headers['content-type'], body: req.body.toString('utf8') });
    if (received.length > 200) received.shift();
    const fault = pendingFaults.shift();
    if (fault) return faults[fault];
    const route = routes[req.path];
    if (!route) return { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body>Not Found</body></html>' };
    if (req.method !== 'POST') return { status: 405, headers: { 'content-type': 'text/html', allow: 'POST' }, body: '<html><body>Method Not Allowed</body></html>' };
    return route(req);
  }, { host: options.host, port: options.port });

  return {
    ...server,
    received,
    lastAddStream: () => received.filter((r) => r.path === '/api/stream/addstream').at(-1)?.body,
    complaints,
    now: () => new Date(clock.now()),
    setNow: (at) => clock.setNow(at),
    advance: (hours) => clock.advance(hours),
    failNext: (mode, times = 1) => {
      for (let i = 0; i < times; i++) pendingFaults.push(mode);
    },
    setToken: (value) => {
      token = value;
    },
  };
}
