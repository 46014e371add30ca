import { spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { freePort } from './support/ports.ts';
import { sandboxContracts, startHarness, tempDir, type Harness } from './support/harness.ts';

/**
 * Issue 24 item 6: `penghubung contracts | consumers | audit`, the real CLI in a child process
 * against a gateway and an SSO, with client credentials or a token given; exit codes 1 (refused),
 * 2 (usage), 3 (unreachable) and one line on stderr.
 */

const people = [
  // Editor who also holds the approver role: four eyes still refuse their own approval.
  { clientId: 'cli-editor', secret: 'cli-editor-secret-0123456789', scopes: [], roles: ['penghubung-admin', 'penghubung-approver'] },
  { clientId: 'cli-approver', secret: 'cli-approver-secret-0123456789', scopes: [], roles: ['penghubung-approver'] },
];
const secrets = people.map((p) => p.secret);
const repo = fileURLToPath(new URL('..', import.meta.url));

interface Run { code: number | null; stdout: string; stderr: string }

/** The CLI as a user runs it, with only the environment given (never the test's own PENGHUBUNG_* variables). */
async function penghubung(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const result = await new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/penghubung.js', ...args], { cwd: repo, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  // Whatever a run prints, a client secret is never in it.
  for (const secret of secrets) expect(result.stdout + result.stderr).not.toContain(secret);
  return result;
}

/** A failure: the exit code and exactly one line on stderr, no stack trace. */
function expectFailure(run: Run, code: number, reason: RegExp): void {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: '' });
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr.trimEnd()).toMatch(reason);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

let h: Harness;
let work: string;
let contractFile: string;
/** Client credentials of a person: the id on the command line, the secret in the environment. */
const as = (clientId: string) => ({
  args: ['--admin-url', h.adminUrl, '--issuer', h.sso.issuer, '--client-id', clientId],
  env: { PENGHUBUNG_CLIENT_SECRET: people.find((p) => p.clientId === clientId)!.secret },
});
const run = (who: string, ...args: string[]) => penghubung([...args, ...as(who).args], as(who).env);
const json = (result: Run) => {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  // Parsed as JSON.parse gives it: the assertions are the check of its shape.
  return JSON.parse(result.stdout);
};

