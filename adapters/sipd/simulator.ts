import { startSimServer, type SimAnswer, type SimRequest, type SimServer } from '../kit/sim-server.ts';
import { isPlanKind, type PlanKind, type SipdRupRow } from './types.ts';

/**
 * A stand-in for SIPD (sipd.go.id) in the demo and the tests, with its wire quirks:
 * - pushes (`POST /run/serv/push_{jenis}?kodepemda=&tahun=`) authenticate with the non-standard
 *   header `authentication: Bearer <key>` (a standard `Authorization` header is ignored);
 * - a push SIPD does not accept still gets `code: 200` and a "Sukses menyimpan ..." `msg`: the refusal
 *   only shows as `ERROR: ...` lines in `log` (as in SIPD's published push_mapping example);
 * - reference reads (`GET /api/vSIRUP`) authenticate with a token in the query (`_apitoken`), and a
 *   refused token is echoed back in the message (assumed; it exercises the adapter's redaction).
 * Handles for tests: hits, the last request, the accepted pushes, and injected faults.
 */

export type SipdFault = 'http500' | 'garbage' | 'slow';

export interface SipdPush { kind: PlanKind; kodepemda: string; tahun: string; body: Record<string, unknown> }

export interface SipdSim extends SimServer {
  /** The accepted pushes, oldest first. */
  pushes: SipdPush[];
  lastRequest: SimRequest | undefined;
  /** The next `times` requests get this fault. `slow` waits `slowMs` before answering normally. */
  inject(fault: SipdFault, times?: number): void;
  slowMs: number;
}

export interface SipdSimOptions {
  host?: string;
  port?: number;
  credentials: Record<string, string>;
  /** The region the simulator holds (the demo contract's `kodepemda`). */
  kodepemda?: string;
}

/** Fictional example region (no regency 99 exists in province 14) and its perangkat daerah. */
export const simRegion = '1499';
export const simUnits: Record<string, string> = {
  '1.01.0101': 'Dinas Pendidikan',
  '1.02.0101': 'Dinas Kesehatan',
  '2.16.0101': 'Dinas Komunikasi dan Informatika',
  '5.01.0101': 'Badan Perencanaan Pembangunan Daerah',
};

/** RUP rows for the example region, in the (assumed) vSIRUP row format. */
export const simRup: SipdRupRow[] = [
  { kd_rup: '40112233', nama_paket: 'Rehabilitasi Ruang Kelas SD Negeri 012', kodeskpd: '1.01.0101', nama_skpd: 'Dinas Pendidikan', pagu: '850000000', metode_pengadaan: 'Tender', jenis_pengadaan: 'Pekerjaan Konstruksi', sumber_dana: 'APBD', tahun_anggaran: 2025 },
  { kd_rup: '40112234', nama_paket: 'Pengadaan Buku Bacaan Perpustakaan Sekolah', kodeskpd: '1.01.0101', nama_skpd: 'Dinas Pendidikan', pagu: 175500000, metode_pengadaan: 'E-Purchasing', jenis_pengadaan: 'Barang', sumber_dana: 'DAK', tahun_anggaran: 2025 },
  { kd_rup: '40112301', nama_paket: 'Pengadaan Alat Kesehatan Puskesmas', kodeskpd: '1.02.0101', nama_skpd: 'Dinas Kesehatan', pagu: 1200000000, metode_pengadaan: 'Tender', jenis_pengadaan: 'Barang', sumber_dana: 'DAK', tahun_anggaran: 2025 },
  { kd_rup: '40112455', nama_paket: 'Jasa Konsultansi Penyusunan RPJMD', kodeskpd: '5.01.0101', nama_skpd: 'Badan Perencanaan Pembangunan Daerah', pagu: 250000000, metode_pengadaan: 'Seleksi', jenis_pengadaan: 'Jasa Konsultansi', sumber_dana: 'APBD', tahun_anggaran: 2026 },
];

const json = (body: object): SimAnswer => ({ status: 200, body });
// eslint-disable-next-line @typescript-eslint/no-base-to-string -- a JSON field, `unknown` until the null check makes it `{}`: stringified as String(body.x) is elsewhere
const optionalText = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
const isNumber = (value: unknown) => typeof value === 'number' ? Number.isFinite(value) : typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value));

