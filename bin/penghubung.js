#!/usr/bin/env node
import process from 'node:process';

// The CLI is written in TypeScript and run through Node's built-in type stripping (Node >= 22.18,
// or 22.15+ with --experimental-strip-types). `npm run` / `npx` use the Node 24 that `npm ci` installs.
if (!process.features.typescript) {
  process.stderr.write(`penghubung: Node ${process.version} cannot run TypeScript; use Node 24 (npx penghubung ..., or node_modules/.bin/node bin/penghubung.js ...)\n`);
  process.exit(1);
}
await import('../gateway/cli.ts');
