import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchema, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * One Ajv instance (JSON Schema 2020-12, the dialect of OpenAPI 3.1) for contract schemas: all errors, formats, string coercion off (a JSON body is
 * checked as sent). `example` / `examples` are documentation keywords, allowed in schemas.
 */
export function createSchemaCompiler(options: { coerceTypes?: boolean } = {}) {
  const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes: options.coerceTypes ?? false });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'example' });
  return {
    compile(schema: AnySchema): ValidateFunction {
      return ajv.compile(schema);
    },
    errorsText(validate: ValidateFunction): string {
      return ajv.errorsText(validate.errors);
    },
  };
}
