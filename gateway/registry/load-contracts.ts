import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { Ajv, type AnySchema } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { contractFileSchema } from './contract-file-schema.ts';
import { type ContractDefinition, type OperationSpec, type ParameterSpec, type ResponseSpec, type SchemaRef, reservedRequestHeader, routeKeys } from './contract.ts';
import { createSchemaCompiler } from './schema-compiler.ts';
import { Problem } from '../errors/problem.ts';
import { defaultBreakerSettings } from '../resilience/breakers.ts';
import type { AdapterDescriptor } from './adapter-descriptor.ts';

export interface ContractFileProblem { file: string; reason: string }

export class ContractLoadError extends Error {
  override name = 'ContractLoadError';
  readonly problems: ContractFileProblem[];
  constructor(problems: ContractFileProblem[]) {
    super(problems.map((p) => `${p.file}: ${p.reason}`).join('\n'));
    this.problems = problems;
  }
}

const validateFile = new Ajv({ allErrors: true, strict: false }).compile(contractFileSchema);
const settingsValidator = new Ajv({ allErrors: true, strict: false, useDefaults: true });
const compiler = createSchemaCompiler();

/** Contract files: `*.yaml` / `*.yml` in the integration folders of `root` (or in `root` itself). */
export function findContractFiles(root: string): string[] {
  const isYaml = (file: string) => /\.ya?ml$/.test(file);
  const top = readdirSync(root, { withFileTypes: true });
  const files = top.filter((entry) => entry.isFile() && isYaml(entry.name)).map((entry) => join(root, entry.name));
  for (const entry of top) {
    if (!entry.isDirectory() || entry.name === 'schemas') continue;
    for (const file of readdirSync(join(root, entry.name))) {
      if (isYaml(file) && statSync(join(root, entry.name, file)).isFile()) files.push(join(root, entry.name, file));
    }
  }
  return files.sort();
}

class FileProblem extends Error {}

function readSchema(file: string, ref: string | object): AnySchema {
  if (typeof ref !== 'string') return ref;
  const path = resolve(dirname(file), ref);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new FileProblem(`schema file ${ref} not found beside the contract`);
  }
  try {
    return (path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as AnySchema;
  } catch (error) {
    throw new FileProblem(`schema file ${ref} is not valid: ${(error as Error).message}`);
  }
}

/** Compiles the schema (so a broken schema fails here, not at the first request) and checks the example. */
function checkSchema(schema: AnySchema, example: unknown, where: string, exampleRequired: boolean): void {
  let validate;
  try {
    validate = compiler.compile(schema);
  } catch (error) {
    throw new FileProblem(`${where}: invalid JSON Schema: ${(error as Error).message}`);
  }
  if (example === undefined) {
    if (exampleRequired) throw new FileProblem(`${where}: an example is required (documented in the OpenAPI document)`);
    return;
  }
  if (!validate(example)) throw new FileProblem(`${where}: the example does not match its schema: ${compiler.errorsText(validate)}`);
}

function schemaExample(schema: AnySchema): unknown {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const record = schema as Record<string, unknown>;
  if (Array.isArray(record.examples) && record.examples.length > 0) return record.examples[0];
  return record.example;
}

function resolveRef(file: string, raw: { schema: string | object; example?: unknown } | undefined, where: string, exampleRequired: boolean): SchemaRef | undefined {
  if (!raw) return undefined;
  const schema = readSchema(file, raw.schema);
  const example = raw.example ?? schemaExample(schema);
  checkSchema(schema, example, where, exampleRequired);
  return example === undefined ? { schema } : { schema, example };
}

interface RawResponse {
  schema: string | object; example?: unknown; status?: number; description?: string;
  otherStatuses?: Record<string, { description: string; schema?: string | object; example?: unknown }>;
}

