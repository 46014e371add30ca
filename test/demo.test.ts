import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
    expect(Object.keys(clients).sort()).toEqual([...pdApplications, 'diskominfo-noc'].sort());
    expect(pdApplications).toContain('bkpsdm-simpeg');
    expect(Object.values(clients).every((secret) => secret.length >= 20)).toBe(true);

    const example = output.slice(output.indexOf('TOKEN=$('), output.indexOf('/sandbox/v1/perangkat-daerah/2.16\n') + '/sandbox/v1/perangkat-daerah/2.16'.length);
    const answer = execFileSync('bash', ['-c', example], { encoding: 'utf8', timeout: 15_000 });
    expect(JSON.parse(answer)).toMatchObject({ kode: '2.16', singkatan: 'Diskominfo' });

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
