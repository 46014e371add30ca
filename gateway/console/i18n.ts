/*
 * The console's words and formats. Bahasa Indonesia is the default (Pasal 33(5) of 004: in the
 * users' language); English is one switch away and remembered in a cookie. Times are shown in the
 * region's time zone (config `timezone`, Asia/Jakarta: WIB), numbers and dates in the language's
 * own formats (1.234,5 and 7 Des 2026 in Indonesian).
 */

export const languages = ['id', 'en'] as const;
export type Language = (typeof languages)[number];

export const isLanguage = (value: unknown): value is Language => languages.includes(value as Language);

const id = {
  appName: 'Penghubung: konsol operasional',
  skip: 'Langsung ke isi',
  navHome: 'Beranda', navTraffic: 'Lalu lintas', navServices: 'Layanan', navApprovals: 'Persetujuan', navAudit: 'Audit', navReport: 'Laporan',
  signOut: 'Keluar', signedInAs: 'Masuk sebagai', language: 'Bahasa', switchTo: 'English',
  signInTitle: 'Masuk', signInLead: 'Konsol ini untuk operator, admin dan pemberi persetujuan Dinas. Masuk dengan akun SSO Anda.', signInButton: 'Masuk dengan SSO',
  signInFailed: 'Proses masuk gagal: {reason}. Silakan coba lagi.',
  notConfigured: 'Konsol belum dikonfigurasi: isi console.clientSecret pada konfigurasi gateway (lihat docs/console.md).',
  noRole: 'Akun Anda tidak memiliki peran Penghubung (penghubung-ops, penghubung-admin atau penghubung-approver).',
  forbidden: 'Halaman ini memerlukan peran {roles}.',
  notFound: 'Halaman tidak ditemukan.',
  csrfFailed: 'Formulir ini kedaluwarsa atau tidak berasal dari konsol. Muat ulang halaman lalu coba lagi.',
  error: 'Terjadi kesalahan', errorLead: 'Permintaan tidak dapat diselesaikan.',
  // Home and warnings
  warnings: 'Peringatan', noWarnings: 'Tidak ada peringatan. Semua berjalan normal.',
  warnCertificate: 'Sertifikat {owner} (serial {serial}) berakhir {when}.',
  warnCertificateExpired: 'Sertifikat {owner} (serial {serial}) sudah berakhir {when}.',
  warnAgreement: 'PKS {agreement} dengan {partner} berakhir {when}.',
  warnAgreementExpired: 'PKS {agreement} dengan {partner} sudah berakhir {when}.',
  warnBreaker: 'Pemutus sirkuit layanan hulu {upstream} {state}: permintaan ke sana ditolak.',
  warnQuota: 'Mitra {partner} (PKS {agreement}) telah memakai {used} dari kuota harian {quota} ({percent}).',
  warnRateLimited: 'Aplikasi {consumer} ditolak batas laju {count} kali dalam satu jam terakhir.',
  warnParked: '{count} pengiriman berhenti (parked) dan menunggu tindakan operator.',
  warnSpooling: 'Log lalu lintas tidak dapat menulis ke penyimpanan: {files} berkas menunggu di spool.',
  warnStore: 'Penyimpanan tidak dapat dijangkau.',
  lastHour: 'Satu jam terakhir', exchanges: 'Pertukaran', errorRate: 'Tingkat galat', p95: 'p95',
  // Traffic
  trafficTitle: 'Log lalu lintas', filter: 'Saring', reset: 'Atur ulang', from: 'Dari', to: 'Sampai',
  caller: 'Aplikasi PD / mitra', contract: 'Kontrak', operation: 'Operasi', statusClass: 'Kelas status', errorCode: 'Kode galat', requestId: 'ID permintaan',
  any: '(semua)', time: 'Waktu', status: 'Status', duration: 'Durasi', method: 'Metode', path: 'Path',
  noRows: 'Tidak ada pertukaran yang cocok.', nextPage: 'Halaman berikutnya', firstPage: 'Halaman pertama',
  live: 'Langsung', liveTail: 'Pantauan langsung', pause: 'Jeda', resume: 'Lanjutkan', liveHint: 'Pertukaran baru muncul di sini begitu tercatat, dengan saringan yang sama.',
  liveConnecting: 'menghubungkan…', livePaused: 'dijeda', liveOn: 'tersambung',
  detailTitle: 'Rincian pertukaran', exchangeId: 'ID pertukaran', listener: 'Listener', consumer: 'Aplikasi PD', partner: 'Mitra', agreement: 'PKS',
  certificate: 'Sertifikat (sidik jari)', timings: 'Waktu proses', totalMs: 'Total', upstreamMs: 'Layanan hulu', gatewayMs: 'Gateway sendiri',
  sizes: 'Ukuran', bytesIn: 'Diterima', bytesOut: 'Dikirim', hashes: 'Hash SHA-256', requestHash: 'Badan permintaan', responseHash: 'Badan jawaban',
  clientAddress: 'Alamat klien', traceId: 'Trace', receipt: 'Tanda terima', noReceipt: 'Tidak ada tanda terima untuk pertukaran ini.', back: 'Kembali',
  // Services
  servicesTitle: 'Tingkat layanan', window: 'Rentang', windowHour: 'Satu jam', windowDay: 'Satu hari', windowWeek: 'Satu minggu', windowMonth: 'Satu bulan',
  perContract: 'Per kontrak', perUpstream: 'Per layanan hulu', volume: 'Volume', availability: 'Ketersediaan', target: 'Target', compliant: 'Sesuai', breach: 'Melanggar',
  noTarget: 'tanpa target', breaker: 'Pemutus', refusals: 'Penolakan batas', parked: 'Parked', upstream: 'Layanan hulu', noTraffic: 'tanpa lalu lintas',
  breakerClosed: 'tertutup', breakerOpen: 'terbuka', breakerHalfOpen: 'setengah terbuka',
  servicesUnavailable: 'Ringkasan layanan belum tersedia pada gateway ini.',
  chartVolume: 'Volume', chartErrors: 'Galat 5xx', chartP95: 'p95 (md)',
  // Approvals
  approvalsTitle: 'Persetujuan kontrak', noApprovals: 'Tidak ada versi kontrak yang menunggu persetujuan.', version: 'Versi', submittedBy: 'Diajukan oleh',
  changesFromActive: 'Perubahan dari versi aktif {version}', newContract: 'Kontrak baru: belum ada versi aktif.', noChanges: 'Tidak ada perubahan isi.',
  letterNumber: 'Nomor surat rekomendasi', letterDate: 'Tanggal surat', note: 'Catatan', approve: 'Setujui', reject: 'Tolak',
  approved: 'Versi {version} kontrak {contract} disetujui.', rejected: 'Versi {version} kontrak {contract} ditolak dan kembali menjadi draf.',
  onlyApprovers: 'Hanya pemberi persetujuan (penghubung-approver) yang dapat menyetujui atau menolak.',
  // Audit
  auditTitle: 'Jejak audit', actor: 'Pelaku', action: 'Tindakan', object: 'Objek', before: 'Sebelum', after: 'Sesudah', noAudit: 'Tidak ada catatan audit yang cocok.',
  // Report
  reportTitle: 'Laporan SPBE berkala', reportLead: 'Laporan pemantauan layanan interoperabilitas untuk Bupati dan Tim Koordinasi SPBE.', makeReport: 'Buat laporan', format: 'Format',
  // Formats
  never: '—', days: '{n} hari lagi', daysAgo: '{n} hari lalu',
} as const;

