import { describeCertificate, type DescribedCertificate } from '../../certs/inventory.ts';
import type { Queryable } from '../store/store.ts';
import { registeredCertificatePems } from '../registry/partners.ts';
import type { TlsMaterial } from './tls-material.ts';

export interface MonitoredCertificate extends Omit<DescribedCertificate, 'pem' | 'notBefore' | 'notAfter'> {
  /** What the gateway uses it for. */
  role: 'internal-server' | 'external-server' | 'internal-client-ca' | 'external-client-ca' | 'partner' | 'consumer';
  /** Partner or consumer id, for registered client certificates. */
  owner: string | null;
  notBefore: string;
  notAfter: string;
}

function monitored(certificate: DescribedCertificate, role: MonitoredCertificate['role'], owner: string | null): MonitoredCertificate {
  const { pem: _pem, notBefore, notAfter, ...rest } = certificate;
  return { ...rest, role, owner, notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString() };
}

/**
 * Every certificate the gateway uses or trusts (Pasal 60 of Perbup 004: the Dinas monitors each
 * certificate in use): its listeners' server certificates and trusted client CAs, and every client
 * certificate registered to a partner or consumer. Soonest to expire first.
 */
export async function certificatesInUse(db: Queryable, tls: { internal: TlsMaterial | null; external: TlsMaterial | null }, now = new Date()): Promise<MonitoredCertificate[]> {
  const found: MonitoredCertificate[] = [];
  for (const [listener, material] of [['internal', tls.internal], ['external', tls.external]] as const) {
    for (const { role, certificate } of material?.certificates() ?? []) {
      found.push(monitored(certificate, role === 'server' ? `${listener}-server` : `${listener}-client-ca`, null));
    }
  }
  for (const { ownerKind, ownerId, pem } of await registeredCertificatePems(db)) {
    found.push(monitored(describeCertificate(pem, now), ownerKind === 'partner' ? 'partner' : 'consumer', ownerId));
  }
  return found.sort((a, b) => a.daysLeft - b.daysLeft);
}
