import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initCa, issueClient, issueServer, type IssuedCertificate } from '../../certs/index.ts';
import { tempDir } from './harness.ts';

export interface ClientMaterial { cert: string; key: string; certFile: string; keyFile: string; fingerprint: string; serial: string }

export interface TestPki {
  dir: string;
  caFile: string;
  caPem: string;
  crlFile: string;
  server: { certFile: string; keyFile: string };
  /** A client certificate of this CA for `partnerId` (validity options for expired / future ones). */
  client(partnerId: string, validity?: { notBefore?: Date; notAfter?: Date }): Promise<ClientMaterial>;
}

export function clientMaterial(issued: IssuedCertificate): ClientMaterial {
  return {
    cert: issued.certificatePem,
    key: issued.privateKeyPem!,
    certFile: issued.certFile,
    keyFile: issued.keyFile!,
    fingerprint: issued.record.fingerprint256,
    serial: issued.record.serial,
  };
}

/** A dev CA in a temp directory with a server certificate for 127.0.0.1 / localhost. */
export async function startPki(name = 'Penghubung Test CA'): Promise<TestPki> {
  const dir = tempDir('pki-');
  const ca = await initCa(dir, { commonName: name });
  const server = await issueServer(dir, { sans: ['127.0.0.1', 'localhost'] });
  return {
    dir,
    caFile: ca.certFile,
    caPem: readFileSync(ca.certFile, 'utf8'),
    crlFile: ca.crlFile,
    server: { certFile: server.certFile, keyFile: server.keyFile! },
    client: async (partnerId, validity = {}) => clientMaterial(await issueClient(dir, { partnerId, ...validity })),
  };
}

export const pkiPath = (pki: TestPki, ...parts: string[]) => join(pki.dir, ...parts);
