import type { ValidateFunction } from 'ajv';
import { type ContractDefinition, type OperationSpec, routePrefix } from './contract.ts';
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

  constructor(snapshot: RegistrySnapshot, upstreams: Record<string, { url?: string }> = {}) {
    this.revision = snapshot.revision;
    this.consumers = snapshot.consumers;
    this.partners = { partners: snapshot.partners, certificates: snapshot.certificates, agreementsByPartner: snapshot.agreementsByPartner };
    const routes: Route[] = [];
    for (const contract of snapshot.contracts) {
      const prefix = routePrefix(contract);
      const upstream = contract.upstream ? new URL(upstreams[contract.upstream.name]?.url ?? contract.upstream.url) : null;
      for (const operation of contract.operations) {
        const segments = splitPath(operation.path).map((s) => (s.startsWith('{') ? null : s));
        const route: Route = {
          contract,
          operation,
          requiredScopes: [...new Set([...contract.scopes, ...operation.scopes])],
          upstream,
          segments,
          paramNames: [...operation.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string),
          validateParams: compileParams(operation),
          validateBody: operation.request ? bodyCompiler.compile(operation.request.schema) : null,
        };
        routes.push(route);
        const key = `${operation.method} ${prefix}`;
        const list = this.byPrefix.get(key) ?? [];
        list.push(route);
        this.byPrefix.set(key, list);
      }
    }
    // Static segments before parameters, so `/pegawai/baru` wins over `/pegawai/{nip}`.
    for (const list of this.byPrefix.values()) {
      list.sort((a, b) => specificity(b) - specificity(a));
    }
    this.routes = routes;
  }

  match(method: string, pathname: string): RouteMatch | null {
    const second = pathname.indexOf('/', 1);
    if (second < 0) return null;
    const third = pathname.indexOf('/', second + 1);
    const prefix = third < 0 ? pathname : pathname.slice(0, third);
    const candidates = this.byPrefix.get(`${method === 'HEAD' ? 'GET' : method} ${prefix}`);
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
}

function specificity(route: Route): number {
  return route.segments.reduce((n, s, i) => n + (s === null ? 0 : 2 ** (16 - i)), 0);
}
