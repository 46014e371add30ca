import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchema, ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A JSON value as text that is the same for equal values (object members sorted by name). */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record).sort().map((name) => `${JSON.stringify(name)}:${canonical(record[name])}`).join(',')}}`;
}

/**
 * `uniqueItems` in one pass (each item's canonical text in a map) instead of ajv's, which compares
 * every pair of items unless the schema types them as scalars: with `allErrors` it runs even when
 * `maxItems` already failed, and on 10 000 untyped items it took 125 ms of the only thread (15 ms
 * here for 10 000 objects). Same meaning (JSON equality) and error as ajv's, naming the first
 * repeated item and the earlier one it repeats.
 */
function uniqueItems(unique: boolean, data: unknown[]): boolean {
  const self = uniqueItems as unknown as { errors?: Partial<ErrorObject>[] | null };
  self.errors = null;
  if (!unique) return true;
  const seen = new Map<string, number>();
  for (let i = 0; i < data.length; i++) {
    const key = canonical(data[i]);
    const j = seen.get(key);
    if (j !== undefined) {
      self.errors = [{ keyword: 'uniqueItems', params: { i, j }, message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)` }];
      return false;
    }
    seen.set(key, i);
  }
  return true;
}

/**
 * One Ajv instance (JSON Schema 2020-12, the dialect of OpenAPI 3.1) for contract schemas: all errors, formats, string coercion off (a JSON body is
 * checked as sent). `example` / `examples` are documentation keywords, allowed in schemas.
 *
 * `allErrors` lists every failing field, which ajv warns is costly on untrusted data: the bodies
 * it meets are held to the JSON limits of `gateway/pipeline/body.ts` first (values, depth, string
 * lengths), which bound the errors too, the pipeline lists only the first of them, and the one
 * keyword whose cost grows with the square of the input is replaced (`uniqueItems`).
 */
export function createSchemaCompiler(options: { coerceTypes?: boolean } = {}) {
  const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes: options.coerceTypes ?? false });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'example' });
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword({ keyword: 'uniqueItems', type: 'array', schemaType: 'boolean', errors: true, validate: uniqueItems });
  return {
    compile(schema: AnySchema): ValidateFunction {
      return ajv.compile(schema);
    },
    errorsText(validate: ValidateFunction): string {
      return ajv.errorsText(validate.errors);
    },
  };
}
