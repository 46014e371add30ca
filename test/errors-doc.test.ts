import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { problemCatalogue, type ProblemCode } from '../gateway/errors/catalogue.ts';
import { problemCatalogueId } from '../gateway/errors/catalogue-id.ts';
import { renderErrorsDoc } from '../gateway/errors/render-doc.ts';

const codes = Object.keys(problemCatalogue) as ProblemCode[];

describe('docs/errors.md', () => {
  it('is the rendering of the catalogue (regenerate: penghubung docs errors > docs/errors.md)', () => {
    expect(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorsDoc());
  });

  it('has the Indonesian section first, then the English one, each with a row per code and the Accept-Language rule', () => {
    const doc = renderErrorsDoc();
    const id = doc.indexOf('## Bahasa Indonesia');
    const en = doc.indexOf('## English');
    expect(id).toBeGreaterThan(0);
    expect(en).toBeGreaterThan(id);
    const [indonesian, english] = [doc.slice(id, en), doc.slice(en)];
    expect(indonesian).toContain('`Accept-Language: id`');
    expect(english).toContain('`Accept-Language: id`');
    for (const code of codes) {
      expect(indonesian, code).toContain(`| \`${code}\` | ${problemCatalogue[code].status} | ${problemCatalogueId[code].title} | ${problemCatalogueId[code].description} |`);
      expect(english, code).toContain(`| \`${code}\` | ${problemCatalogue[code].status} | ${problemCatalogue[code].title} | ${problemCatalogue[code].description} |`);
    }
  });

  it('documents every code the core must have', () => {
    const required = ['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'CONSUMER_UNKNOWN', 'SCOPE_DENIED', 'CONTRACT_NOT_FOUND', 'CONTRACT_VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'MALFORMED_JSON', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT'];
    for (const code of required) expect(Object.keys(problemCatalogue)).toContain(code);
    for (const [code, entry] of Object.entries(problemCatalogue)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.description.length, code).toBeGreaterThan(20);
    }
  });

  it('has, for every code, an Indonesian title, detail and description of its own', () => {
    // The type already refuses a missing code; this catches an empty or copied English text.
    expect(Object.keys(problemCatalogueId).sort()).toEqual([...codes].sort());
    for (const code of codes) {
      const english = problemCatalogue[code];
      const indonesian = problemCatalogueId[code];
      expect(indonesian.title.trim(), code).not.toBe('');
      expect(indonesian.detail.trim(), code).not.toBe('');
      expect(indonesian.description.length, code).toBeGreaterThan(20);
      expect(indonesian.title, code).not.toBe(english.title);
      expect(indonesian.description, code).not.toBe(english.description);
      expect(indonesian.detail, code).not.toBe(english.description);
      // A pipe would split the docs table's row.
      for (const text of [indonesian.title, indonesian.description]) expect(text, code).not.toContain('|');
    }
  });
});
