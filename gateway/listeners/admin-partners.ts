import { Ajv, type ErrorObject } from 'ajv';
import express, { type Router } from 'express';
import type { GatewayConfig } from '../config/schema.ts';
import { Problem } from '../errors/problem.ts';
import { adminJson, adminText } from './admin-bodies.ts';
import { auditSourceOf, handle } from './admin-roles.ts';
import { certificatesInUse } from '../partners/certificates-in-use.ts';
import type { TlsMaterial } from '../partners/tls-material.ts';
import { classifications } from '../registry/contract.ts';
import {
  agreementStates, CertificateError, normalizeFingerprint, partnerTypes, registerCertificate, unregisterCertificate,
  upsertAgreement, upsertPartner, type Agreement, type Partner,
} from '../registry/partners.ts';
import type { Registry } from '../registry/registry.ts';
import type { Store } from '../store/store.ts';

type PartnerBody = Omit<Partner, 'id'>;
type AgreementBody = Omit<Agreement, 'number'>;

const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
/** A partner's body; also the admin API's OpenAPI document (admin-openapi/). */
export const partnerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['legalName', 'type'],
  properties: {
    legalName: { type: 'string', minLength: 2, maxLength: 200 },
    type: { type: 'string', enum: [...partnerTypes] },
    contact: {
      type: 'object', additionalProperties: false, default: {}, required: [],
      properties: { name: { type: 'string', nullable: true }, email: { type: 'string', nullable: true, format: 'email' }, phone: { type: 'string', nullable: true } },
    },
    status: { type: 'string', enum: ['active', 'suspended'], default: 'active' },
  },
} as const;
/** An agreement's body; also the admin API's OpenAPI document. */
export const agreementSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'partnerId', 'contracts', 'maxClassification', 'validFrom', 'validUntil'],
  properties: {
    title: { type: 'string', minLength: 2, maxLength: 300 },
    partnerId: { type: 'string', minLength: 1 },
    contracts: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
    maxClassification: { type: 'string', enum: [...classifications] },
    validFrom: date,
    validUntil: date,
    dailyQuota: { type: 'integer', minimum: 1, nullable: true, default: null },
    status: { type: 'string', enum: [...agreementStates], default: 'active' },
    // Required (with a legal basis) for a partner that is not a government body and data above publik.
    classificationException: {
      type: 'object', nullable: true, default: null, additionalProperties: false, required: ['legalBasis'],
      properties: { legalBasis: { type: 'string', minLength: 10, maxLength: 1000 }, note: { type: 'string', maxLength: 4000 } },
    },
  },
} as const;
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
// Only `email` is used; a full format plugin for one field is not worth it.
ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
// Defaults (contact, status, dailyQuota) are filled in by ajv, so a valid body is a whole record.
const validatePartner = ajv.compile<PartnerBody>(partnerSchema);
const validateAgreement = ajv.compile<AgreementBody>(agreementSchema);

function invalid(errors: ErrorObject[] | null | undefined, what: string): Problem {
  return new Problem('BAD_REQUEST', `The ${what} is not valid.`, {
    errors: (errors ?? []).map((e) => ({ in: 'body', pointer: e.instancePath || '/', message: e.message ?? e.keyword })),
  });
}

export interface PartnerAdminDeps {
  store: Store;
  registry: Registry;
  tls: { internal: TlsMaterial | null; external: TlsMaterial | null };
  upstreams: GatewayConfig['upstreams'];
  /** Middleware for reading (readRoles) and for changing (editRoles): admin-roles.ts. */
  read: express.RequestHandler;
  write: express.RequestHandler;
}

/**
 * The Dinas registers partners, their certificates and agreements here; a change is applied by
 * this instance at once and by the others at their next registry poll, without a restart. Each
 * change writes its audit row in its own transaction (registry/partners.ts); a refused one none.
 */
