import { join } from 'node:path';

/**
 * Where everything lives under the PKI directory (the gateway passes `<dataDir>/pki`):
 *
 *   ca/ca.key.pem            CA private key (0600)
 *   ca/ca.cert.pem           CA certificate (self-signed)
 *   issued/<serial>.cert.pem issued certificates
 *   issued/<serial>.key.pem  their keys (0600), only when this tool generated the key
 *   crl.pem                  the CRL signed by the CA (always present once the CA exists)
 *   index.json               one record per issued certificate, plus the CRL number
 */
export interface PkiPaths {
  root: string;
  caDir: string;
  caKey: string;
  caCert: string;
  issuedDir: string;
  crl: string;
  index: string;
}

export function pkiPaths(root: string): PkiPaths {
  const caDir = join(root, 'ca');
  return {
    root,
    caDir,
    caKey: join(caDir, 'ca.key.pem'),
    caCert: join(caDir, 'ca.cert.pem'),
    issuedDir: join(root, 'issued'),
    crl: join(root, 'crl.pem'),
    index: join(root, 'index.json'),
  };
}

/** Paths relative to the PKI directory, as stored in index.json (the directory may move). */
export function issuedCertFile(serial: string): string {
  return join('issued', `${serial}.cert.pem`);
}

export function issuedKeyFile(serial: string): string {
  return join('issued', `${serial}.key.pem`);
}
