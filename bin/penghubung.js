#!/usr/bin/env node
// The CLI is written in TypeScript and run through Node's built-in type stripping (Node >= 22.18 / 24).
await import('../gateway/cli.ts');
