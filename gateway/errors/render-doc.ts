import { problemCatalogue, problemType, type ProblemCode } from './catalogue.ts';
import { problemCatalogueId } from './catalogue-id.ts';
import type { ProblemLanguage } from './language.ts';
import { Problem } from './problem.ts';

const codes = Object.keys(problemCatalogue) as ProblemCode[];

/** The example answer, built by `toDocument` so that it shows what the gateway really sends. */
function example(language: ProblemLanguage): string[] {
  const problem = new Problem('CONTRACT_VALIDATION_FAILED', 'The request violates contract sandbox-direktori (1 error).', {
    errors: [{ in: 'body', pointer: '/pengirim/email', message: 'must match format "email"' }],
  });
  return ['```json', JSON.stringify(problem.toDocument('sppd-2026-000123', '019af2c4-5e1d-7c3a-9b21-4f7e0d2c8a15', language), null, 2), '```'];
}

const typePattern = (placeholder: string) => problemType('TOKEN_MISSING').replace('token-missing', placeholder);

function indonesian(): string[] {
  return [
    '## Bahasa Indonesia',
    '',
    'Setiap penolakan oleh gateway adalah dokumen `application/problem+json` (RFC 9457). Dengan `Accept-Language: id`:',
    '',
    ...example('id'),
    '',
    '`instance` adalah id permintaan: `X-Request-Id` milik pemanggil bila dikirim, selain itu id transaksi (juga pada header jawaban `X-Request-Id`).',
    '`exchangeId` adalah id transaksi milik gateway sendiri (juga pada header jawaban `Penghubung-Exchange-Id`): kunci log lalu lintas, tidak pernah dipilih pemanggil; sebutkan id ini kepada Dinas.',
    '`code` tidak berubah: aplikasi menentukan tindakannya berdasarkan `code`, dan sebuah kode tidak pernah dipakai ulang untuk arti lain.',
    'Gateway tidak pernah menjawab dengan stack trace atau halaman HTML.',
    '',
    '### Bahasa jawaban',
    '',
    '`title` dan `detail` ditulis dalam bahasa Indonesia bila header `Accept-Language` permintaan lebih mengutamakan bahasa Indonesia (`id`, juga `id-ID` dan varian daerah lain) daripada bahasa Inggris menurut nilai q-nya (RFC 9110 bagian 12.5.4), misalnya `Accept-Language: id` atau `id;q=0.9, en;q=0.5`; pada nilai q yang sama, yang disebut lebih dahulu.',
    'Tanpa header itu, dengan `*`, `en`, bahasa lain saja, atau dengan header yang tidak sah, jawabannya dalam bahasa Inggris, bahasa bawaan untuk mesin.',
    '`detail` dalam bahasa Indonesia adalah kalimat tetap untuk kode tersebut: apa yang terjadi dan apa yang dilakukan; rincian khusus yang ditulis dalam bahasa Inggris hanya ada pada jawaban berbahasa Inggris.',
    '`type`, `status`, `code`, `instance` dan properti tambahan (`errors`, `missingScopes`, `upstream`, ...) sama dalam kedua bahasa.',
    'Jawaban membawa `Content-Language: id` atau `en` dan `Vary: Accept-Language`.',
    'Pengulangan dengan `Idempotency-Key` yang sama menerima jawaban pertama apa adanya, dalam bahasanya. Penolakan atas permintaan yang tidak dapat dibaca listener (`REQUEST_HEADERS_TOO_LARGE`, `REQUEST_TIMEOUT`, HTTP yang rusak) selalu dalam bahasa Inggris.',
    '',
    '| kode | status | judul | kapan terjadi, dan apa yang dilakukan |',
    '| --- | --- | --- | --- |',
    ...codes.map((code) => `| \`${code}\` | ${problemCatalogue[code].status} | ${problemCatalogueId[code].title} | ${problemCatalogueId[code].description} |`),
    '',
    `URI \`type\` mengikuti pola \`${typePattern('<kode dalam kebab case>')}\`.`,
  ];
}

function english(): string[] {
  return [
    '## English',
    '',
    'Every refusal by the gateway is an `application/problem+json` document (RFC 9457):',
    '',
    ...example('en'),
    '',
    '`instance` is the request id: the caller\'s own `X-Request-Id` when it sent one, else the exchange id (also in the `X-Request-Id` response header).',
    '`exchangeId` is the gateway\'s own id of the exchange (also in the `Penghubung-Exchange-Id` response header): the traffic log\'s key, never chosen by the caller; quote it to the Dinas.',
    '`code` is stable: clients branch on it; codes are never reused for another meaning.',
    'The gateway never answers with a stack trace or an HTML page.',
    '',
    '### Language of the answer',
    '',
    '`title` and `detail` are in Indonesian when the request\'s `Accept-Language` prefers Indonesian (`id`, also `id-ID` and other regional variants) to English by q-value (RFC 9110 section 12.5.4), e.g. `Accept-Language: id` or `id;q=0.9, en;q=0.5`; on equal q-values, whichever is listed first.',
    'Without the header, with `*`, `en`, other languages only, or a malformed header, the answer is in English, the default for machines.',
    'The Indonesian `detail` is the code\'s own sentence, saying what happened and what to do; the specifics written in English are in the English answer only.',
    '`type`, `status`, `code`, `instance` and the extension members (`errors`, `missingScopes`, `upstream`, ...) are the same in both languages.',
    'Answers carry `Content-Language: id` or `en` and `Vary: Accept-Language`.',
    'A repeat with the same `Idempotency-Key` gets the first answer as it was, in its language. Refusals of requests the listener could not read (`REQUEST_HEADERS_TOO_LARGE`, `REQUEST_TIMEOUT`, malformed HTTP) are always in English.',
    '',
    '| code | status | title | when, and what to do |',
    '| --- | --- | --- | --- |',
    ...codes.map((code) => `| \`${code}\` | ${problemCatalogue[code].status} | ${problemCatalogue[code].title} | ${problemCatalogue[code].description} |`),
    '',
    `Type URIs follow the pattern \`${typePattern('<code in kebab case>')}\`.`,
  ];
}

/** `docs/errors.md`, rendered from both catalogues (`penghubung docs errors > docs/errors.md`). */
export function renderErrorsDoc(): string {
  return [
    '# Kode kesalahan / Error codes',
    '',
    '<!-- Generated by `penghubung docs errors > docs/errors.md` from gateway/errors/catalogue.ts and catalogue-id.ts; test/errors-doc.test.ts keeps them equal. -->',
    '',
    '*Bahasa Indonesia dahulu, English follows.*',
    '',
    ...indonesian(),
    '',
    ...english(),
    '',
  ].join('\n');
}