/** The response's schema and example, its status and the other statuses, each example checked against its schema. */
function toResponse(file: string, raw: RawResponse | undefined, where: string, isAsync: boolean): ResponseSpec | undefined {
  const response: ResponseSpec | undefined = resolveRef(file, raw, `${where} response`, false);
  if (!raw || !response) return response;
  if (isAsync && (raw.status !== undefined || raw.otherStatuses)) {
    throw new FileProblem(`${where}: an async operation answers 202; the upstream's status is in the poll's response.status, so response.status and otherStatuses do not apply`);
  }
  if (raw.status !== undefined) response.status = raw.status;
  if (raw.description !== undefined) response.description = raw.description;
  if (!raw.otherStatuses) return response;
  const main = String(raw.status ?? 200);
  response.otherStatuses = {};
  for (const [status, other] of Object.entries(raw.otherStatuses)) {
    if (status === main) throw new FileProblem(`${where} response: otherStatuses repeats the main status ${main}`);
    const own = other.schema === undefined ? undefined : resolveRef(file, { schema: other.schema, example: other.example }, `${where} response ${status}`, false);
    if (!own) checkSchema(response.schema, other.example, `${where} response ${status}`, false);
    const example = own ? own.example : other.example;
    response.otherStatuses[status] = { description: other.description, ...(own ? { schema: own.schema } : {}), ...(example === undefined ? {} : { example }) };
  }
  return response;
}

type RawParameter = ParameterSpec;
interface RawOperation {
  id: string; method: OperationSpec['method']; path: string; summary?: string; scopes?: string[];
  parameters?: Record<string, RawParameter>; query?: Record<string, RawParameter>;
  request?: { schema: string | object; example?: unknown }; response?: RawResponse;
  idempotency?: 'optional' | 'required';
  delivery?: OperationSpec['delivery'];
  receipt?: boolean;
}
interface RawContract extends Omit<ContractDefinition, 'operations' | 'scopes' | 'timeoutMs' | 'forwarding' | 'title' | 'description' | 'adapterSettings'> {
  title?: string; description?: string; scopes?: string[]; timeoutMs?: number; forwarding?: string; adapter?: Record<string, unknown>; operations: RawOperation[];
}

