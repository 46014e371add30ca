import type { Selectable } from 'kysely';
import { describeCertificate } from '../../certs/inventory.ts';
import { Problem } from '../errors/problem.ts';
import { recordAudit, type AuditSource } from '../audit/audit.ts';
import type { AgreementsTable, ClientCertificatesTable, PartnersTable } from '../store/schema.ts';
import type { Queryable, Store } from '../store/store.ts';
import { bumpRevision } from './revision.ts';
import type { Classification } from './contract.ts';

export const partnerTypes = ['bank', 'asuransi', 'pembiayaan', 'notaris', 'bandara', 'instansi', 'other'] as const;
export type PartnerType = (typeof partnerTypes)[number];
export const agreementStates = ['active', 'suspended', 'terminated'] as const;
export type AgreementStatus = (typeof agreementStates)[number];

export interface Partner {
  id: string;
  legalName: string;
  type: PartnerType;
  contact: { name?: string; email?: string; phone?: string };
  status: 'active' | 'suspended';
}

/** A cooperation agreement (PKS): what a partner may call, how sensitive, from when to when. */
export interface Agreement {
  number: string;
  title: string;
  partnerId: string;
  contracts: string[];
  maxClassification: Classification;
  /** Calendar days (YYYY-MM-DD) in the region's time zone, both inclusive. */
  validFrom: string;
  validUntil: string;
  dailyQuota: number | null;
  status: AgreementStatus;
  /**
   * Why a partner that is not a government body may receive data above `publik`: non publik data
   * is for the regional government and fellow government agencies (Pasal 30(3) of 004), so such an
   * agreement records its legal basis or is refused.
   */
  classificationException?: ClassificationException | null;
}

export interface ClassificationException { legalBasis: string; note?: string }

/** The partner type of government bodies: the only partners non publik data may go to without an exception. */
export const governmentPartnerType: PartnerType = 'instansi';

export interface RegisteredCertificate {
  fingerprint: string;
  ownerKind: 'partner' | 'consumer';
  ownerId: string;
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
}

export interface PartnerRegistry {
  partners: Map<string, Partner>;
  /** By SHA-256 fingerprint (lower-case hex of the DER). */
  certificates: Map<string, RegisteredCertificate>;
  agreementsByPartner: Map<string, Agreement[]>;
}

/** Lower-case hex SHA-256 of the DER, as Node prints it with colons (`AB:CD:...`) or without. */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replaceAll(':', '').toLowerCase();
}

const partnerColumns = ['id', 'legal_name', 'type', 'contact', 'status'] as const;
const certificateColumns = ['fingerprint', 'owner_kind', 'owner_id', 'subject', 'issuer', 'serial', 'not_before', 'not_after'] as const;
const agreementColumns = ['number', 'title', 'partner_id', 'contracts', 'max_classification', 'valid_from', 'valid_until', 'daily_quota', 'status', 'classification_exception'] as const;

type PartnerRow = Pick<Selectable<PartnersTable>, (typeof partnerColumns)[number]>;
type CertificateRow = Pick<Selectable<ClientCertificatesTable>, (typeof certificateColumns)[number]>;
type AgreementRow = Pick<Selectable<AgreementsTable>, (typeof agreementColumns)[number]>;

const toPartner = (p: PartnerRow): Partner => ({ id: p.id, legalName: p.legal_name, type: p.type as PartnerType, contact: JSON.parse(p.contact) as Partner['contact'], status: p.status });
const toCertificate = (c: CertificateRow): RegisteredCertificate => ({ fingerprint: c.fingerprint, ownerKind: c.owner_kind, ownerId: c.owner_id, subject: c.subject, issuer: c.issuer, serial: c.serial, notBefore: c.not_before, notAfter: c.not_after });
// Calendar days come as `YYYY-MM-DD` and times as ISO strings from both stores (schema.ts).
const toAgreement = (row: AgreementRow): Agreement => ({ number: row.number, title: row.title, partnerId: row.partner_id, contracts: JSON.parse(row.contracts) as string[], maxClassification: row.max_classification, validFrom: row.valid_from, validUntil: row.valid_until, dailyQuota: row.daily_quota, status: row.status, classificationException: row.classification_exception === null ? null : (JSON.parse(row.classification_exception) as ClassificationException) });

