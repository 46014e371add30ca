import { Problem } from '../errors/problem.ts';
import { examineCertificate } from '../partners/client-certificate.ts';
import type { TLSSocket } from 'node:tls';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/**
 * Who is calling on the partner listener: the client certificate, verified (CA, validity, CRL),
 * then its fingerprint registered to an active partner. No token: the certificate is the identity
 * (Pasal 20 of Perbup 000, Pasal 60 of Perbup 004).
 */
export function identifyPartner(ex: Exchange, ctx: PipelineContext): void {
  const { certificate, refusal } = examineCertificate(ex.req.socket as TLSSocket, ctx.revocations);
  if (certificate) ex.certificate = certificate;
  const registered = certificate ? ex.table.partners.certificates.get(certificate.fingerprint) : undefined;
  const partner = registered?.ownerKind === 'partner' ? ex.table.partners.partners.get(registered.ownerId) : undefined;
  // A refused certificate that is registered still names its partner in the traffic log.
  if (partner) ex.partner = partner;
  if (refusal) throw refusal;
  if (!partner || !certificate) {
    throw new Problem('CERTIFICATE_NOT_REGISTERED', `Certificate ${certificate!.fingerprint} is not registered to a partner.`, { certificate: { fingerprint: certificate!.fingerprint, serial: certificate!.serial } });
  }
  if (partner.status !== 'active') throw new Problem('PARTNER_SUSPENDED', `Partner ${partner.id} is suspended.`);
}
