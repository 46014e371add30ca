import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import { startSandboxUpstream, type SandboxUpstream } from '../../adapters/sandbox/simulator.ts';
import { loadConfig } from '../config/load.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { upsertConsumers, type ConsumerInput } from '../registry/repository.ts';
import { startGateway, type Gateway, type StartOptions } from '../server.ts';
import { generateSigningKey, startSsoProvider, type SsoClient, type SsoProvider } from './sso-provider.ts';

export const demoAudience = 'urn:penghubung:gateway';
const bundledContracts = fileURLToPath(new URL('../../contracts/', import.meta.url));

/** The demo's PD applications and ops tool: SSO clients and, for the PD apps, gateway consumers. */
const demoClients: (Omit<SsoClient, 'secret'> & { consumer?: Omit<ConsumerInput, 'clientId'> })[] = [
  { clientId: 'bkpsdm-simpeg', scopes: ['sandbox.read', 'sandbox.write'], consumer: { name: 'SIMPEG BKPSDM', department: 'BKPSDM', clearance: 'terbatas' } },
  { clientId: 'dinkes-sik', scopes: ['sandbox.read'], consumer: { name: 'Sistem Informasi Kesehatan', department: 'Dinas Kesehatan', clearance: 'publik' } },
  { clientId: 'diskominfo-noc', scopes: [], roles: ['penghubung-ops', 'penghubung-admin'] },
];

export interface DemoPorts { sso: number; upstream: number; internal: number; admin: number }
export const defaultDemoPorts: DemoPorts = { sso: 9000, upstream: 9100, internal: 8080, admin: 9090 };

export interface Demo {
  gateway: Gateway;
  sso: SsoProvider;
  upstream: SandboxUpstream;
  clients: Record<string, string>;
  clientsFile: string;
  curlExample: string;
  close(): Promise<void>;
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** Secrets and the SSO signing key are made on first run and kept under `<dataDir>/demo/` (git-ignored). */
async function demoMaterial(dir: string): Promise<{ secrets: Record<string, string>; key: JWK }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secrets = readJson<Record<string, string>>(join(dir, 'clients.json')) ?? {};
  for (const client of demoClients) secrets[client.clientId] ??= randomBytes(18).toString('base64url');
  writeFileSync(join(dir, 'clients.json'), `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  const keyFile = join(dir, 'sso-signing-key.json');
  const key = readJson<JWK>(keyFile) ?? (await generateSigningKey(`demo-${randomBytes(4).toString('hex')}`));
  writeFileSync(keyFile, JSON.stringify(key), { mode: 0o600 });
  return { secrets, key };
}

/**
 * `npm start`: a real OIDC provider as SSO, the sandbox upstream, and the gateway with the bundled
 * contracts on the embedded store, all on loopback.
 */
export async function startDemo(options: { configFile?: string; ports?: Partial<DemoPorts>; dataDir?: string } & StartOptions = {}): Promise<Demo> {
  const ports = { ...defaultDemoPorts, ...options.ports };
  const probe = loadConfig({ file: options.configFile, overrides: { sso: { issuer: 'http://127.0.0.1', audience: demoAudience }, ...(options.dataDir ? { dataDir: resolve(options.dataDir) } : {}) } });
  const demoDir = join(probe.dataDir, 'demo');
  const { secrets, key } = await demoMaterial(demoDir);

  const sso = await startSsoProvider({
    port: ports.sso,
    audience: demoAudience,
    keys: [key],
    clients: demoClients.map(({ consumer: _consumer, ...client }) => ({ ...client, secret: secrets[client.clientId]! })),
  });
  const upstream = await startSandboxUpstream({ port: ports.upstream });
  let gateway: Gateway;
  try {
    const config: GatewayConfig = loadConfig({
      file: options.configFile,
      overrides: {
        dataDir: probe.dataDir,
        internal: { host: '127.0.0.1', port: ports.internal },
        admin: { host: '127.0.0.1', port: ports.admin },
        sso: { issuer: sso.issuer, audience: demoAudience },
        contracts: { directories: [bundledContracts] },
        upstreams: { sandbox: { url: upstream.url } },
      },
    });
    gateway = await startGateway(config, options);
    await upsertConsumers(gateway.store, demoClients.flatMap((c) => (c.consumer ? [{ clientId: c.clientId, ...c.consumer }] : [])));
    await gateway.registry.refresh();
  } catch (error) {
    await Promise.all([sso.close(), upstream.close()]);
    throw error;
  }
  const clientsFile = join(demoDir, 'clients.json');
  const curlExample = [
    `TOKEN=$(curl -s -u bkpsdm-simpeg:${secrets['bkpsdm-simpeg']} -d grant_type=client_credentials ${sso.issuer}/token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    `curl -s -H "Authorization: Bearer $TOKEN" ${gateway.internal.url}/sandbox/v1/perangkat-daerah/2.16`,
  ].join('\n');
  return {
    gateway,
    sso,
    upstream,
    clients: secrets,
    clientsFile,
    curlExample,
    async close() {
      await gateway.close();
      await Promise.all([sso.close(), upstream.close()]);
    },
  };
}
