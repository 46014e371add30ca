/**
 * The two shapes the SIPD adapter translates between: the canonical documents PD applications send
 * and receive (camelCase English, `contracts/sipd/schemas/`), and SIPD's own wire format (field
 * names exactly as SIPD's public API docs at https://sipd.go.id/run/api_docs/ spell them).
 */

/** The four planning pushes; the `{jenis}` of `POST /sipd/v1/rencana/{jenis}` and of `push_{jenis}`. */
export const planKinds = ['rpjmd', 'renstra', 'ranwal', 'mapping'] as const;
export type PlanKind = (typeof planKinds)[number];

export function isPlanKind(value: unknown): value is PlanKind {
  return typeof value === 'string' && (planKinds as readonly string[]).includes(value);
}

/** The contract's `adapter:` block (see `settingsSchema` in `adapter.ts`). */
export interface SipdSettings {
  /** Kode pemda, 4 digits (Permendagri 137/2017): the region every push and read is for. */
  kodepemda: string;
  /** Region code vSIRUP expects in `kodewil`; the kode pemda when not set. */
  kodewil?: string;
}

// ---- canonical (what PD applications see) ----

export type IndicatorStatus = 'cumulative' | 'positive' | 'negative';

export interface PlanIndicator {
  code: string;
  name: string;
  /** Satuan: the unit the targets are measured in ("Persen", "Unit"). */
  unit: string;
  status: IndicatorStatus;
  /** Five-year targets, year 1 to year 5 of the plan period. */
  targets: [number, number, number, number, number];
}

export interface PlanProgram { code: string; name: string; indicators: PlanIndicator[] }

/** A planning document of one perangkat daerah, pushed to SIPD. */
export interface PlanDoc {
  /** Kode pemda; optional, and when sent it must equal the contract's `kodepemda` setting. */
  regionCode?: string;
  year: number;
  /** Bidang urusan of the unit. */
  field: { code: string; name: string };
  /** The perangkat daerah (SKPD). */
  unit: { code: string; name: string };
  /** Head of the unit (pejabat). */
  official: { name: string; nip: string; position: string; rank?: string };
  programs: PlanProgram[];
}

export interface PlanReceipt {
  accepted: true;
  kind: PlanKind;
  regionCode: string;
  year: number;
  unitCode: string;
  /** SIPD's `msg`. */
  message: string;
  /** SIPD's `log` lines (non-empty ones), warnings included. */
  log: string[];
}

export interface RupItem {
  id: string;
  name: string;
  unitCode: string | null;
  unitName: string | null;
  /** Pagu in rupiah. */
  budget: number;
  method: string | null;
  procurementType: string | null;
  fundingSource: string | null;
}

export interface RupList { year: number; regionCode: string; unitCode: string | null; count: number; items: RupItem[] }

// ---- SIPD wire ----

/** The SIPD spelling of the indicator status ("komulatif", sic, in SIPD's docs). */
export const sipdStatus: Record<IndicatorStatus, string> = { cumulative: 'komulatif', positive: 'positif', negative: 'negatif' };

export interface SipdIndikator {
  kodeindikator: string;
  uraiindikator: string;
  satuan: string;
  status: string;
  target_t1: number;
  target_t2: number;
  target_t3: number;
  target_t4: number;
  target_t5: number;
}

export interface SipdProgram { kodeprogram: string; uraiprogram: string; indikator: SipdIndikator[] }

export interface SipdPejabat { kepalanama: string; kepalanip: string; kepalajabatan: string; kepalapangkat?: string }

/** The body of `POST /run/serv/push_{jenis}`. */
export interface SipdPlanPayload {
  kodepemda: string;
  tahun: number;
  kodebidang: string;
  uraibidang: string;
  kodeskpd: string;
  uraiskpd: string;
  pejabat: SipdPejabat;
  program: SipdProgram[];
}

/** Every push answer: errors only show as `ERROR: ...` lines in `log`, with `code` still 200. */
export interface SipdPushAnswer { code: number | string; msg?: string; log?: unknown[] }

/** One row of `GET /api/vSIRUP` (assumed field names, see docs/integrations/sipd.md). */
export interface SipdRupRow {
  kd_rup: string | number;
  nama_paket: string;
  kodeskpd?: string | null;
  nama_skpd?: string | null;
  pagu: number | string;
  metode_pengadaan?: string | null;
  jenis_pengadaan?: string | null;
  sumber_dana?: string | null;
  tahun_anggaran?: number | string;
}
