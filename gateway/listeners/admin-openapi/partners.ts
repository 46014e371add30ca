import { classifications } from '../../registry/contract.ts';
import { agreementStates, partnerTypes } from '../../registry/partners.ts';
import { agreementSchema, partnerSchema } from '../admin-partners.ts';
import { editRoles, readRoles } from '../admin-roles.ts';
import { dateTime, itemsOf, openApiSchema, ref, type AdminOperation, type Parameter } from './common.ts';

/** Operations of admin-partners.ts: partners, their client certificates and agreements (PKS), certificate monitoring. */

const text = { type: 'string' } as const;
const day = { type: 'string', format: 'date' } as const;
const orNull = { type: ['string', 'null'] } as const;

const partner = {
  type: 'object',
  required: ['id', 'legalName', 'type', 'contact', 'status'],
  properties: {
    id: text,
    legalName: text,
    type: { enum: partnerTypes },
    contact: { type: 'object', properties: { name: orNull, email: orNull, phone: orNull } },
    status: { enum: ['active', 'suspended'] },
  },
};
const agreement = {
  type: 'object',
  required: ['number', 'title', 'partnerId', 'contracts', 'maxClassification', 'validFrom', 'validUntil', 'dailyQuota', 'status'],
  properties: {
    number: text,
    title: text,
    partnerId: text,
    contracts: { type: 'array', items: text },
    maxClassification: { enum: classifications },
    validFrom: { ...day, description: 'Inclusive, in the region\'s time zone.' },
    validUntil: { ...day, description: 'Inclusive.' },
    dailyQuota: { type: ['integer', 'null'] },
    status: { enum: agreementStates },
  },
};
const registeredCertificate = {
  type: 'object',
  required: ['fingerprint', 'ownerKind', 'ownerId', 'subject', 'issuer', 'serial', 'notBefore', 'notAfter'],
  properties: {
    fingerprint: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the DER, lower-case hex.' },
    ownerKind: { enum: ['partner', 'consumer'] },
    ownerId: text, subject: text, issuer: text, serial: text, notBefore: dateTime, notAfter: dateTime,
  },
};
const monitoredCertificate = {
  type: 'object',
  required: ['subject', 'commonName', 'issuer', 'serial', 'fingerprint256', 'daysLeft', 'keyType', 'keyBits', 'isCa', 'role', 'owner', 'notBefore', 'notAfter'],
  properties: {
    subject: text, commonName: orNull, issuer: text, serial: text,
    fingerprint256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    daysLeft: { type: 'integer', description: 'Negative once expired.' },
    keyType: text, keyBits: { type: ['integer', 'null'] }, isCa: { type: 'boolean' },
    role: { enum: ['internal-server', 'external-server', 'internal-client-ca', 'external-client-ca', 'partner', 'consumer', 'upstream-client'] },
    owner: { type: ['string', 'null'], description: 'Partner or consumer id; the upstream of the gateway\'s own client certificates.' },
    notBefore: dateTime, notAfter: dateTime,
    revoked: { type: 'boolean', description: 'Registered client certificates: on a loaded CRL (unregister it too).' },
  },
};

export const schemas = {
  Partner: partner,
  PartnerOverview: { allOf: [ref('Partner')], required: ['certificates', 'agreements'], properties: { certificates: { type: 'array', items: ref('RegisteredCertificate') }, agreements: { type: 'array', items: ref('Agreement') } } },
  Agreement: agreement,
  RegisteredCertificate: registeredCertificate,
  MonitoredCertificate: monitoredCertificate,
};

