/**
 * JSON Schema 2020-12 (the contracts' dialect, OpenAPI 3.1's) down to the Schema Object of
 * OpenAPI 3.0.3, which WSO2 API Manager's publisher imports. What 3.0 cannot say is converted
 * where an equivalent exists and dropped otherwise; each change is reported as a note, so the Dinas
 * sees what the published document no longer states (the gateway still enforces the full schema).
 *
 * | 2020-12 | OpenAPI 3.0 |
 * | --- | --- |
 * | `const: v` | `enum: [v]` |
 * | `examples: [a, ...]` | `example: a` |
 * | `type: [T, "null"]` | `type: T, nullable: true` (several T: `anyOf` of each type) |
 * | `type: "null"`, `enum` holding `null` | `nullable: true` (with `enum: [null]`) |
 * | numeric `exclusiveMinimum` / `exclusiveMaximum` | `minimum` / `maximum` + boolean flag |
 * | `prefixItems` | `items: {anyOf: [...]}` (and `maxItems` when `items: false`) |
 * | `$ref` beside other keywords | `allOf: [{$ref}]` beside them |
 * | `$defs` / `definitions` (at the root) | hoisted to `components/schemas`, `$ref`s rewritten |
 * | `true` / `false` schemas | `{}` / `{not: {}}` |
 * | `contentEncoding: base64` | `format: byte` |
 * | `patternProperties` | `additionalProperties` (the pattern is lost) |
 * | `$id`, `$anchor`, `if`/`then`/`else`, `dependentRequired`, `dependentSchemas`, `unevaluated*`, `contains`, `propertyNames`, `contentMediaType`, `contentSchema`, `$dynamicRef`, other unknown keywords | dropped |
 */

export type Schema30 = Record<string, unknown>;

export interface ConversionContext {
  /** Prefix of names hoisted from `$defs` into `components/schemas`. */
  prefix: string;
  /** `components/schemas`, filled with hoisted definitions. */
  components: Record<string, Schema30>;
  /** Human-readable changes, `<where>: <what>`. */
  notes: string[];
  /** Component name the root schema is published under, for `$ref: "#"`. */
  rootName?: string;
}

/** Keywords of the OpenAPI 3.0.3 Schema Object (vendor `x-` extensions are also kept). */
const kept = new Set([
  'title', 'multipleOf', 'maximum', 'minimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems',
  'maxProperties', 'minProperties', 'required', 'enum', 'description', 'format', 'default', 'readOnly', 'writeOnly', 'deprecated',
  'example', 'discriminator', 'xml', 'externalDocs',
]);
const silentlyDropped = new Set(['$schema', '$comment']);
const typesOf = ['string', 'number', 'integer', 'boolean', 'array', 'object', 'null'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A name usable in `#/components/schemas/...` and not yet taken. */
function componentName(context: ConversionContext, name: string): string {
  const base = `${context.prefix}${name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  let candidate = base;
  for (let n = 2; candidate in context.components; n++) candidate = `${base}${n}`;
  return candidate;
}

/** Reserves a component for each root `$defs` / `definitions` entry, so `$ref`s to them can be rewritten. */
function hoistDefinitions(schema: unknown, context: ConversionContext, refs: Map<string, string>): [string, unknown][] {
  const pending: [string, unknown][] = [];
  if (!isObject(schema)) return pending;
  for (const keyword of ['$defs', 'definitions']) {
    const defs = schema[keyword];
    if (!isObject(defs)) continue;
    for (const [name, definition] of Object.entries(defs)) {
      const target = componentName(context, name);
      context.components[target] = {};
      refs.set(`#/${keyword}/${name}`, `#/components/schemas/${target}`);
      pending.push([target, definition]);
    }
  }
  return pending;
}

class Converter {
  private readonly context: ConversionContext;
  private readonly refs: Map<string, string>;

  constructor(context: ConversionContext, refs: Map<string, string>) {
    this.context = context;
    this.refs = refs;
  }

  private note(where: string, what: string): void {
    this.context.notes.push(`${where}: ${what}`);
  }

  private ref(target: string, where: string): Schema30 {
    const mapped = this.refs.get(target) ?? (target === '#' && this.context.rootName ? `#/components/schemas/${this.context.rootName}` : undefined);
    if (mapped) return { $ref: mapped };
    this.note(where, `$ref ${target} cannot be expressed in the exported document; dropped (any value)`);
    return {};
  }

