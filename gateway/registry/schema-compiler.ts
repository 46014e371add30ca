import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * One Ajv instance for contract schemas: all errors, formats, string coercion off (a JSON body is
 * checked as sent). `example` / `examples` are documentation keywords, allowed in schemas.
 */
export function createSchemaCompiler(options: { coerceTypes?: boolean } = {}) {
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: options.coerceTypes ?? false });
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
