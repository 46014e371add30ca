import { readFileSync } from 'node:fs';
import { describeCertificate, describePemBundle, type DescribedCertificate } from '../../certs/inventory.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { Queryable } from '../store/store.ts';
import { registeredCertificatePems } from '../registry/partners.ts';
import type { TlsMaterial } from './tls-material.ts';

export interface MonitoredCertificate extends Omit<DescribedCertificate, 'pem' | 'notBefore' | 'notAfter'> {
  /** What the gateway uses it for. */
  role: 'internal-server' | 'external-server' | 'internal-client-ca' | 'external-client-ca' | 'partner' | 'consumer' | 'upstream-client';
  /** Partner or consumer id, for registered client certificates; upstream name for the gateway's own client certificates. */
  owner: string | null;
  notBefore: string;
  notAfter: string;
  /** Registered client certificates: on a loaded CRL (still registered: unregister it too). */
  revoked?: boolean;
}

function monitored(certificate: DescribedCertificate, role: MonitoredCertificate['role'], owner: string | null): MonitoredCertificate {
  const { pem: _pem, notBefore, notAfter, ...rest } = certificate;
  return { ...rest, role, owner, notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString() };
}

/**
 * Every certificate the gateway uses or trusts (Pasal 20(3) of Perbup 000: the Dinas monitors the
 * electronic certificates in use): its listeners' server certificates and trusted client CAs, its own client
 * certificates towards upstreams, and every client certificate registered to a partner or
 * consumer. Soonest to expire first.
 */
export async function certificatesInUse(db: Queryable, tls: { internal: TlsMaterial | null; external: TlsMaterial | null }, upstreams: GatewayConfig['upstreams'] = {}, now = new Date()): Promise<MonitoredCertificate[]> {
  const found: MonitoredCertificate[] = [];
  for (const [name, upstream] of Object.entries(upstreams)) {
    if (!upstream.tls) continue;
    try {
      for (const certificate of describePemBundle(readFileSync(upstream.tls.cert, 'utf8'), now)) found.push(monitored(certificate, 'upstream-client', name));
    } catch {
      // A missing file must not hide the other certificates; the adapter's first call reports it.
    }
  }
  for (const [listener, material] of [['internal', tls.internal], ['external', tls.external]] as const) {
    for (const { role, certificate } of material?.certificates() ?? []) {
      found.push(monitored(certificate, role === 'server' ? `${listener}-server` : `${listener}-client-ca`, null));
    }
  }
  for (const { ownerKind, ownerId, pem } of await registeredCertificatePems(db)) {
    const certificate = describeCertificate(pem, now);
    const material = ownerKind === 'partner' ? tls.external : tls.internal;
    const entry = monitored(certificate, ownerKind === 'partner' ? 'partner' : 'consumer', ownerId);
    found.push({ ...entry, revoked: material?.isRevoked(certificate.serial, null) ?? false });
  }
  return found.sort((a, b) => a.daysLeft - b.daysLeft);
}