const examplePartner = { id: 'bank-nagari', legalName: 'PT Bank Pembangunan Daerah Sumatera Barat', type: 'bank', contact: { name: 'Divisi TI', email: 'ti@banknagari.example' }, status: 'active' };
const exampleAgreement = { number: 'PKS/12/BN/2026', title: 'Verifikasi data kepegawaian', partnerId: 'bank-nagari', contracts: ['bkn-siasn'], maxClassification: 'terbatas', validFrom: '2026-01-01', validUntil: '2027-12-31', dailyQuota: 5000, status: 'active', classificationException: { legalBasis: 'Keputusan Bupati Nomor 100.3.3.2/45/2026 tentang pemberian akses data kepegawaian kepada Bank Nagari' } };
// A real certificate (issued by an example Dinas CA), so that "Try it out" registers it as printed.
const examplePem = [
  '-----BEGIN CERTIFICATE-----\n',
  'MIIB7zCCAZWgAwIBAgIEOpHwwjAKBggqhkjOPQQDAjBOMS4wLAYDVQQKDCVQZW1l\n',
  'cmludGFoIEthYnVwYXRlbiBLdWFudGFuIFNpbmdpbmdpMRwwGgYDVQQDDBNQZW5n\n',
  'aHVidW5nIERpbmFzIENBMB4XDTI2MTIwNzIyNTAzNVoXDTI3MTIwNzIyNTAzNVow\n',
  'OjEXMBUGA1UECgwOUFQgQmFuayBOYWdhcmkxHzAdBgNVBAMMFmFwaS5iYW5rbmFn\n',
  'YXJpLmV4YW1wbGUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAR3B8Y3VoW3t5Vd\n',
  'WQxi8NWnCmqvNw5PEYQoZ6g+UrZ//p8w1/AL7S98Q8/kPXua0bv9hJ7pqCmyGfXj\n',
  'd+drNEmko3UwczAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUE\n',
  'DDAKBggrBgEFBQcDAjAdBgNVHQ4EFgQUb1NdziaC10GxMbII2YluLhWsPeowHwYD\n',
  'VR0jBBgwFoAU8W/2lPXgsnNldcRyVnUfmH8M8NEwCgYIKoZIzj0EAwIDSAAwRQIh\n',
  'ANai747chmx/aN7Yurgpmy47Az1RcqoD3mUbaI6N3XvIAiBbkCHZEHAqQgIpJoz3\n',
  'tnbhGJSVm7pmmAJ9GazwSDZxQQ==\n',
  '-----END CERTIFICATE-----\n',
].join('');
const fingerprint = '503ea0bdb9aa23b11c9673ae9f407c8134a4b5a3ddb329c88a538335b22d841f';
const exampleCertificate = {
  fingerprint, ownerKind: 'partner', ownerId: 'bank-nagari', subject: 'O=PT Bank Nagari, CN=api.banknagari.example', issuer: 'O=Pemerintah Kabupaten Kuantan Singingi, CN=Penghubung Dinas CA',
  serial: '3a91f0c2', notBefore: '2026-12-07T22:50:35.000Z', notAfter: '2027-12-07T22:50:35.000Z',
};

const partnerId: Parameter = { name: 'id', in: 'path', description: 'Id mitra / partner id: 2-63 lower-case letters, digits and dashes.', schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,62}$' }, example: 'bank-nagari' };

/** Registering a client certificate, to a partner (partner listener) or to a consumer (internal listener, `requireClientCert`). */
function registerCertificate(owner: 'partner' | 'consumer'): AdminOperation {
  const id: Parameter = owner === 'partner' ? partnerId : { name: 'id', in: 'path', description: 'Client id SSO aplikasi / the application\'s SSO client id.', schema: text, example: 'bkpsdm-simpeg' };
  return {
    method: 'post', path: `/admin/v1/${owner}s/{id}/certificates`, id: `register${owner === 'partner' ? 'Partner' : 'Consumer'}Certificate`, tag: `${owner}s`, roles: editRoles,
    summary: owner === 'partner' ? 'Daftarkan sertifikat klien mitra / register a partner\'s client certificate' : 'Daftarkan sertifikat klien aplikasi PD / register a PD application\'s client certificate',
    description: 'The PEM as a `text/plain` (or `application/x-pem-file`) body, or JSON `{"pem": "..."}`. A certificate belongs to one owner only; registering it again to the same owner changes nothing.',
    parameters: [id],
    body: {
      schema: { type: 'object', required: ['pem'], properties: { pem: { type: 'string', description: 'One certificate, PEM.' } } },
      example: { pem: examplePem },
      alternatives: { 'text/plain': { schema: text, example: examplePem }, 'application/x-pem-file': { schema: text, example: examplePem } },
    },
    answers: { '201': { description: 'Terdaftar / registered.', schema: ref('RegisteredCertificate'), example: owner === 'partner' ? exampleCertificate : { ...exampleCertificate, ownerKind: 'consumer', ownerId: 'bkpsdm-simpeg' } } },
    problems: ['NOT_FOUND', 'STORE_UNAVAILABLE'],
    problemExamples: {
      NOT_FOUND: { detail: `No ${owner} ${String(id.example)}.` },
      BAD_REQUEST: { detail: `certificate ${fingerprint} is already registered to partner bank-lain` },
    },
  };
}

