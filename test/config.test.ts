import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../gateway/config/load.ts';
import { readSnapshot } from '../gateway/registry/repository.ts';
import { openStore } from '../gateway/store/open.ts';
import { tempDir } from './support/harness.ts';

const minimal = 'sso:\n  issuer: https://sso.example.go.id/realms/pemda\n  audience: penghubung\n';

function configFile(text: string): string {
  const file = join(tempDir('config-'), 'penghubung.yaml');
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it('fills defaults for a minimal file', () => {
    const config = loadConfig({ file: configFile(minimal), env: {} });
    expect(config.internal.port).toBe(8080);
    expect(config.admin).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(config.limits.bodyBytes).toBe(1048576);
    expect(config.sso.algorithms).not.toContain('HS256');
    expect(config.store.url).toBeNull();
    expect(config.dataDir.endsWith('/data')).toBe(true);
  });

  it('fills every default the schema declares (the types count on them being present)', () => {
    const { dataDir, ...config } = loadConfig({ file: configFile(minimal), env: {} });
    const tls = { cert: null, key: null, clientCa: [], crl: [], minVersion: 'TLSv1.2' };
    expect(dataDir.endsWith('/data')).toBe(true);
    expect(config).toEqual({
      internal: { host: '0.0.0.0', port: 8080, publicUrl: null, trustProxy: false, tls, requireClientCert: false },
      external: { host: '0.0.0.0', port: 8443, publicUrl: null, enabled: false, trustProxy: false, tls },
      tlsReloadSeconds: 5,
      delivery: {
        pollMs: 1000, batchSize: 20, leaseSeconds: 120, baseDelayMs: 2000, maxDelayMs: 600000, defaultMaxAttempts: 50, retentionDays: 30,
        callbacks: { allowedOrigins: [], maxAttempts: 5, timeoutMs: 5000, baseDelayMs: 5000, maxDelayMs: 300000 },
      },
      idempotency: { retentionHours: 24, inFlightGraceSeconds: 60 },
      timezone: 'Asia/Jakarta',
      admin: { host: '127.0.0.1', port: 9090 },
      console: { clientId: 'penghubung-console', clientSecret: null, publicUrl: null, sessionIdleMinutes: 30, sessionMaxHours: 8 },
      region: { name: 'Pemerintah Kabupaten Contoh', agency: 'Dinas Komunikasi dan Informatika', city: 'Contoh', head: { title: 'Kepala Dinas Komunikasi dan Informatika', name: '(nama Kepala Dinas)', nip: '' } },
      sso: {
        issuer: 'https://sso.example.go.id/realms/pemda', audience: 'penghubung', algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
        jwksRefreshSeconds: 300, jwksCooldownSeconds: 30, clockToleranceSeconds: 5, tokenCacheSize: 10000, roleClaims: ['roles', 'realm_access.roles'],
      },
      limits: { bodyBytes: 1048576, defaultRate: { rps: 50, burst: 100 } },
      store: { url: null, queryTimeoutSeconds: 30 },
      redis: { url: null },
      contracts: { directories: [], reloadSeconds: 2, bootstrap: false },
      upstreams: {},
      adapters: { directories: [] },
      public: { host: '0.0.0.0', port: 8088, enabled: false },
      trafficLog: { batchSize: 500, flushMs: 200, maxQueue: 20000, replaySeconds: 5 },
      integrity: { checkpointRows: 1000, checkpointSeconds: 60, instanceId: null },
      shutdown: { drainSeconds: 15 },
      log: { level: 'info', exchanges: 'errors' },
    });
  });

  it('takes an upstream\'s health check override, or false, and fills its credentials map', () => {
    const file = configFile(`${minimal}upstreams:\n  a:\n    healthCheck: false\n  b:\n    healthCheck:\n      intervalSeconds: 30\n`);
    const { upstreams } = loadConfig({ file, env: {} });
    expect(upstreams).toEqual({ a: { credentials: {}, healthCheck: false }, b: { credentials: {}, healthCheck: { intervalSeconds: 30 } } });
  });

  it('takes DATABASE_URL, REDIS_URL and PENGHUBUNG_DATA_DIR from the environment', () => {
    const config = loadConfig({ file: configFile(minimal), env: { DATABASE_URL: 'postgres://db/penghubung', REDIS_URL: 'redis://cache:6379', PENGHUBUNG_DATA_DIR: '/var/lib/penghubung' } });
    expect(config.store.url).toBe('postgres://db/penghubung');
    expect(config.redis.url).toBe('redis://cache:6379');
    expect(config.dataDir).toBe('/var/lib/penghubung');
  });

  it('accepts the example production configuration, credentials as references', () => {
    const config = loadConfig({ file: new URL('../deploy/penghubung.example.yaml', import.meta.url).pathname, env: {} });
    expect(config.public).toEqual({ enabled: true, host: '0.0.0.0', port: 8088 });
    expect(config.upstreams['bkn-siasn']!.credentials.consumerSecret).toMatch(/^file:\//);
  });

  it.each([
    ['an unknown key', `${minimal}  audiance: typo\n`, 'unknown key "sso.audiance"'],
    ['an unknown top-level key', `${minimal}listen: 8080\n`, 'unknown key "listen"'],
    ['a bad value', `${minimal}internal:\n  port: 99999\n`, 'bad value at "internal.port"'],
    ['a symmetric algorithm', `${minimal}  algorithms: [HS256]\n`, 'bad value at "sso.algorithms.0"'],
    ['a missing key', 'sso:\n  issuer: https://sso.example.go.id\n', 'missing key "sso.audience"'],
    ['the partner listener without certificates', `${minimal}external:\n  enabled: true\n`, '"external.enabled" needs "external.tls.cert" and "external.tls.key"'],
    ['requireClientCert on plain HTTP', `${minimal}internal:\n  requireClientCert: true\n`, '"internal.requireClientCert" needs'],
    ['an unknown time zone', `${minimal}timezone: Asia/Bandung\n`, 'bad value at "timezone"'],
    ['a wrong type', `${minimal}internal:\n  port: eighty\n`, 'bad value at "internal.port": must be integer'],
    ['a wrong type in a nullable key', `${minimal}store:\n  url: 5\n`, 'bad value at "store.url": must be string'],
    ['a value outside an enum', `${minimal}log:\n  level: loud\n`, 'bad value at "log.level": must be equal to one of the allowed values'],
    ['a missing section', 'timezone: Asia/Jakarta\n', 'missing key "sso"'],
    ['an unknown key in a health check override', `${minimal}upstreams:\n  a:\n    healthCheck:\n      interval: 30\n`, 'unknown key "upstreams.a.healthCheck.interval"'],
    ['a health check override that is neither false nor a mapping', `${minimal}upstreams:\n  a:\n    healthCheck: true\n`, 'bad value at "upstreams.a.healthCheck": must be equal to constant'],
    ['a credential value instead of a reference', `${minimal}upstreams:\n  bkn-siasn:\n    credentials:\n      consumerSecret: s3cr3t-value\n`, 'bad value at "upstreams.bkn-siasn.credentials.consumerSecret"'],
  ])('stops on %s, naming the key', (_name, text, message) => {
    expect(() => loadConfig({ file: configFile(text), env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file: configFile(text), env: {} })).toThrow(message);
    // The refusal names the key, never the value (it may be a secret pasted in by mistake).
    expect(() => loadConfig({ file: configFile(text), env: {} })).not.toThrow('s3cr3t-value');
  });

  it('the CLI refuses to start on a malformed config with the key in the message and exit code 2', () => {
    const file = configFile(`${minimal}trafficLog:\n  batchsize: 10\n`);
    const result = spawnSync(process.execPath, ['bin/penghubung.js', 'start', '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown key "trafficLog.batchsize"');
  });

  it('the CLI rejects a malformed contract directory with the file and the reason', () => {
    const dir = tempDir('contracts-');
    writeFileSync(join(dir, 'broken.yaml'), 'id: broken\nintegration: x\n');
    const result = spawnSync(process.execPath, ['bin/penghubung.js', 'apply', dir, '--config', configFile(minimal)], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/broken\.yaml: does not match the contract format: .*required property 'version'/);
  });

  it('the CLI applies contracts and registers a consumer on a fresh embedded store (one-shot commands finish)', () => {
    const dataDir = tempDir('cli-store-');
    const config = configFile(`dataDir: ${dataDir}\n${minimal}`);
    const apply = spawnSync(process.execPath, ['bin/penghubung.js', 'apply', 'contracts/sandbox', '--config', config], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: apply.status, stderr: apply.stderr.replace(/.*nodedir.*\n?/g, '') }).toEqual({ status: 0, stderr: '' });
    expect(apply.stdout).toMatch(/applied 1 contracts \(new versions as drafts\): 1 created/);
    const consumer = spawnSync(process.execPath, ['bin/penghubung.js', 'consumer', 'app-x', '--name', 'App X', '--config', config], { encoding: 'utf8', timeout: 30_000 });
    expect(consumer.status).toBe(0);
    expect(consumer.stdout).toMatch(/consumer app-x saved \(registry revision \d+\)/);
  });

  it('the CLI stores a consumer\'s own rate per contract (--rate, repeatable) and refuses a malformed one without writing', async () => {
    const dataDir = tempDir('cli-rate-');
    const config = configFile(`dataDir: ${dataDir}\n${minimal}`);
    const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/penghubung.js', 'consumer', 'app-x', ...args, '--config', config], { encoding: 'utf8', timeout: 30_000 });
    const saved = cli('--name', 'App X', '--rate', 'sandbox-direktori=2.5/7', '--rate', 'bkn-siasn=20/40');
    expect({ status: saved.status, stdout: saved.stdout }).toEqual({ status: 0, stdout: expect.stringMatching(/^consumer app-x saved \(registry revision \d+\)\n$/) });
    for (const bad of ['sandbox-direktori=0/10', 'sandbox-direktori=5', 'sandbox-direktori=5/0', 'Bad Name=5/10']) {
      const refused = cli('--name', 'Renamed', '--rate', bad);
      expect({ bad, status: refused.status, stdout: refused.stdout }).toEqual({ bad, status: 1, stdout: '' });
      expect(refused.stderr).toContain(`expected <contract>=<rps>/<burst>, e.g. bkn-siasn=5/10, got ${bad}`);
    }
    // Read back as the gateway's registry reads it: the override as given, untouched by the refusals.
    const store = await openStore(loadConfig({ file: config, env: {} }));
    try {
      expect((await readSnapshot(store)).consumers.get('app-x')).toMatchObject({
        name: 'App X',
        limits: { 'sandbox-direktori': { rps: 2.5, burst: 7 }, 'bkn-siasn': { rps: 20, burst: 40 } },
      });
    } finally {
      await store.close();
    }
  }, 60_000);
});
