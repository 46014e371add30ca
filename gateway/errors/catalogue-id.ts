import type { ProblemCode } from './catalogue.ts';

/** One code in Bahasa Indonesia. */
export interface IndonesianProblemText {
  title: string;
  /**
   * What the caller is told in place of the throw site's English `detail`: what happened and what
   * to do. `[...]` parts with `{member}` placeholders are filled from the problem's extension
   * members, or left out when a member is absent (detail-template.ts).
   */
  detail: string;
  /** The catalogue's `description` in Indonesian, for docs/errors.md. */
  description: string;
}

/**
 * The catalogue in Bahasa Indonesia, for callers whose `Accept-Language` prefers it. Typed by
 * `ProblemCode` so that a code added to the catalogue without its Indonesian text does not compile.
 */
export const problemCatalogueId: Record<ProblemCode, IndonesianProblemText> = {
  TOKEN_MISSING: {
    title: 'Token akses tidak ada',
    detail: 'Permintaan tidak membawa token akses. Kirim token dari SSO pada header `Authorization: Bearer <token>`; token di query string sengaja diabaikan.',
    description: 'Header `Authorization: Bearer <token>` tidak dikirim. Token di query string sengaja diabaikan. Minta token dari SSO dan kirim pada header tersebut.',
  },
  TOKEN_INVALID: {
    title: 'Token akses tidak sah',
    detail: 'Token akses ditolak: bukan JWT yang ditandatangani SSO dengan algoritme yang diizinkan, atau penerbit, audiens, atau waktu mulai berlakunya tidak sesuai. Minta token baru dari SSO.',
    description: 'Token bukan JWT yang ditandatangani SSO yang dikonfigurasi dengan algoritme yang diizinkan, atau penerbit (issuer), audiens (audience) atau waktu mulai berlakunya (not-before) tidak sesuai. Minta token baru dari SSO.',
  },
  TOKEN_EXPIRED: {
    title: 'Token akses kedaluwarsa',
    detail: 'Masa berlaku token akses telah habis. Minta token baru dari SSO, lalu kirim ulang permintaan.',
    description: 'Waktu `exp` token telah lewat. Minta token baru dari SSO.',
  },
  CONSUMER_UNKNOWN: {
    title: 'Konsumen tidak terdaftar',
    detail: 'Token akses sah, tetapi aplikasinya tidak terdaftar atau tidak aktif sebagai konsumen gateway. Minta Dinas mendaftarkan aplikasi Anda.',
    description: 'Token sah, tetapi kliennya (`azp` / `client_id`) bukan konsumen gateway yang terdaftar dan aktif. Minta Dinas mendaftarkan aplikasi tersebut.',
  },
  SCOPE_DENIED: {
    title: 'Scope tidak diberikan',
    detail: 'Aplikasi Anda tidak memiliki scope yang disyaratkan kontrak untuk operasi ini[ ({missingScopes})]. Pastikan token memuat scope tersebut dan Dinas telah memberikannya kepada aplikasi Anda.',
    description: 'Scope atau peran pada token tidak mencakup scope yang disyaratkan kontrak untuk operasi ini. Properti `missingScopes` menyebutkan scope yang kurang.',
  },
  CLASSIFICATION_DENIED: {
    title: 'Klasifikasi melebihi izin akses',
    detail: 'Klasifikasi data layanan ini lebih tinggi daripada yang diizinkan untuk Anda[ menurut PKS {agreement}] (publik < terbatas < rahasia). Hubungi Dinas bila akses ini memang diperlukan.',
    description: 'Klasifikasi data kontrak lebih tinggi daripada izin akses (clearance) pemanggil, atau, bagi mitra, lebih tinggi daripada klasifikasi tertinggi yang diizinkan perjanjiannya (publik < terbatas < rahasia).',
  },
  FORBIDDEN_ROLE: {
    title: 'Peran diperlukan',
    detail: 'Token Anda tidak memiliki peran yang diperlukan untuk tindakan ini pada API admin[ (salah satu dari: {requiredRoles})]. Minta peran tersebut kepada pengelola SSO Dinas.',
    description: 'API admin memerlukan token yang memuat salah satu peran dalam `requiredRoles` (misalnya `penghubung-ops`).',
  },
  CERTIFICATE_REQUIRED: {
    title: 'Sertifikat klien diperlukan',
    detail: 'Tidak ada sertifikat klien dalam jabat tangan TLS. Sambungkan kembali dengan sertifikat yang ditandatangani atau didaftarkan Dinas untuk Anda.',
    description: 'Listener mitra (dan listener internal dengan `internal.requireClientCert`) memerlukan sertifikat klien dalam jabat tangan TLS. Sambungkan dengan sertifikat yang ditandatangani atau didaftarkan Dinas untuk Anda (curl `--cert`/`--key`).',
  },
  CERTIFICATE_UNTRUSTED: {
    title: 'Sertifikat klien tidak dipercaya',
    detail: 'Sertifikat klien tidak berantai ke CA yang dipercaya gateway atau tidak dapat dipakai untuk autentikasi klien[ (kesalahan verifikasi: {verifyError})]. Gunakan sertifikat dari CA Dinas.',
    description: 'Sertifikat klien tidak berantai ke CA yang dipercaya gateway, atau tidak dapat dipakai untuk autentikasi klien. `verifyError` menyebutkan kesalahan verifikasinya. Gunakan sertifikat dari CA Dinas atau dari CA dalam `external.tls.clientCa`.',
  },
  CERTIFICATE_EXPIRED: {
    title: 'Sertifikat klien kedaluwarsa',
    detail: 'Masa berlaku sertifikat klien telah berakhir. Perbarui sertifikat (CSR baru yang ditandatangani Dinas) dan daftarkan sertifikat yang baru.',
    description: 'Masa berlaku sertifikat klien telah berakhir. Perbarui sertifikat (CSR baru yang ditandatangani Dinas) dan daftarkan yang baru.',
  },
  CERTIFICATE_NOT_YET_VALID: {
    title: 'Sertifikat klien belum berlaku',
    detail: 'Masa berlaku sertifikat klien belum dimulai. Periksa jam pada sistem klien, atau tunggu sampai tanggal mulai berlakunya.',
    description: 'Masa berlaku sertifikat klien belum dimulai. Periksa jam sistem klien, atau tunggu sampai tanggal mulainya.',
  },
  CERTIFICATE_REVOKED: {
    title: 'Sertifikat klien dicabut',
    detail: 'Sertifikat klien tercantum dalam daftar pencabutan (CRL) CA-nya. Minta sertifikat baru kepada Dinas.',
    description: 'Sertifikat klien tercantum dalam daftar pencabutan (CRL) CA-nya. Minta sertifikat baru kepada Dinas.',
  },
  CERTIFICATE_NOT_REGISTERED: {
    title: 'Sertifikat klien tidak terdaftar',
    detail: 'Sertifikat klien sah, tetapi sidik jarinya tidak terdaftar untuk mitra yang aktif atau untuk aplikasi pemanggil. Minta Dinas mendaftarkan sertifikat ini.',
    description: 'Sertifikat sah, tetapi sidik jari SHA-256-nya tidak terdaftar untuk mitra yang aktif (atau, pada listener internal, untuk konsumen pemanggil). Dinas mendaftarkan sertifikat setelah menandatanganinya.',
  },
  PARTNER_SUSPENDED: {
    title: 'Mitra ditangguhkan',
    detail: 'Mitra pemilik sertifikat ini sedang ditangguhkan oleh Dinas. Hubungi Dinas untuk keterangan lebih lanjut.',
    description: 'Mitra pemilik sertifikat ditangguhkan oleh Dinas.',
  },
  NO_AGREEMENT: {
    title: 'Tidak ada perjanjian kerja sama',
    detail: 'Mitra ini belum memiliki perjanjian kerja sama (PKS) dengan pemerintah daerah, padahal setiap panggilan mitra memerlukannya. Hubungi Dinas.',
    description: 'Mitra tidak memiliki perjanjian kerja sama (PKS) dengan daerah. Setiap panggilan mitra memerlukan PKS (Pasal 21-22 Perbup 001).',
  },
  CONTRACT_NOT_COVERED: {
    title: 'Layanan tidak tercakup dalam perjanjian',
    detail: 'Tidak ada PKS mitra ini yang mencakup layanan ini[ (kontrak {contract})]. `GET /openapi.json` pada listener mitra menampilkan layanan yang dicakup PKS Anda yang aktif.',
    description: 'Tidak ada perjanjian mitra yang mencakup kontrak rute ini. `GET /openapi.json` pada listener mitra menampilkan apa saja yang dicakup perjanjian mitra yang aktif.',
  },
  AGREEMENT_NOT_YET_VALID: {
    title: 'Perjanjian belum berlaku',
    detail: 'PKS yang mencakup layanan ini[ ({agreement})] belum berlaku[; berlaku mulai {validFrom}]. Kirim ulang permintaan sejak tanggal mulai berlakunya.',
    description: 'Perjanjian yang mencakup layanan ini baru berlaku kemudian (`validFrom`, tanggal kalender di zona waktu daerah).',
  },
  AGREEMENT_EXPIRED: {
    title: 'Perjanjian telah berakhir',
    detail: 'PKS yang mencakup layanan ini[ ({agreement})] telah berakhir[ pada {validUntil}]. Dinas perlu mendaftarkan PKS yang diperpanjang.',
    description: 'Perjanjian yang mencakup layanan ini telah berakhir (`validUntil`). PKS yang diperpanjang harus didaftarkan oleh Dinas.',
  },
  AGREEMENT_SUSPENDED: {
    title: 'Perjanjian ditangguhkan',
    detail: 'PKS yang mencakup layanan ini[ ({agreement})] sedang ditangguhkan oleh Dinas. Hubungi Dinas untuk keterangan lebih lanjut.',
    description: 'Perjanjian yang mencakup layanan ini ditangguhkan oleh Dinas.',
  },
  AGREEMENT_TERMINATED: {
    title: 'Perjanjian telah diakhiri',
    detail: 'PKS yang mencakup layanan ini[ ({agreement})] telah diakhiri. Layanan ini hanya dapat dipakai lagi dengan PKS baru.',
    description: 'Perjanjian yang mencakup layanan ini telah diakhiri.',
  },
  CONTRACT_NOT_FOUND: {
    title: 'Kontrak tidak ditemukan',
    detail: 'Tidak ada kontrak aktif yang melayani metode dan path ini. `GET /openapi.json` menampilkan layanan yang dapat Anda panggil.',
    description: 'Tidak ada kontrak aktif yang memiliki operasi dengan metode dan path ini. `GET /openapi.json` menampilkan apa saja yang dapat dipanggil pemanggil.',
  },
  CONTRACT_RETIRED: {
    title: 'Kontrak telah dipensiunkan',
    detail: 'Kontrak yang melayani rute ini[ ({contract} versi {version})] telah dipensiunkan oleh Dinas. Versi yang lebih baru mungkin tersedia pada versi mayor lain; lihat `GET /openapi.json`.',
    description: 'Kontrak yang melayani rute ini dipensiunkan oleh Dinas dan tidak melayani lagi; versi yang lebih baru mungkin ada pada versi mayor lain (`GET /openapi.json` menampilkan apa saja yang dapat dipanggil pemanggil). Sebelum dipensiunkan, jawabannya membawa header `Deprecation` dan `Sunset`.',
  },
  CONTRACT_VERSION_NOT_FOUND: {
    title: 'Versi kontrak tidak ditemukan',
    detail: 'API admin tidak memiliki kontrak dengan id dan versi ini. `GET /admin/v1/contracts` menampilkan daftarnya.',
    description: 'API admin tidak memiliki kontrak dengan id dan versi ini. `GET /admin/v1/contracts` menampilkan daftarnya.',
  },
  CONTRACT_DOCUMENT_INVALID: {
    title: 'Dokumen kontrak tidak sah',
    detail: 'Kontrak yang dikirim tidak sesuai dengan format kontrak di docs/contracts.md; properti `reason` menyebutkan bagian yang salah. Perbaiki lalu kirim ulang.',
    description: 'Kontrak yang dikirim ke API admin tidak sesuai dengan format kontrak di docs/contracts.md (pemeriksaan yang sama dengan berkas kontrak, dengan setiap skema disertakan langsung); `reason` menyebutkan apa yang salah.',
  },
  CONTRACT_VERSION_EXISTS: {
    title: 'Versi kontrak sudah ada',
    detail: 'Kontrak ini sudah memiliki versi tersebut[ (keadaan: {state})]. Perubahan pada versi yang sedang ditinjau atau dipakai dibuat sebagai versi baru; draf diubah dengan `PUT` pada versinya.',
    description: 'Kontrak sudah memiliki versi ini. Perubahan pada versi yang sedang ditinjau atau dipakai adalah versi baru; draf diubah dengan `PUT /admin/v1/contracts/{id}/versions/{version}`.',
  },
  CONTRACT_STATE_CONFLICT: {
    title: 'Tidak diizinkan pada keadaan versi ini',
    detail: 'Siklus hidup kontrak tidak mengizinkan tindakan ini dari keadaan versi saat ini[ ({state})][; keadaan yang diizinkan: {allowedStates}]. Tidak ada yang diubah.',
    description: 'Siklus hidup (draft, submitted, approved, active, deprecated, retired) tidak mengizinkan tindakan ini dari keadaan versi saat ini; `state` dan `allowedStates` menyebutkannya. Tidak ada yang diubah.',
  },
  CONTRACT_ROUTE_CONFLICT: {
    title: 'Rute sudah dipakai kontrak lain',
    detail: 'Mengaktifkan versi ini akan melayani metode dan path yang sudah dilayani kontrak aktif lain[: {routes}]. Tidak ada yang diubah.',
    description: 'Mengaktifkan versi ini akan melayani metode dan path yang dilayani kontrak aktif lain; `routes` mendaftarnya. Tidak ada yang diubah.',
  },
  AGREEMENT_EXCEPTION_REQUIRED: {
    title: 'Pengecualian klasifikasi diperlukan',
    detail: 'Mitra ini bukan instansi pemerintah: PKS-nya hanya boleh mencakup data publik, kecuali pengecualian dan dasar hukumnya dicatat (classificationException.legalBasis). Tidak ada yang diubah.',
    description: 'PKS mitra yang bukan instansi pemerintah (jenis selain `instansi`) mencakup data di atas `publik` tanpa pengecualian yang dicatat. Data non publik diperuntukkan bagi Pemerintah Daerah dan sesama instansi pemerintah (Pasal 30 ayat (3) Perbup 33/2020): turunkan `maxClassification`, atau catat `classificationException.legalBasis` (peraturan atau keputusan yang mengizinkannya).',
  },
  FOUR_EYES_REQUIRED: {
    title: 'Harus disetujui orang lain',
    detail: 'Pembuat atau pengubah terakhir versi kontrak ini[ ({approver})] tidak boleh menyetujuinya sendiri (prinsip empat mata). Minta penyetuju lain untuk menyetujuinya.',
    description: 'Orang yang membuat atau terakhir mengubah versi kontrak tidak dapat menyetujuinya, apa pun perannya (empat mata). Penyetuju lain yang menyetujuinya.',
  },
  NOT_FOUND: {
    title: 'Tidak ditemukan',
    detail: 'Sumber daya yang diminta tidak ditemukan. Periksa metode, path, dan id yang dikirim.',
    description: 'Tidak ada sumber daya pada metode dan path ini di API admin atau listener publik, atau tidak ada rekaman dengan id ini di antara dokumen yang disimpan adaptor di gateway (JDIHN).',
  },
  METHOD_NOT_ALLOWED: {
    title: 'Metode tidak diizinkan',
    detail: 'Listener publik hanya menyajikan data untuk dibaca: gunakan GET atau HEAD.',
    description: 'Listener publik menyajikan umpan data yang hanya dapat dibaca: hanya GET dan HEAD yang dijawab.',
  },
  IDEMPOTENCY_KEY_MISSING: {
    title: 'Idempotency-Key wajib',
    detail: 'Operasi ini mengubah data di layanan hulu dan kontraknya mewajibkan header `Idempotency-Key`. Kirim nilai unik untuk setiap permintaan (misalnya UUID), dan nilai yang sama bila permintaan itu diulang.',
    description: 'Operasi ini mengubah data di layanan hulu dan kontraknya mewajibkan header `Idempotency-Key` (nilai unik untuk setiap permintaan logis, misalnya UUID), agar pengulangan setelah gangguan jaringan dijalankan paling banyak sekali.',
  },
  IDEMPOTENCY_KEY_INVALID: {
    title: 'Format Idempotency-Key salah',
    detail: 'Header `Idempotency-Key` harus satu nilai berisi 1-255 karakter ASCII yang dapat dicetak, boleh diapit tanda kutip.',
    description: 'Header `Idempotency-Key` harus berisi 1-255 karakter ASCII yang dapat dicetak, boleh diapit tanda kutip sebagai string structured field.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    title: 'Idempotency-Key dipakai untuk permintaan lain',
    detail: 'Kunci ini sudah Anda pakai untuk permintaan dengan metode, path atau body yang berbeda. Gunakan kunci baru untuk permintaan baru.',
    description: 'Kunci ini sudah dipakai pemanggil yang sama untuk permintaan dengan metode, path atau body yang berbeda. Gunakan kunci baru untuk permintaan baru.',
  },
  IDEMPOTENCY_REQUEST_IN_FLIGHT: {
    title: 'Permintaan pertama dengan kunci ini masih berjalan',
    detail: 'Permintaan dengan `Idempotency-Key` yang sama masih diproses. Ulangi setelah `Retry-After` detik; jawaban yang tersimpan akan dikirim ulang.',
    description: 'Permintaan dengan `Idempotency-Key` yang sama masih dijalankan. Ulangi setelah `Retry-After`; jawaban yang tersimpan kemudian dikirim ulang.',
  },
  IDEMPOTENCY_OUTCOME_UNKNOWN: {
    title: 'Hasil permintaan pertama dengan kunci ini tidak diketahui',
    detail: 'Permintaan pertama dengan `Idempotency-Key` ini sudah sampai ke layanan hulu, tetapi jawabannya tidak kembali utuh; layanan hulu mungkin sudah memprosesnya. Tanyakan hasilnya kepada layanan tersebut sebelum mengirimnya dengan kunci baru.',
    description: 'Permintaan pertama dengan `Idempotency-Key` ini sudah sampai ke layanan hulu, tetapi jawabannya tidak kembali utuh: koneksinya terputus, atau gateway berhenti saat permintaan berjalan. Layanan hulu mungkin sudah memprosesnya, sehingga gateway tidak akan mengirimnya lagi dengan kunci ini. Tanyakan hasilnya kepada layanan tersebut sebelum mengirimnya dengan kunci baru.',
  },
  IDEMPOTENCY_ANSWER_NOT_KEPT: {
    title: 'Jawaban permintaan pertama dengan kunci ini tidak disimpan',
    detail: 'Permintaan pertama dengan `Idempotency-Key` ini sudah diproses[ (dijawab dengan status {originalStatus})], tetapi jawabannya terlalu besar untuk disimpan. Baca hasilnya dari layanan tersebut; jangan kirim ulang dengan kunci baru.',
    description: 'Permintaan pertama dengan `Idempotency-Key` ini sudah dijalankan (`originalStatus` memuat status jawabannya), tetapi jawabannya lebih besar daripada yang disimpan gateway untuk dikirim ulang (8 MiB). Baca hasilnya dari layanan tersebut; jangan kirim ulang permintaan dengan kunci baru.',
  },
  DELIVERY_NOT_FOUND: {
    title: 'Pengiriman tidak ditemukan',
    detail: 'Tidak ada pengiriman dengan id ini milik Anda. Pengiriman hanya terlihat oleh aplikasi yang mengirimnya (dan oleh Dinas di API admin).',
    description: 'Tidak ada pengiriman dengan id ini milik pemanggil (pengiriman terlihat oleh aplikasi yang mengirimnya, dan oleh Dinas di API admin).',
  },
  DELIVERY_STATE_CONFLICT: {
    title: 'Keadaan pengiriman tidak memungkinkan tindakan ini',
    detail: 'Keadaan pengiriman saat ini[ ({state})] tidak memungkinkan pengulangan atau pembatalan yang diminta[; keadaan yang diperlukan: {allowedStates}]. Tidak ada yang diubah; periksa pengirimannya dan, bila sedang dikirim, coba lagi setelah selesai.',
    description: 'API admin: pengiriman ada, tetapi keadaannya saat ini tidak memungkinkan pengulangan atau pembatalan yang diminta. Hanya pengiriman yang tertahan (`failed`) yang dapat diulang; hanya yang `pending` atau tertahan yang dapat dibatalkan (bukan yang sedang dikirim, sudah terkirim atau sudah dibatalkan). `state` adalah keadaannya sekarang dan `allowedStates` keadaan yang diperlukan tindakan itu. Tidak ada yang diubah; periksa pengirimannya (`GET /admin/v1/deliveries/{id}`) dan, bila sedang dikirim, minta lagi setelah selesai.',
  },
  CALLBACK_NOT_ALLOWED: {
    title: 'URL callback tidak diterima',
    detail: 'Header `Penghubung-Callback` ditolak dan tidak ada yang disimpan; properti `reason` menyebutkan sebabnya. Kirim ulang tanpa header tersebut (lalu pantau `Location`), atau minta Dinas mengizinkan origin-nya.',
    description: 'Header `Penghubung-Callback` ditolak dan tidak ada yang disimpan: operasinya tidak dikirim secara asinkron, nilainya bukan satu URL http(s) absolut, memuat nama pengguna atau kata sandi, atau origin-nya (skema, host, port) tidak ada dalam daftar izin Dinas (`delivery.callbacks.allowedOrigins`). `reason` menyebutkan yang mana. Kirim ulang tanpa header tersebut (dan pantau `Location`), atau minta Dinas mengizinkan origin-nya.',
  },
  CONTRACT_VALIDATION_FAILED: {
    title: 'Permintaan tidak sesuai kontrak',
    detail: 'Body, path atau parameter query permintaan tidak sesuai dengan skema JSON kontrak; bagian yang salah tercantum dalam `errors`. Tidak ada yang dikirim ke layanan hulu. Perbaiki data lalu kirim ulang.',
    description: 'Body, path atau parameter query permintaan melanggar JSON Schema kontrak. Isian yang salah tercantum dalam `errors` (`in`, `pointer`, `message`), paling banyak 20; bila lebih, `errorsOmitted` menghitung yang tidak dicantumkan (`detail` jawaban berbahasa Inggris menyebutkan jumlah seluruhnya). Tidak ada yang dikirim ke layanan hulu.',
  },
  PAYLOAD_TOO_LARGE: {
    title: 'Muatan terlalu besar',
    detail: 'Body permintaan melebihi batas ukuran gateway[ ({limitBytes} byte)]. Kirim data dalam permintaan yang lebih kecil.',
    description: 'Body permintaan lebih besar daripada batas yang dikonfigurasi (`limits.bodyBytes`, bawaan 1 MiB).',
  },
  MALFORMED_JSON: {
    title: 'JSON tidak valid',
    detail: 'Body permintaan bukan JSON yang valid, atau bukan UTF-8. Perbaiki body lalu kirim ulang.',
    description: 'Body permintaan JSON tidak dapat diurai, atau bukan UTF-8. `detail` jawaban berbahasa Inggris menyebutkan posisinya.',
  },
  JSON_TOO_COMPLEX: {
    title: 'Body JSON terlalu kompleks',
    detail: 'Struktur body JSON melampaui batas gateway[ (`{limit}`: {max})][ pada `{pointer}`]. Tidak ada yang dikirim ke layanan hulu; kirim data dalam permintaan yang lebih kecil.',
    description: 'Body JSON melampaui salah satu batas gateway atas strukturnya, yang diperiksa sebelum diurai: objek dan array bersarang lebih dari 32 tingkat, lebih dari 10 000 nilai seluruhnya (setiap nilai properti dan elemen array dihitung), string lebih dari 65 536 byte, nama properti lebih dari 1 024 byte, atau angka lebih dari 100 karakter (panjang sebagaimana dikirim, termasuk escape). `limit` menyebutkan batasnya, `max` nilainya dan `pointer` tempat batas itu dilampaui. Tidak ada yang dikirim ke layanan hulu. Kirim data dalam permintaan yang lebih kecil.',
  },
  JSON_DUPLICATE_KEY: {
    title: 'Properti ganda dalam body JSON',
    detail: 'Sebuah objek dalam body JSON memuat properti[ `{name}`] dua kali[ (pada `{pointer}`)]. Tidak ada yang dikirim ke layanan hulu; kirim setiap properti satu kali saja.',
    description: 'Sebuah objek dalam body JSON memuat properti yang sama dua kali (juga bila ditulis dengan escape, seperti `"a"` dan `"\\u0061"`). Pengurai berbeda dalam memilih nilai yang dipakai, sehingga gateway dapat memeriksa satu nilai sementara layanan memproses nilai yang lain. `pointer` menunjuk objeknya dan `name` propertinya. Tidak ada yang dikirim ke layanan hulu. Kirim setiap properti satu kali.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    title: 'Jenis media tidak didukung',
    detail: 'Body permintaan tidak dalam bentuk yang diterima. Kirim JSON dalam UTF-8 dengan `Content-Type: application/json`, tanpa `Content-Encoding`.',
    description: 'Operasi ini memvalidasi body JSON, tetapi `Content-Type` permintaan bukan JSON.',
  },
  BAD_REQUEST: {
    title: 'Permintaan tidak valid',
    detail: 'Permintaan tidak dapat dibaca atau tidak valid (misalnya body terpotong, atau parameter query yang salah). Periksa permintaan lalu kirim ulang.',
    description: 'Permintaan tidak dapat dibaca (misalnya body yang terpotong oleh klien, atau parameter query yang salah pada API admin). `detail` jawaban berbahasa Inggris menyebutkan yang mana.',
  },
  REQUEST_HEADERS_TOO_LARGE: {
    title: 'Header permintaan terlalu besar',
    detail: 'Baris permintaan dan header melebihi batas listener. Kirim header yang lebih sedikit atau lebih pendek; query yang panjang sebaiknya dikirim dalam body.',
    description: 'Baris permintaan dan seluruh header melebihi batas listener (`maxHeaderSize` Node, bawaan 16 KiB). Kirim header yang lebih sedikit atau lebih pendek; query yang panjang sebaiknya dikirim dalam body.',
  },
  REQUEST_TIMEOUT: {
    title: 'Permintaan tidak diterima tepat waktu',
    detail: 'Header atau body permintaan tidak tiba dalam batas waktu listener; koneksi ditutup. Kirim ulang permintaan.',
    description: 'Header atau body permintaan tidak tiba dalam batas waktu listener; koneksi ditutup. Kirim ulang permintaan.',
  },
  RATE_LIMITED: {
    title: 'Batas laju permintaan tercapai',
    detail: 'Anda mengirim permintaan ke layanan ini lebih cepat daripada yang diizinkan. Tunggu `Retry-After` detik; `RateLimit-Remaining` dan `RateLimit-Reset` menunjukkan sisa jatah Anda.',
    description: 'Pemanggil mengirim lebih banyak permintaan ke kontrak ini daripada yang diizinkan lajunya (permintaan per detik dan burst, dari kontrak atau pengaturan konsumen itu sendiri). Tunggu `Retry-After` detik; `RateLimit-Remaining` dan `RateLimit-Reset` menunjukkan sisanya.',
  },
  QUOTA_EXCEEDED: {
    title: 'Kuota harian perjanjian habis',
    detail: 'Kuota harian PKS[ {agreement}] sudah habis[ ({quota} panggilan per hari)]. Ulangi setelah `Retry-After` detik, yaitu setelah tengah malam waktu daerah.',
    description: 'Perjanjian (PKS) mitra mengizinkan sejumlah panggilan per hari kalender (zona waktu daerah) dan jumlah itu sudah habis. `Retry-After` memuat jumlah detik sampai tengah malam waktu setempat.',
  },
  UPSTREAM_BUSY: {
    title: 'Layanan hulu mencapai batas panggilan serentak',
    detail: 'Layanan hulu sedang menerima panggilan serentak sebanyak yang diizinkan dari gateway ini; permintaan Anda tidak dikirim. Ulangi setelah `Retry-After` detik.',
    description: 'Panggilan ke layanan hulu yang sedang berjalan dari gateway ini sudah sebanyak yang diizinkan (`upstream.maxConcurrent`); permintaan tidak dikirim. Ulangi setelah `Retry-After`.',
  },
  UPSTREAM_UNAVAILABLE: {
    title: 'Layanan hulu tidak tersedia',
    detail: 'Layanan hulu[ {upstream.system}] tidak dapat dijangkau atau sedang tidak dapat melayani. Ulangi permintaan nanti.',
    description: 'Layanan hulu menolak atau memutus koneksi. Permintaan dapat diulang nanti.',
  },
  UPSTREAM_CIRCUIT_OPEN: {
    title: 'Layanan hulu diputus sementara',
    detail: 'Layanan hulu[ {upstream.system}] terlalu sering gagal akhir-akhir ini, sehingga gateway untuk sementara tidak memanggilnya; permintaan Anda tidak dikirim. Ulangi setelah `Retry-After` detik.',
    description: 'Layanan hulu terlalu sering gagal dalam beberapa detik terakhir (circuit breaker-nya terbuka), sehingga gateway langsung menjawab tanpa memanggilnya: tidak ada yang dikirim ke layanan hulu. Ulangi setelah `Retry-After` detik, saat gateway kembali meloloskan satu panggilan percobaan. `upstream.system` menyebutkan layanan hulunya.',
  },
  UPSTREAM_TIMEOUT: {
    title: 'Layanan hulu tidak menjawab tepat waktu',
    detail: 'Layanan hulu[ {upstream.system}] tidak menjawab dalam batas waktu kontrak. Bila permintaan mengubah data, layanan hulu mungkin sudah memprosesnya; periksa sebelum mengirim ulang.',
    description: 'Layanan hulu tidak menjawab dalam `timeoutMs` kontrak. Layanan hulu mungkin tetap sudah memproses permintaan yang tidak idempoten.',
  },
  UPSTREAM_REJECTED: {
    title: 'Layanan hulu menolak permintaan',
    detail: 'Layanan hulu[ {upstream.system}] menolak permintaan karena datanya tidak valid; kode dan pesannya tercantum dalam `upstream`. Perbaiki data lalu kirim ulang.',
    description: 'Sistem nasional atau layanan hulu menolak permintaan karena tidak valid (untuk SIPD, juga saat menjawab HTTP 200 dengan baris `ERROR:`). Kode dan pesannya sendiri ada di `upstream` (`system`, `code`, `message`). Perbaiki data lalu kirim ulang.',
  },
  UPSTREAM_NOT_FOUND: {
    title: 'Tidak ditemukan di layanan hulu',
    detail: 'Layanan hulu[ {upstream.system}] tidak memiliki data untuk pengenal yang diminta; kode dan pesannya tercantum dalam `upstream`.',
    description: 'Layanan hulu tidak memiliki rekaman untuk pengenal yang diminta (untuk BKN SIASN, jawaban dengan `code` selain 1). `upstream` memuat kode dan pesan sistem itu sendiri.',
  },
  UPSTREAM_AUTH_FAILED: {
    title: 'Gateway tidak dapat mengautentikasi diri ke layanan hulu',
    detail: 'Kredensial gateway untuk layanan hulu[ {upstream.system}] ditolak atau belum dikonfigurasi. Ini bukan kesalahan Anda; Dinas harus memperbaiki kredensial tersebut.',
    description: 'Kredensial gateway sendiri untuk layanan hulu ditolak, atau belum dikonfigurasi, bahkan setelah mengambil token baru. Bukan kesalahan pemanggil: Dinas harus memperbaiki kredensialnya (`upstreams.<name>.credentials`). `upstream` memuat kode kesalahan sistem tersebut (misalnya WSO2 `900901`).',
  },
  UPSTREAM_INVALID_RESPONSE: {
    title: 'Jawaban layanan hulu tidak dapat dibaca',
    detail: 'Jawaban layanan hulu[ {upstream.system}] tidak dapat dipahami (formatnya tidak sesuai, terpotong atau terlalu besar) dan tidak diteruskan. Permintaan mungkin sudah atau belum diproses oleh layanan hulu.',
    description: 'Jawaban layanan hulu tidak dapat dipahami: formatnya tidak sesuai, terpotong, atau lebih besar daripada yang diizinkan. Tidak ada bagiannya yang diteruskan. Permintaan mungkin sudah atau belum diproses di layanan hulu.',
  },
  SERVICE_DRAINING: {
    title: 'Gateway sedang dihentikan',
    detail: 'Gateway sedang bersiap untuk dimulai ulang dan tidak menerima permintaan baru. Ulangi sebentar lagi, atau ke instans lain.',
    description: 'Gateway sedang menuntaskan pekerjaan sebelum dimulai ulang dan tidak menerima transaksi baru. Ulangi ke instans lain atau sebentar lagi.',
  },
  STORE_UNAVAILABLE: {
    title: 'Penyimpanan gateway tidak tersedia',
    detail: 'Basis data gateway sedang tidak dapat dijangkau dan permintaan ini memerlukannya; permintaan tidak diterima dan tidak dikirim ke layanan hulu. Ulangi setelah `Retry-After` detik.',
    description: 'Basis data gateway sendiri tidak menjawab atau tidak dapat menulis (sedang dimulai ulang, disk penuh), dan permintaan ini memerlukannya: `Idempotency-Key` (klaimnya disimpan di sana), pengiriman asinkron (outbox-nya) atau statusnya, dokumen yang disimpan di gateway, API admin. Permintaan tidak diterima: permintaan berkunci atau asinkron tidak dikirim ke layanan hulu. Permintaan yang tidak memerlukan penyimpanan tetap dilayani. Ulangi setelah `Retry-After` detik.',
  },
  TRAFFIC_LOG_UNAVAILABLE: {
    title: 'Gateway tidak dapat mencatat transaksi',
    detail: 'Gateway sedang tidak dapat mencatat permintaan ke log lalu lintas, sehingga tidak menerima permintaan baru; tidak ada yang dikirim ke layanan hulu. Ulangi setelah `Retry-After` detik atau ke instans lain.',
    description: 'Setiap transaksi harus tercatat di log lalu lintas, dan saat ini baik penyimpanan gateway maupun spool-nya di disk tidak menerima baris (misalnya penyimpanan mati dan disk penuh), sehingga gateway tidak menerima transaksi baru: tidak ada yang dikirim ke layanan hulu. Dinas diberi tahu melalui log gateway dan `/readyz`. Ulangi setelah `Retry-After` detik atau ke instans lain.',
  },
  INTERNAL_ERROR: {
    title: 'Kesalahan internal gateway',
    detail: 'Terjadi kesalahan tak terduga di dalam gateway. Sampaikan id permintaan (`instance`) kepada Dinas untuk penelusuran.',
    description: 'Kesalahan tak terduga di dalam gateway. Id permintaan dalam `instance` menemukan baris log untuk Dinas.',
  },
};
