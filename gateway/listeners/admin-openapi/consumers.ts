import { classifications } from '../../registry/contract.ts';
import { clientIdPattern, consumerSchema } from '../admin-consumers.ts';
import { editRoles, readRoles } from '../admin-roles.ts';
import { itemsOf, openApiSchema, ref, type AdminOperation, type Parameter } from './common.ts';

/** Operations of admin-consumers.ts: the PD applications that call the internal listener. */

const text = { type: 'string' } as const;

export const schemas = {
  Consumer: {
    type: 'object',
    required: ['clientId', 'name', 'department', 'clearance', 'status', 'limits', 'scopes', 'contact'],
    properties: {
      clientId: { type: 'string', description: 'The SSO client id.' },
      name: text,
      department: text,
      clearance: { enum: classifications, description: 'The highest classification it may call.' },
      status: { enum: ['active', 'suspended'], description: 'A suspended application is refused (`CONSUMER_UNKNOWN`).' },
      limits: { type: 'object', description: 'Rate overrides by contract id.', additionalProperties: { type: 'object', required: ['rps', 'burst'], properties: { rps: { type: 'number' }, burst: { type: 'integer' } } } },
      scopes: { type: ['array', 'null'], items: text, description: 'Granted scopes: a token\'s scope counts only if granted; null: the token\'s scopes alone decide.' },
      contact: { type: 'object', additionalProperties: text },
    },
  },
};

const exampleConsumer = {
  clientId: 'bkpsdm-simpeg', name: 'SIMPEG', department: 'BKPSDM', clearance: 'terbatas', status: 'active',
  limits: { 'bkn-siasn': { rps: 5, burst: 10 } }, scopes: ['bkn.read'], contact: { name: 'Admin SIMPEG', email: 'simpeg@bkpsdm.example.go.id' },
};
const clientId: Parameter = { name: 'clientId', in: 'path', description: 'Client id SSO aplikasi / the application\'s SSO client id.', schema: { type: 'string', pattern: clientIdPattern.source }, example: exampleConsumer.clientId };

export const operations: AdminOperation[] = [
  {
    method: 'get', path: '/admin/v1/consumers', id: 'listConsumers', tag: 'consumers', roles: readRoles,
    summary: 'Daftar aplikasi PD / the PD applications',
    answers: { '200': { description: 'By client id.', schema: itemsOf(ref('Consumer')), example: { items: [exampleConsumer] } } },
    problems: ['STORE_UNAVAILABLE'],
  },
  {
    method: 'get', path: '/admin/v1/consumers/{clientId}', id: 'getConsumer', tag: 'consumers', roles: readRoles,
    summary: 'Satu aplikasi PD / one PD application',
    parameters: [clientId],
    answers: { '200': { description: 'The application.', schema: ref('Consumer'), example: exampleConsumer } },
    problems: ['NOT_FOUND', 'STORE_UNAVAILABLE'],
    problemExamples: { NOT_FOUND: { detail: 'No consumer bkpsdm-simpeg.' } },
  },
  {
    method: 'put', path: '/admin/v1/consumers/{clientId}', id: 'putConsumer', tag: 'consumers', roles: editRoles,
    summary: 'Daftarkan, ubah atau tangguhkan aplikasi PD / register, change or suspend a PD application',
    description: 'The whole application: what is left out takes its default (no granted scopes, no limits, no contact, `active`). Suspend with `status: suspended`. Applied by this instance at once, by the others at their next registry poll.',
    parameters: [clientId],
    body: { schema: openApiSchema(consumerSchema), example: { name: 'SIMPEG', department: 'BKPSDM', clearance: 'terbatas', scopes: ['bkn.read'], contact: exampleConsumer.contact, limits: exampleConsumer.limits } },
    answers: {
      '201': { description: 'Terdaftar / registered.', schema: ref('Consumer'), example: exampleConsumer },
      '200': { description: 'Diubah / changed.', schema: ref('Consumer'), example: { ...exampleConsumer, status: 'suspended' } },
    },
    problems: ['STORE_UNAVAILABLE'],
    problemExamples: { BAD_REQUEST: { detail: 'The consumer is not valid: /clearance must be equal to one of the allowed values.' } },
  },
];