beforeAll(async () => {
  h = await startHarness({ clients: people, contractDirs: [sandboxContracts] });
  // Version 1.1.0 of the sandbox contract, with a longer timeout and one operation fewer.
  work = tempDir('admin-cli-');
  cpSync(join(sandboxContracts, 'schemas'), join(work, 'schemas'), { recursive: true });
  const contract = parseYaml(readFileSync(join(sandboxContracts, 'direktori.yaml'), 'utf8')) as { version: string; timeoutMs: number; operations: { id: string }[] };
  contract.version = '1.1.0';
  contract.timeoutMs = 8000;
  contract.operations = contract.operations.filter((op) => op.id !== 'registerLetter');
  contractFile = join(work, 'direktori.yaml');
  writeFileSync(contractFile, stringifyYaml(contract));
});
afterAll(async () => {
  await h?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Each run starts a node process: seconds per test on the two shared cores, more under load.
describe('penghubung contracts', { timeout: 120_000 }, () => {
  it('takes a contract file from draft to active: create, diff, submit, approve by another person, activate', async () => {
    const created = json(await run('cli-editor', 'contracts', 'create', contractFile, '--json'));
    expect(created).toMatchObject({ id: 'sandbox-direktori', version: '1.1.0', state: 'draft', created: { by: 'cli-editor' } });

    // Against the routing version (1.0.0) by default: what a reviewer reads before approving.
    const diff = json(await run('cli-approver', 'contracts', 'diff', 'sandbox-direktori', '1.1.0', '--json'));
    expect(diff).toMatchObject({ from: { version: '1.0.0', state: 'active' }, to: { version: '1.1.0', state: 'draft' } });
    expect(diff.fields).toEqual([{ path: 'timeoutMs', kind: 'changed', from: 5000, to: 8000 }]);
    expect(diff.operations).toMatchObject({ added: [], removed: [{ id: 'registerLetter', method: 'POST', path: '/surat' }], changed: [] });
    const readable = await run('cli-approver', 'contracts', 'diff', 'sandbox-direktori', '1.1.0');
    expect(readable.stdout).toContain('sandbox-direktori: 1.0.0 (active) -> 1.1.0 (draft)');
    expect(readable.stdout).toContain('~ timeoutMs: 5000 -> 8000');
    expect(readable.stdout).toContain('- registerLetter  POST /surat');

    expect(json(await run('cli-editor', 'contracts', 'submit', 'sandbox-direktori', '1.1.0', '--json')).state).toBe('submitted');
    const letter = ['--letter-number', '000.5/77/DISKOMINFO/2026', '--letter-date', '2026-12-01', '--note', 'Aman.'];
    expectFailure(await run('cli-editor', 'contracts', 'approve', 'sandbox-direktori', '1.1.0', ...letter), 1, /^penghubung: FOUR_EYES_REQUIRED: .*cli-editor.* \(HTTP 403, request \S+\)$/);

    // The approver with a token given in the environment instead of client credentials.
    const token = await h.token('cli-approver');
    const approved = await penghubung(['contracts', 'approve', 'sandbox-direktori', '1.1.0', ...letter, '--admin-url', h.adminUrl, '--json'], { PENGHUBUNG_TOKEN: token });
    expect(json(approved)).toMatchObject({ state: 'approved', approved: { by: 'cli-approver', recommendation: { number: '000.5/77/DISKOMINFO/2026', date: '2026-12-01', note: 'Aman.' } } });

    const activated = await run('cli-editor', 'contracts', 'activate', 'sandbox-direktori', '1.1.0');
    expect(activated.code).toBe(0);
    expect(activated.stdout).toMatch(/^sandbox-direktori 1\.1\.0: active\n/);
    expect(activated.stdout).toMatch(/approved +\S+ +cli-approver +recommendation 000\.5\/77\/DISKOMINFO\/2026 of 2026-12-01: Aman\./);

    const shown = json(await run('cli-approver', 'contracts', 'show', 'sandbox-direktori', '--json'));
    expect(shown.versions.map((v: { version: string; state: string }) => [v.version, v.state])).toEqual([['1.1.0', 'active'], ['1.0.0', 'retired']]);
    const listed = await run('cli-approver', 'contracts', 'list');
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID +INTEGRATION +VERSIONS +/);
    expect(listed.stdout).toMatch(/^sandbox-direktori +sandbox +1\.1\.0 active, 1\.0\.0 retired +/m);

    expectFailure(await run('cli-editor', 'contracts', 'submit', 'sandbox-direktori', '1.1.0'), 1, /^penghubung: CONTRACT_STATE_CONFLICT: Contract sandbox-direktori version 1\.1\.0 is active; submit needs the state draft\./);
  });

  it('answers a usage error with exit code 2 and one line, before asking the SSO or the gateway', async () => {
    // Nothing listens here: a command that asked the SSO or the gateway would exit 3, not 2.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const offline = (who: string, ...args: string[]) => penghubung([...args, '--admin-url', closed, '--issuer', closed, '--client-id', who], as(who).env);
    expectFailure(await offline('cli-editor', 'contracts', 'approve', 'sandbox-direktori', '--letter-number', '1', '--letter-date', '2026-12-01'), 2, /^penghubung contracts approve: missing required argument 'version'/);
    expectFailure(await offline('cli-approver', 'contracts', 'approve', 'sandbox-direktori', '1.1.0', '--letter-number', '1', '--letter-date', '01-12-2026'), 2, /--letter-date.*YYYY-MM-DD/);
    expectFailure(await offline('cli-editor', 'contracts', 'create', join(work, 'missing.yaml')), 2, /^penghubung: contract file .*missing\.yaml cannot be read: ENOENT$/);
    expectFailure(await penghubung(['contracts', 'list', '--admin-url', closed]), 2, /^penghubung: no credentials: set PENGHUBUNG_TOKEN/);
    expectFailure(await penghubung(['contracts', 'list', '--admin-url', closed, '--issuer', closed, '--client-id', 'cli-editor']), 2, /needs the client's secret in PENGHUBUNG_CLIENT_SECRET/);
    // No option takes a secret: one given on the command line is refused, and not echoed.
    expectFailure(await penghubung(['contracts', 'list', '--client-secret', people[0]!.secret]), 2, /unknown option '--client-secret'/);
  });

  it('answers exit code 3 when nothing listens at the admin URL or the SSO', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expectFailure(await penghubung(['contracts', 'list', '--admin-url', closed], { PENGHUBUNG_TOKEN: await h.token('cli-approver') }), 3, /^penghubung: the admin API at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)$/);
    expectFailure(await penghubung(['audit', '--admin-url', h.adminUrl, '--issuer', closed, '--client-id', 'cli-editor'], as('cli-editor').env), 3, /^penghubung: the SSO at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
  });

  it('reports a refused client secret with exit code 1 without printing it', async () => {
    const wrong = await penghubung(['contracts', 'list', '--admin-url', h.adminUrl, '--issuer', h.sso.issuer, '--client-id', 'cli-editor'], { PENGHUBUNG_CLIENT_SECRET: people[1]!.secret });
    expectFailure(wrong, 1, /^penghubung: the SSO refused the client credentials of cli-editor: invalid_client/);
    // A token the gateway does not accept: the API's refusal, code and detail.
    expectFailure(await penghubung(['consumers', 'list', '--admin-url', h.adminUrl], { PENGHUBUNG_TOKEN: 'not-a-jwt' }), 1, /^penghubung: TOKEN_INVALID: /);
  });
});

describe('penghubung consumers', { timeout: 120_000 }, () => {
  it('registers an application, changes it keeping what was not given, shows and lists it; the admin URL and issuer from --config', async () => {
    const admin = new URL(h.adminUrl);
    const config = join(work, 'penghubung.yaml');
    writeFileSync(config, stringifyYaml({ admin: { host: admin.hostname, port: Number(admin.port) }, sso: { issuer: h.sso.issuer, audience: 'urn:penghubung:test' } }));
    const viaConfig = (...args: string[]) => penghubung([...args, '--config', config, '--client-id', 'cli-editor'], as('cli-editor').env);

    const registered = await viaConfig('consumers', 'set', 'bkpsdm-simpeg', '--name', 'SIMPEG', '--department', 'BKPSDM', '--clearance', 'terbatas', '--scopes', 'sandbox.read,sandbox.write', '--contact-email', 'simpeg@bkpsdm.example.go.id');
    expect(registered.code).toBe(0);
    expect(registered.stdout).toMatch(/^consumer bkpsdm-simpeg registered\n/);
    const suspended = json(await viaConfig('consumers', 'set', 'bkpsdm-simpeg', '--name', 'SIMPEG 2', '--department', 'BKPSDM', '--clearance', 'publik', '--status', 'suspended', '--json'));
    expect(suspended).toEqual({
      clientId: 'bkpsdm-simpeg', name: 'SIMPEG 2', department: 'BKPSDM', clearance: 'publik', status: 'suspended',
      scopes: ['sandbox.read', 'sandbox.write'], contact: { email: 'simpeg@bkpsdm.example.go.id' }, limits: {},
    });
    expect(json(await viaConfig('consumers', 'show', 'bkpsdm-simpeg', '--json'))).toEqual(suspended);
    const listed = await viaConfig('consumers', 'list');
    expect(listed.stdout).toMatch(/^bkpsdm-simpeg +SIMPEG 2 +BKPSDM +publik +suspended +sandbox\.read,sandbox\.write$/m);

    expectFailure(await viaConfig('consumers', 'set', 'bkpsdm-simpeg', '--name', 'X', '--department', 'Y', '--clearance', 'sangat-rahasia'), 2, /--clearance.*sangat-rahasia/);
    expectFailure(await viaConfig('consumers', 'show', 'no-such-app'), 1, /^penghubung: NOT_FOUND: No consumer no-such-app\./);
  });
});

describe('penghubung audit', { timeout: 120_000 }, () => {
  it('lists the rows of a contract version newest first, and --all follows the cursor', async () => {
    const filter = ['--object-type', 'contract-version', '--object-id', 'sandbox-direktori@1.1.0'];
    const page = json(await run('cli-approver', 'audit', ...filter, '--json'));
    expect(page.items.map((row: { action: string }) => row.action)).toEqual(['contract.activate', 'contract.approve', 'contract.submit', 'contract.create']);
    expect(page.items[1]).toMatchObject({ actor: { subject: 'cli-approver', clientId: 'cli-approver' }, after: { state: 'approved' } });

    const first = json(await run('cli-approver', 'audit', ...filter, '--limit', '1', '--json'));
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const all = json(await run('cli-approver', 'audit', ...filter, '--limit', '1', '--all', '--json'));
    expect({ ...all, items: all.items.map((row: { id: string }) => row.id) }).toEqual({ items: page.items.map((row: { id: string }) => row.id), nextCursor: null });

    const readable = await run('cli-approver', 'audit', '--action', 'contract.approve');
    expect(readable.stdout.split('\n')[0]).toMatch(/^AT +ACTOR +ACTION +OBJECT +REQUEST$/);
    expect(readable.stdout).toMatch(/^\S+ +cli-approver +contract\.approve +contract-version sandbox-direktori@1\.1\.0 +\S+$/m);
    expectFailure(await run('cli-approver', 'audit', '--limit', '5000'), 2, /--limit.*1 to 1000/);
  });
});
