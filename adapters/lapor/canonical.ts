// The canonical shapes of the SP4N-LAPOR! integration (contracts/lapor/schemas/*.json), as the PD
// applications see them. Nothing here knows the LAPOR! wire format; wire.ts translates.

export interface Reporter {
  firstName: string;
  lastName?: string;
  email?: string;
  phone?: string;
}

/** A complaint as a PD application submits it (`POST /lapor/v1/laporan`). */
export interface Complaint {
  title: string;
  /** The complaint text (LAPOR! `isi`). */
  body: string;
  /** A topic id from `GET /lapor/v1/kategori`. */
  category: string;
  /** The reporter's identity is not sent to LAPOR! at all. */
  anonymous: boolean;
  /** LAPOR! does not publish the complaint. */
  confidential: boolean;
  /** Required unless anonymous (the contract's schema says so); ignored when anonymous. */
  reporter?: Reporter;
  incident?: { date?: string; location?: string };
}

/** The LAPOR! workflow, in the order a complaint normally moves through it. */
export const complaintStatuses = ['SUBMITTED', 'VERIFIED', 'DEFERRED', 'NOT_AUTHORIZED', 'DISPOSED', 'RESPONDED', 'CLOSED', 'ARCHIVED'] as const;
export type ComplaintStatus = (typeof complaintStatuses)[number];

/** The label a PD application shows its users (Perbup 004 Pasal 33: in the users' language). */
export const statusLabels: Record<ComplaintStatus, string> = {
  SUBMITTED: 'Belum terverifikasi',
  VERIFIED: 'Terverifikasi',
  DEFERRED: 'Ditunda (laporan kurang lengkap)',
  NOT_AUTHORIZED: 'Bukan kewenangan',
  DISPOSED: 'Didisposisikan ke instansi berwenang',
  RESPONDED: 'Ditindaklanjuti',
  CLOSED: 'Selesai',
  ARCHIVED: 'Diarsipkan',
};

export interface Receipt {
  trackingId: string;
  transactionId: string;
  status: 'SUBMITTED';
}

export interface FollowUp {
  /** ISO 8601 with offset. */
  at: string;
  from: string;
  message: string;
}

export interface ComplaintState {
  trackingId: string;
  status: ComplaintStatus;
  statusLabel: string;
  updatedAt: string;
  followUps: FollowUp[];
}

export interface Category {
  id: string;
  /** `null` for a top-level topic. */
  parentId: string | null;
  name: string;
}
