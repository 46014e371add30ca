import type { ValidateFunction } from 'ajv';
import type { BreakerSettings } from '../resilience/breakers.ts';
import { type ContractDefinition, type OperationSpec, routePrefix } from './contract.ts';
import { deprecationHeaders } from './lifecycle.ts';
import type { PartnerRegistry } from './partners.ts';
import type { Consumer, RegistrySnapshot } from './repository.ts';
import { createSchemaCompiler } from './schema-compiler.ts';

/** One operation of one active contract, with everything the pipeline needs precomputed. */
export interface Route {
  contract: ContractDefinition;
  operation: OperationSpec;
  /** Contract scopes plus the operation's own. */
  requiredScopes: string[];
  /** Base URL of the upstream (config `upstreams.<name>` wins over the contract's default). */
  upstream: URL | null;
  /** Path template segments below the contract prefix; `null` marks a parameter. */
  segments: (string | null)[];
  paramNames: string[];
  validateParams: ValidateFunction | null;
  validateBody: ValidateFunction | null;
  /** A deprecated version's `Deprecation` and `Sunset` headers, sent with every answer of its routes. */
  deprecationHeaders?: Record<string, string>;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
  /**
   * The path below the prefix as the route matched it, the one forwarded: the operation's own
   * segments and its parameters encoded afresh. Never the caller's raw text, whose empty segments
   * or encodings the route read past but an upstream might read otherwise.
   */
  rest: string;
}

const bodyCompiler = createSchemaCompiler();
// Path and query values arrive as strings; coercion lets a schema say `type: integer` for `?limit=10`.
const paramCompiler = createSchemaCompiler({ coerceTypes: true });

function compileParams(operation: OperationSpec): ValidateFunction | null {
  const entries = [...Object.entries(operation.pathParams), ...Object.entries(operation.query)];
  if (entries.length === 0) return null;
  const required = [...Object.keys(operation.pathParams), ...Object.entries(operation.query).filter(([, p]) => p.required).map(([n]) => n)];
  return paramCompiler.compile({
    type: 'object',
    properties: Object.fromEntries(entries.map(([name, spec]) => [name, spec.schema])),
    required,
  });
}

function splitPath(path: string): string[] {
  return path.split('/').filter(Boolean);
}

/** The routes of one contract version; `validating`: with its compiled schemas (a retired version's routes only answer that they are gone). */
function routesOf(contract: ContractDefinition, upstreams: Record<string, { url?: string }>, validating: boolean): Route[] {
  const upstream = contract.upstream ? new URL(upstreams[contract.upstream.name]?.url ?? contract.upstream.url) : null;
  return contract.operations.map((operation) => ({
    contract,
    operation,
    requiredScopes: [...new Set([...contract.scopes, ...operation.scopes])],
    upstream,
    segments: splitPath(operation.path).map((s) => (s.startsWith('{') ? null : s)),
    paramNames: [...operation.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string),
    validateParams: validating ? compileParams(operation) : null,
    validateBody: validating && operation.request ? bodyCompiler.compile(operation.request.schema) : null,
  }));
}

function addRoute(byPrefix: Map<string, Route[]>, route: Route): void {
  const key = `${route.operation.method} ${routePrefix(route.contract)}`;
  const list = byPrefix.get(key) ?? [];
  list.push(route);
  byPrefix.set(key, list);
}

/**
 * The routing table of one registry revision. Built whole, then swapped in one assignment by the
 * registry, so a request sees either the old table or the new one, never a mix.
 */
export class RoutingTable {
  readonly revision: number;
  readonly consumers: ReadonlyMap<string, Consumer>;
  /** Partners, their registered client certificates and agreements, of the same revision. */
  readonly partners: PartnerRegistry;
  readonly routes: readonly Route[];
  /** `METHOD /integration/vN` -> routes of that prefix. */
  private readonly byPrefix = new Map<string, Route[]>();
  /** The same for retired versions whose contract and major version no longer route. */
  private readonly retiredByPrefix = new Map<string, Route[]>();

  /** Each upstream an active contract uses, with its breaker settings (the first contract naming it wins). */
  upstreamBreakerSettings(): Map<string, Partial<BreakerSettings>> {
    const upstreams = new Map<string, Partial<BreakerSettings>>();
    for (const { contract } of this.routes) {
      if (contract.upstream && !upstreams.has(contract.upstream.name)) upstreams.set(contract.upstream.name, contract.resilience?.breaker ?? {});
    }
    return upstreams;
  }

  constructor(snapshot: RegistrySnapshot, upstreams: Record<string, { url?: string }> = {}) {
    this.revision = snapshot.revision;
    this.consumers = snapshot.consumers;
    this.partners = { partners: snapshot.partners, certificates: snapshot.certificates, agreementsByPartner: snapshot.agreementsByPartner };
    const routes: Route[] = [];
    for (const contract of snapshot.contracts) {
      const deprecation = snapshot.deprecations?.get(`${contract.id}@${contract.version}`);
      const deprecated = deprecation ? deprecationHeaders(deprecation.deprecatedAt, deprecation.sunsetAt) : undefined;
      for (const route of routesOf(contract, upstreams, true)) {
        if (deprecated) route.deprecationHeaders = deprecated;
        routes.push(route);
        addRoute(this.byPrefix, route);
      }
    }
    for (const contract of snapshot.retired ?? []) for (const route of routesOf(contract, upstreams, false)) addRoute(this.retiredByPrefix, route);
    // Static segments before parameters, so `/pegawai/baru` wins over `/pegawai/{nip}`.
    for (const list of [...this.byPrefix.values(), ...this.retiredByPrefix.values()]) {
      list.sort((a, b) => specificity(b) - specificity(a));
    }
    this.routes = routes;
  }

  match(method: string, pathname: string): RouteMatch | null {
    return find(this.byPrefix, method, pathname);
  }

  /** The retired contract that served this route, when no routing version serves it. */
  retiredContract(method: string, pathname: string): ContractDefinition | null {
    return find(this.retiredByPrefix, method, pathname)?.route.contract ?? null;
  }
}

function find(byPrefix: ReadonlyMap<string, Route[]>, method: string, pathname: string): RouteMatch | null {
  const second = pathname.indexOf('/', 1);
  if (second < 0) return null;
  const third = pathname.indexOf('/', second + 1);
  const prefix = third < 0 ? pathname : pathname.slice(0, third);
  const candidates = byPrefix.get(`${method === 'HEAD' ? 'GET' : method} ${prefix}`);
  if (!candidates) return null;
  let parts: string[];
  try {
    parts = splitPath(third < 0 ? '/' : pathname.slice(third)).map((part) => decodeURIComponent(part));
  } catch {
    return null;
  }
  for (const route of candidates) {
    if (route.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    let p = 0;
    for (let i = 0; i < parts.length; i++) {
      const segment = route.segments[i];
      if (segment === null) params[route.paramNames[p++] as string] = parts[i]!;
      else if (segment !== parts[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return { route, params, rest: `/${route.segments.map((segment, i) => segment ?? encodeURIComponent(parts[i]!)).join('/')}` };
  }
  return null;
}

function specificity(route: Route): number {
  return route.segments.reduce((n, s, i) => n + (s === null ? 0 : 2 ** (16 - i)), 0);
}
