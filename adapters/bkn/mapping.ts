// Canonical API <-> BKN SIASN, as pure functions per operation (golden fixtures in ./fixtures).
// SIASN field names come from public SIASN client code (see docs/integrations/bkn.md).
import { Problem, type AdapterCall, type CanonicalResponse, type UpstreamRequest, type UpstreamResponse, upstreamInvalid } from '../../gateway/adapter-api/index.ts';
import type { OperationMapping } from '../kit/run-mapped.ts';
import { isoFromSiasn, siasnFromIso } from './dates.ts';
import { readEnvelope, system, writeAnswer } from './errors.ts';
import { checkNip } from './nip.ts';
import type { BknSettings } from './settings.ts';

type SiasnRecord = Record<string, unknown>;
export type PositionType = 'struktural' | 'fungsional' | 'pelaksana';

/** SIASN `jenisJabatan`: 1 struktural, 2 fungsional tertentu, 4 fungsional umum (pelaksana). */
const positionTypeCodes: Record<PositionType, string> = { struktural: '1', fungsional: '2', pelaksana: '4' };
const positionTypeByCode = new Map(Object.entries(positionTypeCodes).map(([type, code]) => [code, type as PositionType]));

/** Pangkat of each golongan/ruang of a PNS (PP 99/2000), for history items that carry only the code. */
const rankNames: Record<string, string> = {
  'I/a': 'Juru Muda', 'I/b': 'Juru Muda Tingkat I', 'I/c': 'Juru', 'I/d': 'Juru Tingkat I',
  'II/a': 'Pengatur Muda', 'II/b': 'Pengatur Muda Tingkat I', 'II/c': 'Pengatur', 'II/d': 'Pengatur Tingkat I',
  'III/a': 'Penata Muda', 'III/b': 'Penata Muda Tingkat I', 'III/c': 'Penata', 'III/d': 'Penata Tingkat I',
  'IV/a': 'Pembina', 'IV/b': 'Pembina Tingkat I', 'IV/c': 'Pembina Utama Muda', 'IV/d': 'Pembina Utama Madya', 'IV/e': 'Pembina Utama',
};

/** A NIP the caller sent, checked before any upstream call (CONTRACT_VALIDATION_FAILED otherwise). */
export function requireValidNip(nip: string, where: 'path' | 'body'): string {
  const check = checkNip(nip);
  if (check.valid) return nip;
  throw new Problem('CONTRACT_VALIDATION_FAILED', `The NIP ${nip} cannot be a valid NIP: ${check.reason}.`, {
    errors: [{ in: where, pointer: '/nip', message: check.reason }],
  });
}

// --- reading SIASN records -----------------------------------------------------------------------

/** A text field; SIASN leaves blanks as "", "-" or null, which all become null. */
function text(source: SiasnRecord, field: string): string | null {
  const value = source[field];
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' || trimmed === '-' ? null : trimmed;
}

function required(source: SiasnRecord, field: string): string {
  const value = text(source, field);
  if (value === null) throw upstreamInvalid(system, `the record has no ${field}`);
  return value;
}

function integer(source: SiasnRecord, field: string): number | null {
  const value = text(source, field);
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

const date = (source: SiasnRecord, field: string) => isoFromSiasn(source[field], field);

function asRecord(value: unknown, what: string): SiasnRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw upstreamInvalid(system, `${what} is not an object`);
  return value as SiasnRecord;
}

/** A history list; SIASN answers `data: null` for an employee without entries. */
function asList(value: unknown, what: string): SiasnRecord[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw upstreamInvalid(system, `${what} is not a list`);
  return value.map((item, i) => asRecord(item, `${what} item ${i}`));
}

function gender(value: string | null): 'male' | 'female' | null {
  if (value === null) return null;
  if (/^(m|l|pria|laki-laki)$/i.test(value)) return 'male';
  if (/^(f|p|wanita|perempuan)$/i.test(value)) return 'female';
  return null;
}

const positionType = (code: string | null): PositionType | null => (code === null ? null : positionTypeByCode.get(code) ?? null);