function toOperation(file: string, raw: RawOperation): OperationSpec {
  const where = `operation ${raw.id}`;
  const templateParams = [...raw.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  const declared = raw.parameters ?? {};
  for (const param of templateParams) {
    if (!declared[param]) throw new FileProblem(`${where}: path parameter {${param}} is not declared under parameters`);
  }
  for (const param of Object.keys(declared)) {
    if (!templateParams.includes(param)) throw new FileProblem(`${where}: parameter ${param} is not in the path ${raw.path}`);
  }
  // The gateway answers this one itself under every prefix: the poll of an async delivery.
  if (raw.method === 'GET' && /^\/deliveries\/[^/]+$/.test(raw.path)) {
    throw new FileProblem(`${where}: GET ${raw.path} is taken by the gateway (GET {prefix}/deliveries/{id}, the poll of an async delivery); choose another path`);
  }
  for (const [param, spec] of Object.entries(declared)) checkSchema(spec.schema, spec.example, `${where} path parameter ${param}`, true);
  for (const [param, spec] of Object.entries(raw.query ?? {})) checkSchema(spec.schema, spec.example, `${where} query parameter ${param}`, false);
  const operation: OperationSpec = {
    id: raw.id,
    method: raw.method,
    path: raw.path,
    scopes: raw.scopes ?? [],
    pathParams: declared,
    query: raw.query ?? {},
  };
  if (raw.summary !== undefined) operation.summary = raw.summary;
  if (raw.idempotency !== undefined) operation.idempotency = raw.idempotency;
  if (raw.delivery !== undefined) operation.delivery = raw.delivery;
  if (raw.receipt !== undefined) operation.receipt = raw.receipt;
  const request = resolveRef(file, raw.request, `${where} request`, true);
  if (request) operation.request = request;
  const response = toResponse(file, raw.response, where, raw.delivery?.mode === 'async');
  if (response) operation.response = response;
  return operation;
}

/** The adapter named by `forwarding` exists, maps every operation and accepts the `adapter:` block. */
function checkForwarding(contract: RawContract, forwarding: string, adapters: ReadonlyMap<string, AdapterDescriptor>): void {
  if (forwarding === 'passthrough') {
    if (!contract.upstream) throw new FileProblem('a passthrough contract needs an upstream (name and url)');
    if (contract.adapter) throw new FileProblem('an adapter: block needs forwarding to name an adapter');
    return;
  }
  if (contract.forwardHeaders) throw new FileProblem(`forwardHeaders is for passthrough contracts: adapter ${forwarding} builds its upstream requests itself`);
  const adapter = adapters.get(forwarding);
  if (!adapter) throw new FileProblem(`forwarding "${forwarding}" names no adapter (known: passthrough${[...adapters.keys()].map((a) => `, ${a}`).join('')})`);
  const mapped = adapter.operations;
  const unmapped = mapped === '*' ? [] : contract.operations.filter((op) => !mapped.includes(op.id)).map((op) => op.id);
  if (unmapped.length > 0) throw new FileProblem(`adapter ${forwarding} has no mapping for operation ${unmapped.join(', ')} (it maps ${[...mapped].join(', ')})`);
  if (adapter.settingsSchema) {
    const validate = settingsValidator.compile(adapter.settingsSchema);
    contract.adapter ??= {};
    // Defaults from the adapter's schema are filled in here, so the stored definition is complete.
    if (!validate(contract.adapter)) throw new FileProblem(`adapter: block does not match adapter ${forwarding}'s settings: ${settingsValidator.errorsText(validate.errors, { dataVar: 'adapter' })}`);
  } else if (contract.adapter) {
    throw new FileProblem(`adapter ${forwarding} takes no adapter: settings`);
  }
  const problems = adapter.checkContract?.({ id: contract.id, operations: contract.operations, settings: contract.adapter ?? {} }) ?? [];
  if (problems.length > 0) throw new FileProblem(`adapter ${forwarding}: ${problems.join('; ')}`);
}

/** The contract's `forwardHeaders` in lower case, none of them a header no contract can forward. */
function forwardHeadersOf(contract: RawContract): string[] | undefined {
  if (!contract.forwardHeaders) return undefined;
  const names = [...new Set(contract.forwardHeaders.map((name) => name.toLowerCase()))];
  const reserved = names.filter(reservedRequestHeader);
  if (reserved.length > 0) {
    throw new FileProblem(`forwardHeaders: ${reserved.join(', ')} cannot be forwarded by a contract (a header of the connection, the caller's credentials, what the gateway says about the call, or a method override: see docs/contracts.md)`);
  }
  return names;
}

export function loadContractFile(file: string, adapters: ReadonlyMap<string, AdapterDescriptor> = new Map()): ContractDefinition {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FileProblem(`not valid YAML: ${(error as Error).message}`);
  }
  return definitionOf(raw, file, adapters);
}

/**
 * A contract sent to the admin API: the fields of a contract file with every schema inline (a
 * file reference would read a file of the gateway's host). Refused with 422 and the reasons, as
 * a file would be; its state is the lifecycle's, so a `state` in it is ignored.
 */
export function contractFromDocument(document: unknown, source: string, adapters: ReadonlyMap<string, AdapterDescriptor>): ContractDefinition {
  try {
    if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new FileProblem('the body must be a contract: a JSON object with the fields of a contract file');
    const operations = (document as { operations?: unknown }).operations;
    for (const operation of Array.isArray(operations) ? (operations as Record<string, unknown>[]) : []) {
      for (const part of ['request', 'response'] as const) {
        const schema = (operation?.[part] as { schema?: unknown } | undefined)?.schema;
        if (typeof schema === 'string') throw new FileProblem(`operation ${String(operation.id)} ${part}: the schema must be given inline, not as a file (${schema})`);
      }
    }
    if (typeof (document as { dataOwner?: unknown }).dataOwner !== 'string') throw new FileProblem('dataOwner (the wali data: the department that owns the data) is required');
    return definitionOf({ ...document, state: 'draft' }, source, adapters);
  } catch (error) {
    if (error instanceof FileProblem) throw new Problem('CONTRACT_DOCUMENT_INVALID', `The contract is not valid: ${error.message}`, { reason: error.message });
    throw error;
  }
}

