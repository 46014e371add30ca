import { readFileSync } from 'node:fs';
import { resolve, dirname, isAbsolute } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { configSchema, type GatewayConfig } from './schema.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A JSON pointer as a dotted key, e.g. `/sso/audience` -> `sso.audience`. */
function keyOf(pointer: string): string {
  return pointer.split('/').filter(Boolean).join('.');
}

export function describeConfigError(error: ErrorObject): string {
  const at = keyOf(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return `unknown key "${at ? `${at}.` : ''}${extra}"`;
  }
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return `missing key "${at ? `${at}.` : ''}${missing}"`;
  }
  return `bad value at "${at || '(root)'}": ${error.message ?? error.keyword}`;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validateConfig = ajv.compile<GatewayConfig>(configSchema);

export interface LoadOptions {
  /** Path of the YAML file; `undefined` means `penghubung.yaml` in the working directory if present. */
  file?: string | undefined;
  /** Object merged over the file before validation (used by the demo profile and tests). */
  overrides?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${file}: the top level must be a mapping`);
  return parsed as Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/**
 * Reads, merges, validates and normalises the configuration. Relative paths in the file are taken
 * relative to the file; environment variables DATABASE_URL, REDIS_URL and PENGHUBUNG_DATA_DIR win.
 */
export function loadConfig(options: LoadOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  let raw: Record<string, unknown> = {};
  let baseDir = process.cwd();
  let source = 'configuration';
  if (options.file !== undefined) {
    raw = readYaml(options.file);
    baseDir = dirname(resolve(options.file));
    source = options.file;
  }
  if (options.overrides) raw = deepMerge(raw, options.overrides);
  const fromEnv: Record<string, unknown> = {};
  if (env.DATABASE_URL) fromEnv.store = { url: env.DATABASE_URL };
  if (env.REDIS_URL) fromEnv.redis = { url: env.REDIS_URL };
  if (env.PENGHUBUNG_DATA_DIR) fromEnv.dataDir = env.PENGHUBUNG_DATA_DIR;
  raw = deepMerge(raw, fromEnv);

  if (!validateConfig(raw)) {
    const reasons = (validateConfig.errors ?? []).map(describeConfigError);
    throw new ConfigError(`${source}: ${[...new Set(reasons)].join('; ')}`);
  }
  const config = raw;
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  config.dataDir = env.PENGHUBUNG_DATA_DIR ? resolve(env.PENGHUBUNG_DATA_DIR) : absolute(config.dataDir);
  config.contracts.directories = config.contracts.directories.map(absolute);
  config.adapters.directories = config.adapters.directories.map(absolute);
  for (const upstream of Object.values(config.upstreams)) {
    if (upstream.tls) upstream.tls = { cert: absolute(upstream.tls.cert), key: absolute(upstream.tls.key), ...(upstream.tls.ca ? { ca: upstream.tls.ca.map(absolute) } : {}) };
  }
  for (const tls of [config.internal.tls, config.external.tls]) {
    if (tls.cert) tls.cert = absolute(tls.cert);
    if (tls.key) tls.key = absolute(tls.key);
    tls.clientCa = tls.clientCa.map(absolute);
    tls.crl = tls.crl.map(absolute);
  }
  checkConsistency(config, source);
  return config;
}

/** Rules across keys that a JSON Schema says badly: each names the keys to fix. */
function checkConsistency(config: GatewayConfig, source: string): void {
  const problems: string[] = [];
  const { internal, external } = config;
  if (external.enabled && (!external.tls.cert || !external.tls.key)) problems.push('"external.enabled" needs "external.tls.cert" and "external.tls.key"');
  if (external.enabled && external.tls.clientCa.length === 0) problems.push('"external.enabled" needs at least one CA in "external.tls.clientCa" (partners authenticate with client certificates)');
  if (Boolean(internal.tls.cert) !== Boolean(internal.tls.key)) problems.push('"internal.tls.cert" and "internal.tls.key" go together');
  if (internal.requireClientCert && (!internal.tls.cert || internal.tls.clientCa.length === 0)) problems.push('"internal.requireClientCert" needs "internal.tls.cert", "internal.tls.key" and "internal.tls.clientCa"');
  try {
    new Intl.DateTimeFormat('en', { timeZone: config.timezone });
  } catch {
    problems.push(`bad value at "timezone": ${config.timezone} is not an IANA time zone (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)`);
  }
  if (problems.length > 0) throw new ConfigError(`${source}: ${problems.join('; ')}`);
}
