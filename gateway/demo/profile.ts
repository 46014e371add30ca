import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import { discoverSandboxes } from '../../adapters/index.ts';
import type { DemoClient, DemoRequest, RunningSandbox, SandboxModule } from '../adapter-api/model.ts';
import { loadConfig } from '../config/load.ts';
import { roles } from '../sso/roles.ts';
import { freePort } from '../listeners/free-port.ts';
import { preparePartnerDemo, registerDemoPartner } from './partners.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { clearanceCovers } from '../registry/contract.ts';
import { upsertConsumers } from '../registry/repository.ts';
import { startGateway, type Gateway, type StartOptions } from '../server.ts';
import { generateSigningKey, startSsoProvider, type SsoClient, type SsoProvider } from './sso-provider.ts';

export const demoAudience = 'urn:penghubung:gateway';
const bundledContracts = fileURLToPath(new URL('../../contracts/', import.meta.url));

/**
 * The Dinas' own identities on the admin API, one role each (admin-roles.ts): an editor, an
 * approver, and the network operations centre, which reads. The PD applications come from the
 * integrations' sandboxes.
 */
const dinasClients: Omit<SsoClient, 'secret'>[] = [
  { clientId: 'diskominfo-admin', scopes: [], roles: [roles.admin] },
  { clientId: 'diskominfo-approver', scopes: [], roles: [roles.approver] },
  { clientId: 'diskominfo-noc', scopes: [], roles: [roles.ops] },
];

/** The Dinas' people who sign in to the console, one role each: user names, display names. */
const demoPeople = [
  { username: 'ops', name: 'Operator NOC Diskominfo', roles: [roles.ops] },
  { username: 'admin', name: 'Admin Integrasi Diskominfo', roles: [roles.admin] },
  { username: 'approver', name: 'Kepala Bidang Aplikasi Informatika', roles: [roles.approver] },
];

/** One PD application may call several integrations: its scopes are the union, its clearance the highest asked. */
export function mergeDemoClients(sandboxes: Iterable<SandboxModule>): DemoClient[] {
  const merged = new Map<string, DemoClient>();
  for (const sandbox of sandboxes) {
    for (const client of sandbox.demoClients ?? []) {
      const known = merged.get(client.clientId);
      if (!known) {
        merged.set(client.clientId, { ...client, scopes: [...client.scopes] });
        continue;
      }
      known.scopes = [...new Set([...known.scopes, ...client.scopes])];
      if (!clearanceCovers(known.clearance, client.clearance)) known.clearance = client.clearance;
    }
  }
  return [...merged.values()];
}

export interface DemoPorts { sso: number; internal: number; admin: number; public: number; external: number; /** `0`: every simulator on a free port (tests). */ simulators?: 0 }
export const defaultDemoPorts: DemoPorts = { sso: 9000, internal: 8080, admin: 9090, public: 8088, external: 8443 };

export interface Demo {
  gateway: Gateway;
  sso: SsoProvider;
  /** Running simulators by integration folder name (`sandbox`, `bkn`, ...). */
  sandboxes: Record<string, RunningSandbox>;
  clients: Record<string, string>;
  clientsFile: string;
  /** The console's demo people: user name to password (random, made on first run). */
  people: Record<string, string>;
  peopleFile: string;
  /** The ops console, signed in to through the demo SSO. */
  consoleUrl: string;
  curlExample: string;
  /** The demo bank's call over mutual TLS (its certificate, key and the CA under `<dataDir>/demo/partners/`). */
  partnerCurlExample: string;
  close(): Promise<void>;
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** A random value made on first run and kept in a 0600 file: client secrets, simulator accounts. */
function keptSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = randomBytes(18).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/** Random values by name, made on first run for names not yet in `file` (0600 JSON): client secrets, passwords. */
function keptValues(file: string, names: readonly string[], bytes: number): Record<string, string> {
  const values = readJson<Record<string, string>>(file) ?? {};
  for (const name of names) values[name] ??= randomBytes(bytes).toString('base64url');
  writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
  return values;
}

/** Secrets and the SSO signing key are made on first run and kept under `<dataDir>/demo/` (git-ignored). */
async function demoMaterial(dir: string, clientIds: string[]): Promise<{ secrets: Record<string, string>; key: JWK }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secrets = keptValues(join(dir, 'clients.json'), clientIds, 18);
  const keyFile = join(dir, 'sso-signing-key.json');
  const key = readJson<JWK>(keyFile) ?? (await generateSigningKey(`demo-${randomBytes(4).toString('hex')}`));
  writeFileSync(keyFile, JSON.stringify(key), { mode: 0o600 });
  return { secrets, key };
}

/**
 * Each simulator's accounts: random values in `<dataDir>/demo/upstreams/<upstream>/<name>`,
 * given to the simulator as values and to the gateway as `file:` references, as production would.
 */
export function simulatorAccounts(dir: string, upstream: string, names: readonly string[]): { values: Record<string, string>; references: Record<string, string> } {
  const folder = join(dir, 'upstreams', upstream);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const values: Record<string, string> = {};
  const references: Record<string, string> = {};
  for (const name of names) {
    const file = join(folder, name);
    values[name] = keptSecret(file);
    references[name] = `file:${file}`;
  }
  return { values, references };
}

