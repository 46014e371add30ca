import type { LegalDocument } from './legal-document.ts';

/**
 * The document the demo registers at start (as the legal division's JDIH application would), so
 * that the contract's documented read (`GET /jdihn/v1/dokumen/perda-2019-2`) answers as printed
 * and the harvester finds a feed. Demo data: the number and title stand for a real regional
 * regulation, not one.
 */
export const demoDocument: LegalDocument = {
  id: 'perda-2019-2',
  type: 'Peraturan Daerah',
  typeAbbreviation: 'Perda',
  number: '2',
  year: 2019,
  title: 'Peraturan Daerah Kabupaten Kuantan Singingi Nomor 2 Tahun 2019 tentang Penyelenggaraan Komunikasi dan Informatika (contoh demo)',
  enactedOn: '2019-03-11',
  promulgatedOn: '2019-03-12',
  place: 'Teluk Kuantan',
  source: 'Lembaran Daerah Kabupaten Kuantan Singingi Tahun 2019 Nomor 2',
  subjects: ['KOMUNIKASI DAN INFORMATIKA', 'PEMERINTAHAN DAERAH'],
  status: 'berlaku',
  language: 'Indonesia',
  legalField: 'Hukum Administrasi Negara',
  corporateAuthor: 'Kabupaten Kuantan Singingi',
  document: { fileName: 'perda-2-2019.pdf', url: 'https://jdih.kuansing.go.id/storage/dokumen/perda-2-2019.pdf' },
  detailUrl: 'https://jdih.kuansing.go.id/dokumen/perda-2019-2',
};
