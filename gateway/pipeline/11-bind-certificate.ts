import type { TLSSocket } from 'node:tls';
import { Problem } from '../errors/problem.ts';
import { presentedCertificate } from '../partners/client-certificate.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/**
 * With `internal.requireClientCert`: the token's consumer must also hold the client certificate
 * of the connection, so a stolen token alone is not enough to call.
 */
export function bindCertificate(ex: Exchange, ctx: PipelineContext): void {
  const certificate = presentedCertificate(ex.req.socket as TLSSocket, ctx.revocations);
  ex.certificate = certificate;
  const registered = ex.table.partners.certificates.get(certificate.fingerprint);
  if (registered?.ownerKind !== 'consumer' || registered.ownerId !== ex.consumer!.clientId) {
    throw new Problem('CERTIFICATE_NOT_REGISTERED', `Certificate ${certificate.fingerprint} is not registered to consumer ${ex.consumer!.clientId}.`, { certificate: { fingerprint: certificate.fingerprint, serial: certificate.serial } });
  }
}
