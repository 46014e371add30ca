import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real servers (SSO, PostgreSQL, gateways) per file: two cores are shared, so keep it modest.
    maxWorkers: 2,
    // PGlite's WebAssembly, created and freed in worker threads, can trip a V8 JIT-page check
    // (nodejs/node#64500, "Check failed: jit_page.has_value()"): the known mitigation.
    execArgv: ['--no-memory-protection-keys'],
  },
});