/** Newest first by an ISO date; entries without one last, each group in SIASN's order. */
function newestFirst<T>(items: T[], dateOf: (item: T) => string | null): T[] {
  return items.map((item, index) => ({ item, index, at: dateOf(item) })).sort((a, b) => {
    if (a.at === b.at) return a.index - b.index;
    if (a.at === null) return 1;
    if (b.at === null) return -1;
    return a.at < b.at ? 1 : -1;
  }).map(({ item }) => item);
}

// --- canonical shapes ----------------------------------------------------------------------------

export function employeeFrom(data: SiasnRecord) {
  const rankCode = text(data, 'golRuangAkhir');
  return {
    nip: required(data, 'nipBaru'),
    name: required(data, 'nama'),
    frontTitle: text(data, 'gelarDepan'),
    backTitle: text(data, 'gelarBelakang'),
    birthPlace: text(data, 'tempatLahir'),
    birthDate: date(data, 'tglLahir'),
    gender: gender(text(data, 'jenisKelamin')),
    employeeType: text(data, 'jenisPegawaiNama'),
    status: text(data, 'kedudukanPnsNama'),
    cpnsTmt: date(data, 'tmtCpns'),
    pnsTmt: date(data, 'tmtPns'),
    rank: { code: rankCode, name: text(data, 'pangkatAkhir') ?? (rankCode ? rankNames[rankCode] ?? null : null), tmt: date(data, 'tmtGolAkhir') },
    position: { type: positionType(text(data, 'jenisJabatanId')), name: text(data, 'jabatanNama'), tmt: date(data, 'tmtJabatan') },
    unit: { id: text(data, 'unorId'), name: text(data, 'unorNama') },
    agency: { id: text(data, 'instansiKerjaId'), name: text(data, 'instansiKerjaNama') },
    education: { level: text(data, 'tkPendidikanTerakhir'), name: text(data, 'pendidikanTerakhirNama'), graduationYear: integer(data, 'tahunLulus') },
  };
}

function rankHistoryItem(item: SiasnRecord) {
  const code = text(item, 'golongan');
  return {
    id: required(item, 'id'),
    code,
    name: code ? rankNames[code] ?? null : null,
    tmt: date(item, 'tmtGolongan'),
    decree: { number: text(item, 'skNomor'), date: date(item, 'skTanggal') },
    promotionType: text(item, 'jenisKPNama'),
    serviceYears: integer(item, 'masaKerjaGolonganTahun'),
    serviceMonths: integer(item, 'masaKerjaGolonganBulan'),
  };
}

function positionHistoryItem(item: SiasnRecord) {
  return {
    id: required(item, 'id'),
    type: positionType(text(item, 'jenisJabatan')),
    name: text(item, 'namaJabatan') ?? text(item, 'jabatanFungsionalNama') ?? text(item, 'jabatanFungsionalUmumNama'),
    tmt: date(item, 'tmtJabatan'),
    inaugurationDate: date(item, 'tmtPelantikan'),
    echelon: text(item, 'eselon'),
    unit: { id: text(item, 'unorId'), name: text(item, 'unorNama') ?? text(item, 'namaUnor') },
    agency: { id: text(item, 'instansiKerjaId'), name: text(item, 'instansiKerjaNama') },
    decree: { number: text(item, 'nomorSk'), date: date(item, 'tanggalSk') },
  };
}

function educationHistoryItem(item: SiasnRecord) {
  return {
    id: required(item, 'id'),
    level: text(item, 'tkPendidikanNama'),
    name: text(item, 'pendidikanNama'),
    institution: text(item, 'namaSekolah'),
    graduationYear: integer(item, 'tahunLulus'),
    graduationDate: date(item, 'tglLulus'),
    certificateNumber: text(item, 'nomorIjasah'),
    firstEducation: text(item, 'isPendidikanPertama') === '1',
  };
}

// --- read operations -----------------------------------------------------------------------------

/** `GET /pns/<resource>/<nip>` below the API base; the NIP is checked first. */
function siasnRead(resource: string, call: AdapterCall<BknSettings>): UpstreamRequest {
  const nip = requireValidNip(call.params.nip ?? '', 'path');
  return { method: 'GET', path: `/pns/${resource}/${nip}`, headers: { accept: 'application/json' } };
}

