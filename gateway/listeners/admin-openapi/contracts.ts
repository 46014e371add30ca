import type { ProblemCode } from '../../errors/catalogue.ts';
import { classifications } from '../../registry/contract.ts';
import { contractFileSchema } from '../../registry/contract-file-schema.ts';
import { lifecycleActions, transitions, versionStates, type LifecycleAction } from '../../registry/lifecycle.ts';
import { actionBodySchemas } from '../admin-contracts.ts';
import { approveRoles, editRoles, readRoles } from '../admin-roles.ts';
import { dateTime, itemsOf, openApiSchema, ref, type AdminOperation, type Parameter } from './common.ts';

/** Operations of admin-contracts.ts: contract versions and their lifecycle (docs/administration.md). */

type Schema = Record<string, unknown>;
const child = (schema: Schema, ...keys: string[]): Schema => keys.reduce((at, key) => at[key] as Schema, schema);

/**
 * The body of a new version or a changed draft: a contract file's fields (the loader's own
 * schema), with what the API asks differently: schemas inline, a data owner, and no state (a
 * version made here is a draft).
 */
function contractDocumentSchema(): Schema {
  const schema = openApiSchema(contractFileSchema) as Schema;
  schema.description = 'The fields of a contract file (docs/contracts.md), JSON, with every schema inline.';
  schema.required = [...new Set([...(schema.required as string[]).filter((name) => name !== 'state'), 'dataOwner'])];
  const properties = child(schema, 'properties');
  properties.state = { ...child(properties, 'state'), description: 'Diabaikan / ignored: a version made through the API is a draft.' };
  const operation = child(properties, 'operations', 'items', 'properties');
  const inline = { type: 'object', description: 'JSON Schema 2020-12, inline (a file reference is refused: `CONTRACT_DOCUMENT_INVALID`).' };
  child(operation, 'request', 'properties').schema = inline;
  child(operation, 'response', 'properties').schema = inline;
  child(operation, 'response', 'properties', 'otherStatuses', 'additionalProperties', 'properties').schema = inline;
  return schema;
}

const text = { type: 'string' } as const;
const step = (more: Schema = {}) => ({ type: 'object', required: ['by', 'at', ...Object.keys(more)], properties: { by: { type: ['string', 'null'], description: 'SSO subject.' }, at: dateTime, ...more } });
const versionRecord = {
  type: 'object',
  description: 'One version: its state and who did what when. A step is present once the version went through it.',
  required: ['id', 'version', 'state', 'title', 'source', 'created', 'changed'],
  properties: {
    id: text, version: text, state: { enum: versionStates }, title: text,
    source: { type: 'string', description: '`api`, or the contract file it came from.' },
    created: step(), changed: step(), submitted: step(),
    approved: step({ recommendation: { type: ['object', 'null'], required: ['number', 'date', 'note'], properties: { number: text, date: { type: 'string', format: 'date' }, note: text } } }),
    rejected: step({ note: { type: ['string', 'null'] } }),
    activated: step(),
    deprecated: step({ sunsetAt: { type: ['string', 'null'], format: 'date-time' } }),
    retired: step({ note: { type: ['string', 'null'], description: '`superseded by <version>` when its successor was activated.' } }),
  },
};

export const schemas = {
  ContractDocument: contractDocumentSchema(),
  ContractSummary: {
    type: 'object',
    required: ['id', 'title', 'integration', 'dataOwner', 'versions'],
    properties: {
      id: text, title: text, integration: text, dataOwner: { type: ['string', 'null'], description: 'Wali data.' },
      versions: { type: 'array', description: 'Newest first.', items: { type: 'object', required: ['version', 'state'], properties: { version: text, state: { enum: versionStates } } } },
    },
  },
  ContractVersion: versionRecord,
  ContractVersions: { type: 'object', required: ['id', 'versions'], properties: { id: text, versions: { type: 'array', items: ref('ContractVersion'), description: 'Newest first.' } } },
  ContractDefinition: {
    type: 'object',
    description: 'The version as stored: parameters as `pathParams` and `query`, defaults filled in, the adapter\'s block as `adapterSettings`.',
    required: ['id', 'integration', 'version', 'title', 'description', 'state', 'classification', 'scopes', 'timeoutMs', 'forwarding', 'adapterSettings', 'operations'],
    properties: {
      id: text, integration: text, version: text, title: text, description: text, state: text,
      classification: { enum: classifications }, dataOwner: text, scopes: { type: 'array', items: text }, timeoutMs: { type: 'integer' },
      serviceLevel: {
        type: 'object',
        description: 'The service level the contract declares: availability in percent (exchanges not answered 5xx), p95 of the total time per exchange in ms.',
        properties: { availability: { type: 'number' }, latencyP95Ms: { type: 'integer' } },
      },
      receipt: { type: 'boolean', description: 'Every answer of its operations carries a signed receipt (`Penghubung-Receipt`, docs/integrity.md), unless an operation says otherwise. Absent: no receipts.' },
      upstream: { type: 'object', required: ['name', 'url'], properties: { name: text, url: text } },
      forwarding: text, adapterSettings: { type: 'object' },
      operations: {
        type: 'array',
        items: {
          type: 'object', required: ['id', 'method', 'path', 'scopes', 'pathParams', 'query'],
          properties: { id: text, method: text, path: text, scopes: { type: 'array', items: text }, pathParams: { type: 'object' }, query: { type: 'object' }, receipt: { type: 'boolean', description: 'Signed receipts on this operation\'s answers, over the contract\'s `receipt`.' } },
        },
      },
    },
  },
};

