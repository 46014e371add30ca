import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deliverySchemas, problemSchema, type Classification, type ContractDefinition, type OperationSpec, type ParameterSpec, routePrefix } from '../../gateway/adapter-api/index.ts';
import { toOpenApi30, type ConversionContext, type Schema30 } from './openapi30.ts';

/**
 * The region's active contracts as OpenAPI 3.0.3 documents, one per contract, ready for "Import
 * OpenAPI" in the SPLP publisher (WSO2 API Manager's publisher reads OpenAPI 2.0 and 3.0; 3.1 is
 * not accepted by the API-M versions SPLP is known to run). The gateway's own `/openapi.json`
 * (gateway/openapi/build.ts) is one 3.1 document per caller, so it is not reused: each contract
 * becomes its own SPLP API, with the region's gateway as its production endpoint.
 */

export interface SplpExportOptions {
  /** Base URL of the region's gateway as SPLP reaches it, e.g. `https://penghubung.bangkaselatankab.go.id`. */
  gatewayUrl: string;
  /** The region's name, shown in each API's title (`Kabupaten Bangka Selatan`). */
  region?: string;
  /** Classifications exported; default only `publik` (Pasal 30 of 004: non-public data is not for a national catalogue). */
  classifications?: readonly Classification[];
  /** The region's SSO token endpoint: documented as OAuth2 client credentials; otherwise a bearer JWT. */
  tokenUrl?: string;
}

export interface SplpExportDocument {
  contractId: string;
  /** `<contract id>.openapi.json`. */
  fileName: string;
  document: Record<string, unknown>;
  /** What the 3.0 conversion changed or dropped (`<where>: <what>`), for the operator to review. */
  notes: string[];
}

const securityScheme = 'penghubung';

/** `getRegion` -> `GetRegion`, for component names. */
const pascal = (id: string) => id.replace(/(^|[-_])(\w)/g, (_whole, _sep: string, letter: string) => letter.toUpperCase());

/** The gateway's problem+json body: the schema of its own OpenAPI document is plain OpenAPI 3.0 too. */
function problemSchema30(): Schema30 {
  return { ...problemSchema, description: 'RFC 9457 problem details of the region\'s gateway.' };
}

const isAsync = (operation: OperationSpec) => operation.delivery?.mode === 'async';

/**
 * The store-and-forward documents of the gateway's own OpenAPI, in 3.0. The gateway owns these
 * schemas, so what their conversion changes is no note for the operator.
 */
function deliveryComponents(): Record<string, Schema30> {
  const context: ConversionContext = { prefix: 'Delivery_', components: {}, notes: [] };
  return {
    DeliveryAccepted: toOpenApi30(deliverySchemas.DeliveryAccepted, '#/components/schemas/DeliveryAccepted', context),
    DeliveryStatus: toOpenApi30(deliverySchemas.DeliveryStatus, '#/components/schemas/DeliveryStatus', context),
    ...context.components,
  };
}

/**
 * The 202 of a `delivery: async` operation, as the gateway's own document has it (its builder in
 * gateway/openapi/build.ts is not exported). Its `Location` is relative to the request's URL, so
 * through SPLP it resolves to this API's own `GET /deliveries/{deliveryId}` (`pollOperation`).
 */