export const operations: AdminOperation[] = [
  {
    method: 'get', path: '/admin/v1/partners', id: 'listPartners', tag: 'partners', roles: readRoles,
    summary: 'Daftar mitra dengan sertifikat dan PKS-nya / partners with their certificates and agreements',
    answers: { '200': { description: 'By id.', schema: itemsOf(ref('PartnerOverview')), example: { items: [{ ...examplePartner, certificates: [exampleCertificate], agreements: [exampleAgreement] }] } } },
  },
  {
    method: 'put', path: '/admin/v1/partners/{id}', id: 'putPartner', tag: 'partners', roles: editRoles,
    summary: 'Daftarkan atau ubah mitra / register or change a partner',
    description: 'Suspending (`status: suspended`) refuses the partner\'s calls (`PARTNER_SUSPENDED`). Applied by this instance at once, by the others at their next registry poll.',
    parameters: [partnerId],
    body: { schema: openApiSchema(partnerSchema), example: { legalName: examplePartner.legalName, type: 'bank', contact: examplePartner.contact } },
    answers: { '200': { description: 'The partner as stored.', schema: ref('Partner'), example: examplePartner } },
    problems: ['STORE_UNAVAILABLE'],
    problemExamples: { BAD_REQUEST: { detail: 'The partner is not valid.', errors: [{ in: 'body', pointer: '/type', message: 'must be equal to one of the allowed values' }] } },
  },
  registerCertificate('partner'),
  registerCertificate('consumer'),
  {
    method: 'delete', path: '/admin/v1/certificates/{fingerprint}', id: 'unregisterCertificate', tag: 'certificates', roles: editRoles,
    summary: 'Cabut pendaftaran sertifikat klien / unregister a client certificate',
    parameters: [{ name: 'fingerprint', in: 'path', description: 'SHA-256 sidik jari / fingerprint, hex, with or without colons.', schema: text, example: fingerprint }],
    answers: { '204': { description: 'Dicabut / unregistered.' } },
    problems: ['NOT_FOUND', 'STORE_UNAVAILABLE'],
    problemExamples: { NOT_FOUND: { detail: `No registered certificate ${fingerprint}.` } },
  },
  {
    method: 'get', path: '/admin/v1/agreements', id: 'listAgreements', tag: 'agreements', roles: readRoles,
    summary: 'Daftar perjanjian kerja sama (PKS) / cooperation agreements',
    parameters: [{ name: 'partner', in: 'query', description: 'Hanya PKS mitra ini / only this partner\'s.', schema: text, example: 'bank-nagari' }],
    answers: { '200': { description: 'The agreements.', schema: itemsOf(ref('Agreement')), example: { items: [exampleAgreement] } } },
  },
  {
    method: 'put', path: '/admin/v1/agreements/{number}', id: 'putAgreement', tag: 'agreements', roles: editRoles,
    summary: 'Daftarkan atau ubah PKS / register or change an agreement',
    description: 'The partner must be registered and every contract active. A partner\'s calls are covered by an agreement in force (`validFrom` to `validUntil`, `active`) naming the contract, up to `maxClassification`, within `dailyQuota`.',
    parameters: [{ name: 'number', in: 'path', description: 'Nomor PKS / agreement number, 3-120 characters; its slashes URL-encoded (`PKS%2F12%2FBN%2F2026`).', schema: { type: 'string', minLength: 3, maxLength: 120 }, example: exampleAgreement.number }],
    body: { schema: openApiSchema(agreementSchema), example: { title: exampleAgreement.title, partnerId: 'bank-nagari', contracts: ['bkn-siasn'], maxClassification: 'terbatas', validFrom: '2026-01-01', validUntil: '2027-12-31', dailyQuota: 5000, classificationException: { legalBasis: 'Keputusan Bupati Nomor 100.3.3.2/45/2026 tentang pemberian akses data kepegawaian kepada Bank Nagari' } } },
    answers: { '200': { description: 'The agreement as stored.', schema: ref('Agreement'), example: exampleAgreement } },
    problems: ['STORE_UNAVAILABLE'],
    problemExamples: { BAD_REQUEST: { detail: 'No active contract bkn-siasn-v2.', unknownContracts: ['bkn-siasn-v2'] } },
  },
  {
    method: 'get', path: '/admin/v1/certificates', id: 'listCertificates', tag: 'certificates', roles: readRoles,
    summary: 'Sertifikat yang dipakai atau dipercaya, yang paling cepat kedaluwarsa dahulu / certificates in use, soonest to expire first',
    description: 'The listeners\' server certificates and trusted client CAs, the gateway\'s own client certificates towards upstreams, and every registered client certificate (Pasal 20(3) of Perbup 000).',
    parameters: [{ name: 'within', in: 'query', description: 'Hanya yang kedaluwarsa dalam sekian hari / only those expiring within this many days.', schema: { type: 'integer', minimum: 0 }, example: 30 }],
    answers: {
      '200': {
        description: 'Soonest to expire first.',
        schema: itemsOf(ref('MonitoredCertificate')),
        example: { items: [{ subject: exampleCertificate.subject, commonName: 'api.banknagari.example', issuer: exampleCertificate.issuer, serial: '3a91f0c2', fingerprint256: fingerprint, daysLeft: 30, keyType: 'ec', keyBits: 256, isCa: false, role: 'partner', owner: 'bank-nagari', notBefore: exampleCertificate.notBefore, notAfter: exampleCertificate.notAfter, revoked: false }] },
      },
    },
    problems: ['STORE_UNAVAILABLE'],
    problemExamples: { BAD_REQUEST: { detail: 'within is a whole number of days.' } },
  },
];
