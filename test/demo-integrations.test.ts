import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearanceCovers } from '../gateway/registry/contract.ts';
import type { Route } from '../gateway/registry/routing-table.ts';
import { discoverSandboxes } from '../adapters/index.ts';
import { createSchemaCompiler } from '../gateway/registry/schema-compiler.ts';
import { mergeDemoClients, startDemo, type Demo } from '../gateway/demo/profile.ts';
import type { DeliveryStatus } from './support/delivery-answers.ts';
import { LogCapture, tempDir } from './support/harness.ts';

/** Writes before reads, so a read's example (a document, a complaint) exists when it is asked for. */
const methodOrder: Record<string, number> = { POST: 0, PUT: 1, PATCH: 2, GET: 3, DELETE: 4 };

function examplePath(route: Route): string {
  const { operation, contract } = route;
  let path = operation.path;
  for (const [name, spec] of Object.entries(operation.pathParams)) path = path.replace(`{${name}}`, encodeURIComponent(String(spec.example)));
  const query = new URLSearchParams(Object.entries(operation.query).filter(([, spec]) => spec.example !== undefined).map(([name, spec]): [string, string] => [name, String(spec.example)]));
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return `/${contract.integration}/v${Number.parseInt(contract.version, 10)}${path}${search}`;
}

/** Polls the Location of an accepted (202) request, relative to the URL it was sent to, until its delivery ended; the delivery document. */
async function deliveryOutcome(requestUrl: string, location: string, token: string, timeoutMs = 10_000): Promise<DeliveryStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(new URL(location, requestUrl), { headers: { authorization: `Bearer ${token}` } });
    const document = (await res.json()) as DeliveryStatus;
    if (['delivered', 'failed', 'cancelled'].includes(document.status) || Date.now() > deadline) return document;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `npm start` as a newcomer meets it: every simulator runs, and for every canonical operation of
 * every bundled contract some demo PD application may call it, and its documented example works.
 */
describe('the demo profile, every integration', () => {
  let demo: Demo;
  const dataDir = tempDir('demo-all-');
  const logs = new LogCapture();

  beforeAll(async () => {
    demo = await startDemo({ dataDir, ports: { sso: 0, internal: 0, admin: 0, public: 0, external: 0, simulators: 0 }, logStream: logs });
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the simulator of every integration', async () => {
    const sandboxes = await discoverSandboxes();
    expect(Object.keys(demo.sandboxes).sort()).toEqual([...sandboxes.keys()].sort());
    expect(sandboxes.size).toBeGreaterThanOrEqual(6);
  });

  it('lets a demo PD application call the documented example of every operation', async () => {
    const clients = mergeDemoClients((await discoverSandboxes()).values());
    const routes = [...demo.gateway.registry.current.routes].sort((a, b) => (methodOrder[a.operation.method] ?? 9) - (methodOrder[b.operation.method] ?? 9));
    expect(routes.length).toBeGreaterThanOrEqual(15);
    const outcomes: string[] = [];
    const compiler = createSchemaCompiler();
    let asyncOperations = 0;
    for (const route of routes) {
      const caller = clients.find((c) => route.requiredScopes.every((s) => c.scopes.includes(s)) && clearanceCovers(c.clearance, route.contract.classification));
      if (!caller) {
        outcomes.push(`${route.contract.id}:${route.operation.id} no demo client may call it`);
        continue;
      }
      const token = await demo.sso.token(caller.clientId);
      const example = route.operation.request?.example;
      const url = `${demo.gateway.internal.url}${examplePath(route)}`;
      const res = await fetch(url, {
        method: route.operation.method,
        headers: { authorization: `Bearer ${token}`, ...(example === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(example === undefined ? {} : { body: JSON.stringify(example) }),
      });
      const text = await res.text();
      const name = `${route.contract.id}:${route.operation.id} as ${caller.clientId}`;
      if (res.status >= 300) {
        outcomes.push(`${name} -> ${res.status} ${text.slice(0, 300)}`);
        continue;
      }
      if (route.operation.delivery?.mode !== 'async') continue;
      // Store-and-forward: accepted now, the operation's answer comes on the poll once delivered.
      asyncOperations++;
      const location = res.headers.get('location');
      if (res.status !== 202 || !location) {
        outcomes.push(`${name} -> ${res.status} without a Location, though the operation is async`);
        continue;
      }
      const delivery = await deliveryOutcome(url, location, token);
      if (delivery.status !== 'delivered') {
        outcomes.push(`${name} -> delivery ${delivery.status}: ${String(delivery.lastError ?? '')}`);
        continue;
      }
      if (route.operation.response) {
        const validate = compiler.compile(route.operation.response.schema);
        if (!validate(delivery.response?.body)) outcomes.push(`${name} -> delivered answer breaks the response schema: ${compiler.errorsText(validate)}`);
      }
    }
    expect(outcomes).toEqual([]);
    // SP4N-LAPOR!'s submission at least: the walk above did poll an async operation.
    expect(asyncOperations).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