export type TextKey = keyof typeof id;

const en: Record<TextKey, string> = {
  appName: 'Penghubung: operations console',
  skip: 'Skip to content',
  navHome: 'Home', navTraffic: 'Traffic', navServices: 'Services', navApprovals: 'Approvals', navAudit: 'Audit', navReport: 'Report',
  signOut: 'Sign out', signedInAs: 'Signed in as', language: 'Language', switchTo: 'Bahasa Indonesia',
  signInTitle: 'Sign in', signInLead: 'This console is for the Dinas\' operators, administrators and approvers. Sign in with your SSO account.', signInButton: 'Sign in with SSO',
  signInFailed: 'Sign-in failed: {reason}. Please try again.',
  notConfigured: 'The console is not configured: set console.clientSecret in the gateway configuration (see docs/console.md).',
  noRole: 'Your account has no Penghubung role (penghubung-ops, penghubung-admin or penghubung-approver).',
  forbidden: 'This page needs the role {roles}.',
  notFound: 'Page not found.',
  csrfFailed: 'This form has expired or did not come from the console. Reload the page and try again.',
  error: 'Something went wrong', errorLead: 'The request could not be completed.',
  warnings: 'Warnings', noWarnings: 'No warnings. Everything runs normally.',
  warnCertificate: 'Certificate of {owner} (serial {serial}) expires {when}.',
  warnCertificateExpired: 'Certificate of {owner} (serial {serial}) expired {when}.',
  warnAgreement: 'Agreement {agreement} with {partner} ends {when}.',
  warnAgreementExpired: 'Agreement {agreement} with {partner} ended {when}.',
  warnBreaker: 'The circuit breaker of upstream {upstream} is {state}: calls to it are refused.',
  warnQuota: 'Partner {partner} (agreement {agreement}) has used {used} of its daily quota of {quota} ({percent}).',
  warnRateLimited: 'Application {consumer} was refused by its rate limit {count} times in the last hour.',
  warnParked: '{count} deliveries are parked and wait for an operator.',
  warnSpooling: 'The traffic log cannot write to the store: {files} files wait in the spool.',
  warnStore: 'The store cannot be reached.',
  lastHour: 'Last hour', exchanges: 'Exchanges', errorRate: 'Error rate', p95: 'p95',
  trafficTitle: 'Traffic log', filter: 'Filter', reset: 'Reset', from: 'From', to: 'To',
  caller: 'PD application / partner', contract: 'Contract', operation: 'Operation', statusClass: 'Status class', errorCode: 'Error code', requestId: 'Request id',
  any: '(any)', time: 'Time', status: 'Status', duration: 'Duration', method: 'Method', path: 'Path',
  noRows: 'No exchange matches.', nextPage: 'Next page', firstPage: 'First page',
  live: 'Live', liveTail: 'Live tail', pause: 'Pause', resume: 'Resume', liveHint: 'New exchanges appear here as soon as they are logged, with the same filters.',
  liveConnecting: 'connecting…', livePaused: 'paused', liveOn: 'connected',
  detailTitle: 'Exchange detail', exchangeId: 'Exchange id', listener: 'Listener', consumer: 'PD application', partner: 'Partner', agreement: 'Agreement',
  certificate: 'Certificate (fingerprint)', timings: 'Timings', totalMs: 'Total', upstreamMs: 'Upstream', gatewayMs: 'Gateway itself',
  sizes: 'Sizes', bytesIn: 'Received', bytesOut: 'Sent', hashes: 'SHA-256 hashes', requestHash: 'Request body', responseHash: 'Response body',
  clientAddress: 'Client address', traceId: 'Trace', receipt: 'Receipt', noReceipt: 'No receipt for this exchange.', back: 'Back',
  servicesTitle: 'Service levels', window: 'Window', windowHour: 'One hour', windowDay: 'One day', windowWeek: 'One week', windowMonth: 'One month',
  perContract: 'Per contract', perUpstream: 'Per upstream', volume: 'Volume', availability: 'Availability', target: 'Target', compliant: 'Met', breach: 'Breached',
  noTarget: 'no target', breaker: 'Breaker', refusals: 'Limit refusals', parked: 'Parked', upstream: 'Upstream', noTraffic: 'no traffic',
  breakerClosed: 'closed', breakerOpen: 'open', breakerHalfOpen: 'half open',
  servicesUnavailable: 'The service summary is not available on this gateway yet.',
  chartVolume: 'Volume', chartErrors: '5xx errors', chartP95: 'p95 (ms)',
  approvalsTitle: 'Contract approvals', noApprovals: 'No contract version awaits approval.', version: 'Version', submittedBy: 'Submitted by',
  changesFromActive: 'Changes from the active version {version}', newContract: 'A new contract: no active version yet.', noChanges: 'No change in content.',
  letterNumber: 'Recommendation letter number', letterDate: 'Letter date', note: 'Note', approve: 'Approve', reject: 'Reject',
  approved: 'Version {version} of contract {contract} approved.', rejected: 'Version {version} of contract {contract} rejected; it is a draft again.',
  onlyApprovers: 'Only approvers (penghubung-approver) can approve or reject.',
  auditTitle: 'Audit trail', actor: 'Actor', action: 'Action', object: 'Object', before: 'Before', after: 'After', noAudit: 'No audit entry matches.',
  reportTitle: 'Periodic SPBE report', reportLead: 'The monitoring report of the interoperability services for the Bupati and the SPBE coordination team.', makeReport: 'Make the report', format: 'Format',
  never: '—', days: 'in {n} days', daysAgo: '{n} days ago',
};

