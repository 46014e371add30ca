import { escapeHtml } from '../html/html.ts';
import type { ReportLine, SpbeReport } from './spbe-report.ts';

/*
 * The SPBE report as a printable HTML document (A4, in Bahasa Indonesia: it goes to the Bupati)
 * and as CSV for the steering team's spreadsheets. The HTML stands alone: its style is inside, it
 * runs no script and loads nothing, so it prints the same from the console or from a file.
 */

const number = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 });
const percent = (ratio: number | null, digits = 2) => (ratio === null ? '—' : `${new Intl.NumberFormat('id-ID', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(ratio * 100)}%`);
const ms = (value: number | null) => (value === null ? '—' : decimal.format(value));
const e = (value: string | number) => escapeHtml(String(value));

function day(date: string, timeZone: string, style: 'long' | 'short' = 'long'): string {
  return new Intl.DateTimeFormat('id-ID', { timeZone, day: 'numeric', month: style === 'long' ? 'long' : 'short', year: 'numeric' }).format(new Date(date));
}

/** The calendar day `YYYY-MM-DD` as people write it (`1 November 2026`). */
const calendarDay = (date: string) => day(`${date}T12:00:00Z`, 'UTC');

function target(line: ReportLine): string {
  if (!line.target) return '—';
  return [line.target.availability === undefined ? '' : `≥ ${decimal.format(line.target.availability)}%`, line.target.latencyP95Ms === undefined ? '' : `p95 ≤ ${number.format(line.target.latencyP95Ms)} md`].filter(Boolean).join('<br>');
}