const schoolSchema = {
  type: 'object',
  required: ['npsn', 'nama', 'jenjang'],
  properties: { npsn: { type: 'string', pattern: '^[0-9]{8}$' }, nama: text, jenjang: { enum: ['SD', 'SMP'] }, alamat: text },
};
const exampleDocument = {
  id: 'disdik-sekolah',
  integration: 'sekolah',
  version: '1.1.0',
  title: 'Data Sekolah (Dinas Pendidikan)',
  description: 'Data pokok sekolah dasar dan menengah pertama / basic school data.',
  classification: 'publik',
  dataOwner: 'Dinas Pendidikan',
  serviceLevel: { availability: 99.5, latencyP95Ms: 2000 },
  scopes: ['sekolah.read'],
  timeoutMs: 5000,
  upstream: { name: 'disdik', url: 'https://dapodik.disdik.example.go.id/api' },
  forwarding: 'passthrough',
  operations: [{
    id: 'getSchool',
    method: 'GET',
    path: '/sekolah/{npsn}',
    summary: 'Satu sekolah menurut NPSN / one school by its NPSN',
    parameters: { npsn: { schema: { type: 'string', pattern: '^[0-9]{8}$' }, example: '10501234', description: 'Nomor Pokok Sekolah Nasional' } },
    response: { schema: schoolSchema, example: { npsn: '10501234', nama: 'SD Negeri 1 Teluk Kuantan', jenjang: 'SD', alamat: 'Jl. Proklamasi No. 5' } },
  }],
};
const at = (hour: number) => `2026-12-01T0${hour}:00:00.000Z`;
const created = {
  id: 'disdik-sekolah', version: '1.1.0', state: 'draft', title: exampleDocument.title, source: 'api',
  created: { by: 'diskominfo-admin', at: at(1) }, changed: { by: 'diskominfo-admin', at: at(1) },
};
const recommendation = { number: '000.5/123/DISKOMINFO/2026', date: '2026-12-01', note: 'Aman dan layak operasi / safe and fit to operate.' };
const submitted = { ...created, state: 'submitted', submitted: { by: 'diskominfo-admin', at: at(2) } };
const approved = { ...submitted, state: 'approved', approved: { by: 'diskominfo-approver', at: at(3), recommendation } };
const active = { ...approved, state: 'active', activated: { by: 'diskominfo-admin', at: at(4) } };
const deprecated = { ...active, state: 'deprecated', deprecated: { by: 'diskominfo-admin', at: at(5), sunsetAt: '2027-06-30T00:00:00.000Z' } };

/** Each action: who may run it, what it takes, what it leads to, and its refusals beside the common ones. */
const actions: Record<LifecycleAction, { roles: readonly string[]; summary: string; example?: unknown; refused?: string; result: unknown; problems: ProblemCode[]; more?: string }> = {
  submit: { roles: editRoles, summary: 'Ajukan draf untuk disetujui / submit a draft for approval', result: submitted, problems: [] },
  approve: {
    roles: approveRoles, summary: 'Setujui dengan rekomendasi Dinas / approve, with the Dinas recommendation', example: { recommendation }, refused: 'data must have required property \'recommendation\'', result: approved, problems: ['FOUR_EYES_REQUIRED'],
    more: 'Records the approver, the time and the Dinas recommendation letter on operation and security (Pasal 48(2) of Perbup 004). Whoever created or last changed the version cannot approve it, whatever roles they hold (four eyes).',
  },
  reject: { roles: approveRoles, summary: 'Tolak, kembali ke draf / reject, back to draft', example: { note: 'Skema respons belum mencantumkan klasifikasi data.' }, refused: 'data must have required property \'note\'', result: { ...created, rejected: { by: 'diskominfo-approver', at: at(3), note: 'Skema respons belum mencantumkan klasifikasi data.' } }, problems: [] },
  activate: {
    roles: editRoles, summary: 'Aktifkan / activate', result: active, problems: ['CONTRACT_ROUTE_CONFLICT'],
    more: 'The version routes from now on. The version of the same contract and major version that routed before is retired (`superseded by ...`) in the same transaction: the routing table swaps whole.',
  },
  deprecate: { roles: editRoles, summary: 'Tandai usang, dengan tanggal sunset / deprecate, with a sunset day', example: { sunset: '2027-06-30' }, refused: 'data/sunset must match pattern "^\\d{4}-\\d{2}-\\d{2}$"', result: deprecated, problems: [], more: 'Still routes, with `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) on every answer. The sunset is a day still to come.' },
  retire: { roles: editRoles, summary: 'Pensiunkan / retire', example: { note: 'Diganti versi 2 / replaced by version 2.' }, refused: 'data must NOT have additional properties', result: { ...deprecated, state: 'retired', retired: { by: 'diskominfo-admin', at: at(6), note: 'Diganti versi 2 / replaced by version 2.' } }, problems: [], more: 'Its routes answer 410 `CONTRACT_RETIRED`. The body is optional.' },
};