/** The sandboxes' demo requests, through the gateway as their applications would send them. */
async function sendDemoRequests(gatewayUrl: string, sso: SsoProvider, requests: readonly DemoRequest[]): Promise<void> {
  for (const request of requests) {
    const res = await fetch(`${gatewayUrl}${request.path}`, {
      method: request.method,
      headers: { authorization: `Bearer ${await sso.token(request.clientId)}`, 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
    });
    if (!res.ok) throw new Error(`demo request ${request.method} ${request.path} answered ${res.status}: ${await res.text()}`);
  }
}

/**
 * `npm start`: a real OIDC provider as SSO, every integration's simulator, and the gateway with
 * the bundled contracts on the embedded store, all on loopback.
 */
export async function startDemo(options: { configFile?: string; ports?: Partial<DemoPorts>; dataDir?: string } & StartOptions = {}): Promise<Demo> {
  const ports = { ...defaultDemoPorts, ...options.ports };
  const probe = loadConfig({ file: options.configFile, overrides: { sso: { issuer: 'http://127.0.0.1', audience: demoAudience }, ...(options.dataDir ? { dataDir: resolve(options.dataDir) } : {}) } });
  const demoDir = join(probe.dataDir, 'demo');
  const sandboxModules = await discoverSandboxes();
  const demoClients = mergeDemoClients(sandboxModules.values());
  const { secrets, key } = await demoMaterial(demoDir, [...demoClients, ...dinasClients].map((c) => c.clientId));
  const partnerFiles = await preparePartnerDemo(probe.dataDir);

  const passwords = keptValues(join(demoDir, 'people.json'), demoPeople.map((person) => person.username), 9);
  // The console's redirect URI is registered at the SSO before the gateway listens: settle the admin port first.
  const adminPort = ports.admin === 0 ? await freePort() : ports.admin;
  const consoleUrl = `http://127.0.0.1:${adminPort}`;
  const consoleSecret = join(demoDir, 'console-client-secret');
  keptSecret(consoleSecret);
  const sso = await startSsoProvider({
    port: ports.sso,
    audience: demoAudience,
    keys: [key],
    people: demoPeople.map((person) => ({ ...person, password: passwords[person.username]! })),
    webClients: [{ clientId: 'penghubung-console', secret: keptSecret(consoleSecret), redirectUris: [`${consoleUrl}/masuk/kembali`], postLogoutRedirectUris: [`${consoleUrl}/`] }],
    clients: [
      ...demoClients.map((client) => ({ clientId: client.clientId, scopes: client.scopes, secret: secrets[client.clientId]! })),
      ...dinasClients.map((client) => ({ ...client, secret: secrets[client.clientId]! })),
    ],
  });
  const sandboxes: Record<string, RunningSandbox> = {};
  const upstreams: GatewayConfig['upstreams'] = {};
  // Harvesting simulators need the feed URL before the gateway listens: settle the port first.
  const publicPort = ports.public === 0 ? await freePort() : ports.public;
  const publicUrl = `http://127.0.0.1:${publicPort}`;
  const stopAll = () => Promise.all([sso.close(), ...Object.values(sandboxes).map((s) => s.close())]);
  let gateway: Gateway;
  try {
    for (const [name, sandbox] of sandboxModules) {
      const accounts = sandbox.upstream ? simulatorAccounts(demoDir, sandbox.upstream, sandbox.credentials ?? []) : { values: {}, references: {} };
      const running = await sandbox.start({ host: '127.0.0.1', port: ports.simulators ?? sandbox.demoPort, credentials: accounts.values, publicUrl });
      sandboxes[name] = running;
      if (sandbox.upstream) upstreams[sandbox.upstream] = { url: running.url, credentials: accounts.references };
    }
    const config: GatewayConfig = loadConfig({
      file: options.configFile,
      overrides: {
        dataDir: probe.dataDir,
        internal: { host: '127.0.0.1', port: ports.internal },
        admin: { host: '127.0.0.1', port: adminPort },
        console: { clientId: 'penghubung-console', clientSecret: `file:${consoleSecret}`, publicUrl: consoleUrl },
        public: { enabled: true, host: '127.0.0.1', port: publicPort },
        external: { enabled: true, host: '127.0.0.1', port: ports.external, tls: partnerFiles.tls },
        sso: { issuer: sso.issuer, audience: demoAudience },
        contracts: { directories: [bundledContracts], bootstrap: true },
        upstreams,
      },
    });
    gateway = await startGateway(config, options);
    await upsertConsumers(gateway.store, demoClients.map(({ scopes: _scopes, ...consumer }) => consumer));
    await registerDemoPartner(gateway.store, partnerFiles, config.timezone);
    await gateway.registry.refresh();
    await sendDemoRequests(gateway.internal.url, sso, [...sandboxModules.values()].flatMap((sandbox) => sandbox.demoRequests ?? []));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const clientsFile = join(demoDir, 'clients.json');
  const curlExample = [
    `TOKEN=$(curl -s -u bkpsdm-simpeg:${secrets['bkpsdm-simpeg']} -d grant_type=client_credentials ${sso.issuer}/token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    `curl -s -H "Authorization: Bearer $TOKEN" ${gateway.internal.url}/sandbox/v1/perangkat-daerah/2.16`,
  ].join('\n');
  const { partner } = partnerFiles;
  const partnerCurlExample = `curl -s --cert ${partner.cert} --key ${partner.key} --cacert ${partner.ca} ${gateway.external!.url}/sandbox/v1/perangkat-daerah/2.16`;
  return {
    gateway,
    sso,
    sandboxes,
    clients: secrets,
    clientsFile,
    people: Object.fromEntries(demoPeople.map((person) => [person.username, passwords[person.username]!])),
    peopleFile: join(demoDir, 'people.json'),
    consoleUrl,
    curlExample,
    partnerCurlExample,
    async close() {
      await gateway.close();
      await stopAll();
    },
  };
}
