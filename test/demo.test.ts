import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Browserless } from './support/console.ts';
import { tempDir } from './support/harness.ts';
import { discoverSandboxes } from '../adapters/index.ts';
import { mergeDemoClients } from '../gateway/demo/profile.ts';

let child: ChildProcess | undefined;
const dataDir = tempDir('demo-');
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` runs `penghubung demo`; this starts the same command on the default ports. */
describe('the demo profile', () => {
  it('starts, prints a curl example that works, writes the client secrets, and stops cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, ['bin/penghubung.js', 'demo'], { env: { ...process.env, PENGHUBUNG_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo not ready within 45 s:\n${output}`)), 45_000);
      const check = () => {
        if (/siap \/ ready in [\d.]+ s/.test(output) && output.includes('/sandbox/v1/perangkat-daerah/2.16\n')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child!.stdout!.on('data', check);
      child!.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
    });
    const seconds = Number(/ready in ([\d.]+) s/.exec(output)![1]);
    console.info(`demo start-up to ready: ${seconds} s`);

    const clients = JSON.parse(readFileSync(join(dataDir, 'demo', 'clients.json'), 'utf8')) as Record<string, string>;
    const pdApplications = mergeDemoClients((await discoverSandboxes()).values()).map((c) => c.clientId);
    expect(Object.keys(clients).sort()).toEqual([...pdApplications, 'diskominfo-admin', 'diskominfo-approver', 'diskominfo-noc'].sort());
    expect(pdApplications).toContain('bkpsdm-simpeg');
    expect(Object.values(clients).every((secret) => secret.length >= 20)).toBe(true);

    const example = output.slice(output.indexOf('TOKEN=$('), output.indexOf('/sandbox/v1/perangkat-daerah/2.16\n') + '/sandbox/v1/perangkat-daerah/2.16'.length);
    const answer = execFileSync('bash', ['-c', example], { encoding: 'utf8', timeout: 15_000 });
    expect(JSON.parse(answer)).toMatchObject({ kode: '2.16', singkatan: 'Diskominfo' });

    // The Dinas' three identities, one role each: the NOC reads, only the admin edits.
    const admin = async (clientId: string, method: string, path: string, body?: unknown) => {
      const form = new URLSearchParams({ grant_type: 'client_credentials' });
      const grant = await fetch('http://127.0.0.1:9000/token', { method: 'POST', body: form, headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clients[clientId]}`).toString('base64')}` } });
      const { access_token: token } = (await grant.json()) as { access_token: string };
      const res = await fetch(`http://127.0.0.1:9090${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: (await res.json()) as { code?: string; items?: { action: string; objectId: string }[] } };
    };
    expect((await admin('diskominfo-noc', 'GET', '/admin/v1/partners')).status).toBe(200);
    for (const clientId of ['diskominfo-noc', 'diskominfo-approver']) {
      expect((await admin(clientId, 'PUT', '/admin/v1/partners/bpd-demo', { legalName: 'PT Diubah', type: 'bank' })).body.code).toBe('FORBIDDEN_ROLE');
    }
    // The demo's own registration of its bank is in the audit trail, which the admin reads too.
    const trail = await admin('diskominfo-admin', 'GET', '/admin/v1/audit?objectId=bpd-demo');
    expect(trail.body.items?.map((row) => row.action)).toEqual(['partner.create']);

    // The console's demo people: printed with their passwords, kept beside clients.json, and one signs in.
    const people = JSON.parse(readFileSync(join(dataDir, 'demo', 'people.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(people).sort()).toEqual(['admin', 'approver', 'ops']);
    for (const [user, password] of Object.entries(people)) expect(output).toContain(`${user} / ${password}`);
    const { res: home } = await new Browserless().signIn('http://127.0.0.1:9090', 'ops', people.ops!);
    expect(await home.text()).toContain('Operator NOC Diskominfo');

    // The demo bank over mutual TLS, with the files the demo wrote under data/demo/partners/.
    const partnerCurl = /As the demo bank, over mutual TLS:\n(curl [^\n]+)/.exec(output)?.[1];
    expect(partnerCurl).toContain(join(dataDir, 'demo', 'partners', 'bpd-demo', 'client.cert.pem'));
    const partnerAnswer = execFileSync('bash', ['-c', partnerCurl!], { encoding: 'utf8', timeout: 15_000 });
    expect(JSON.parse(partnerAnswer)).toMatchObject({ kode: '2.16' });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"penghubung stopped"');
  }, 90_000);
});
