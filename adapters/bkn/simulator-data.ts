// The simulated SIASN's data: three civil servants of the Pemda, their histories, and the
// reference entries (unor, positions, echelons) a position change is checked against. Field names
// and formats are SIASN's (dd-mm-yyyy dates, blanks as "", "-" or null); the people are invented.
// The NIPs of the contract examples (contracts/bkn/bkn-siasn.yaml) are here.

export type SiasnRecord = Record<string, string | number | null>;

export interface SimEmployee {
  dataUtama: SiasnRecord;
  rwGolongan: SiasnRecord[] | null;
  rwJabatan: SiasnRecord[];
  rwPendidikan: SiasnRecord[] | null;
}

export const instansi = { id: 'A5EB03E2421EF6A0E040640A040252AD', nama: 'Pemerintah Kab. Kuantan Singingi' };
const satuanKerja = { id: 'A5EB03E2430BF6A0E040640A040252AD', nama: 'Pemerintah Kab. Kuantan Singingi' };

/** Unit organisasi of the Pemda known to the simulated SIASN (`unorId` of a save must be one). */
export const unors: Record<string, { nama: string; indukNama: string }> = {
  '8AE483A67E0A1B2C017E0B3D5F6A0011': { nama: 'Bidang Aplikasi Informatika', indukNama: 'Dinas Komunikasi dan Informatika' },
  '8AE483A67E0A1B2C017E0B3D5F6A0012': { nama: 'Bidang Persandian dan Statistik', indukNama: 'Dinas Komunikasi dan Informatika' },
  '8AE483A67E0A1B2C017E0B3D5F6A0021': { nama: 'Subbagian Umum dan Kepegawaian', indukNama: 'Badan Kepegawaian dan Pengembangan Sumber Daya Manusia' },
  '8AE483A67E0A1B2C017E0B3D5F6A0022': { nama: 'Bidang Pengadaan, Pemberhentian dan Informasi', indukNama: 'Badan Kepegawaian dan Pengembangan Sumber Daya Manusia' },
  '8AE483A67E0A1B2C017E0B3D5F6A0031': { nama: 'Sekretariat Dinas Kesehatan', indukNama: 'Dinas Kesehatan' },
};

/** Jabatan fungsional tertentu (`jabatanFungsionalId`). */
export const jabatanFungsional: Record<string, string> = {
  '8AE4828746B7E2F40146B8A0C2D10101': 'Pranata Komputer Ahli Pertama',
  '8AE4828746B7E2F40146B8A0C2D10102': 'Pranata Komputer Ahli Muda',
  '8AE4828746B7E2F40146B8A0C2D10201': 'Statistisi Ahli Muda',
};

/** Jabatan pelaksana / fungsional umum (`jabatanFungsionalUmumId`). */
export const jabatanPelaksana: Record<string, string> = {
  '8AE4828746B7E2F40146B8A0C2D20101': 'Pengelola Data',
  '8AE4828746B7E2F40146B8A0C2D20102': 'Pengadministrasi Perkantoran',
};

/** Eselon (`eselonId`) of jabatan struktural. */
export const eselon: Record<string, string> = { '41': 'IV.a', '42': 'IV.b', '32': 'III.b' };

function dataUtama(fields: SiasnRecord): SiasnRecord {
  return {
    nipLama: null, agama: 'Islam', jenisPegawaiId: '4', jenisPegawaiNama: 'PNS Daerah Kab/Kota', kedudukanPnsId: '01', kedudukanPnsNama: 'Aktif',
    statusPegawai: 'PNS', instansiIndukId: instansi.id, instansiIndukNama: instansi.nama, instansiKerjaId: instansi.id, instansiKerjaNama: instansi.nama,
    satuanKerjaIndukId: satuanKerja.id, satuanKerjaIndukNama: satuanKerja.nama, satuanKerjaKerjaId: satuanKerja.id, satuanKerjaKerjaNama: satuanKerja.nama,
    kanregId: '12', kanregNama: 'Kantor Regional XII BKN Pekanbaru', lokasiKerja: 'Kab. Kuantan Singingi', eselon: '', eselonId: '', tmtEselon: '',
    jabatanStrukturalId: '', jabatanStrukturalNama: '', jabatanFungsionalId: '', jabatanFungsionalNama: '', jabatanFungsionalUmumId: '', jabatanFungsionalUmumNama: '',
    ...fields,
  };
}