/** A history answer: `{nip, items}`, newest first (SIASN's own order is not documented). */
function history<T>(response: UpstreamResponse, call: AdapterCall<BknSettings>, what: string, item: (record: SiasnRecord) => T, dateOf: (item: T) => string | null): CanonicalResponse {
  const items = asList(readEnvelope(response), what).map(item);
  return { status: 200, body: { nip: call.params.nip, items: newestFirst(items, dateOf) } };
}

export const readMappings: Record<string, OperationMapping<BknSettings>> = {
  getEmployee: {
    toUpstream: (call) => siasnRead('data-utama', call),
    fromUpstream: (response) => ({ status: 200, body: employeeFrom(asRecord(readEnvelope(response), 'data-utama')) }),
  },
  listRankHistory: {
    toUpstream: (call) => siasnRead('rw-golongan', call),
    fromUpstream: (response, call) => history(response, call, 'rw-golongan', rankHistoryItem, (item) => item.tmt),
  },
  listPositionHistory: {
    toUpstream: (call) => siasnRead('rw-jabatan', call),
    fromUpstream: (response, call) => history(response, call, 'rw-jabatan', positionHistoryItem, (item) => item.tmt),
  },
  listEducationHistory: {
    toUpstream: (call) => siasnRead('rw-pendidikan', call),
    fromUpstream: (response, call) => history(response, call, 'rw-pendidikan', educationHistoryItem, (item) => item.graduationDate ?? (item.graduationYear === null ? null : `${item.graduationYear}-12-31`)),
  },
};

// --- savePosition: POST /jabatan/save ------------------------------------------------------------

/** The canonical request (already checked against contracts/bkn/schemas/position-change.json). */
export interface PositionChange {
  nip: string;
  type: PositionType;
  positionId?: string;
  echelonId?: string;
  unitId: string;
  decree: { number: string; date: string };
  tmt: string;
  inaugurationDate?: string | null;
}

/** What the save needs from the employee's data-utama: SIASN's own person id and instansi. */
export interface EmployeeRef { pnsId: string; instansiId: string; satuanKerjaId: string }

export function positionChangeFrom(call: AdapterCall<BknSettings>): PositionChange {
  const change = call.body as PositionChange;
  requireValidNip(change.nip, 'body');
  return change;
}

/** The data-utama lookup that precedes a save, and the references read from its answer. */
export const employeeLookup = {
  toUpstream: (nip: string): UpstreamRequest => ({ method: 'GET', path: `/pns/data-utama/${nip}`, headers: { accept: 'application/json' } }),
  fromUpstream(response: UpstreamResponse): EmployeeRef {
    const data = asRecord(readEnvelope(response), 'data-utama');
    return { pnsId: required(data, 'id'), instansiId: required(data, 'instansiKerjaId'), satuanKerjaId: text(data, 'satuanKerjaKerjaId') ?? '' };
  },
};

export const savePositionMapping = {
  toUpstream(change: PositionChange, employee: EmployeeRef): UpstreamRequest {
    // SIASN takes every id field on every save; the ones that do not apply are sent empty, as its own clients do.
    const body = {
      eselonId: change.type === 'struktural' ? change.echelonId ?? '' : '',
      instansiId: employee.instansiId,
      jabatanFungsionalId: change.type === 'fungsional' ? change.positionId ?? '' : '',
      jabatanFungsionalUmumId: change.type === 'pelaksana' ? change.positionId ?? '' : '',
      jenisJabatan: positionTypeCodes[change.type],
      nomorSk: change.decree.number,
      pnsId: employee.pnsId,
      satuanKerjaId: employee.satuanKerjaId,
      tanggalSk: siasnFromIso(change.decree.date),
      tmtJabatan: siasnFromIso(change.tmt),
      tmtPelantikan: change.inaugurationDate ? siasnFromIso(change.inaugurationDate) : '',
      unorId: change.unitId,
    };
    return { method: 'POST', path: '/jabatan/save', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body) };
  },
  fromUpstream(response: UpstreamResponse, change: PositionChange): CanonicalResponse {
    const answer = writeAnswer(response);
    const id = answer.mapData.rwJabatanId;
    if (typeof id !== 'string' || id === '') throw upstreamInvalid(system, 'the save answer has no mapData.rwJabatanId');
    return { status: 201, body: { id, nip: change.nip, status: 'saved', message: answer.message } };
  },
};
