import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxContracts, tempDir } from './harness.ts';

/** The sandbox contract's example letter (`POST /sandbox/v1/surat`). */
export const exampleLetter = JSON.parse(readFileSync(new URL('../../contracts/sandbox/schemas/letter.json', import.meta.url), 'utf8')).examples[0] as Record<string, unknown>;

/** An SSO client with the admin role, for `/admin/v1/deliveries`. */
export const adminClient = { clientId: 'admin-console', secret: 'admin-secret-0123456789', scopes: [], roles: ['penghubung-admin'] };

/**
 * A copy of the bundled contracts whose sandbox letter registration is delivered asynchronously
 * (`delivery` is the contract's YAML flow mapping without `mode`), with a 1 s timeout (or `timeoutMs`) and a breaker
 * that stays closed: the tests using it are about delivery attempts, not load shedding.
 */
export function asyncSandboxContracts(delivery: string, timeoutMs = 1000, prefix = 'contracts-'): string {
  const dir = tempDir(prefix);
  cpSync(sandboxContracts, join(dir, 'sandbox'), { recursive: true });
  const file = join(dir, 'sandbox', 'direktori.yaml');
  writeFileSync(file, readFileSync(file, 'utf8')
    .replace('timeoutMs: 5000', `timeoutMs: ${timeoutMs}`)
    .replace('upstream:\n  name: sandbox', 'resilience:\n  breaker: { volumeThreshold: 100000 }\nupstream:\n  name: sandbox')
    .replace('    request: { schema: schemas/letter.json }', `    delivery: { mode: async, ${delivery} }\n    request: { schema: schemas/letter.json }`)
    // An async operation answers 202; the upstream's status is the poll's.
    .replace(/(response: \{ schema: schemas\/letter-receipt\.json), status: 201, description: [^}]*\}/, '$1 }'));
  return dir;
}

/**
 * `POST /sandbox/v1/surat` of the example letter with request id `id`, its subject the id unless
 * `subject` says otherwise (a retry's is the first's, so that its body is the same).
 */
export function postLetter(gatewayUrl: string, token: string, id: string, headers: Record<string, string>, options: { signal?: AbortSignal; subject?: string } = {}): Promise<Response> {
  return fetch(`${gatewayUrl}/sandbox/v1/surat`, {
    method: 'POST',
    ...(options.signal ? { signal: options.signal } : {}),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': id, ...headers },
    body: JSON.stringify({ ...exampleLetter, perihal: `Surat ${options.subject ?? id}` }),
  });
}

/** A call's status, problem code and how long it took to answer (ms). */
export async function timed(call: () => Promise<Response>): Promise<{ status: number; code: string | undefined; ms: number }> {
  const started = performance.now();
  const res = await call();
  return { status: res.status, code: ((await res.json()) as { code?: string }).code, ms: performance.now() - started };
}
