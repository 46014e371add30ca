import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { problemCatalogue } from '../gateway/errors/catalogue.ts';
import { renderErrorsDoc } from '../gateway/errors/render-doc.ts';

describe('docs/errors.md', () => {
  it('is the rendering of the catalogue (regenerate: penghubung docs errors > docs/errors.md)', () => {
    expect(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorsDoc());
  });

  it('documents every code the core must have', () => {
    const required = ['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'CONSUMER_UNKNOWN', 'SCOPE_DENIED', 'CONTRACT_NOT_FOUND', 'CONTRACT_VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'MALFORMED_JSON', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT'];
    for (const code of required) expect(Object.keys(problemCatalogue)).toContain(code);
    for (const [code, entry] of Object.entries(problemCatalogue)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.description.length, code).toBeGreaterThan(20);
    }
  });
});