function definitionOf(raw: unknown, file: string, adapters: ReadonlyMap<string, AdapterDescriptor>): ContractDefinition {
  if (!validateFile(raw)) {
    const reasons = (validateFile.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}${e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : ''}`);
    throw new FileProblem(`does not match the contract format: ${[...new Set(reasons)].join('; ')}`);
  }
  const contract = raw as RawContract;
  const forwarding = contract.forwarding ?? 'passthrough';
  checkForwarding(contract, forwarding, adapters);
  const forwardHeaders = forwardHeadersOf(contract);
  const seen = new Set<string>();
  for (const op of contract.operations) {
    if (seen.has(op.id)) throw new FileProblem(`operation id ${op.id} is used twice`);
    seen.add(op.id);
  }
  return {
    id: contract.id,
    integration: contract.integration,
    version: contract.version,
    title: contract.title ?? contract.id,
    description: contract.description ?? '',
    state: contract.state,
    classification: contract.classification,
    ...(contract.dataOwner ? { dataOwner: contract.dataOwner } : {}),
    ...(contract.serviceLevel ? { serviceLevel: contract.serviceLevel } : {}),
    // Only when written: definitions without it keep their digest, so applying them again changes nothing.
    ...(contract.receipt !== undefined ? { receipt: contract.receipt } : {}),
    scopes: contract.scopes ?? [],
    timeoutMs: contract.timeoutMs ?? 10000,
    ...(contract.upstream ? { upstream: contract.upstream } : {}),
    ...(contract.limits ? { limits: contract.limits } : {}),
    ...(contract.resilience ? { resilience: contract.resilience } : {}),
    forwarding,
    ...(forwardHeaders ? { forwardHeaders } : {}),
    adapterSettings: contract.adapter ?? {},
    operations: contract.operations.map((op) => toOperation(file, op)),
  };
}


/** The breaker a contract asks for, defaults filled in, as comparable text. */
function breakerSettingsOf(contract: ContractDefinition): string {
  const asked = Object.fromEntries(Object.entries(contract.resilience?.breaker ?? {}).filter(([, value]) => value !== undefined));
  const settings: Record<string, number> = { ...defaultBreakerSettings, ...asked };
  return JSON.stringify(Object.fromEntries(Object.keys(settings).sort().map((key) => [key, settings[key]])));
}

export interface LoadedContract { file: string; definition: ContractDefinition }

/**
 * Loads every contract under the directories, all or nothing: any bad file fails the whole load
 * with each file and its reason, so a half-valid directory never reaches the store.
 */
export function loadContracts(roots: string[], adapters: ReadonlyMap<string, AdapterDescriptor> = new Map()): LoadedContract[] {
  const problems: ContractFileProblem[] = [];
  const loaded: LoadedContract[] = [];
  for (const root of roots) {
    let files: string[];
    try {
      files = findContractFiles(root);
    } catch (error) {
      problems.push({ file: root, reason: `cannot read directory: ${(error as Error).message}` });
      continue;
    }
    for (const file of files) {
      const shown = relative(process.cwd(), file) || basename(file);
      try {
        loaded.push({ file: shown, definition: loadContractFile(file, adapters) });
      } catch (error) {
        if (!(error instanceof FileProblem)) throw error;
        problems.push({ file: shown, reason: error.message });
      }
    }
  }
  const ids = new Map<string, string>();
  const routes = new Map<string, string>();
  const breakers = new Map<string, { file: string; settings: string }>();
  for (const { file, definition } of loaded) {
    const other = ids.get(definition.id);
    if (other) problems.push({ file, reason: `contract id ${definition.id} is also defined in ${other}` });
    ids.set(definition.id, file);
    if (definition.state !== 'active') continue;
    for (const key of routeKeys(definition)) {
      const owner = routes.get(key);
      if (owner) problems.push({ file, reason: `route ${key} is also served by active contract in ${owner}` });
      routes.set(key, file);
    }
    if (definition.upstream) {
      // One breaker per upstream: contracts sharing it would otherwise get whichever settings came first.
      const settings = breakerSettingsOf(definition);
      const first = breakers.get(definition.upstream.name);
      if (!first) breakers.set(definition.upstream.name, { file, settings });
      else if (first.settings !== settings) {
        problems.push({ file, reason: `upstream ${definition.upstream.name} has the circuit breaker ${settings} here but ${first.settings} in ${first.file}: contracts sharing an upstream share its breaker, so their resilience.breaker must agree` });
      }
    }
  }
  if (problems.length > 0) throw new ContractLoadError(problems);
  return loaded;
}