const dictionaries: Record<Language, Record<TextKey, string>> = { id, en };

/** A circuit breaker's state (resilience/breakers.ts) in words. */
export const breakerWords: Record<'closed' | 'open' | 'half-open', TextKey> = { closed: 'breakerClosed', open: 'breakerOpen', 'half-open': 'breakerHalfOpen' };

/** The words of one language, with `{name}` placeholders filled. */
export type Translate = (key: TextKey, values?: Record<string, string | number>) => string;

/** How one person sees the console: words, number and time formats in their language, in the region's zone. */
export interface Locale {
  language: Language;
  t: Translate;
  number(value: number, fractionDigits?: number): string;
  percent(ratio: number, fractionDigits?: number): string;
  /** Date and time with the zone's abbreviation (WIB), e.g. `7 Des 2026, 14.05.09 WIB`. */
  dateTime(value: string | Date): string;
  date(value: string | Date): string;
}

export function localeOf(language: Language, timeZone: string): Locale {
  const words = dictionaries[language];
  const tag = language === 'id' ? 'id-ID' : 'en-GB';
  const numbers = new Map<number, Intl.NumberFormat>();
  const numberFormat = (digits: number) => {
    let format = numbers.get(digits);
    if (!format) numbers.set(digits, (format = new Intl.NumberFormat(tag, { maximumFractionDigits: digits, minimumFractionDigits: 0 })));
    return format;
  };
  const dateTime = new Intl.DateTimeFormat(tag, { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
  const date = new Intl.DateTimeFormat(tag, { timeZone, day: 'numeric', month: 'long', year: 'numeric' });
  return {
    language,
    t: (key, values = {}) => words[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole)),
    number: (value, fractionDigits = 0) => numberFormat(fractionDigits).format(value),
    percent: (ratio, fractionDigits = 2) => `${numberFormat(fractionDigits).format(ratio * 100)}%`,
    dateTime: (value) => wib(dateTime.format(new Date(value)), timeZone),
    date: (value) => date.format(new Date(value)),
  };
}

/**
 * Intl names Indonesia's zones by offset (GMT+7) in most locales; people say WIB, WITA and WIT
 * (the names Keppres 41 of 1987 gives them), so those are written instead.
 */
function wib(text: string, timeZone: string): string {
  const names: Record<string, string> = { 'Asia/Jakarta': 'WIB', 'Asia/Pontianak': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Jayapura': 'WIT' };
  const name = names[timeZone];
  return name ? text.replace(/\s?(GMT|UTC)[+-]\d+(:\d+)?$/, ` ${name}`) : text;
}
