// The LAPOR! side of the simulator that is not HTTP: its topics, the complaints it keeps, the
// workflow they move through on a controllable clock, and the follow-ups that come with it.
// The timing follows LAPOR!'s published service levels: verified and forwarded within 3 working
// days, followed up by the agency within 5, closed 10 working days after a follow-up the reporter
// did not answer (calendar hours here, for simplicity).

export interface SimTopic {
  id: string;
  /** '0' for a top-level topic, as gettopics answers. */
  parent: string;
  topic_name: string;
  /** The unit a complaint on this topic is disposed to. */
  unit: string;
  /** National matters: the regional government is not authorised (status bukan_kewenangan). */
  outOfScope?: boolean;
}

/** The topics of the simulated region; `13` under `3` is the example of LAPOR!'s published API page. */
export const simTopics: readonly SimTopic[] = [
  { id: '1', parent: '0', topic_name: 'Infrastruktur', unit: 'Dinas Pekerjaan Umum & Penataan Ruang' },
  { id: '11', parent: '1', topic_name: 'Jalan dan Jembatan', unit: 'Dinas Pekerjaan Umum & Penataan Ruang' },
  { id: '12', parent: '1', topic_name: 'Drainase dan Banjir', unit: 'Dinas Pekerjaan Umum & Penataan Ruang' },
  { id: '2', parent: '0', topic_name: 'Kesehatan', unit: 'Dinas Kesehatan' },
  { id: '21', parent: '2', topic_name: 'Pelayanan Puskesmas', unit: 'Dinas Kesehatan' },
  { id: '3', parent: '0', topic_name: 'Pelayanan Publik', unit: 'Sekretariat Daerah' },
  { id: '13', parent: '3', topic_name: 'Teknologi Informasi dan Komunikasi', unit: 'Dinas Komunikasi dan Informatika' },
  { id: '31', parent: '3', topic_name: 'Administrasi Kependudukan', unit: 'Dinas Kependudukan dan Pencatatan Sipil' },
  { id: '9', parent: '0', topic_name: 'Pertahanan dan Keamanan', unit: 'Kementerian Pertahanan', outOfScope: true },
  { id: '91', parent: '9', topic_name: 'Pertahanan Negara', unit: 'Kementerian Pertahanan', outOfScope: true },
];

/** Hours after submission at which a complaint reaches each state. */
export const workflowHours = { verify: 24, dispose: 72, respond: 192, close: 432, archive: 1152 } as const;

/** A complaint shorter than this is deferred at verification as incomplete. */
export const minimumCompleteLength = 60;

export type SimStatusCode = 'belum_terverifikasi' | 'terverifikasi' | 'ditunda' | 'bukan_kewenangan' | 'didisposisikan' | 'ditindaklanjuti' | 'selesai' | 'diarsipkan';

export interface StoredComplaint {
  trackingId: string;
  transactionId: string;
  submittedAt: number;
  topic: SimTopic;
  anonymous: boolean;
  confidential: boolean;
  title: string;
  isi: string;
  reporter: { email: string; telpon: string; namadepan: string; namabelakang: string } | null;
  incident: { date?: string; location?: string };
}

export interface TimelineEntry {
  status: SimStatusCode;
  at: number;
  followUp?: { from: string; message: string };
}

const hour = 3_600_000;
const admin = 'Admin LAPOR!';

/**
 * The complaint the contract documents (the example of `contracts/lapor/schemas/complaint.json`,
 * as LAPOR! keeps it) under the tracking id its read documents, `GET /lapor/v1/laporan/4512001`.
 * The demo files it before anyone else, three simulated days back: disposed, as the documented
 * status shows.
 */
export function documentedComplaint(now: number): StoredComplaint {
  return {
    trackingId: '4512001',
    transactionId: 'TRX000000001',
    submittedAt: now - workflowHours.dispose * hour,
    topic: simTopics.find((topic) => topic.id === '11')!,
    anonymous: false,
    confidential: false,
    title: 'Jalan berlubang di Jl. Merdeka',
    isi: 'Jalan di depan SD Negeri 3 berlubang besar sejak dua minggu lalu dan sudah menyebabkan dua pengendara motor jatuh. Mohon segera diperbaiki.',
    reporter: { email: 'siti.rahmawati@example.id', telpon: '081234567890', namadepan: 'Siti', namabelakang: 'Rahmawati' },
    incident: { date: '2026-03-01', location: 'Jl. Merdeka depan SD Negeri 3, Kecamatan Kota' },
  };
}

/** The states a complaint has reached by `now`, oldest first (the first is always the submission). */
export function timeline(complaint: StoredComplaint, now: number): TimelineEntry[] {
  const at = (hours: number) => complaint.submittedAt + hours * hour;
  const all: TimelineEntry[] = [{ status: 'belum_terverifikasi', at: complaint.submittedAt }];
  if (complaint.topic.outOfScope) {
    all.push({ status: 'bukan_kewenangan', at: at(workflowHours.verify), followUp: { from: admin, message: `Laporan bukan kewenangan Pemerintah Kabupaten dan diteruskan kepada ${complaint.topic.unit}.` } });
  } else if (complaint.isi.trim().length < minimumCompleteLength) {
    all.push({ status: 'ditunda', at: at(workflowHours.verify), followUp: { from: admin, message: 'Laporan ditunda: isi laporan kurang lengkap. Mohon lengkapi kronologi, lokasi dan waktu kejadian.' } });
  } else {
    const unit = complaint.topic.unit;
    all.push(
      { status: 'terverifikasi', at: at(workflowHours.verify), followUp: { from: admin, message: 'Laporan telah diverifikasi dan akan diteruskan kepada instansi yang berwenang.' } },
      { status: 'didisposisikan', at: at(workflowHours.dispose), followUp: { from: 'Admin Pemerintah Kabupaten', message: `Laporan didisposisikan kepada ${unit}.` } },
      { status: 'ditindaklanjuti', at: at(workflowHours.respond), followUp: { from: unit, message: `Terima kasih atas laporan Anda. Petugas ${unit} telah menindaklanjuti laporan ini di lapangan; hasilnya terlampir.` } },
      { status: 'selesai', at: at(workflowHours.close), followUp: { from: admin, message: 'Laporan ditutup: tidak ada tanggapan lanjutan dari pelapor dalam 10 hari kerja.' } },
    );
  }
  all.push({ status: 'diarsipkan', at: at(workflowHours.archive) });
  return all.filter((entry) => entry.at <= now);
}

/**
 * Simulated time. Pinned (`setNow`) it stands still until advanced, for tests; unpinned it runs
 * with the wall clock `scale` times faster, so the demo shows the workflow move in minutes.
 */
export class SimClock {
  private pinned: number | undefined;
  private offset = 0;
  private readonly origin = Date.now();
  private readonly scale: number;

  constructor(scale = 1) {
    this.scale = scale;
  }

  now(): number {
    return this.pinned ?? this.origin + (Date.now() - this.origin) * this.scale + this.offset;
  }

  setNow(at: Date | string | number): void {
    this.pinned = new Date(at).getTime();
  }

  advance(hours: number): void {
    if (this.pinned !== undefined) this.pinned += hours * hour;
    else this.offset += hours * hour;
  }
}

/** LAPOR!'s (assumed) way of writing a time: WIB (UTC+7) without a zone, `2026-03-02 08:00:00`. */
export function formatWib(ms: number): string {
  return new Date(ms + 7 * hour).toISOString().slice(0, 19).replace('T', ' ');
}