/** SIPD's line-by-line check of a pushed document: `<prefix> OK` or `ERROR: <prefix> <why>`. */
function checkDocument(doc: Record<string, unknown>, kodepemda: string, region: string): string[] {
  const lines: string[] = [];
  const unit = typeof doc.kodeskpd === 'string' ? doc.kodeskpd : '';
  const at = `${kodepemda}.${unit}`;
  if (doc.kodepemda !== kodepemda || kodepemda !== region) lines.push(`ERROR: ${at} kodepemda ${String(doc.kodepemda)} tidak sesuai dengan key`);
  if (!simUnits[unit]) lines.push(`ERROR: ${at} kodeskpd tidak terdaftar pada pemda ${kodepemda}`);
  if (!isNumber(doc.tahun)) lines.push(`ERROR: ${at} tahun kosong`);
  const programs = Array.isArray(doc.program) ? (doc.program as Record<string, unknown>[]) : [];
  if (programs.length === 0) lines.push(`ERROR: ${at} program kosong`);
  for (const program of programs) {
    const code = `${at},${optionalText(program.kodeprogram)}`;
    const indicators = Array.isArray(program.indikator) ? (program.indikator as Record<string, unknown>[]) : [];
    if (!program.kodeprogram || !program.uraiprogram) lines.push(`ERROR: ${code} kodeprogram/uraiprogram kosong`);
    if (indicators.length === 0) lines.push(`ERROR: ${code} indikator kosong`);
    for (const indicator of indicators) {
      const missing = ['target_t1', 'target_t2', 'target_t3', 'target_t4', 'target_t5'].filter((name) => !isNumber(indicator[name]));
      if (missing.length > 0) lines.push(`ERROR: ${code}.${optionalText(indicator.kodeindikator)} ${missing.join(', ')} kosong`);
      else lines.push(`${code}.${optionalText(indicator.kodeindikator)} OK`);
    }
  }
  return lines;
}

export async function startSipdSim(options: SipdSimOptions): Promise<SipdSim> {
  const region = options.kodepemda ?? simRegion;
  const pushes: SipdPush[] = [];
  const faults: SipdFault[] = [];
  const waiting = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  let lastRequest: SimRequest | undefined;

  const push = (req: SimRequest, kind: PlanKind): SimAnswer => {
    // Only SIPD's own header counts; a standard Authorization header is not looked at.
    if (req.headers.authentication !== `Bearer ${options.credentials.pushKey}`) {
      return { status: 401, body: { code: 401, msg: 'Unauthorized: authentication key tidak valid', log: [] } };
    }
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return json({ code: 400, msg: 'Format data tidak valid (bukan JSON)', log: [] });
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return json({ code: 400, msg: 'Format data tidak valid', log: [] });
    const kodepemda = req.query.get('kodepemda') ?? '';
    const tahun = req.query.get('tahun') ?? '';
    const lines = checkDocument(doc, kodepemda, region);
    const refused = lines.some((line) => line.startsWith('ERROR:'));
    if (!refused) pushes.push({ kind, kodepemda, tahun, body: doc });
    // SIPD says "Sukses menyimpan" whatever happened next; only the log tells.
    return json({
      code: 200,
      msg: `Sukses menyimpan ${req.body.length} byte tunggu proses ekstraksi`,
      log: [...lines, refused ? 'ROLLBACK TRANS' : 'COMMIT TRANS', '', 'Exe time: 0.0123 detik'],
    });
  };

  const rup = (req: SimRequest): SimAnswer => {
    const token = req.query.get('_apitoken') ?? '';
    if (token !== options.credentials.apiToken) return json({ code: 401, msg: `_apitoken ${token} tidak valid` });
    const tahun = Number(req.query.get('tahun'));
    if (!Number.isInteger(tahun)) return json({ code: 400, msg: 'parameter tahun wajib diisi' });
    if (req.query.get('kodewil') !== region) return { status: 200, body: [] };
    const unit = req.query.get('kodeskpd');
    return { status: 200, body: simRup.filter((row) => Number(row.tahun_anggaran) === tahun && (!unit || row.kodeskpd === unit)) };
  };

  const answer = (req: SimRequest): SimAnswer => {
    const kind = /^\/run\/serv\/push_([a-z]+)$/.exec(req.path)?.[1];
    if (req.method === 'POST' && isPlanKind(kind)) return push(req, kind);
    if (req.method === 'GET' && req.path === '/api/vSIRUP') return rup(req);
    return { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>404 Not Found</h1></body></html>' };
  };

  const server = await startSimServer((req) => {
    lastRequest = req;
    const fault = faults.shift();
    if (fault === 'http500') return { status: 500, headers: { 'content-type': 'text/html' }, body: '<html><body>500 Internal Server Error</body></html>' };
    if (fault === 'garbage') return { status: 200, headers: { 'content-type': 'text/html' }, body: '<br />\n<b>Warning</b>: mysqli_connect(): Too many connections' };
    if (fault === 'slow') {
      return new Promise<SimAnswer>((resolve) => {
        const entry = { timer: setTimeout(() => { waiting.delete(entry); resolve(answer(req)); }, sim.slowMs), done: () => resolve({ status: 503, body: '' }) };
        waiting.add(entry);
      });
    }
    return answer(req);
  }, { host: options.host, port: options.port });

  const sim: SipdSim = {
    ...server,
    pushes,
    get lastRequest() { return lastRequest; },
    slowMs: 3000,
    inject(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    async close() {
      for (const entry of waiting) {
        clearTimeout(entry.timer);
        entry.done();
      }
      waiting.clear();
      await server.close();
    },
  };
  return sim;
}
