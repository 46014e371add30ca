import { describeCertificate } from '../../certs/inventory.ts';
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
}

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

const day = (value: Date | string) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10));
const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

export async function readPartnerRegistry(db: Queryable): Promise<PartnerRegistry> {
  const partners = await db.query<{ id: string; legal_name: string; type: PartnerType; contact: Partner['contact'] | string; status: Partner['status'] }>('select id, legal_name, type, contact, status from partners');
  const certificates = await db.query<{ fingerprint: string; owner_kind: 'partner' | 'consumer'; owner_id: string; subject: string; issuer: string; serial: string; not_before: Date; not_after: Date }>(
    'select fingerprint, owner_kind, owner_id, subject, issuer, serial, not_before, not_after from client_certificates',
  );
  const agreements = await db.query<{ number: string; title: string; partner_id: string; contracts: string[]; max_classification: Classification; valid_from: Date | string; valid_until: Date | string; daily_quota: number | null; status: AgreementStatus }>(
    `select number, title, partner_id, contracts, max_classification, to_char(valid_from, 'YYYY-MM-DD') as valid_from,
       to_char(valid_until, 'YYYY-MM-DD') as valid_until, daily_quota, status from agreements order by valid_until desc, number`,
  );
  const agreementsByPartner = new Map<string, Agreement[]>();
  for (const row of agreements) {
    const list = agreementsByPartner.get(row.partner_id) ?? [];
    list.push({ number: row.number, title: row.title, partnerId: row.partner_id, contracts: row.contracts, maxClassification: row.max_classification, validFrom: day(row.valid_from), validUntil: day(row.valid_until), dailyQuota: row.daily_quota, status: row.status });
    agreementsByPartner.set(row.partner_id, list);
  }
  return {
    partners: new Map(partners.map((p) => [p.id, { id: p.id, legalName: p.legal_name, type: p.type, contact: typeof p.contact === 'string' ? JSON.parse(p.contact) : p.contact, status: p.status }])),
    certificates: new Map(certificates.map((c) => [c.fingerprint, { fingerprint: c.fingerprint, ownerKind: c.owner_kind, ownerId: c.owner_id, subject: c.subject, issuer: c.issuer, serial: c.serial, notBefore: iso(c.not_before), notAfter: iso(c.not_after) }])),
    agreementsByPartner,
  };
}

export async function upsertPartner(store: Store, partner: Partner): Promise<number> {
  return store.transaction(async (tx) => {
    await tx.query(
      `insert into partners (id, legal_name, type, contact, status) values ($1, $2, $3, $4, $5)
       on conflict (id) do update set legal_name = excluded.legal_name, type = excluded.type, contact = excluded.contact,
         status = excluded.status, updated_at = now()`,
      [partner.id, partner.legalName, partner.type, JSON.stringify(partner.contact), partner.status],
    );
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

/** Registers a client certificate to its owner; a certificate belongs to one owner only. */
export async function registerCertificate(store: Store, ownerKind: 'partner' | 'consumer', ownerId: string, pem: string): Promise<RegisteredCertificate> {
  const described = describePem(pem);
  return store.transaction(async (tx) => {
    const [existing] = await tx.query<{ owner_kind: string; owner_id: string }>('select owner_kind, owner_id from client_certificates where fingerprint = $1', [described.fingerprint]);
    if (existing && (existing.owner_kind !== ownerKind || existing.owner_id !== ownerId)) {
      throw new CertificateError(`certificate ${described.fingerprint} is already registered to ${existing.owner_kind} ${existing.owner_id}`);
    }
    await tx.query(
      `insert into client_certificates (fingerprint, owner_kind, owner_id, subject, issuer, serial, not_before, not_after, pem)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (fingerprint) do nothing`,
      [described.fingerprint, ownerKind, ownerId, described.subject, described.issuer, described.serial, described.notBefore, described.notAfter, described.pem],
    );
    await bumpRevision(tx);
    const { pem: _pem, ...registered } = described;
    return { ...registered, ownerKind, ownerId };
  });
}

export async function unregisterCertificate(store: Store, fingerprint: string): Promise<boolean> {
  return store.transaction(async (tx) => {
    const removed = await tx.query('delete from client_certificates where fingerprint = $1 returning fingerprint', [normalizeFingerprint(fingerprint)]);
    if (removed.length > 0) await bumpRevision(tx);
    return removed.length > 0;
  });
}

export async function upsertAgreement(store: Store, agreement: Agreement): Promise<number> {
  return store.transaction(async (tx) => {
    await tx.query(
      `insert into agreements (number, title, partner_id, contracts, max_classification, valid_from, valid_until, daily_quota, status)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (number) do update set title = excluded.title, partner_id = excluded.partner_id, contracts = excluded.contracts,
         max_classification = excluded.max_classification, valid_from = excluded.valid_from, valid_until = excluded.valid_until,
         daily_quota = excluded.daily_quota, status = excluded.status, updated_at = now()`,
      [agreement.number, agreement.title, agreement.partnerId, agreement.contracts, agreement.maxClassification, agreement.validFrom, agreement.validUntil, agreement.dailyQuota, agreement.status],
    );
    return bumpRevision(tx);
  });
}

/** PEMs of every registered client certificate, for monitoring. */
export async function registeredCertificatePems(db: Queryable): Promise<{ ownerKind: string; ownerId: string; pem: string }[]> {
  const rows = await db.query<{ owner_kind: string; owner_id: string; pem: string }>('select owner_kind, owner_id, pem from client_certificates order by owner_kind, owner_id');
  return rows.map((r) => ({ ownerKind: r.owner_kind, ownerId: r.owner_id, pem: r.pem }));
}