  convert(schema: unknown, where: string, root = false): Schema30 {
    if (schema === true || schema === undefined) return {};
    if (schema === false) return { not: {} };
    if (!isObject(schema)) return {};
    const out: Schema30 = {};
    let nullable = false;
    const types = schema.type === undefined ? undefined : (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t): t is string => typeof t === 'string' && typesOf.includes(t));
    if (types) {
      const nonNull = types.filter((t) => t !== 'null');
      nullable = nonNull.length < types.length;
      if (nonNull.length === 1) out.type = nonNull[0];
      // Several types: anyOf of each (inside allOf when the schema has its own anyOf, which must also hold).
      if (nonNull.length > 1) {
        if (schema.anyOf === undefined) out.anyOf = nonNull.map((type) => ({ type }));
        else out.allOf = [{ anyOf: nonNull.map((type) => ({ type })) }];
      }
      if (nonNull.length === 0) out.enum = [null];
      if (Array.isArray(schema.type)) this.note(where, `type ${JSON.stringify(schema.type)} -> ${nonNull.length > 1 ? 'anyOf of types' : `type ${nonNull[0] ?? '(none)'}`}${nullable ? ' + nullable' : ''}`);
    }
    for (const [key, value] of Object.entries(schema)) {
      const at = `${where}/${key}`;
      if (key === '$defs' || key === 'definitions') {
        if (!root) this.note(where, `${key} below the root is not published; dropped`);
        continue;
      }
      if (key === 'type' || silentlyDropped.has(key)) continue;
      if (key.startsWith('x-') || kept.has(key)) {
        out[key] = value;
      } else if (key === 'const') {
        out.enum = [value];
        this.note(where, 'const -> enum');
      } else if (key === 'examples') {
        if (Array.isArray(value) && value.length > 0 && schema.example === undefined) out.example = value[0];
        this.note(where, 'examples -> example (the first)');
      } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
        const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum';
        const inclusive = schema[bound];
        if (typeof value !== 'number') continue;
        const stricter = typeof inclusive !== 'number' || (bound === 'minimum' ? value >= inclusive : value <= inclusive);
        if (stricter) {
          out[bound] = value;
          out[key] = true;
        }
        this.note(where, `${key}: ${value} -> ${bound} + ${key}: true`);
      } else if (key === '$ref') {
        continue;
      } else if (key === 'properties' && isObject(value)) {
        out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, this.convert(sub, `${at}/${name}`)]));
      } else if (key === 'additionalProperties') {
        out.additionalProperties = typeof value === 'boolean' ? value : this.convert(value, at);
      } else if (key === 'items') {
        if (value === false) {
          if (!Array.isArray(schema.prefixItems)) out.maxItems = 0;
        } else if (!Array.isArray(schema.prefixItems)) {
          out.items = this.convert(value, at);
        }
      } else if (key === 'prefixItems' && Array.isArray(value)) {
        const positions = value.map((sub, i) => this.convert(sub, `${at}/${i}`));
        const rest = schema.items === undefined || schema.items === false ? [] : [this.convert(schema.items, `${where}/items`)];
        out.items = { anyOf: [...positions, ...rest] };
        if (schema.items === false) out.maxItems = value.length;
        this.note(where, 'prefixItems -> items: anyOf (positions are lost)');
      } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
        const converted = value.map((sub, i) => this.convert(sub, `${at}/${i}`));
        out[key] = Array.isArray(out[key]) ? [...(out[key] as Schema30[]), ...converted] : converted;
      } else if (key === 'not') {
        out.not = this.convert(value, at);
      } else if (key === 'contentEncoding') {
        if (value === 'base64' && out.format === undefined && schema.format === undefined) out.format = 'byte';
        this.note(where, `contentEncoding ${String(value)}${value === 'base64' ? ' -> format: byte' : ' dropped'}`);
      } else if (key === 'patternProperties' && isObject(value)) {
        const subs = Object.entries(value).map(([pattern, sub]) => this.convert(sub, `${at}/${pattern}`));
        if (schema.additionalProperties === undefined) out.additionalProperties = subs.length === 1 ? subs[0] : { anyOf: subs };
        this.note(where, 'patternProperties -> additionalProperties (property name patterns are lost)');
      } else {
        this.note(where, `${key} is not part of OpenAPI 3.0; dropped`);
      }
    }
    if (isObject(schema) && schema.patternProperties !== undefined && schema.additionalProperties === false) {
      delete out.additionalProperties;
    }
    if (Array.isArray(out.enum) && out.enum.includes(null)) nullable = true;
    if (nullable) out.nullable = true;
    if (typeof schema.$ref === 'string') {
      const target = this.ref(schema.$ref, `${where}/$ref`);
      if (Object.keys(out).length === 0) return target;
      // OpenAPI 3.0 ignores keywords beside a $ref; allOf keeps both.
      out.allOf = [target, ...((out.allOf as Schema30[] | undefined) ?? [])];
      this.note(where, '$ref with sibling keywords -> allOf');
    }
    return out;
  }
}

/**
 * The schema as an OpenAPI 3.0 Schema Object; its `$defs` land in `context.components` (with
 * `context.prefix`), and what could not be kept is noted under `where`.
 */
export function toOpenApi30(schema: unknown, where: string, context: ConversionContext): Schema30 {
  const refs = new Map<string, string>();
  const pending = hoistDefinitions(schema, context, refs);
  const converter = new Converter(context, refs);
  for (const [name, definition] of pending) context.components[name] = converter.convert(definition, `#/components/schemas/${name}`);
  return converter.convert(schema, where, true);
}
