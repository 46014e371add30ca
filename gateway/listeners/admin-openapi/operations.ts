import { editRoles, opsActionRoles, readRoles } from '../admin-roles.ts';
import { dateTime, itemsOf, pageOf, pagingParameters, ref, type AdminOperation } from './common.ts';

/**
 * Operations of admin.ts: health, the traffic log, the audit trail, upstreams, the backup and
 * store-and-forward deliveries.
 */

const uuid = { type: 'string', format: 'uuid' } as const;
const text = { type: 'string' } as const;
const orNull = (type: string) => ({ type: [type, 'null'] });

const trafficRow = {
  type: 'object',
  description: 'Satu pertukaran / one exchange, as the traffic log keeps it.',
  required: ['logId', 'requestId', 'at', 'listener', 'consumer', 'contract', 'operation', 'method', 'path', 'status', 'errorCode', 'totalMs', 'upstreamMs', 'bytesIn', 'bytesOut', 'requestSha256', 'responseSha256', 'clientAddress', 'traceId'],
  properties: {
    logId: { ...uuid, description: 'The exchange id (`Penghubung-Exchange-Id`).' },
    requestId: text,
    at: dateTime,
    listener: { enum: ['internal', 'external', 'public'] },
    consumer: orNull('string'),
    contract: orNull('string'),
    operation: orNull('string'),
    method: text,
    path: { type: 'string', description: 'Without the query string.' },
    status: { type: 'integer' },
    errorCode: { type: ['string', 'null'], description: 'The problem code when the gateway refused.' },
    totalMs: { type: 'number' },
    upstreamMs: orNull('number'),
    bytesIn: { type: 'integer' },
    bytesOut: { type: 'integer' },
    requestSha256: orNull('string'),
    responseSha256: orNull('string'),
    clientAddress: orNull('string'),
    traceId: orNull('string'),
    partner: orNull('string'),
    agreement: orNull('string'),
    certFingerprint: orNull('string'),
  },
};

const auditRecord = {
  type: 'object',
  description: 'Satu perubahan admin (atau satu pencarian log lalu lintas) / one admin change, or one traffic-log search.',
  required: ['id', 'at', 'actor', 'action', 'objectType', 'objectId', 'before', 'after', 'requestId', 'sourceAddress'],
  properties: {
    id: uuid,
    at: dateTime,
    actor: { type: 'object', required: ['subject', 'clientId', 'roles'], properties: { subject: text, clientId: text, roles: { type: 'array', items: text } } },
    action: { type: 'string', description: '`<object type>.<verb>`: `partner.update`, `contract.approve`, `delivery.retry`, `traffic.read`, ...' },
    objectType: text,
    objectId: text,
    before: { description: 'The object before the change; null when there was none.' },
    after: { description: 'The object after the change; null when it was removed.' },
    requestId: orNull('string'),
    sourceAddress: orNull('string'),
  },
};

const count = { type: 'integer', minimum: 0 } as const;
const upstreamStatus = {
  type: 'object',
  required: ['upstream', 'inUse', 'state', 'since', 'nextProbeAt', 'window', 'retries', 'settings'],
  properties: {
    upstream: text,
    inUse: { type: 'boolean', description: 'False until a call or health probe used it: the row shows the breaker it will get.' },
    state: { enum: ['closed', 'open', 'half-open'] },
    since: dateTime,
    nextProbeAt: { type: ['string', 'null'], format: 'date-time', description: 'Only while open.' },
    window: { type: 'object', required: ['calls', 'successes', 'failures', 'refused'], properties: { calls: count, successes: count, failures: count, refused: count } },
    retries: { type: 'object', required: ['requests', 'retries', 'allowed'], properties: { requests: count, retries: count, allowed: count } },
    settings: {
      type: 'object',
      required: ['errorThresholdPercentage', 'volumeThreshold', 'resetTimeoutMs', 'rollingCountMs'],
      properties: { errorThresholdPercentage: { type: 'number' }, volumeThreshold: { type: 'integer' }, resetTimeoutMs: { type: 'integer' }, rollingCountMs: { type: 'integer' } },
    },
    probe: {
      type: 'object',
      description: 'The latest active health probe; absent without a health check.',
      required: ['path', 'healthy', 'consecutiveFailures', 'unhealthyThreshold', 'checkedAt', 'status', 'error'],
      properties: { path: orNull('string'), healthy: { type: 'boolean' }, consecutiveFailures: count, unhealthyThreshold: count, checkedAt: dateTime, status: orNull('integer'), error: orNull('string') },
    },
  },
};

