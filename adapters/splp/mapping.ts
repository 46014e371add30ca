import { type AdapterCall, type CanonicalResponse, type UpstreamRequest, type UpstreamResponse, parseUpstreamJson, upstreamInvalid } from '../../gateway/adapter-api/index.ts';
import type { OperationMapping } from '../kit/run-mapped.ts';
import { splpProblem } from './errors.ts';
import { apiBasePath, system, type SplpOperationSettings, type SplpSettings } from './settings.ts';

/** The SPLP resource of the call's operation; the loader guarantees it exists (`checkSplpContract`). */
export function operationSettings(call: Pick<AdapterCall<SplpSettings>, 'operation' | 'settings'>): SplpOperationSettings {
  const found = call.settings.operations[call.operation];
  if (!found) throw new Error(`contract has no adapter.operations entry for ${call.operation}`);
  return found;
}

/** The resource path with each `{param}` replaced by the URL-encoded canonical path parameter. */
export function fillPath(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`path parameter {${name}} has no value`);
    return encodeURIComponent(value);
  });
}

/** The canonical call as an SPLP API request: tenant path, resource, query, JSON body. */
export function toUpstream(call: AdapterCall<SplpSettings>): UpstreamRequest {
  const operation = operationSettings(call);
  const query = operation.query
    ? Object.fromEntries(operation.query.filter((name) => call.query[name] !== undefined).map((name) => [name, call.query[name]!]))
    : { ...call.query };
  const request: UpstreamRequest = {
    method: operation.method,
    path: `${apiBasePath(call.settings)}${fillPath(operation.path, call.params)}`,
    headers: { accept: 'application/json' },
  };
  if (Object.keys(query).length > 0) request.query = query;
  if (call.body !== undefined) {
    request.body = JSON.stringify(call.body);
    request.headers!['content-type'] = 'application/json';
  }
  return request;
}

/** The member at a dotted path, or `undefined`. */
function member(document: unknown, path: string): unknown {
  let current = document;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * A 2xx JSON answer is the canonical answer as is (or its `unwrap` member); 204 or an empty body
 * becomes `200 null` (the gateway always answers JSON). Anything else is SPLP's or the API's
 * refusal, mapped by `splpProblem`.
 */
export function fromUpstream(response: UpstreamResponse, call: AdapterCall<SplpSettings>): CanonicalResponse {
  if (response.status < 200 || response.status > 299) throw splpProblem(response);
  if (response.body.length === 0) return { status: response.status === 204 ? 200 : response.status, body: null };
  const document = parseUpstreamJson(system, response.body);
  const unwrap = operationSettings(call).unwrap;
  if (unwrap === undefined) return { status: response.status, body: document };
  const inner = member(document, unwrap);
  if (inner === undefined) throw upstreamInvalid(system, `the answer has no ${unwrap} member`);
  return { status: response.status, body: inner };
}

/** Every operation of every `forwarding: splp` contract: the settings say where it goes. */
export const splpMapping: OperationMapping<SplpSettings> = { toUpstream, fromUpstream };