function section(title: string, lines: readonly ReportLine[], withTarget: boolean): string {
  if (lines.length === 0) return `<h2>${e(title)}</h2><p>Tidak ada lalu lintas pada periode ini.</p>`;
  const rows = lines.map((line) => `<tr><td>${e(line.name)}${line.name !== line.key ? `<br><small>${e(line.key)}</small>` : ''}</td>
<td class="n">${number.format(line.volume)}</td><td class="n">${percent(line.availability)}</td>
<td class="n">${ms(line.latency.p50)}</td><td class="n">${ms(line.latency.p95)}</td><td class="n">${ms(line.latency.p99)}</td>
${withTarget ? `<td>${target(line)}</td>` : ''}<td class="n">${number.format(line.breaches)}</td>
<td>${line.topErrors.map((error) => `${e(error.code)} (${number.format(error.count)})`).join('<br>') || '—'}</td><td class="n">${number.format(line.parked)}</td></tr>`).join('\n');
  return `<h2>${e(title)}</h2><table><thead><tr><th>Nama</th><th class="n">Volume</th><th class="n">Ketersediaan</th><th class="n">p50 (md)</th><th class="n">p95 (md)</th><th class="n">p99 (md)</th>
${withTarget ? '<th>Target</th>' : ''}<th class="n">Pelanggaran (jam)</th><th>Galat terbanyak</th><th class="n">Pengiriman parked</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const style = `@page { size: A4; margin: 18mm 15mm; }
body { font: 10.5pt/1.4 "Liberation Serif", "Times New Roman", serif; color: #000; max-width: 180mm; margin: 0 auto; }
header { text-align: center; border-bottom: 3px double #000; padding-bottom: 4mm; margin-bottom: 5mm; }
header p { margin: 0; } header .region { font-size: 14pt; font-weight: bold; text-transform: uppercase; } header .agency { font-size: 12pt; font-weight: bold; }
h1 { font-size: 13pt; text-align: center; margin: 4mm 0 1mm; } .period { text-align: center; margin: 0 0 5mm; }
h2 { font-size: 11.5pt; margin: 6mm 0 2mm; page-break-after: avoid; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; page-break-inside: auto; } tr { page-break-inside: avoid; }
th, td { border: 1px solid #000; padding: 1mm 1.5mm; vertical-align: top; text-align: left; } th { background: #eee; } .n { text-align: right; }
small { color: #333; } .totals td { font-size: 10pt; }
.signature { margin: 12mm 0 0 auto; width: 75mm; text-align: center; page-break-inside: avoid; } .signature .space { height: 22mm; }
.notes { font-size: 8.5pt; margin-top: 6mm; }`;

/** The report as one printable HTML document. */
export function reportHtml(report: SpbeReport): string {
  const { region, timeZone } = report;
  const expiries = report.expiries.length === 0 ? '<p>Tidak ada sertifikat atau PKS yang berakhir pada periode ini atau dalam 30 hari ke depan.</p>'
    : `<table><thead><tr><th>Jenis</th><th>Nomor / serial</th><th>Pemilik</th><th>Berakhir</th><th>Keadaan</th></tr></thead><tbody>${report.expiries.map((item) => `<tr><td>${item.kind === 'certificate' ? 'Sertifikat elektronik' : 'PKS'}</td><td>${e(item.key)}</td><td>${e(item.owner)}</td><td>${day(item.endsOn, timeZone)}</td><td>${item.ended ? 'sudah berakhir' : 'akan berakhir'}</td></tr>`).join('')}</tbody></table>`;
  return `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Laporan Layanan Interoperabilitas ${e(report.firstDay)} s.d. ${e(report.lastDay)}</title><style>${style}</style></head>
<body>
<header><p class="region">${e(region.name)}</p><p class="agency">${e(region.agency)}</p></header>
<h1>LAPORAN PEMANTAUAN LAYANAN INTEROPERABILITAS (SPBE)</h1>
<p class="period">Periode ${calendarDay(report.firstDay)} s.d. ${calendarDay(report.lastDay)}</p>
<h2>Ringkasan</h2>
<table class="totals"><tbody>
<tr><td>Jumlah pertukaran data</td><td class="n">${number.format(report.totals.volume)}</td></tr>
<tr><td>Ketersediaan seluruh layanan</td><td class="n">${percent(report.totals.availability, 3)}</td></tr>
<tr><td>Jam pelanggaran tingkat layanan (semua integrasi)</td><td class="n">${number.format(report.totals.breaches)}</td></tr>
<tr><td>Pengiriman yang berhenti (parked)</td><td class="n">${number.format(report.totals.parked)}</td></tr>
</tbody></table>
${section('1. Per integrasi (kontrak)', report.integrations, true)}
${section('2. Per aplikasi perangkat daerah', report.applications, false)}
${section('3. Per mitra (PKS)', report.partners, false)}
<h2>4. Sertifikat elektronik dan PKS yang berakhir</h2>
${expiries}
<p class="notes">Ketersediaan: bagian pertukaran yang tidak dijawab dengan galat layanan (5xx). Latensi: waktu total di gateway, diperkirakan dari histogram (selisih paling banyak 20%). Pelanggaran: jam ketika ketersediaan di bawah target kontrak atau p95 di atas target. Waktu dalam ${e(timeZone === 'Asia/Jakarta' ? 'WIB' : timeZone)}. Dibuat ${e(new Intl.DateTimeFormat('id-ID', { timeZone, dateStyle: 'long', timeStyle: 'short' }).format(new Date(report.madeAt)))} oleh Penghubung.</p>
<div class="signature"><p>${e(region.city)}, ${day(report.madeAt, timeZone)}</p><p>${e(region.head.title)}</p><div class="space"></div>
<p><strong><u>${e(region.head.name)}</u></strong></p>${region.head.nip ? `<p>NIP ${e(region.head.nip)}</p>` : ''}</div>
</body></html>
`;
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled. */
const csvField = (value: string | number | null) => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** The report as CSV: one row per line of each section, plus the expiries; numbers plain (dot decimals) for spreadsheets. */
export function reportCsv(report: SpbeReport): string {
  const header = ['bagian', 'kunci', 'nama', 'volume', 'ketersediaan_persen', 'p50_ms', 'p95_ms', 'p99_ms', 'target_ketersediaan_persen', 'target_p95_ms', 'pelanggaran_jam', 'galat_teratas', 'parked', 'berakhir'];
  const fixed = (value: number | null, digits: number) => (value === null ? null : Number(value.toFixed(digits)));
  const lines = (name: string, rows: readonly ReportLine[]) => rows.map((row) => [
    name, row.key, row.name, row.volume, fixed(row.availability === null ? null : row.availability * 100, 4), fixed(row.latency.p50, 2), fixed(row.latency.p95, 2), fixed(row.latency.p99, 2),
    row.target?.availability ?? null, row.target?.latencyP95Ms ?? null, row.breaches, row.topErrors.map((error) => `${error.code}:${error.count}`).join(' '), row.parked, null,
  ]);
  const rows = [
    header,
    ...lines('integrasi', report.integrations),
    ...lines('aplikasi', report.applications),
    ...lines('mitra', report.partners),
    ...report.expiries.map((item) => [item.kind === 'certificate' ? 'sertifikat' : 'pks', item.key, item.owner, null, null, null, null, null, null, null, null, null, null, item.endsOn]),
  ];
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