/**
 * A row read as the `before` of a change, locked on PostgreSQL until the change commits, so that
 * two admins changing it at once each record what they replaced (SQLite writes one at a time).
 */
const lockedOnPostgres = (tx: Queryable) => <Q extends { forUpdate(): Q }>(query: Q): Q => (tx.kind === 'postgres' ? query.forUpdate() : query);

export async function readPartnerRegistry(db: Queryable): Promise<PartnerRegistry> {
  const partners = await db.db.selectFrom('partners').select(partnerColumns).execute();
  const certificates = await db.db.selectFrom('client_certificates').select(certificateColumns).execute();
  const agreements = await db.db.selectFrom('agreements').select(agreementColumns).orderBy('valid_until', 'desc').orderBy('number').execute();
  const agreementsByPartner = new Map<string, Agreement[]>();
  for (const row of agreements) {
    const list = agreementsByPartner.get(row.partner_id) ?? [];
    list.push(toAgreement(row));
    agreementsByPartner.set(row.partner_id, list);
  }
  return {
    partners: new Map(partners.map((p) => [p.id, toPartner(p)])),
    certificates: new Map(certificates.map((c) => [c.fingerprint, toCertificate(c)])),
    agreementsByPartner,
  };
}

/** Registers or changes a partner; its audit row (`partner.create` or `partner.update`) in the same transaction. */
export async function upsertPartner(store: Store, partner: Partner, by: AuditSource): Promise<number> {
  return store.transaction(async (tx) => {
    const before = await tx.db.selectFrom('partners').select(partnerColumns).where('id', '=', partner.id).$call(lockedOnPostgres(tx)).executeTakeFirst();
    await tx.db.insertInto('partners')
      .values({ id: partner.id, legal_name: partner.legalName, type: partner.type, contact: JSON.stringify(partner.contact), status: partner.status })
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
        legal_name: eb.ref('excluded.legal_name'),
        type: eb.ref('excluded.type'),
        contact: eb.ref('excluded.contact'),
        status: eb.ref('excluded.status'),
        updated_at: tx.sql.now(),
      })))
      .execute();
    await recordAudit(tx, { ...by, action: before ? 'partner.update' : 'partner.create', objectType: 'partner', objectId: partner.id, before: before ? toPartner(before) : null, after: partner });
    return bumpRevision(tx);
  });
}

export class CertificateError extends Error {
  override name = 'CertificateError';
}

/** Parses a PEM certificate into what the registry keeps. Refuses anything that is not one certificate. */
export function describePem(pem: string): Omit<RegisteredCertificate, 'ownerKind' | 'ownerId'> & { pem: string } {
  let described;
  try {
    described = describeCertificate(pem);
  } catch (error) {
    throw new CertificateError((error as Error).message);
  }
  return {
    fingerprint: described.fingerprint256,
    subject: described.subject,
    issuer: described.issuer,
    serial: described.serial,
    notBefore: described.notBefore.toISOString(),
    notAfter: described.notAfter.toISOString(),
    pem: described.pem,
  };
}

/** Registers a client certificate to its owner; a certificate belongs to one owner only. Audited as `certificate.register`. */
export async function registerCertificate(store: Store, ownerKind: 'partner' | 'consumer', ownerId: string, pem: string, by: AuditSource): Promise<RegisteredCertificate> {
  const described = describePem(pem);
  return store.transaction(async (tx) => {
    const existing = await tx.db.selectFrom('client_certificates').select(certificateColumns).where('fingerprint', '=', described.fingerprint).$call(lockedOnPostgres(tx)).executeTakeFirst();
    if (existing && (existing.owner_kind !== ownerKind || existing.owner_id !== ownerId)) {
      throw new CertificateError(`certificate ${described.fingerprint} is already registered to ${existing.owner_kind} ${existing.owner_id}`);
    }
    await tx.db.insertInto('client_certificates')
      .values({
        fingerprint: described.fingerprint, owner_kind: ownerKind, owner_id: ownerId, subject: described.subject, issuer: described.issuer,
        serial: described.serial, not_before: described.notBefore, not_after: described.notAfter, pem: described.pem,
      })
      .onConflict((oc) => oc.column('fingerprint').doNothing())
      .execute();
    await bumpRevision(tx);
    const { pem: _pem, ...certificate } = described;
    const registered: RegisteredCertificate = { ...certificate, ownerKind, ownerId };
    await recordAudit(tx, { ...by, action: 'certificate.register', objectType: 'certificate', objectId: registered.fingerprint, before: existing ? toCertificate(existing) : null, after: registered });
    return registered;
  });
}

