import { cliSource } from '../../gateway/audit/audit.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startSandboxUpstream, type SandboxUpstream } from '../../adapters/sandbox/simulator.ts';
import { loadConfig } from '../../gateway/config/load.ts';
import type { GatewayConfig } from '../../gateway/config/schema.ts';
import { startSsoProvider, type SsoClient, type SsoProvider } from '../../gateway/demo/sso-provider.ts';
import { upsertConsumers, type ConsumerInput } from '../../gateway/registry/repository.ts';
import { startGateway, type Gateway } from '../../gateway/server.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';

export const audience = 'urn:penghubung:test';
export const bundledContracts = fileURLToPath(new URL('../../contracts/', import.meta.url));
/** Only the passthrough sandbox contract: tests of the core need no adapter. */
/** A letter the sandbox contract's `registerLetter` takes (POST /sandbox/v1/surat). */
export const letter = {
  nomor: '800/123/BKPSDM/2026',
  tanggal: '2026-11-20',
  pengirim: { nama: 'BKPSDM', email: 'bkpsdm@example.go.id' },
  perihal: 'Undangan rapat koordinasi',
  sifat: 'biasa',
};

/** Contract files applied as written (the first install's way), as the tests' gateways start with them. */
export const asWritten = { mode: 'bootstrap', source: cliSource() } as const;

export const sandboxContracts = fileURLToPath(new URL('../../contracts/sandbox/', import.meta.url));

/** The test clients: a writer with clearance terbatas, a reader, an unregistered app, an ops tool. */
export const testClients: (SsoClient & { consumer?: Omit<ConsumerInput, 'clientId'> })[] = [
  { clientId: 'app-writer', secret: 'writer-secret-0123456789', scopes: ['sandbox.read', 'sandbox.write', 'rahasia.read'], consumer: { name: 'Writer', department: 'BKPSDM', clearance: 'terbatas' } },
  { clientId: 'app-reader', secret: 'reader-secret-0123456789', scopes: ['sandbox.read'], consumer: { name: 'Reader', department: 'Dinkes', clearance: 'publik' } },
  { clientId: 'app-stranger', secret: 'stranger-secret-012345678', scopes: ['sandbox.read'] },
  { clientId: 'ops-console', secret: 'ops-secret-0123456789abc', scopes: [], roles: ['penghubung-ops'] },
];

/** Captures pino lines for assertions on what is (not) logged. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface Harness {
  sso: SsoProvider;
  upstream: SandboxUpstream;
  gateway: Gateway;
  logs: LogCapture;
  dataDir: string;
  url: string;
  adminUrl: string;
  token(clientId?: string): Promise<string>;
  /** Waits until every enqueued traffic row is in the store. */
  flushTraffic(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  config?: Record<string, unknown>;
  /** Upstreams beside the sandbox's (URL and credential references). */
  upstreams?: GatewayConfig['upstreams'];
  /** More SSO clients (and consumers), when the harness starts the SSO itself. */
  clients?: (SsoClient & { consumer?: Omit<ConsumerInput, 'clientId'> })[];
  contractDirs?: string[];
  sso?: SsoProvider;
  dataDir?: string;
}

export function tempDir(prefix = 'penghubung-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function testConfig(overrides: Record<string, unknown>): GatewayConfig {
  return loadConfig({ overrides, env: {} });
}

/**
 * Which store a harness that names none runs on: the embedded one, or with
 * `PENGHUBUNG_TEST_STORE=postgres` a real PostgreSQL of its own (`npm test` runs the suites of
 * the store's behaviours both ways: package.json).
 */
const defaultStore = process.env.PENGHUBUNG_TEST_STORE === 'postgres' ? 'postgres' : 'embedded';

/**
 * On PostgreSQL, the server of a data dir the caller gave: a harness started again on it (a
 * gateway restart) finds its store as it left it, as on the embedded store. Stopped when the test
 * process exits.
 */
const postgresOfDataDir = new Map<string, Promise<PostgresServer>>();

async function testPostgres(options: HarnessOptions): Promise<{ server: PostgresServer; owned: boolean } | undefined> {
  // A harness that names its store (a url, or null for the embedded one) gets that one.
  const store = (options.config as { store?: object } | undefined)?.store;
  if (defaultStore !== 'postgres' || (store && 'url' in store)) return undefined;
  if (!options.dataDir) return { server: await startPostgres(), owned: true };
  let server = postgresOfDataDir.get(options.dataDir);
  if (!server) postgresOfDataDir.set(options.dataDir, (server = startPostgres()));
  return { server: await server, owned: false };
}

/** A real SSO, the sandbox upstream and a gateway on free loopback ports, on a fresh store (see `defaultStore`). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clients = [...testClients, ...(options.clients ?? [])];
  const sso = options.sso ?? (await startSsoProvider({ audience, clients }));
  const upstream = await startSandboxUpstream();
  const dataDir = options.dataDir ?? tempDir();
  const logs = new LogCapture();
  const postgres = await testPostgres(options);
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      internal: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
      sso: { issuer: sso.issuer, audience, jwksCooldownSeconds: 1 },
      contracts: { directories: options.contractDirs ?? [bundledContracts], reloadSeconds: 0.2, bootstrap: true },
      upstreams: { sandbox: { url: upstream.url }, ...options.upstreams },
      trafficLog: { flushMs: 20, replaySeconds: 0.2 },
      shutdown: { drainSeconds: 5 },
      ...options.config,
      ...(postgres ? { store: { ...(options.config as { store?: object } | undefined)?.store, url: postgres.server.url } } : {}),
    },
  });
  const gateway = await startGateway(config, { logStream: logs });
  if (postgres && gateway.store.kind !== 'postgres') throw new Error('PENGHUBUNG_TEST_STORE=postgres, yet the gateway opened the embedded store');
  await upsertConsumers(gateway.store, clients.flatMap((c) => (c.consumer ? [{ clientId: c.clientId, ...c.consumer }] : [])));
  await gateway.registry.refresh();
  return {
    sso,
    upstream,
    gateway,
    logs,
    dataDir,
    url: gateway.internal.url,
    adminUrl: gateway.admin.url,
    token: (clientId = 'app-writer') => sso.token(clientId),
    async flushTraffic() {
      await new Promise((resolve) => setTimeout(resolve, 30));
      await gateway.traffic.flush();
    },
    async close() {
      await gateway.close();
      await upstream.close();
      if (!options.sso) await sso.close();
      if (postgres?.owned) await postgres.server.destroy();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Rows of the traffic log for a request id, straight from the store. */
export async function trafficRows(gateway: Gateway, requestId: string): Promise<Record<string, unknown>[]> {
  return gateway.store.db.selectFrom('traffic_log').selectAll().where('request_id', '=', requestId).execute();
}