function acceptedResponse(delivered: Schema30 | undefined): Schema30 {
  return {
    description: 'Accepted for store-and-forward delivery: stored, and sent to the region\'s service by its gateway (with retries, across restarts). Poll `GET /deliveries/{deliveryId}` of this API with the same credentials (answer: `DeliveryStatus`); once `status` is `delivered`, `response.body` is the answer described under `x-delivered-response`.',
    headers: { Location: { description: 'Where to poll: `deliveries/{deliveryId}` relative to the URL of this request (RFC 9110 10.2.2), that is `GET /deliveries/{deliveryId}` of this API.', schema: { type: 'string' } } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/DeliveryAccepted' } } },
    'x-delivery-status': { $ref: '#/components/schemas/DeliveryStatus' },
    ...(delivered ? {
      'x-delivered-response': {
        description: 'The region\'s service\'s answer, in `response.body` of `GET /deliveries/{deliveryId}` once the delivery is `delivered`.',
        content: { 'application/json': delivered },
      },
    } : {}),
  };
}

/** `GET /deliveries/{deliveryId}` of an API with async operations: the gateway answers it under every contract's prefix. */
function pollOperation(contract: ContractDefinition): Schema30 {
  return {
    operationId: 'getDelivery',
    summary: 'Where an accepted request stands',
    description: 'The delivery of an earlier `202`, for the caller that sent it (the same credentials): `pending` (with its next attempt), `delivered` (with the region\'s service\'s answer in `response`), `failed` or `cancelled`.',
    tags: [contract.integration],
    parameters: [{ name: 'deliveryId', in: 'path', required: true, description: 'The `deliveryId` of the 202.', schema: { type: 'string', format: 'uuid' } }],
    responses: {
      '200': { description: 'The delivery.', content: { 'application/json': { schema: { $ref: '#/components/schemas/DeliveryStatus' } } } },
      default: { description: 'Refusal by the region\'s gateway (RFC 9457); `DELIVERY_NOT_FOUND` (404) for an id this caller did not send.', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    },
    security: [{ [securityScheme]: [] }],
  };
}

function parameter(name: string, location: 'path' | 'query', spec: ParameterSpec, where: string, context: ConversionContext): Schema30 {
  return {
    name,
    in: location,
    required: location === 'path' ? true : (spec.required ?? false),
    ...(spec.description ? { description: spec.description } : {}),
    schema: toOpenApi30(spec.schema, where, context),
    ...(spec.example === undefined ? {} : { example: spec.example }),
  };
}

function operationObject(contract: ContractDefinition, operation: OperationSpec, context: ConversionContext, bearer: boolean): Schema30 {
  const base = `#/paths/${operation.path.replaceAll('~', '~0').replaceAll('/', '~1')}/${operation.method.toLowerCase()}`;
  const parameters = [
    ...Object.entries(operation.pathParams).map(([name, spec]) => parameter(name, 'path', spec, `${base}/parameters/${name}`, context)),
    ...Object.entries(operation.query).map(([name, spec]) => parameter(name, 'query', spec, `${base}/parameters/${name}`, context)),
  ];
  const component = (suffix: string, schema: unknown): Schema30 => {
    const name = `${pascal(operation.id)}${suffix}`;
    context.prefix = `${name}_`;
    context.rootName = name;
    context.components[name] = {};
    context.components[name] = toOpenApi30(schema, `#/components/schemas/${name}`, context);
    return { $ref: `#/components/schemas/${name}` };
  };
  const scopes = [...new Set([...contract.scopes, ...operation.scopes])];
  const media = (schema: Schema30, example: unknown): Schema30 => ({ schema, ...(example === undefined ? {} : { example }) });
  const request = operation.request ? media(component('Request', operation.request.schema), operation.request.example) : undefined;
  const answer = operation.response ? media(component('Response', operation.response.schema), operation.response.example) : undefined;
  return {
    operationId: operation.id,
    summary: operation.summary ?? operation.id,
    tags: [contract.integration],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(request ? { requestBody: { required: true, content: { 'application/json': request } } } : {}),
    responses: {
      ...(isAsync(operation)
        ? { '202': acceptedResponse(answer) }
        : { '200': { description: 'Answer of the region\'s service.', ...(answer ? { content: { 'application/json': answer } } : {}) } }),
      default: { description: 'Refusal by the region\'s gateway (RFC 9457).', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    },
    // OpenAPI 3.0: only OAuth2 / OpenID schemes list scopes in a requirement.
    security: [{ [securityScheme]: bearer ? [] : scopes }],
  };
}

function contractDocument(contract: ContractDefinition, options: SplpExportOptions, gatewayUrl: string): SplpExportDocument {
  const serverUrl = `${gatewayUrl}${routePrefix(contract)}`;
  const context: ConversionContext = { prefix: '', components: { Problem: problemSchema30(), ...(contract.operations.some(isAsync) ? deliveryComponents() : {}) }, notes: [] };
  const bearer = options.tokenUrl === undefined;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of contract.operations) {
    (paths[operation.path] ??= {})[operation.method.toLowerCase()] = operationObject(contract, operation, context, bearer);
  }
  if (contract.operations.some(isAsync)) paths['/deliveries/{deliveryId}'] = { get: pollOperation(contract) };
  const scopes = [...new Set([...contract.scopes, ...contract.operations.flatMap((operation) => operation.scopes)])].sort();
  const auth = 'Access token of the region\'s SSO (client credentials of an SSO client registered as a consumer of the gateway).';
  const document: Record<string, unknown> = {
    openapi: '3.0.3',
    info: {
      title: options.region ? `${contract.title} (${options.region})` : contract.title,
      version: contract.version,
      description: [contract.description || contract.title, `Classification: ${contract.classification}. Served by the region's Penghubung gateway; contract ${contract.id}.`].join('\n\n'),
    },
    servers: [{ url: serverUrl, description: 'The region\'s Penghubung gateway (production endpoint of the SPLP API).' }],
    tags: [{ name: contract.integration, description: contract.title }],
    paths,
    components: {
      schemas: context.components,
      securitySchemes: {
        [securityScheme]: bearer
          ? { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: auth }
          : { type: 'oauth2', description: auth, flows: { clientCredentials: { tokenUrl: options.tokenUrl, scopes: Object.fromEntries(scopes.map((scope) => [scope, `Scope ${scope} of the region's SSO`])) } } },
      },
    },
    security: [{ [securityScheme]: bearer ? [] : contract.scopes }],
    // WSO2 API Manager extensions: base path (context/version) and the backend the SPLP gateway calls.
    'x-wso2-basePath': `/${contract.integration}/${contract.version}`,
    'x-wso2-production-endpoints': { urls: [serverUrl], type: 'http' },
    'x-wso2-transports': ['https'],
    'x-penghubung-contract': { id: contract.id, version: contract.version, classification: contract.classification, scopes },
  };
  return { contractId: contract.id, fileName: `${contract.id}.openapi.json`, document, notes: context.notes };
}

/**
 * One OpenAPI 3.0.3 document per active contract whose classification is exported (default
 * `publik` only). Contracts that themselves consume SPLP (`forwarding: splp`) are left out: they
 * are national APIs already on SPLP. Pure: the documents are returned, `writeSplpExport` writes them.
 */
export function exportForSplp(contracts: readonly ContractDefinition[], options: SplpExportOptions): SplpExportDocument[] {
  let gateway: URL;
  try {
    gateway = new URL(options.gatewayUrl);
  } catch {
    throw new Error(`gatewayUrl ${options.gatewayUrl} is not a URL`);
  }
  if (gateway.protocol !== 'https:' && gateway.protocol !== 'http:') throw new Error('gatewayUrl must be an http(s) URL');
  const gatewayUrl = gateway.href.replace(/\/+$/, '');
  const classifications = new Set(options.classifications ?? ['publik']);
  return contracts
    .filter((contract) => contract.state === 'active' && classifications.has(contract.classification) && contract.forwarding !== 'splp')
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((contract) => contractDocument(contract, options, gatewayUrl));
}

/** Writes each document as `<dir>/<contract id>.openapi.json`; returns the files written. */
export async function writeSplpExport(dir: string, documents: readonly SplpExportDocument[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const { fileName, document } of documents) {
    if (!/^[a-z][a-z0-9-]*\.openapi\.json$/.test(fileName)) throw new Error(`refusing to write ${fileName}: not a contract file name`);
    const file = join(dir, fileName);
    await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
    written.push(file);
  }
  return written;
}
