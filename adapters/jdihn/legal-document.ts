import { Problem } from '../../gateway/adapter-api/index.ts';

/**
 * The canonical legal document the legal division's JDIH application registers
 * (`contracts/jdihn/schemas/legal-document.json` is its JSON Schema; the gateway has checked the
 * shape before the adapter sees it). Field names are English; their JDIHN names are in `mapping.ts`.
 */
export interface LegalDocument {
  /** Stable key chosen by the JDIH application; becomes `idData`. */
  id: string;
  /** Jenis / bentuk peraturan, e.g. `Peraturan Bupati`. */
  type: string;
  /** Singkatan jenis, e.g. `Perbup`. */
  typeAbbreviation: string;
  /** Nomor peraturan; required for regulations. */
  number?: string;
  /** Tahun pengundangan (for a monograph: year of publication). */
  year: number;
  title: string;
  /** Tanggal penetapan; required for regulations. */
  enactedOn?: string;
  /** Tanggal pengundangan (for a monograph: date of publication). */
  promulgatedOn: string;
  /** Tempat penetapan / terbit. */
  place: string;
  /** Sumber, e.g. `Berita Daerah Kabupaten Kuantan Singingi Tahun 2020 Nomor 33`. */
  source: string;
  /** Subjek: keywords. */
  subjects: string[];
  status: 'berlaku' | 'tidak-berlaku';
  /** Bahasa, e.g. `Indonesia`. */
  language: string;
  /** Bidang hukum, e.g. `Hukum Administrasi Negara`. */
  legalField: string;
  /** T.E.U. badan (tajuk entri utama), e.g. `Kabupaten Kuantan Singingi`. */
  corporateAuthor: string;
  document: { fileName: string; url: string };
  /** The document's page on the region's JDIH site. */
  detailUrl: string;
  /** Catalogue fields of a non-regulation document (monograph, article); absent for regulations. */
  library?: {
    callNumber?: string;
    publisher?: string;
    physicalDescription?: string;
    isbn?: string;
    bookNumber?: string;
  };
}

export interface FieldError { in: 'path' | 'body'; pointer: string; message: string }

/**
 * The rules the JSON Schema cannot state: the dates in order and the year that of promulgation
 * (the feed's `tahun_pengundangan`), and on PUT the body's id that of the path.
 */
export function semanticErrors(document: LegalDocument, pathId?: string): FieldError[] {
  const errors: FieldError[] = [];
  if (pathId !== undefined && document.id !== pathId) {
    errors.push({ in: 'body', pointer: '/id', message: `must equal the id in the path (${pathId})` });
  }
  // ISO dates compare correctly as strings; the schema has already checked them as real dates.
  if (document.enactedOn !== undefined && document.promulgatedOn < document.enactedOn) {
    errors.push({ in: 'body', pointer: '/promulgatedOn', message: `must not be before enactedOn (${document.enactedOn})` });
  }
  const promulgationYear = Number(document.promulgatedOn.slice(0, 4));
  if (document.year !== promulgationYear) {
    errors.push({ in: 'body', pointer: '/year', message: `must be the year of promulgatedOn (${promulgationYear})` });
  }
  return errors;
}

/** Throws CONTRACT_VALIDATION_FAILED listing every broken rule; nothing is stored then. */
export function assertStorable(document: LegalDocument, contractId: string, pathId?: string): void {
  const errors = semanticErrors(document, pathId);
  if (errors.length === 0) return;
  throw new Problem('CONTRACT_VALIDATION_FAILED', `The request violates contract ${contractId} (${errors.length} ${errors.length === 1 ? 'error' : 'errors'}).`, { errors });
}
