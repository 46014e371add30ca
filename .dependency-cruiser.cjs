/**
 * The import rules of docs/architecture.md ("Layers"), checked by `npm test` (npm run lint:deps).
 * Each rule names the layer it protects; `npx depcruise --config .dependency-cruiser.cjs gateway
 * adapters certs bin bench --output-type text` shows what breaks one.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle anywhere in non-test code: a layer is known by what it does not import.',
      from: { pathNot: '^test/' },
      to: { circular: true },
    },
    {
      name: 'adapters-use-only-the-adapter-api',
      severity: 'error',
      comment: 'An adapter depends on the adapter API (gateway/adapter-api/index.ts) and on nothing else of gateway/.',
      from: { path: '^(adapters|test/fixtures/adapters)/' },
      to: { path: '^gateway/', pathNot: '^gateway/adapter-api/index[.]ts$' },
    },
    {
      name: 'gateway-reaches-adapters-by-discovery',
      severity: 'error',
      comment: 'gateway/ names no adapter: it finds them through discovery (adapters/index.ts) and talks to them through the adapter API.',
      from: { path: '^gateway/' },
      to: { path: '^adapters/', pathNot: '^adapters/index[.]ts$' },
    },
    {
      name: 'adapter-api-below-the-host',
      severity: 'error',
      comment: 'The adapter API is what adapters see: it may not reach the pipeline, the listeners, the host or the adapters.',
      from: { path: '^gateway/adapter-api/' },
      to: { path: '^(adapters/|gateway/(pipeline|listeners|delivery|adapter-host|demo|server[.]ts|cli[.]ts))' },
    },
    {
      name: 'certs-stand-alone',
      severity: 'error',
      comment: 'certs/ is the Dinas CA toolkit: usable without the gateway.',
      from: { path: '^certs/' },
      to: { path: '^(gateway|adapters)/' },
    },
    {
      name: 'outbound-http-in-one-place',
      severity: 'error',
      comment: 'gateway/upstream/ is outbound HTTP only: it knows no exchange, listener, delivery or adapter.',
      from: { path: '^gateway/upstream/' },
      to: { path: '^(adapters/|gateway/(pipeline|listeners|delivery|adapter-host|adapter-api|registry|traffic|idempotency|demo|server[.]ts|cli[.]ts))' },
    },
    {
      name: 'registry-knows-no-adapter',
      severity: 'error',
      comment: 'The registry checks contracts against adapter descriptors it declares itself; it knows no adapter, host or exchange.',
      from: { path: '^gateway/registry/' },
      to: { path: '^(adapters/|gateway/(adapter-api|adapter-host|pipeline|listeners|delivery|upstream|demo|server[.]ts|cli[.]ts))' },
    },
    {
      name: 'resilience-is-policy',
      severity: 'error',
      comment: 'Breakers, retries and slots are policy over any call: they know no upstream client, contract or exchange.',
      from: { path: '^gateway/resilience/' },
      to: { path: '^(adapters/|gateway/(upstream|registry|adapter-api|adapter-host|pipeline|listeners|delivery|demo|server[.]ts|cli[.]ts))' },
    },
    {
      name: 'pipeline-below-listeners',
      severity: 'error',
      comment: 'Listeners compose the pipeline; the pipeline never reaches back up to a listener.',
      from: { path: '^gateway/pipeline/' },
      to: { path: '^gateway/(listeners|demo|server[.]ts|cli[.]ts)' },
    },
    {
      name: 'delivery-below-pipeline',
      severity: 'error',
      comment: 'The delivery worker sends stored requests itself; it does not run the pipeline.',
      from: { path: '^gateway/delivery/' },
      to: { path: '^gateway/(pipeline|listeners|demo|server[.]ts|cli[.]ts)' },
    },
    {
      name: 'audit-knows-nothing-it-records',
      severity: 'error',
      comment: 'The audit trail is written by whatever makes a change (registry, delivery, listeners): it imports the store, errors and the verified token\'s type only, so each of them may import it.',
      from: { path: '^gateway/audit/' },
      to: { path: '^(adapters/|gateway/(?!(audit|store|errors|sso)/))' },
    },
    {
      name: 'foundations-import-no-feature',
      severity: 'error',
      comment: 'config, errors, store, limits and privacy (identifier masking) are the ground floor: they import nothing above them.',
      from: { path: '^gateway/(config|errors|store|limits|privacy)/' },
      to: { path: '^(adapters/|gateway/(?!(config|errors|store|limits|privacy)/))' },
    },
    {
      name: 'admin-cli-over-http',
      severity: 'error',
      comment: 'The admin CLI is a client of the running gateway: it goes through the admin API (roles, four eyes, audit), never the store, registry functions or listeners. It may load the configuration and import the types of what the API answers, the classifications, and the pure contract diff apply shares.',
      from: { path: '^gateway/admin-cli/' },
      to: { path: '^(adapters/|gateway/(?!(admin-cli|config)/))', pathNot: '^gateway/registry/contract(-diff)?[.]ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'console-below-the-admin-listener',
      severity: 'error',
      comment: 'The ops console is pages over the registry, traffic, audit and report functions: the admin listener mounts it, it never reaches a listener, the pipeline stages or the server.',
      from: { path: '^gateway/console/' },
      to: { path: '^(adapters/|gateway/(listeners|pipeline/[0-9]|delivery|adapter-host|demo|server[.]ts|cli[.]ts))' },
    },
    {
      name: 'report-reads-only',
      severity: 'error',
      comment: 'The SPBE report reads the store (traffic rollups, registry, deliveries) and renders: the CLI and the console call it, it calls neither.',
      from: { path: '^gateway/report/' },
      to: { path: '^(adapters/|gateway/(console|listeners|pipeline|delivery|adapter-host|demo|server[.]ts|cli[.]ts))' },
    },
    {
      name: 'html-stands-alone',
      severity: 'error',
      comment: 'The escaping template tag is used by the console, the report and the demo SSO page: it imports nothing of theirs.',
      from: { path: '^gateway/html/' },
      to: { path: '^(adapters|gateway)/', pathNot: '^gateway/html/' },
    },
    {
      name: 'no-test-code-in-production',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-dev-dependencies-at-run-time',
      severity: 'error',
      comment: 'What `npm ci --omit=dev` installs must be enough to run the gateway.',
      from: { path: '^(gateway|adapters|certs|bin)/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: a cycle through types is still a cycle for a reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