/** False when no such certificate is registered: nothing changed, nothing audited. Else audited as `certificate.unregister`. */
export async function unregisterCertificate(store: Store, fingerprint: string, by: AuditSource): Promise<boolean> {
  return store.transaction(async (tx) => {
    const [removed] = await tx.db.deleteFrom('client_certificates').where('fingerprint', '=', normalizeFingerprint(fingerprint)).returning(certificateColumns).execute();
    if (!removed) return false;
    await recordAudit(tx, { ...by, action: 'certificate.unregister', objectType: 'certificate', objectId: removed.fingerprint, before: toCertificate(removed), after: null });
    await bumpRevision(tx);
    return true;
  });
}

/** Registers or changes an agreement; its audit row (`agreement.create` or `agreement.update`) in the same transaction. */
export async function upsertAgreement(store: Store, agreement: Agreement, by: AuditSource): Promise<number> {
  return store.transaction(async (tx) => {
    const partner = await tx.db.selectFrom('partners').select(['type', 'legal_name']).where('id', '=', agreement.partnerId).executeTakeFirst();
    if (partner && partner.type !== governmentPartnerType && agreement.maxClassification !== 'publik' && !agreement.classificationException?.legalBasis.trim()) {
      throw new Problem('AGREEMENT_EXCEPTION_REQUIRED', `${partner.legal_name} is not a government body (type ${partner.type}): agreement ${agreement.number} may cover data up to publik only, unless it records the exception and its legal basis (classificationException.legalBasis). Nothing was changed.`, { partnerType: partner.type, maxClassification: agreement.maxClassification });
    }
    const before = await tx.db.selectFrom('agreements').select(agreementColumns).where('number', '=', agreement.number).$call(lockedOnPostgres(tx)).executeTakeFirst();
    await tx.db.insertInto('agreements')
      .values({
        number: agreement.number, title: agreement.title, partner_id: agreement.partnerId, contracts: JSON.stringify(agreement.contracts),
        max_classification: agreement.maxClassification, valid_from: agreement.validFrom, valid_until: agreement.validUntil,
        daily_quota: agreement.dailyQuota, status: agreement.status,
        classification_exception: agreement.classificationException ? JSON.stringify(agreement.classificationException) : null,
      })
      .onConflict((oc) => oc.column('number').doUpdateSet((eb) => ({
        title: eb.ref('excluded.title'),
        partner_id: eb.ref('excluded.partner_id'),
        contracts: eb.ref('excluded.contracts'),
        max_classification: eb.ref('excluded.max_classification'),
        valid_from: eb.ref('excluded.valid_from'),
        valid_until: eb.ref('excluded.valid_until'),
        daily_quota: eb.ref('excluded.daily_quota'),
        status: eb.ref('excluded.status'),
        classification_exception: eb.ref('excluded.classification_exception'),
        updated_at: tx.sql.now(),
      })))
      .execute();
    await recordAudit(tx, { ...by, action: before ? 'agreement.update' : 'agreement.create', objectType: 'agreement', objectId: agreement.number, before: before ? toAgreement(before) : null, after: agreement });
    return bumpRevision(tx);
  });
}

/** PEMs of every registered client certificate, for monitoring. */
export async function registeredCertificatePems(db: Queryable): Promise<{ ownerKind: string; ownerId: string; pem: string }[]> {
  const rows = await db.db.selectFrom('client_certificates').select(['owner_kind', 'owner_id', 'pem']).orderBy('owner_kind').orderBy('owner_id').execute();
  return rows.map((r) => ({ ownerKind: r.owner_kind, ownerId: r.owner_id, pem: r.pem }));
}
