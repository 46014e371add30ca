import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real servers (SSO, PostgreSQL, gateways) per file: two cores are shared, so keep it modest.
    maxWorkers: 2,
  },
});