const deliveryStates = ['pending', 'delivering', 'delivered', 'failed', 'cancelled'] as const;
const delivery = {
  type: 'object',
  description: 'A request accepted with 202 for store-and-forward delivery. The callback URL shows its origin and path only.',
  required: ['id', 'owner', 'contract', 'operation', 'request', 'orderKey', 'state', 'attempts', 'maxAttempts', 'nextAttemptAt', 'lastError', 'response', 'callback', 'createdAt', 'updatedAt'],
  properties: {
    id: uuid,
    owner: { type: 'string', description: 'The consumer or partner that sent it.' },
    contract: text,
    operation: text,
    request: {
      type: 'object',
      required: ['method', 'rest', 'search', 'params', 'query', 'contentType', 'body', 'requestId', 'traceId', 'consumer', 'partner', 'agreement'],
      properties: {
        method: text, rest: text, search: text,
        params: { type: 'object', additionalProperties: text },
        query: { type: 'object', additionalProperties: text },
        contentType: orNull('string'),
        body: { type: ['string', 'null'], description: 'Base64 of the request bytes.' },
        requestId: text, traceId: text, consumer: orNull('string'), partner: orNull('string'), agreement: orNull('string'),
      },
    },
    orderKey: orNull('string'),
    state: { enum: deliveryStates },
    attempts: count,
    maxAttempts: count,
    nextAttemptAt: dateTime,
    lastError: orNull('string'),
    response: { type: ['object', 'null'], required: ['status', 'body'], properties: { status: { type: 'integer' }, body: {} } },
    callback: {
      type: ['object', 'null'],
      required: ['url', 'state', 'attempts', 'nextAttemptAt', 'lastError'],
      properties: { url: text, state: { enum: ['none', 'pending', 'sent', 'failed'] }, attempts: count, nextAttemptAt: { type: ['string', 'null'], format: 'date-time' }, lastError: orNull('string') },
    },
    createdAt: dateTime,
    updatedAt: dateTime,
  },
};

const health = { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } };
const readiness = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { enum: ['ready', 'not-ready'] },
    checks: { type: 'object', additionalProperties: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' }, detail: text } } },
  },
};

const jwks = {
  type: 'object',
  description: 'RFC 7517: the gateway\'s Ed25519 public keys, the current one first, then the retired ones (what they signed still verifies).',
  required: ['keys'],
  properties: {
    keys: {
      type: 'array', minItems: 1,
      items: {
        type: 'object', required: ['kty', 'crv', 'x', 'kid', 'use', 'alg'],
        properties: { kty: { const: 'OKP' }, crv: { const: 'Ed25519' }, x: text, kid: { type: 'string', description: 'RFC 7638 thumbprint.' }, use: { const: 'sig' }, alg: { const: 'EdDSA' } },
      },
    },
  },
};

