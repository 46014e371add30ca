import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crlProblem, hasCa, initCa, issueClient, issueServer, pkiPaths, refreshCrl } from '../../certs/index.ts';
import { cliSource } from '../audit/audit.ts';
import { regionalDay } from '../partners/agreement-check.ts';
import { registerCertificate, upsertAgreement, upsertPartner } from '../registry/partners.ts';
import type { Store } from '../store/store.ts';

export const demoPartner = { id: 'bpd-demo', legalName: 'PT Bank Pembangunan Daerah (demo)', type: 'bank' as const };
export const demoAgreement = { number: 'PKS/001/DISKOMINFO-BPD/2026', title: 'Akses direktori perangkat daerah untuk layanan perbankan daerah', contract: 'sandbox-direktori' };

export interface PartnerDemoFiles {
  /** For the external listener. */
  tls: { cert: string; key: string; clientCa: string[]; crl: string[] };
  /** What the demo partner holds: its certificate and key, and the CA to trust the gateway by. */
  partner: { dir: string; cert: string; key: string; ca: string };
}

/**
 * The demo's PKI, made on first run under `<dataDir>/pki` (git-ignored): a dev CA, the partner
 * listener's server certificate for 127.0.0.1 / localhost, and a client certificate for the demo
 * bank, copied to `<dataDir>/demo/partners/bpd-demo/` as the bank would keep it.
 */
export async function preparePartnerDemo(dataDir: string): Promise<PartnerDemoFiles> {
  const pkiDir = join(dataDir, 'pki');
  const paths = pkiPaths(pkiDir);
  if (!hasCa(pkiDir)) await initCa(pkiDir, { commonName: 'Penghubung Demo CA (Diskominfo)', organization: 'Pemerintah Kabupaten (demo)' });
  // A CRL past its nextUpdate would make every partner untrusted by TLS peers that check it.
  if (crlProblem(pkiDir)) refreshCrl(pkiDir);
  const demoTls = join(dataDir, 'demo', 'tls');
  const partnerDir = join(dataDir, 'demo', 'partners', demoPartner.id);
  mkdirSync(demoTls, { recursive: true, mode: 0o700 });
  mkdirSync(partnerDir, { recursive: true, mode: 0o700 });
  const server = { cert: join(demoTls, 'server.cert.pem'), key: join(demoTls, 'server.key.pem') };
  if (!existsSync(server.cert) || !existsSync(server.key)) {
    const issued = await issueServer(pkiDir, { sans: ['127.0.0.1', 'localhost'] });
    copyFileSync(issued.certFile, server.cert);
    copyFileSync(issued.keyFile!, server.key);
  }
  const partner = { dir: partnerDir, cert: join(partnerDir, 'client.cert.pem'), key: join(partnerDir, 'client.key.pem'), ca: join(partnerDir, 'ca.cert.pem') };
  if (!existsSync(partner.cert) || !existsSync(partner.key)) {
    const issued = await issueClient(pkiDir, { partnerId: demoPartner.id, legalName: demoPartner.legalName });
    copyFileSync(issued.certFile, partner.cert);
    copyFileSync(issued.keyFile!, partner.key);
  }
  copyFileSync(paths.caCert, partner.ca);
  return { tls: { ...server, clientCa: [paths.caCert], crl: [paths.crl] }, partner };
}

/**
 * The demo bank in the registry: the partner, its certificate, and one agreement covering one
 * contract. Audited as changes by the account that ran `penghubung demo`, at every start.
 */
export async function registerDemoPartner(store: Store, files: PartnerDemoFiles, timeZone: string): Promise<void> {
  const by = cliSource();
  await upsertPartner(store, { ...demoPartner, contact: { name: 'Divisi TI', email: 'ti@bpd-demo.example' }, status: 'active' }, by);
  await registerCertificate(store, 'partner', demoPartner.id, readFileSync(files.partner.cert, 'utf8'), by);
  const today = new Date();
  await upsertAgreement(store, {
    number: demoAgreement.number,
    title: demoAgreement.title,
    partnerId: demoPartner.id,
    contracts: [demoAgreement.contract],
    maxClassification: 'publik',
    validFrom: regionalDay(new Date(today.getTime() - 86_400_000), timeZone),
    validUntil: regionalDay(new Date(today.getTime() + 365 * 86_400_000), timeZone),
    dailyQuota: 10_000,
    status: 'active',
  }, by);
}