export function simEmployees(): Map<string, SimEmployee> {
  const andi: SimEmployee = {
    dataUtama: dataUtama({
      id: 'B7C2E41A9F3D4E0C8A51D6F2E3B4C5A1', nipBaru: '198503152010011003', nama: 'Andi Pratama', gelarDepan: null, gelarBelakang: 'S.Kom.',
      tempatLahir: 'Teluk Kuantan', tglLahir: '15-03-1985', jenisKelamin: 'M', email: 'andi.pratama@example.go.id',
      tmtCpns: '01-01-2010', tglSkCpns: '28-12-2009', tmtPns: '01-03-2011', tglSkPns: '14-02-2011',
      unorId: '8AE483A67E0A1B2C017E0B3D5F6A0011', unorNama: 'Bidang Aplikasi Informatika', unorIndukNama: 'Dinas Komunikasi dan Informatika',
      jenisJabatanId: '2', jenisJabatan: 'Jabatan Fungsional Tertentu', jabatanNama: 'Pranata Komputer Ahli Muda',
      jabatanFungsionalId: '8AE4828746B7E2F40146B8A0C2D10102', jabatanFungsionalNama: 'Pranata Komputer Ahli Muda', tmtJabatan: '02-01-2019',
      golRuangAwalId: '31', golRuangAwal: 'III/a', golRuangAkhirId: '33', golRuangAkhir: 'III/c', pangkatAkhir: 'Penata', tmtGolAkhir: '01-04-2018',
      masaKerja: '14 Tahun 03 Bulan', tkPendidikanTerakhirId: '40', tkPendidikanTerakhir: 'S-1/Sarjana', pendidikanTerakhirNama: 'S-1 Teknik Informatika', tahunLulus: '2008',
    }),
    rwGolongan: [
      { id: 'RG-7F3A-0001', idPns: 'B7C2E41A9F3D4E0C8A51D6F2E3B4C5A1', nipBaru: '198503152010011003', golonganId: '31', golongan: 'III/a', skNomor: '813.3/BKD/2009/051', skTanggal: '28-12-2009', tmtGolongan: '01-01-2010', noPertekBkn: 'AF-12001234', tglPertekBkn: '20-12-2009', jumlahKreditUtama: '0', jumlahKreditTambahan: '0', jenisKPId: '211', jenisKPNama: 'Pengangkatan CPNS', masaKerjaGolonganTahun: '00', masaKerjaGolonganBulan: '00' },
      { id: 'RG-7F3A-0003', idPns: 'B7C2E41A9F3D4E0C8A51D6F2E3B4C5A1', nipBaru: '198503152010011003', golonganId: '33', golongan: 'III/c', skNomor: '823.3/BKPSDM/2018/112', skTanggal: '22-03-2018', tmtGolongan: '01-04-2018', noPertekBkn: '', tglPertekBkn: '', jumlahKreditUtama: '198.5', jumlahKreditTambahan: '12', jenisKPId: '221', jenisKPNama: 'Jabatan Fungsional Tertentu', masaKerjaGolonganTahun: '08', masaKerjaGolonganBulan: '03' },
      { id: 'RG-7F3A-0002', idPns: 'B7C2E41A9F3D4E0C8A51D6F2E3B4C5A1', nipBaru: '198503152010011003', golonganId: '32', golongan: 'III/b', skNomor: '823.3/BKD/2014/087', skTanggal: '20-03-2014', tmtGolongan: '01-04-2014', noPertekBkn: '', tglPertekBkn: '-', jumlahKreditUtama: '0', jumlahKreditTambahan: '0', jenisKPId: '101', jenisKPNama: 'Reguler', masaKerjaGolonganTahun: '04', masaKerjaGolonganBulan: '03' },
    ],
    rwJabatan: [
      { id: 'RJ-1C9E-0001', idPns: 'B7C2E41A9F3D4E0C8A51D6F2E3B4C5A1', nipBaru: '198503152010011003', jenisJabatan: '4', instansiKerjaId: instansi.id, instansiKerjaNama: instansi.nama, satuanKerjaId: satuanKerja.id, satuanKerjaNama: satuanKerja.nama, unorId: '8AE483A67E0A1B2C017E0B3D5F6A0011', unorNama: 'Bidang Aplikasi Informatika', unorIndukNama: 'Dinas Komunikasi dan Informatika', eselon: '', eselonId: '', jabatanFungsionalId: '', jabatanFungsionalNama: '', jabatanFungsionalUmumId: '8AE4828746B7E2F40146B8A0C2D20101', jabatanFungsionalUmumNama: 'Pengelola Data', tmtJabatan: '01-03-2011', nomorSk: '821.2/BKD/2011/020', tanggalSk: '21-02-2011', namaUnor: 'Bidang Aplikasi Informatika', namaJabatan: 'Pengelola Data', tmtPelantikan: '' },
      { id: 'RJ-1C9E-0002', idPns: 'B7C2E41A9F3D4E0C8A51D6F2E3B4C5A1', nipBaru: '198503152010011003', jenisJabatan: '2', instansiKerjaId: instansi.id, instansiKerjaNama: instansi.nama, satuanKerjaId: satuanKerja.id, satuanKerjaNama: satuanKerja.nama, unorId: '8AE483A67E0A1B2C017E0B3D5F6A0011', unorNama: 'Bidang Aplikasi Informatika', unorIndukNama: 'Dinas Komunikasi dan Informatika', eselon: '', eselonId: '', jabatanFungsionalId: '8AE4828746B7E2F40146B8A0C2D10101', jabatanFungsionalNama: 'Pranata Komputer Ahli Pertama', jabatanFungsionalUmumId: '', jabatanFungsionalUmumNama: '', tmtJabatan: '01-10-2014', nomorSk: '821.2/BKD/2014/311', tanggalSk: '24-09-2014', namaUnor: 'Bidang Aplikasi Informatika', namaJabatan: 'Pranata Komputer Ahli Pertama', tmtPelantikan: '01-10-2014' },
      { id: 'RJ-1C9E-0003', idPns: 'B7C2E41A9F3D4E0C8A51D6F2E3B4C5A1', nipBaru: '198503152010011003', jenisJabatan: '2', instansiKerjaId: instansi.id, instansiKerjaNama: instansi.nama, satuanKerjaId: satuanKerja.id, satuanKerjaNama: satuanKerja.nama, unorId: '8AE483A67E0A1B2C017E0B3D5F6A0011', unorNama: 'Bidang Aplikasi Informatika', unorIndukNama: 'Dinas Komunikasi dan Informatika', eselon: '', eselonId: '', jabatanFungsionalId: '8AE4828746B7E2F40146B8A0C2D10102', jabatanFungsionalNama: 'Pranata Komputer Ahli Muda', jabatanFungsionalUmumId: '', jabatanFungsionalUmumNama: '', tmtJabatan: '02-01-2019', nomorSk: '821.2/BKPSDM/2018/402', tanggalSk: '17-12-2018', namaUnor: 'Bidang Aplikasi Informatika', namaJabatan: 'Pranata Komputer Ahli Muda', tmtPelantikan: '-' },
    ],
    rwPendidikan: [
      { id: 'RP-44D0-0001', idPns: 'B7C2E41A9F3D4E0C8A51D6F2E3B4C5A1', nipBaru: '198503152010011003', pendidikanId: 'A1B2', pendidikanNama: 'SMA IPA', tkPendidikanId: '18', tkPendidikanNama: 'SLTA', tahunLulus: '2003', tglLulus: '-', isPendidikanPertama: '0', nomorIjasah: 'DN-04 Ma 0123456', namaSekolah: 'SMA Negeri 1 Teluk Kuantan', gelarDepan: '', gelarBelakang: '' },
      { id: 'RP-44D0-0002', idPns: 'B7C2E41A9F3D4E0C8A51D6F2E3B4C5A1', nipBaru: '198503152010011003', pendidikanId: 'C3D4', pendidikanNama: 'S-1 Teknik Informatika', tkPendidikanId: '40', tkPendidikanNama: 'S-1/Sarjana', tahunLulus: '2008', tglLulus: '30-08-2008', isPendidikanPertama: '1', nomorIjasah: '041/UR/S1/2008', namaSekolah: 'Universitas Riau', gelarDepan: '', gelarBelakang: 'S.Kom.' },
    ],
  };
  const dewi: SimEmployee = {
    dataUtama: dataUtama({
      id: 'C81F0B2D6E4A4F7B9C03A1E5D7F9B2C4', nipBaru: '199012242015032002', nama: 'Dewi Lestari', gelarDepan: 'Dr.', gelarBelakang: 'S.E., M.M.',
      tempatLahir: 'Pekanbaru', tglLahir: '24-12-1990', jenisKelamin: 'F', email: 'dewi.lestari@example.go.id',
      tmtCpns: '01-03-2015', tglSkCpns: '20-02-2015', tmtPns: '01-04-2016', tglSkPns: '18-03-2016',
      unorId: '8AE483A67E0A1B2C017E0B3D5F6A0021', unorNama: 'Subbagian Umum dan Kepegawaian', unorIndukNama: 'Badan Kepegawaian dan Pengembangan Sumber Daya Manusia',
      jenisJabatanId: '1', jenisJabatan: 'Jabatan Struktural', jabatanNama: 'Kepala Subbagian Umum dan Kepegawaian', jabatanStrukturalNama: 'Kepala Subbagian Umum dan Kepegawaian',
      eselon: 'IV.a', eselonId: '41', tmtEselon: '03-01-2022', tmtJabatan: '03-01-2022',
      golRuangAwalId: '32', golRuangAwal: 'III/b', golRuangAkhirId: '34', golRuangAkhir: 'III/d', pangkatAkhir: 'Penata Tingkat I', tmtGolAkhir: '01-10-2023',
      tkPendidikanTerakhirId: '45', tkPendidikanTerakhir: 'S-2', pendidikanTerakhirNama: 'S-2 Magister Manajemen', tahunLulus: '2014',
    }),
    rwGolongan: [
      { id: 'RG-2B81-0001', idPns: 'C81F0B2D6E4A4F7B9C03A1E5D7F9B2C4', nipBaru: '199012242015032002', golonganId: '32', golongan: 'III/b', skNomor: '813.3/BKD/2015/019', skTanggal: '20-02-2015', tmtGolongan: '01-03-2015', noPertekBkn: '', tglPertekBkn: '', jenisKPId: '211', jenisKPNama: 'Pengangkatan CPNS', masaKerjaGolonganTahun: '00', masaKerjaGolonganBulan: '00' },
      { id: 'RG-2B81-0002', idPns: 'C81F0B2D6E4A4F7B9C03A1E5D7F9B2C4', nipBaru: '199012242015032002', golonganId: '34', golongan: 'III/d', skNomor: '823.3/BKPSDM/2023/455', skTanggal: '25-09-2023', tmtGolongan: '01-10-2023', noPertekBkn: '', tglPertekBkn: '', jenisKPId: '101', jenisKPNama: 'Reguler', masaKerjaGolonganTahun: '08', masaKerjaGolonganBulan: '07' },
    ],
    rwJabatan: [
      { id: 'RJ-5A17-0001', idPns: 'C81F0B2D6E4A4F7B9C03A1E5D7F9B2C4', nipBaru: '199012242015032002', jenisJabatan: '1', instansiKerjaId: instansi.id, instansiKerjaNama: instansi.nama, satuanKerjaId: satuanKerja.id, satuanKerjaNama: satuanKerja.nama, unorId: '8AE483A67E0A1B2C017E0B3D5F6A0021', unorNama: 'Subbagian Umum dan Kepegawaian', unorIndukNama: 'Badan Kepegawaian dan Pengembangan Sumber Daya Manusia', eselon: 'IV.a', eselonId: '41', jabatanFungsionalId: '', jabatanFungsionalNama: '', jabatanFungsionalUmumId: '', jabatanFungsionalUmumNama: '', tmtJabatan: '03-01-2022', nomorSk: '821.2/BKPSDM/2021/770', tanggalSk: '28-12-2021', namaUnor: 'Subbagian Umum dan Kepegawaian', namaJabatan: 'Kepala Subbagian Umum dan Kepegawaian', tmtPelantikan: '03-01-2022' },
    ],
    rwPendidikan: [
      { id: 'RP-9E2C-0001', idPns: 'C81F0B2D6E4A4F7B9C03A1E5D7F9B2C4', nipBaru: '199012242015032002', pendidikanId: 'E5F6', pendidikanNama: 'S-1 Manajemen', tkPendidikanId: '40', tkPendidikanNama: 'S-1/Sarjana', tahunLulus: '2012', tglLulus: '15-09-2012', isPendidikanPertama: '1', nomorIjasah: '112/UNRI/2012', namaSekolah: 'Universitas Riau', gelarDepan: '', gelarBelakang: 'S.E.' },
      { id: 'RP-9E2C-0002', idPns: 'C81F0B2D6E4A4F7B9C03A1E5D7F9B2C4', nipBaru: '199012242015032002', pendidikanId: 'G7H8', pendidikanNama: 'S-2 Magister Manajemen', tkPendidikanId: '45', tkPendidikanNama: 'S-2', tahunLulus: '2014', tglLulus: '', isPendidikanPertama: '0', nomorIjasah: '', namaSekolah: 'Universitas Andalas', gelarDepan: '', gelarBelakang: 'M.M.' },
    ],
  };
  const hendra: SimEmployee = {
    dataUtama: dataUtama({
      id: 'D2A9C7E1F0B34D6A8E2C5B7A9F1D3E5C', nipBaru: '197708172005011004', nama: 'Hendra Gunawan', gelarDepan: '', gelarBelakang: 'S.Sos.',
      tempatLahir: 'Taluk Kuantan', tglLahir: '17-08-1977', jenisKelamin: 'M', email: '',
      tmtCpns: '01-01-2005', tglSkCpns: '30-12-2004', tmtPns: '01-02-2006', tglSkPns: '-',
      unorId: '8AE483A67E0A1B2C017E0B3D5F6A0031', unorNama: 'Sekretariat Dinas Kesehatan', unorIndukNama: 'Dinas Kesehatan',
      jenisJabatanId: '4', jenisJabatan: 'Jabatan Fungsional Umum', jabatanNama: 'Pengadministrasi Perkantoran',
      jabatanFungsionalUmumId: '8AE4828746B7E2F40146B8A0C2D20102', jabatanFungsionalUmumNama: 'Pengadministrasi Perkantoran', tmtJabatan: '',
      golRuangAwalId: '22', golRuangAwal: 'II/b', golRuangAkhirId: '32', golRuangAkhir: 'III/b', pangkatAkhir: '', tmtGolAkhir: '01-04-2019',
      tkPendidikanTerakhirId: '40', tkPendidikanTerakhir: 'S-1/Sarjana', pendidikanTerakhirNama: 'S-1 Ilmu Administrasi Negara', tahunLulus: '',
    }),
    rwGolongan: null,
    rwJabatan: [],
    rwPendidikan: null,
  };
  return new Map([andi, dewi, hendra].map((employee) => [String(employee.dataUtama.nipBaru), employee]));
}
