import { defineConfig } from 'vitest/config';

/**
 * The suites of what the store does for exchanges (idempotency keys, the outbox and its worker,
 * the traffic log and its spool, backup and restore, the registry and its routing-table swap,
 * partners): run a second time with every gateway on a real PostgreSQL of its own
 * (test/support/harness.ts), so each behaviour is tested on both stores. Tests of one store's own
 * faults name their store and run once.
 */
const onBothStores = [
  'admin', 'admin-partners', 'admin-roles', 'audit', 'backup', 'chaos-idempotency', 'consumers-admin', 'contract-lifecycle', 'contracts', 'delivery', 'delivery-callbacks',
  'idempotency', 'internal-client-cert', 'log-chain', 'partners', 'pipeline', 'report', 'traffic-log', 'traffic-rollup',
].map((name) => `test/${name}.test.ts`);

export default defineConfig({
  test: {
    // Installs the Debian packages the tests run, when missing (root on Debian), or names them.
    globalSetup: ['test/support/debian-packages.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real servers (SSO, PostgreSQL, gateways) per file: two cores are shared, so keep it modest.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'embedded', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'postgres', include: onBothStores, env: { PENGHUBUNG_TEST_STORE: 'postgres' } } },
    ],
  },
});
