import { Problem, type AdapterCall, parseUpstreamJson, upstreamInvalid } from '../../gateway/adapter-api/index.ts';
import type { OperationMappings } from '../kit/run-mapped.ts';
import { checkHttpStatus, readPushAnswer, sipdFailure, system } from './errors.ts';
import {
  isPlanKind, sipdStatus,
  type PlanDoc, type PlanKind, type PlanReceipt, type RupItem, type RupList, type SipdPlanPayload, type SipdRupRow, type SipdSettings,
} from './types.ts';

/**
 * The SIPD adapter's two operations as pure functions (no credentials here: `auth.ts` adds the push
 * key and the API token after mapping, so nothing of them can end up in a fixture or a log).
 */

function invalid(where: 'path' | 'query' | 'body', pointer: string, message: string): Problem {
  return new Problem('CONTRACT_VALIDATION_FAILED', `The request cannot be sent to SIPD: ${pointer.slice(1)} ${message}.`, { errors: [{ in: where, pointer, message }] });
}

function planKind(call: AdapterCall<SipdSettings>): PlanKind {
  const jenis = call.params.jenis;
  if (!isPlanKind(jenis)) throw invalid('path', '/jenis', 'must be one of rpjmd, renstra, ranwal, mapping');
  return jenis;
}

/** PlanDoc -> the SIPD push body, field names as SIPD lists them. */
export function toPlanPayload(doc: PlanDoc, kodepemda: string): SipdPlanPayload {
  return {
    kodepemda,
    tahun: doc.year,
    kodebidang: doc.field.code,
    uraibidang: doc.field.name,
    kodeskpd: doc.unit.code,
    uraiskpd: doc.unit.name,
    pejabat: {
      kepalanama: doc.official.name,
      kepalanip: doc.official.nip,
      kepalajabatan: doc.official.position,
      ...(doc.official.rank === undefined ? {} : { kepalapangkat: doc.official.rank }),
    },
    program: doc.programs.map((program) => ({
      kodeprogram: program.code,
      uraiprogram: program.name,
      indikator: program.indicators.map((indicator) => {
        const [t1, t2, t3, t4, t5] = indicator.targets;
        return {
          kodeindikator: indicator.code,
          uraiindikator: indicator.name,
          satuan: indicator.unit,
          status: sipdStatus[indicator.status],
          target_t1: t1,
          target_t2: t2,
          target_t3: t3,
          target_t4: t4,
          target_t5: t5,
        };
      }),
    })),
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

function toRupItem(row: SipdRupRow, index: number): RupItem {
  const id = typeof row.kd_rup === 'number' ? String(row.kd_rup) : text(row.kd_rup);
  const name = text(row.nama_paket);
  const budget = typeof row.pagu === 'number' ? row.pagu : Number(text(row.pagu) ?? Number.NaN);
  if (!id || !name || !Number.isFinite(budget)) throw upstreamInvalid(system, `RUP row ${index} lacks kd_rup, nama_paket or a numeric pagu`);
  return {
    id,
    name,
    unitCode: text(row.kodeskpd),
    unitName: text(row.nama_skpd),
    budget,
    method: text(row.metode_pengadaan),
    procurementType: text(row.jenis_pengadaan),
    fundingSource: text(row.sumber_dana),
  };
}

/** vSIRUP rows: a bare JSON array, or (tolerated) SIPD's `{code, msg, data}` envelope. */
export function readRupRows(body: Buffer): SipdRupRow[] {
  const parsed = parseUpstreamJson<unknown>(system, body);
  if (Array.isArray(parsed)) return parsed as SipdRupRow[];
  if (parsed !== null && typeof parsed === 'object') {
    const envelope = parsed as { code?: unknown; msg?: unknown; data?: unknown };
    const code = envelope.code === undefined ? 200 : Number(envelope.code);
    if (code !== 200) throw sipdFailure(Number.isInteger(code) ? code : 502, typeof envelope.msg === 'string' ? envelope.msg.slice(0, 500) : undefined);
    if (Array.isArray(envelope.data)) return envelope.data as SipdRupRow[];
  }
  throw upstreamInvalid(system, 'the RUP answer is not a list');
}

export const mappings: OperationMappings<SipdSettings> = {
  /** `POST /sipd/v1/rencana/{jenis}` -> `POST /run/serv/push_{jenis}?kodepemda=&tahun=`. */
  pushPlan: {
    toUpstream(call) {
      const kind = planKind(call);
      const doc = call.body as PlanDoc;
      const { kodepemda } = call.settings;
      if (doc.regionCode !== undefined && doc.regionCode !== kodepemda) {
        throw invalid('body', '/regionCode', `must be ${kodepemda}, the region this gateway pushes for (or be left out)`);
      }
      return {
        method: 'POST',
        path: `/run/serv/push_${kind}`,
        query: { kodepemda, tahun: String(doc.year) },
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(toPlanPayload(doc, kodepemda)),
      };
    },
    fromUpstream(response, call) {
      const { message, log } = readPushAnswer(response);
      const doc = call.body as PlanDoc;
      const receipt: PlanReceipt = { accepted: true, kind: planKind(call), regionCode: call.settings.kodepemda, year: doc.year, unitCode: doc.unit.code, message, log };
      return { status: 200, body: receipt };
    },
  },

  /** `GET /sipd/v1/rup?tahun=&kodeskpd=` -> `GET /api/vSIRUP?tahun=&kodewil=&kodeskpd=` (the token is added by auth). */
  listRup: {
    toUpstream(call) {
      const year = Number(call.query.tahun);
      if (!Number.isInteger(year)) throw invalid('query', '/tahun', 'must be a year');
      const unit = call.query.kodeskpd;
      return {
        method: 'GET',
        path: '/api/vSIRUP',
        query: { tahun: String(year), kodewil: call.settings.kodewil ?? call.settings.kodepemda, ...(unit ? { kodeskpd: unit } : {}) },
        headers: { accept: 'application/json' },
      };
    },
    fromUpstream(response, call) {
      checkHttpStatus(response);
      const items = readRupRows(response.body).map(toRupItem);
      const list: RupList = {
        year: Number(call.query.tahun),
        regionCode: call.settings.kodewil ?? call.settings.kodepemda,
        unitCode: call.query.kodeskpd ?? null,
        count: items.length,
        items,
      };
      return { status: 200, body: list };
    },
  },
};
