import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../gateway/config/load.ts';
import { withStore } from '../gateway/store/open.ts';
import { startSsoProvider } from '../gateway/demo/sso-provider.ts';
import { audience, sandboxContracts, startHarness, tempDir, testClients } from './support/harness.ts';

/**
 * Issue 24, item 3: contract files remain a way in, through the lifecycle. `penghubung apply`
 * makes new versions drafts awaiting approval, `--dry-run` shows the changes version by version,
 * a change to a version past draft is refused (a change is a new version), and `--bootstrap`
 * (the first install) takes the files' states as written. Each version written: one audit row.
 */

function setUp(): { config: string; contracts: string; file: string } {
  const dir = tempDir('apply-cli-');
  const config = join(dir, 'penghubung.yaml');
  writeFileSync(config, `dataDir: ${join(dir, 'data')}\nsso:\n  issuer: https://sso.example.go.id/realms/pemda\n  audience: penghubung\n`);
  const contracts = join(dir, 'contracts');
  cpSync(sandboxContracts, join(contracts, 'sandbox'), { recursive: true });
  return { config, contracts, file: join(contracts, 'sandbox', 'direktori.yaml') };
}

const penghubung = (...args: string[]) => spawnSync(process.execPath, ['bin/penghubung.js', ...args], { encoding: 'utf8', timeout: 30_000 });

async function storedVersions(config: string): Promise<{ versions: { version: string; state: string }[]; audit: { action: string; actor_subject: string }[] }> {
  return withStore(loadConfig({ file: config, env: {} }), async (store) => ({
    versions: await store.db.selectFrom('contracts').select(['version', 'state']).where('id', '=', 'sandbox-direktori').execute(),
    audit: await store.db.selectFrom('audit_log').select(['action', 'actor_subject']).where('object_type', '=', 'contract-version').orderBy('seq').execute(),
  }));
}

describe('penghubung apply', () => {
  it('makes drafts, shows changes with --dry-run, changes a draft, and refuses to change a version past draft', async () => {
    const { config, contracts, file } = setUp();
    const planned = penghubung('apply', contracts, '--dry-run', '--config', config);
    expect(planned.status).toBe(0);
    expect(planned.stdout).toBe('add       sandbox-direktori 1.0.0: as a draft\n');
    expect((await storedVersions(config)).versions).toEqual([]);

    const applied = penghubung('apply', contracts, '--config', config);
    expect(applied.stdout).toMatch(/applied 1 contracts \(new versions as drafts\): 1 created/);
    expect((await storedVersions(config)).versions).toEqual([{ version: '1.0.0', state: 'draft' }]);
    expect(penghubung('apply', contracts, '--dry-run', '--config', config).stdout).toBe('unchanged sandbox-direktori 1.0.0 (draft)\n');

    writeFileSync(file, readFileSync(file, 'utf8').replace('Satu perangkat daerah menurut kode', 'Satu perangkat daerah menurut kodenya'));
    expect(penghubung('apply', contracts, '--dry-run', '--config', config).stdout).toBe('change    sandbox-direktori 1.0.0 (draft): operation getUnit changed\n');
    expect(penghubung('apply', contracts, '--config', config).stdout).toMatch(/0 created, 1 updated/);

    // The draft goes through the lifecycle; once past draft, its content is fixed.
    await withStore(loadConfig({ file: config, env: {} }), (store) => store.db.updateTable('contracts').set({ state: 'approved' }).where('id', '=', 'sandbox-direktori').execute());
    writeFileSync(file, readFileSync(file, 'utf8').replace('timeoutMs: 5000', 'timeoutMs: 6000'));
    const conflict = penghubung('apply', contracts, '--dry-run', '--config', config);
    expect(conflict.stdout).toBe('conflict  sandbox-direktori 1.0.0 (approved): version 1.0.0 is approved: a change is a new version, timeoutMs changed\n');
    expect(conflict.status).toBe(1);
    const refused = penghubung('apply', contracts, '--config', config);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^penghubung: Nothing was applied: sandbox-direktori 1\.0\.0 .*version 1\.0\.0 is approved: a change is a new version/);

    const { versions, audit } = await storedVersions(config);
    expect(versions).toEqual([{ version: '1.0.0', state: 'approved' }]);
    expect(audit.map((row) => row.action)).toEqual(['contract.create', 'contract.change']);
    expect(audit.every((row) => row.actor_subject.startsWith('cli:'))).toBe(true);
  });

  it('--bootstrap takes the files as written, audited as bootstrap', async () => {
    const { config, contracts } = setUp();
    expect(penghubung('apply', contracts, '--bootstrap', '--dry-run', '--config', config).stdout).toBe('add       sandbox-direktori 1.0.0: as active\n');
    const applied = penghubung('apply', contracts, '--bootstrap', '--config', config);
    expect(applied.stdout).toMatch(/applied 1 contracts as written \(bootstrap\): 1 created/);
    const { versions, audit } = await storedVersions(config);
    expect(versions).toEqual([{ version: '1.0.0', state: 'active' }]);
    expect(audit.map((row) => row.action)).toEqual(['contract.bootstrap']);
  });
});

describe('contracts applied at start (contracts.directories)', () => {
  it('makes a change to an active version a logged conflict, and starts with the registry as it is', async () => {
    const { contracts, file } = setUp();
    const dataDir = tempDir('apply-start-');
    const sso = await startSsoProvider({ audience, clients: testClients });
    const first = await startHarness({ contractDirs: [contracts], dataDir, sso });
    await first.close();
    writeFileSync(file, readFileSync(file, 'utf8').replace('timeoutMs: 5000', 'timeoutMs: 6000'));
    const second = await startHarness({ dataDir, sso, config: { contracts: { directories: [contracts], bootstrap: false } } });
    try {
      expect(second.logs.text).toContain('contract files not applied');
      expect(second.logs.text).toContain('version 1.0.0 is active: a change is a new version');
      const served = await fetch(`${second.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${await second.token('app-reader')}` } });
      expect(served.status).toBe(200);
      expect(second.gateway.registry.current.routes.find((route) => route.contract.id === 'sandbox-direktori')?.contract.timeoutMs).toBe(5000);
    } finally {
      await second.close();
      await sso.close();
    }
  });
});