const backup = {
  type: 'object',
  description: 'As `penghubung backup` writes it; `penghubung restore` takes it.',
  required: ['format', 'formatVersion', 'createdAt', 'schemaVersion', 'registryRevision', 'tables', 'sha256'],
  properties: {
    format: { const: 'penghubung-backup' },
    formatVersion: { type: 'integer' },
    createdAt: dateTime,
    schemaVersion: { type: 'integer', description: 'The highest store migration of the gateway that wrote it.' },
    registryRevision: { type: 'integer' },
    tables: { type: 'object', description: 'Rows by table: contracts, consumers, partners, certificates, agreements, the adapters\' documents, the audit trail.', additionalProperties: { type: 'array', items: { type: 'object' } } },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Of `JSON.stringify(tables)`.' },
  },
};

export const schemas = {
  TrafficRow: trafficRow, TrafficPage: pageOf('TrafficRow', 'Terbaru dahulu / newest first.'),
  AuditRecord: auditRecord, AuditPage: pageOf('AuditRecord', 'Terbaru dahulu / newest first.'),
  UpstreamStatus: upstreamStatus, Delivery: delivery, Health: health, Readiness: readiness, Backup: backup, Jwks: jwks,
};

const exampleTraffic = {
  logId: '01a252af-44a2-75b4-9674-ea3ce59e02d1', requestId: '01a252af-44a2-75b4-9674-ea3ce59e02d1', at: '2026-12-07T02:45:47.810Z', listener: 'internal',
  consumer: 'bkpsdm-simpeg', contract: 'bkn-siasn', operation: 'getEmployee', method: 'GET', path: '/bkn/v1/pegawai/198503152010011003', status: 200, errorCode: null,
  totalMs: 181.3, upstreamMs: 170.2, bytesIn: 0, bytesOut: 1204, requestSha256: null, responseSha256: '7b27ce82addb27e5b059ac74f09e46417a161fd5984f0c3f64d63ebb22348028',
  clientAddress: '10.20.4.17', traceId: '967ca289295a85ef11bd418a20c4af54', partner: null, agreement: null, certFingerprint: null,
};
const exampleAudit = {
  id: '01a252af-4526-7324-a7f9-7747931996c7', at: '2026-12-07T02:45:47.942Z', actor: { subject: 'diskominfo-admin', clientId: 'diskominfo-admin', roles: ['penghubung-admin'] },
  action: 'partner.update', objectType: 'partner', objectId: 'bank-nagari',
  before: { id: 'bank-nagari', legalName: 'PT Bank Nagari', type: 'bank', contact: {}, status: 'active' },
  after: { id: 'bank-nagari', legalName: 'PT Bank Nagari', type: 'bank', contact: {}, status: 'suspended' },
  requestId: '01a252af-4523-7fec-bcba-84c973116959', sourceAddress: '10.20.0.5',
};
const exampleUpstream = {
  upstream: 'bkn-siasn', inUse: true, state: 'open', since: '2026-12-07T02:41:10.000Z', nextProbeAt: '2026-12-07T02:41:20.000Z',
  window: { calls: 20, successes: 8, failures: 12, refused: 3 }, retries: { requests: 20, retries: 4, allowed: 12 },
  settings: { errorThresholdPercentage: 50, volumeThreshold: 10, resetTimeoutMs: 10000, rollingCountMs: 10000 },
  probe: { path: '/health', healthy: false, consecutiveFailures: 2, unhealthyThreshold: 2, checkedAt: '2026-12-07T02:41:05.000Z', status: 503, error: 'HTTP 503' },
};
const exampleDelivery = {
  id: '01a25300-7a1c-7c44-9d2e-5f1b2c3d4e5f', owner: 'bappeda-sipd', contract: 'sipd', operation: 'pushRenja',
  request: { method: 'POST', rest: '/renja', search: '', params: {}, query: {}, contentType: 'application/json', body: 'eyJ0YWh1biI6MjAyN30=', requestId: '01a25300-7a1b-7000-8000-000000000001', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', consumer: 'bappeda-sipd', partner: null, agreement: null },
  orderKey: null, state: 'failed', attempts: 8, maxAttempts: 8, nextAttemptAt: '2026-12-07T03:10:00.000Z', lastError: 'UPSTREAM_UNAVAILABLE: connect ECONNREFUSED',
  response: null, callback: { url: 'https://sipd-daerah.example.go.id/callbacks', state: 'pending', attempts: 0, nextAttemptAt: null, lastError: null },
  createdAt: '2026-12-07T02:00:00.000Z', updatedAt: '2026-12-07T03:00:00.000Z',
};

const afterAction = {
  retry: { ...exampleDelivery, state: 'pending', attempts: 0, callback: { ...exampleDelivery.callback, state: 'none' } },
  cancel: { ...exampleDelivery, state: 'cancelled', request: { ...exampleDelivery.request, body: null } },
};

const deliveryId = { name: 'id', in: 'path', description: 'Id pengiriman / the delivery id (`deliveryId` of the 202).', schema: uuid, example: exampleDelivery.id } as const;
const query = (name: string, description: string, example?: string) => ({ name, in: 'query', description, schema: text, ...(example ? { example } : {}) }) as const;

export const operations: AdminOperation[] = [
  {
    method: 'get', path: '/healthz', id: 'healthz', tag: 'health', roles: null,
    summary: 'Proses hidup / the process answers',
    answers: { '200': { description: 'Hidup / alive.', schema: ref('Health'), example: { status: 'ok' } } },
  },
  {
    method: 'get', path: '/readyz', id: 'readyz', tag: 'health', roles: null,
    summary: 'Siap melayani, dengan pemeriksaannya / ready to serve, with its checks',
    description: 'The checks (SSO keys, store, registry, traffic log, held writes, limits, upstreams, draining) are given on the admin listener only.',
    answers: {
      '200': { description: 'Siap / ready.', schema: ref('Readiness'), example: { status: 'ready', checks: { sso: { ok: true }, store: { ok: true }, registry: { ok: true, detail: 'revision 5, 19 routes' }, trafficLog: { ok: true, detail: '0 queued, 0 spool files' }, draining: { ok: true } } } },
      '503': { description: 'Belum atau tidak siap / not ready.', schema: ref('Readiness'), example: { status: 'not-ready', checks: { sso: { ok: false, detail: 'SSO signing keys not loaded yet' }, store: { ok: true }, draining: { ok: true } } } },
    },
  },
  {
    method: 'get', path: '/metrics', id: 'metrics', tag: 'health', roles: null,
    summary: 'Metrik Prometheus / Prometheus metrics',
    description: 'Exchanges and their latency by contract, operation, caller class and status class; upstream latency; limit refusals; breaker states; the traffic log\'s queue and spool; deliveries by state; days to each certificate\'s and agreement\'s expiry. No label carries a caller\'s identity, a path or a request id, so Prometheus scrapes it without a token.',
    answers: {
      '200': {
        description: 'Format teks Prometheus / Prometheus text format.',
        mediaType: 'text/plain',
        schema: { type: 'string' },
        example: '# HELP penghubung_exchanges_total Exchanges answered, by contract, operation, caller class and status class.\n# TYPE penghubung_exchanges_total counter\npenghubung_exchanges_total{listener="internal",contract="bkn-siasn",operation="getEmployee",caller="consumer",status_class="2xx"} 1290\n',
      },
    },
  },
  {
    method: 'get', path: '/.well-known/jwks.json', id: 'jwks', tag: 'keys', roles: null,
    summary: 'Kunci publik penanda tangan / the public signing keys',
    description: 'What receipts (`Penghubung-Receipt`) are verified against, offline (docs/integrity.md). Served on every listener without a token, cacheable for five minutes; not an exchange.',
    answers: {
      '200': {
        description: 'JWKS.', schema: ref('Jwks'),
        headers: { 'Cache-Control': { description: '`public, max-age=300`', schema: text } },
        example: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k', use: 'sig', alg: 'EdDSA' }] },
      },
    },
  },
  {
    method: 'get', path: '/admin/v1/traffic', id: 'searchTraffic', tag: 'traffic', roles: readRoles,
    summary: 'Cari log lalu lintas / search the traffic log',
    description: 'The traffic log holds personal data (paths with NIKs and NIPs, who called whom): each search is recorded in the audit trail (`traffic.read`, with its filters and the number of rows) before the page is sent.',
    parameters: [
      ...pagingParameters,
      query('consumer', 'Client id aplikasi PD / of the PD application.', 'bkpsdm-simpeg'),
      query('partner', 'Id mitra / partner id.'),
      query('agreement', 'Nomor PKS / agreement number.'),
      query('contract', 'Id kontrak / contract id.', 'bkn-siasn'),
      query('operation', 'Id operasi (berikan kontraknya juga) / operation id (give its contract too).', 'getEmployee'),
      { name: 'listener', in: 'query', description: 'Listener yang menerima / the listener that took the exchange.', schema: { type: 'string', enum: ['internal', 'external', 'public'] } },
      { name: 'status', in: 'query', description: 'Status HTTP (`404`) atau kelasnya (`5xx`) / a status or its class.', schema: { type: 'string', pattern: '^([1-5][0-9][0-9]|[1-5]xx)$' }, example: '5xx' },
      query('code', 'Kode masalah / problem code, e.g. `UPSTREAM_TIMEOUT`.'),
      query('requestId', '`X-Request-Id`.'),
      { name: 'exchangeId', in: 'query', description: '`Penghubung-Exchange-Id`: exactly one exchange.', schema: uuid },
    ],
    answers: { '200': { description: 'Satu halaman / one page, newest first.', schema: ref('TrafficPage'), example: { items: [exampleTraffic], nextCursor: 'OA' } } },
    problems: ['STORE_UNAVAILABLE'],
    problemExamples: { BAD_REQUEST: { detail: 'Query parameter status must be a status code (e.g. 404) or a class (e.g. 5xx).' } },
  },
  {
    method: 'get', path: '/admin/v1/audit', id: 'searchAudit', tag: 'audit', roles: readRoles,
    summary: 'Cari jejak audit / search the audit trail',
    description: 'Every admin change (contracts, consumers, partners, agreements, certificates, deliveries, restores) and every traffic-log search, with who, when, before and after. Rows are never changed or deleted.',
    parameters: [
      ...pagingParameters,
      query('actor', 'Subjek SSO atau client id / SSO subject or client id.', 'diskominfo-admin'),
      query('action', 'Mis. / e.g. `contract.approve`.', 'partner.update'),
      query('objectType', 'Mis. / e.g. `contract-version`, `partner`, `traffic-log`.'),
      query('objectId', 'Mis. / e.g. `sandbox-direktori@1.1.0`.'),
      query('requestId', '`X-Request-Id` of the change.'),
    ],
    answers: { '200': { description: 'Satu halaman / one page, newest first.', schema: ref('AuditPage'), example: { items: [exampleAudit], nextCursor: null } } },
    problems: ['STORE_UNAVAILABLE'],
  },
  {
    method: 'get', path: '/admin/v1/upstreams', id: 'listUpstreams', tag: 'upstreams', roles: readRoles,
    summary: 'Status sirkuit dan anggaran retry upstream / circuit state and retry budget of each upstream',
    description: 'Every upstream an active contract names, with its breaker and its latest health probe.',
    answers: { '200': { description: 'By upstream name.', schema: itemsOf(ref('UpstreamStatus')), example: { items: [exampleUpstream] } } },
  },
  {
    method: 'get', path: '/admin/v1/backup', id: 'backup', tag: 'backup', roles: editRoles,
    summary: 'Cadangan registri, dokumen adapter dan jejak audit / backup of the registry, the adapters\' documents and the audit trail',
    description: 'How a single server on the embedded store is backed up while it runs. A consistent snapshot; `penghubung restore` takes the file.',
    answers: {
      '200': {
        description: 'The backup file.',
        headers: { 'Content-Disposition': { description: '`attachment; filename="penghubung-backup-<time>.json"`', schema: text } },
        schema: ref('Backup'),
        example: { format: 'penghubung-backup', formatVersion: 1, createdAt: '2026-12-07T02:45:48.013Z', schemaVersion: 14, registryRevision: 5, tables: { partners: [{ id: 'bank-nagari', legal_name: 'PT Bank Nagari', type: 'bank', contact: {}, status: 'active' }] }, sha256: '3f0c5a1e9b7d2c4f6a8e0b1d3c5e7f9a2b4d6f8a0c2e4b6d8f0a1c3e5b7d9f1a' },
      },
    },
    problems: ['STORE_UNAVAILABLE'],
  },
  {
    method: 'get', path: '/admin/v1/deliveries', id: 'listDeliveries', tag: 'deliveries', roles: readRoles,
    summary: 'Daftar pengiriman simpan-teruskan / store-and-forward deliveries',
    parameters: [
      { name: 'state', in: 'query', description: 'Hanya keadaan ini / only this state; `failed`: parked for the Dinas.', schema: { enum: deliveryStates }, example: 'failed' },
      { name: 'limit', in: 'query', description: 'At most (default 100).', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
    ],
    answers: { '200': { description: 'The deliveries.', schema: itemsOf(ref('Delivery')), example: { items: [exampleDelivery] } } },
    problems: ['STORE_UNAVAILABLE'],
    problemExamples: { BAD_REQUEST: { detail: 'state is one of pending, delivering, delivered, failed, cancelled.' } },
  },
  {
    method: 'get', path: '/admin/v1/deliveries/{id}', id: 'getDelivery', tag: 'deliveries', roles: readRoles,
    summary: 'Satu pengiriman / one delivery',
    parameters: [deliveryId],
    answers: { '200': { description: 'The delivery.', schema: ref('Delivery'), example: exampleDelivery } },
    problems: ['DELIVERY_NOT_FOUND', 'STORE_UNAVAILABLE'],
    problemExamples: { DELIVERY_NOT_FOUND: { detail: `No delivery ${exampleDelivery.id}.` } },
  },
  ...(['retry', 'cancel'] as const).map((action): AdminOperation => ({
    method: 'post', path: `/admin/v1/deliveries/{id}/${action}`, id: `${action}Delivery`, tag: 'deliveries', roles: opsActionRoles,
    summary: action === 'retry' ? 'Kirim ulang pengiriman yang tertahan / retry a parked delivery' : 'Batalkan pengiriman / cancel a delivery',
    description: action === 'retry'
      ? 'A `failed` delivery goes out again now, its attempts counted afresh; its callback waits for the new end. No body.'
      : 'A `pending` or `failed` delivery is not sent, and its stored request body is dropped; its callback, if any, is notified now. No body.',
    parameters: [deliveryId],
    answers: { '200': { description: 'The delivery after the action.', schema: ref('Delivery'), example: afterAction[action] } },
    problems: ['DELIVERY_NOT_FOUND', 'DELIVERY_STATE_CONFLICT', 'STORE_UNAVAILABLE'],
    problemExamples: {
      DELIVERY_NOT_FOUND: { detail: `No delivery ${exampleDelivery.id}.` },
      DELIVERY_STATE_CONFLICT: action === 'retry'
        ? { detail: `Delivery ${exampleDelivery.id} cannot be retried: a retry needs the state failed, and it is delivered (already delivered). Nothing was changed.`, state: 'delivered', allowedStates: ['failed'] }
        : { detail: `Delivery ${exampleDelivery.id} cannot be cancelled: cancelling needs the state pending or failed, and it is delivered (already delivered). Nothing was changed.`, state: 'delivered', allowedStates: ['pending', 'failed'] },
    },
  })),
];
