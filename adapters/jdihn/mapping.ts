import type { LegalDocument } from './legal-document.ts';

/**
 * One record of the JDIHN integration feed, in the field order of the JDIHN integration template
 * (see docs/integrations/jdihn.md for the sources). Every value is a string, as the template's
 * PHP emits them; fields that do not apply to the document are "-".
 */
export interface JdihnRecord {
  idData: string;
  tahun_pengundangan: string;
  tanggal_penetapan: string;
  tanggal_pengundangan: string;
  jenis: string;
  noPeraturan: string;
  judul: string;
  noPanggil: string;
  singkatanJenis: string;
  tempatTerbit: string;
  penerbit: string;
  deskripsiFisik: string;
  sumber: string;
  subjek: string;
  isbn: string;
  status: 'Berlaku' | 'Tidak Berlaku';
  bahasa: string;
  bidangHukum: string;
  teuBadan: string;
  nomorIndukBuku: string;
  fileDownload: string;
  urlDownload: string;
  urlDetailPeraturan: string;
  operasi: string;
  display: string;
}

/** What the JDIHN template puts in a field that does not apply (library fields of a regulation). */
export const notApplicable = '-';

/** Every member feed sends these two constants ("wajib ada" in the template); see the docs page. */
export const operasi = '4';
export const display = '1';

/** Several subjects in one `subjek` string (assumption: JDIHN takes one free-text keyword field). */
export const subjectSeparator = ' - ';

const statusLabel: Record<LegalDocument['status'], JdihnRecord['status']> = {
  berlaku: 'Berlaku',
  'tidak-berlaku': 'Tidak Berlaku',
};

/** The canonical document as a JDIHN feed record. Pure: the golden fixtures pin it. */
export function toJdihnRecord(document: LegalDocument): JdihnRecord {
  const library = document.library ?? {};
  return {
    idData: document.id,
    tahun_pengundangan: String(document.year),
    tanggal_penetapan: document.enactedOn ?? notApplicable,
    tanggal_pengundangan: document.promulgatedOn,
    jenis: document.type,
    noPeraturan: document.number ?? notApplicable,
    judul: document.title,
    noPanggil: library.callNumber ?? notApplicable,
    singkatanJenis: document.typeAbbreviation,
    tempatTerbit: document.place,
    penerbit: library.publisher ?? notApplicable,
    deskripsiFisik: library.physicalDescription ?? notApplicable,
    sumber: document.source,
    subjek: document.subjects.join(subjectSeparator),
    isbn: library.isbn ?? notApplicable,
    status: statusLabel[document.status],
    bahasa: document.language,
    bidangHukum: document.legalField,
    teuBadan: document.corporateAuthor,
    nomorIndukBuku: library.bookNumber ?? notApplicable,
    fileDownload: document.document.fileName,
    urlDownload: document.document.url,
    urlDetailPeraturan: document.detailUrl,
    operasi,
    display,
  };
}

/** The whole feed body: a bare JSON array, as JDIHN's harvester reads a member's `/integrasi`. */
export function renderFeed(documents: readonly LegalDocument[]): Buffer {
  return Buffer.from(JSON.stringify(documents.map(toJdihnRecord)));
}
