/**
 * The adapter API: everything an adapter may use of the gateway, and the only module of gateway/
 * an adapter imports (the import rules in .dependency-cruiser.cjs hold it to that). The gateway in
 * turn reaches an adapter only through discovery (adapters/index.ts) and the types below. See
 * docs/adapters.md.
 */
export * from './model.ts';
export { Credentials, MissingCredential, Secret } from '../upstream/credentials.ts';
export type { UpstreamCallInfo, UpstreamClient, UpstreamMethod, UpstreamRequest, UpstreamResponse, UpstreamTiming, UpstreamTls } from '../upstream/model.ts';
export {
  parseUpstreamJson,
  upstreamAuthFailed,
  upstreamFailing,
  upstreamInvalid,
  upstreamMember,
  upstreamNotFound,
  upstreamRejected,
  upstreamTimeout,
  upstreamUnavailable,
  type UpstreamFault,
} from '../upstream/problems.ts';
export { Problem } from '../errors/problem.ts';
export type { ProblemCode } from '../errors/catalogue.ts';
export { classifications, routePrefix, type Classification, type ContractDefinition, type OperationSpec, type ParameterSpec } from '../registry/contract.ts';
export { deliverySchemas, problemSchema } from '../openapi/build.ts';