export function partnerAdminRouter(deps: PartnerAdminDeps): Router {
  const router = express.Router();
  const json = adminJson('256kb');
  const applied = async () => deps.registry.refresh();

  router.get('/admin/v1/partners', deps.read, (_req, res) => {
    const table = deps.registry.current.partners;
    res.json({
      items: [...table.partners.values()].sort((a, b) => a.id.localeCompare(b.id)).map((partner) => ({
        ...partner,
        certificates: [...table.certificates.values()].filter((c) => c.ownerKind === 'partner' && c.ownerId === partner.id),
        agreements: table.agreementsByPartner.get(partner.id) ?? [],
      })),
    });
  });

  router.put('/admin/v1/partners/:id', deps.write, json, handle(async (req, res) => {
    const id = String(req.params.id);
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(id)) throw new Problem('BAD_REQUEST', 'A partner id is 2-63 lower-case letters, digits and dashes.');
    if (!validatePartner(req.body)) throw invalid(validatePartner.errors, 'partner');
    await upsertPartner(deps.store, { id, ...req.body }, auditSourceOf(req));
    await applied();
    res.json(deps.registry.current.partners.partners.get(id));
  }));

  const registerTo = (ownerKind: 'partner' | 'consumer') => handle(async (req, res) => {
    const ownerId = String(req.params.id);
    const known = ownerKind === 'partner' ? deps.registry.current.partners.partners.has(ownerId) : deps.registry.current.consumers.has(ownerId);
    if (!known) throw new Problem('NOT_FOUND', `No ${ownerKind} ${ownerId}.`);
    const pem = typeof req.body === 'string' ? req.body : (req.body as { pem?: unknown })?.pem;
    if (typeof pem !== 'string') throw new Problem('BAD_REQUEST', 'Send the certificate as PEM: a text/plain body or JSON {"pem": "..."}.');
    try {
      const registered = await registerCertificate(deps.store, ownerKind, ownerId, pem, auditSourceOf(req));
      await applied();
      res.status(201).json(registered);
    } catch (error) {
      if (error instanceof CertificateError) throw new Problem('BAD_REQUEST', error.message);
      throw error;
    }
  });
  const text = adminText(['text/plain', 'application/x-pem-file'], '64kb');
  router.post('/admin/v1/partners/:id/certificates', deps.write, json, text, registerTo('partner'));
  router.post('/admin/v1/consumers/:id/certificates', deps.write, json, text, registerTo('consumer'));

  router.delete('/admin/v1/certificates/:fingerprint', deps.write, handle(async (req, res) => {
    if (!(await unregisterCertificate(deps.store, String(req.params.fingerprint), auditSourceOf(req)))) throw new Problem('NOT_FOUND', `No registered certificate ${normalizeFingerprint(String(req.params.fingerprint))}.`);
    await applied();
    res.status(204).end();
  }));

  router.get('/admin/v1/agreements', deps.read, (req, res) => {
    const partner = typeof req.query.partner === 'string' ? req.query.partner : undefined;
    const all = [...deps.registry.current.partners.agreementsByPartner.values()].flat();
    res.json({ items: all.filter((a) => !partner || a.partnerId === partner) });
  });

  router.put('/admin/v1/agreements/:number', deps.write, json, handle(async (req, res) => {
    const number = String(req.params.number);
    if (number.length < 3 || number.length > 120) throw new Problem('BAD_REQUEST', 'A PKS number is 3-120 characters (URL-encode its slashes).');
    if (!validateAgreement(req.body)) throw invalid(validateAgreement.errors, 'agreement');
    const body = req.body;
    const current = deps.registry.current;
    if (!current.partners.partners.has(body.partnerId)) throw new Problem('BAD_REQUEST', `No partner ${body.partnerId}: register the partner first.`);
    const known = new Set(current.routes.map((r) => r.contract.id));
    const unknown = body.contracts.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new Problem('BAD_REQUEST', `No active contract ${unknown.join(', ')}.`, { unknownContracts: unknown });
    if (body.validUntil < body.validFrom) throw new Problem('BAD_REQUEST', 'validUntil is before validFrom.');
    await upsertAgreement(deps.store, { number, ...body }, auditSourceOf(req));
    await applied();
    res.json(deps.registry.current.partners.agreementsByPartner.get(body.partnerId)?.find((a) => a.number === number));
  }));

  router.get('/admin/v1/certificates', deps.read, handle(async (req, res) => {
    const within = req.query.within === undefined ? undefined : Number(req.query.within);
    if (within !== undefined && (!Number.isInteger(within) || within < 0)) throw new Problem('BAD_REQUEST', 'within is a whole number of days.');
    const all = await certificatesInUse(deps.store, deps.tls, deps.upstreams);
    res.json({ items: within === undefined ? all : all.filter((c) => c.daysLeft <= within) });
  }));

  return router;
}
