/**
 * A few regions with their Kemendagri codes (kode wilayah administrasi pemerintahan): the provinces
 * and regencies of the four regulations this project implements, and Kotawaringin Barat, the
 * contract's example. Demo data for the simulator, not a copy of the reference.
 */
export interface Wilayah {
  kode: string;
  nama: string;
  tingkat: 'provinsi' | 'kabupaten' | 'kota';
  /** Code of the province a regency belongs to. */
  induk?: string;
  ibukota?: string;
}

export const wilayah: readonly Wilayah[] = [
  { kode: '14', nama: 'Riau', tingkat: 'provinsi', ibukota: 'Pekanbaru' },
  { kode: '19', nama: 'Kepulauan Bangka Belitung', tingkat: 'provinsi', ibukota: 'Pangkalpinang' },
  { kode: '61', nama: 'Kalimantan Barat', tingkat: 'provinsi', ibukota: 'Pontianak' },
  { kode: '62', nama: 'Kalimantan Tengah', tingkat: 'provinsi', ibukota: 'Palangka Raya' },
  { kode: '64', nama: 'Kalimantan Timur', tingkat: 'provinsi', ibukota: 'Samarinda' },
  { kode: '14.09', nama: 'Kabupaten Kuantan Singingi', tingkat: 'kabupaten', induk: '14', ibukota: 'Teluk Kuantan' },
  { kode: '19.03', nama: 'Kabupaten Bangka Selatan', tingkat: 'kabupaten', induk: '19', ibukota: 'Toboali' },
  { kode: '61.05', nama: 'Kabupaten Sintang', tingkat: 'kabupaten', induk: '61', ibukota: 'Sintang' },
  { kode: '62.01', nama: 'Kabupaten Kotawaringin Barat', tingkat: 'kabupaten', induk: '62', ibukota: 'Pangkalan Bun' },
  { kode: '64.11', nama: 'Kabupaten Mahakam Ulu', tingkat: 'kabupaten', induk: '64', ibukota: 'Ujoh Bilang' },
];
