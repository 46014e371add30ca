import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { RunningSandbox, SandboxModule, SandboxStartOptions } from '../../gateway/adapter-api/index.ts';
import { startHarness, tempDir, type Harness, type HarnessOptions } from './harness.ts';

export interface Integration<Sim extends RunningSandbox> {
  harness: Harness;
  sim: Sim;
  /** The simulator's accounts, as the gateway reads them from its secret files. */
  credentials: Record<string, string>;
  /** Directory of the secret files (rewrite one to rotate a credential). */
  secretsDir: string;
  /** An access token of one of the sandbox's demo clients. */
  token(clientId: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * An integration under test: its simulator (with fresh random accounts written as secret files,
 * as the demo does), and a gateway with the bundled contracts whose consumers are the sandbox's
 * demo clients. `start` may be the simulator's own start function, to reach its test handles.
 */
export async function startIntegration<Sim extends RunningSandbox>(
  sandbox: SandboxModule,
  start: (options: SandboxStartOptions) => Promise<Sim>,
  options: HarnessOptions & { publicPort?: number } = {},
): Promise<Integration<Sim>> {
  const secretsDir = tempDir('penghubung-secrets-');
  const credentials: Record<string, string> = {};
  const references: Record<string, string> = {};
  mkdirSync(secretsDir, { recursive: true });
  for (const name of sandbox.credentials ?? []) {
    credentials[name] = `${name}-${randomBytes(12).toString('hex')}`;
    writeFileSync(join(secretsDir, name), credentials[name], { mode: 0o600 });
    references[name] = `file:${join(secretsDir, name)}`;
  }
  const publicPort = options.publicPort ?? 0;
  const sim = await start({ host: '127.0.0.1', port: 0, credentials, publicUrl: `http://127.0.0.1:${publicPort}` });
  const clients = (sandbox.demoClients ?? []).map((client) => ({
    clientId: client.clientId,
    secret: `${client.clientId}-secret-0123456789`,
    scopes: client.scopes,
    consumer: { name: client.name, department: client.department, clearance: client.clearance },
  }));
  let harness: Harness;
  try {
    harness = await startHarness({
      ...options,
      clients: [...clients, ...(options.clients ?? [])],
      upstreams: { ...(sandbox.upstream ? { [sandbox.upstream]: { url: sim.url, credentials: references } } : {}), ...options.upstreams },
    });
  } catch (error) {
    await sim.close();
    throw error;
  }
  return {
    harness,
    sim,
    credentials,
    secretsDir,
    token: (clientId) => harness.sso.token(clientId),
    async close() {
      await harness.close();
      await sim.close();
    },
  };
}
