import type { AnySchema } from 'ajv';
import type { HealthCheckSpec } from '../config/shared-schemas.ts';

export const classifications = ['publik', 'terbatas', 'rahasia'] as const;
export type Classification = (typeof classifications)[number];
export const contractStates = ['draft', 'approved', 'active', 'deprecated', 'retired'] as const;
export type ContractState = (typeof contractStates)[number];
export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof httpMethods)[number];

/** Sustained requests per second and the burst allowed at once (token bucket). */
export interface RateRule { rps: number; burst: number }

/**
 * The service level a contract declares (both parts optional): the share of exchanges not failed
 * by the service, in percent (99.5: at most one exchange in 200 answered 5xx), and the 95th
 * percentile of the gateway's total time per exchange, in ms. The ops console's services view and
 * the periodic report measure the traffic against it (gateway/traffic/service-levels.ts).
 */
export interface ServiceLevelSpec { availability?: number; latencyP95Ms?: number }

/** A JSON Schema with the example callers see in the OpenAPI document. */
export interface SchemaRef { schema: AnySchema; example?: unknown }

/** Another success status of an operation: its own schema, or the main answer's. */
export interface OtherResponseSpec { description: string; schema?: AnySchema; example?: unknown }

/**
 * The success answer. `status` absent means 200: definitions stored before it existed keep their
 * digest, so applying the same files again changes nothing.
 */
export interface ResponseSpec extends SchemaRef {
  status?: number;
  description?: string;
  /** Keyed by status (`'200'`), never the main one. */
  otherStatuses?: Record<string, OtherResponseSpec>;
}

export interface ParameterSpec { schema: AnySchema; example?: unknown; description?: string; required?: boolean }

export interface OperationSpec {
  id: string;
  method: HttpMethod;
  /** Path template under `/{integration}/v{major}`, e.g. `/pegawai/{nip}`. */
  path: string;
  summary?: string;
  /** Scopes needed beside the contract's own. */
  scopes: string[];
  pathParams: Record<string, ParameterSpec>;
  query: Record<string, ParameterSpec>;
  request?: SchemaRef;
  response?: ResponseSpec;
  /** `required`: a POST/PATCH must carry an Idempotency-Key. */
  idempotency?: 'optional' | 'required';
  /** `async`: accepted with 202 and delivered by the worker (store-and-forward). */
  delivery?: { mode: 'sync' | 'async'; orderKey?: string; maxAttempts?: number };
  /** Signed receipts for this operation; absent: the contract's `receipt` decides. */
  receipt?: boolean;
}

/** A contract as stored: schema file references already resolved to the schemas themselves. */
export interface ContractDefinition {
  id: string;
  integration: string;
  version: string;
  title: string;
  description: string;
  state: ContractState;
  classification: Classification;
  /** The wali data: the department that owns the data the contract exchanges. */
  dataOwner?: string;
  /** The service level the contract declares; none: the console shows no compliance for it. */
  serviceLevel?: ServiceLevelSpec;
  /** Every answer of its operations carries a signed receipt (`Penghubung-Receipt`), unless an operation says otherwise. */
  receipt?: boolean;
  scopes: string[];
  timeoutMs: number;
  /** Required for passthrough; adapters that keep their data at the gateway (JDIHN) have none. */
  upstream?: { name: string; url: string; maxConcurrent?: number; healthCheck?: HealthCheckSpec };
  /** Per caller x contract rate; the consumer's own override and the config default apply otherwise. */
  limits?: { rate?: RateRule };
  /** Circuit breaker and retry settings of the upstream calls; defaults apply to what is left out. */
  resilience?: {
    breaker?: { errorThresholdPercentage?: number; volumeThreshold?: number; resetTimeoutMs?: number; rollingCountMs?: number };
    retries?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  };
  /** `passthrough` streams to the upstream as is; any other value names an adapter. */
  forwarding: string;
  /**
   * Request headers (lower case) a passthrough upstream gets beside the gateway's allow-list
   * (`gateway/pipeline/forward-headers.ts`); never one of `reservedRequestHeader`.
   */
  forwardHeaders?: string[];
  /** The contract's `adapter:` block, for the adapter named by `forwarding`. */
  adapterSettings: Record<string, unknown>;
  operations: OperationSpec[];
}

const classificationRank: Record<Classification, number> = { publik: 0, terbatas: 1, rahasia: 2 };

export function clearanceCovers(clearance: Classification, classification: Classification): boolean {
  return classificationRank[clearance] >= classificationRank[classification];
}

/** Whether the operation's answers carry a signed receipt: its own `receipt`, else its contract's. */
export function givesReceipt(contract: Pick<ContractDefinition, 'receipt'>, operation: Pick<OperationSpec, 'receipt'>): boolean {
  return operation.receipt ?? contract.receipt ?? false;
}

export function majorVersion(version: string): number {
  return Number.parseInt(version, 10);
}

/** Public prefix of every route of the contract: `/{integration}/v{major}`. */
export function routePrefix(contract: Pick<ContractDefinition, 'integration' | 'version'>): string {
  return `/${contract.integration}/v${majorVersion(contract.version)}`;
}

/** Method and path template of each operation, parameter names left out: two contracts with a key in common claim the same requests. */
export function routeKeys(contract: Pick<ContractDefinition, 'integration' | 'version' | 'operations'>): string[] {
  const prefix = routePrefix(contract);
  return contract.operations.map((op) => `${op.method} ${prefix}${op.path.replace(/\{\w+\}/g, '{}')}`);
}

/**
 * Request headers no contract can have forwarded (`forwardHeaders`): those of one connection
 * (RFC 9110 §7.6.1) and the framing, the caller's credentials (for the gateway only), what the
 * gateway says about the call (who, from where: it sets these itself or never), and those that
 * make an upstream do something else than the route the caller was authorized for.
 */
const reservedRequestHeaders = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'content-length', 'host',
  'authorization', 'proxy-authorization', 'cookie',
  'x-request-id', 'traceparent', 'forwarded', 'via', 'x-real-ip', 'penghubung-callback',
  'x-http-method-override', 'x-http-method', 'x-method-override',
]);
const reservedRequestHeaderPrefixes = ['x-forwarded-', 'x-penghubung-'];

/** Whether `name` (lower case) is a request header no contract can have forwarded. */
export function reservedRequestHeader(name: string): boolean {
  return reservedRequestHeaders.has(name) || reservedRequestHeaderPrefixes.some((prefix) => name.startsWith(prefix));
}