const idProperty = child(contractFileSchema, 'properties', 'id');
const versionProperty = child(contractFileSchema, 'properties', 'version');
const contractId: Parameter = { name: 'id', in: 'path', description: 'Id kontrak / contract id.', schema: idProperty, example: exampleDocument.id };
const version: Parameter = { name: 'version', in: 'path', description: 'Versi / version (semver).', schema: versionProperty, example: exampleDocument.version };
const notFound = { detail: `No contract ${exampleDocument.id} with version ${exampleDocument.version}.` };
const stateConflict = (action: LifecycleAction, state: string) => ({
  detail: `Contract ${exampleDocument.id} version ${exampleDocument.version} is ${state}; ${action} needs the state ${transitions[action].from.join(' or ')}. Nothing was changed.`,
  state, allowedStates: transitions[action].from, action,
});
// The route reads a JSON body for every action, so one sent to an action that takes none can still be refused.
const bodyRefusals: ProblemCode[] = ['MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

export const operations: AdminOperation[] = [
  {
    method: 'get', path: '/admin/v1/contracts', id: 'listContracts', tag: 'contracts', roles: readRoles,
    summary: 'Semua kontrak dengan versi dan keadaannya / every contract with its versions and their states',
    answers: { '200': { description: 'By id.', schema: itemsOf(ref('ContractSummary')), example: { items: [{ id: 'disdik-sekolah', title: exampleDocument.title, integration: 'sekolah', dataOwner: 'Dinas Pendidikan', versions: [{ version: '1.1.0', state: 'submitted' }, { version: '1.0.0', state: 'active' }] }] } } },
    problems: ['STORE_UNAVAILABLE'],
  },
  {
    method: 'post', path: '/admin/v1/contracts', id: 'createContractVersion', tag: 'contracts', roles: editRoles,
    summary: 'Kontrak baru atau versi baru, sebagai draf / a new contract or a new version, as a draft',
    description: 'A change to an active contract is a new version: the active one keeps routing until its successor is activated.',
    body: { schema: ref('ContractDocument'), example: exampleDocument },
    answers: {
      '201': {
        description: 'The draft.',
        headers: { Location: { description: '`/admin/v1/contracts/{id}/versions/{version}`', schema: text } },
        schema: ref('ContractVersion'), example: created,
      },
    },
    problems: ['CONTRACT_DOCUMENT_INVALID', 'CONTRACT_VERSION_EXISTS', 'STORE_UNAVAILABLE'],
    problemExamples: {
      CONTRACT_DOCUMENT_INVALID: { detail: 'The contract is not valid: dataOwner (the wali data: the department that owns the data) is required', reason: 'dataOwner (the wali data: the department that owns the data) is required' },
      CONTRACT_VERSION_EXISTS: { detail: `Contract ${exampleDocument.id} already has a version 1.1.0 (submitted); a change is a new version, or a change of the draft (PUT).`, state: 'submitted' },
    },
  },
  {
    method: 'get', path: '/admin/v1/contracts/{id}', id: 'getContract', tag: 'contracts', roles: readRoles,
    summary: 'Setiap versi kontrak: keadaan, siapa dan kapan / every version: its state, who and when',
    parameters: [contractId],
    answers: { '200': { description: 'Newest version first.', schema: ref('ContractVersions'), example: { id: 'disdik-sekolah', versions: [submitted, { ...created, version: '1.0.0', state: 'active', source: 'contracts/sekolah/disdik.yaml' }] } } },
    problems: ['CONTRACT_VERSION_NOT_FOUND', 'STORE_UNAVAILABLE'],
    problemExamples: { CONTRACT_VERSION_NOT_FOUND: { detail: `No contract ${exampleDocument.id}.` } },
  },
  {
    method: 'get', path: '/admin/v1/contracts/{id}/versions/{version}', id: 'getContractVersion', tag: 'contracts', roles: readRoles,
    summary: 'Definisi satu versi / the definition of one version',
    parameters: [contractId, version],
    answers: {
      '200': {
        description: 'As stored.', schema: ref('ContractDefinition'),
        example: {
          id: 'disdik-sekolah', integration: 'sekolah', version: '1.1.0', title: exampleDocument.title, description: exampleDocument.description, state: 'draft', classification: 'publik',
          dataOwner: 'Dinas Pendidikan', serviceLevel: exampleDocument.serviceLevel, scopes: ['sekolah.read'], timeoutMs: 5000, upstream: exampleDocument.upstream, forwarding: 'passthrough', adapterSettings: {},
          operations: [{ id: 'getSchool', method: 'GET', path: '/sekolah/{npsn}', summary: exampleDocument.operations[0]!.summary, scopes: [], pathParams: exampleDocument.operations[0]!.parameters, query: {}, response: exampleDocument.operations[0]!.response }],
        },
      },
    },
    problems: ['CONTRACT_VERSION_NOT_FOUND', 'STORE_UNAVAILABLE'],
    problemExamples: { CONTRACT_VERSION_NOT_FOUND: notFound },
  },
  {
    method: 'put', path: '/admin/v1/contracts/{id}/versions/{version}', id: 'changeDraft', tag: 'contracts', roles: editRoles,
    summary: 'Ubah draf / change a draft',
    description: 'Only a draft (also one sent back by a rejection) can be changed; its id and version are the path\'s. Whoever changes it last cannot approve it.',
    parameters: [contractId, version],
    body: { schema: ref('ContractDocument'), example: exampleDocument },
    answers: { '200': { description: 'The draft as changed.', schema: ref('ContractVersion'), example: { ...created, changed: { by: 'diskominfo-admin', at: at(2) } } } },
    problems: ['CONTRACT_DOCUMENT_INVALID', 'CONTRACT_VERSION_NOT_FOUND', 'CONTRACT_STATE_CONFLICT', 'STORE_UNAVAILABLE'],
    problemExamples: {
      BAD_REQUEST: { detail: 'The body is contract disdik-sekolah version 1.2.0, the path disdik-sekolah version 1.1.0.' },
      CONTRACT_VERSION_NOT_FOUND: notFound,
      CONTRACT_STATE_CONFLICT: { detail: 'Contract disdik-sekolah version 1.1.0 is submitted; only a draft can be changed. A change to it is a new version.', state: 'submitted', allowedStates: ['draft'] },
    },
  },
  ...lifecycleActions.map((action): AdminOperation => {
    const spec = actions[action];
    const schema = (actionBodySchemas as Partial<Record<LifecycleAction, unknown>>)[action];
    const { from, to } = transitions[action];
    return {
      method: 'post', path: `/admin/v1/contracts/{id}/versions/{version}/${action}`, id: `${action}ContractVersion`, tag: 'contracts', roles: spec.roles,
      summary: spec.summary,
      description: [`From ${from.map((state) => `\`${state}\``).join(' or ')} to \`${to}\`; from any other state 409 \`CONTRACT_STATE_CONFLICT\` and nothing changes.`, spec.more].filter(Boolean).join(' '),
      parameters: [contractId, version],
      ...(schema ? { body: { schema: openApiSchema(schema), example: spec.example, required: action !== 'retire' } } : {}),
      answers: { '200': { description: 'The version after the action.', schema: ref('ContractVersion'), example: spec.result } },
      problems: [...spec.problems, 'CONTRACT_VERSION_NOT_FOUND', 'CONTRACT_STATE_CONFLICT', 'STORE_UNAVAILABLE', ...(schema ? [] : bodyRefusals)],
      problemExamples: {
        CONTRACT_VERSION_NOT_FOUND: notFound,
        CONTRACT_STATE_CONFLICT: stateConflict(action, action === 'submit' ? 'active' : 'draft'),
        ...(spec.refused ? { BAD_REQUEST: { detail: `The body of ${action}: ${spec.refused}.` } } : {}),
        FOUR_EYES_REQUIRED: { detail: 'Contract disdik-sekolah version 1.1.0 was created or last changed by diskominfo-admin; another person must approve it.', approver: 'diskominfo-admin' },
        CONTRACT_ROUTE_CONFLICT: { detail: 'Contract disdik-sekolah version 1.1.0 would serve routes another active contract serves: GET /sekolah/v1/sekolah/{} (contract disdik-lama).', routes: ['GET /sekolah/v1/sekolah/{} (contract disdik-lama)'] },
      },
    };
  }),
];
