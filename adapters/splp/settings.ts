import type { ContractUnderCheck, UpstreamMethod } from '../../gateway/adapter-api/index.ts';

/** Shown in problems (`upstream.system`) and logs. */
export const system = 'SPLP';

/** How one canonical operation reaches its resource in the SPLP API. */
export interface SplpOperationSettings {
  method: UpstreamMethod;
  /** Resource path below `/{context}/{version}`; `{param}` is filled from the canonical path parameter. */
  path: string;
  /** Query parameters passed on; all of the canonical query when absent. */
  query?: string[];
  /** Member (dotted path) of a 2xx answer that is the canonical answer, for APIs wrapping data in an envelope. */
  unwrap?: string;
}

/** A contract's `adapter:` block for `forwarding: splp` (defaults filled in by the loader). */
export interface SplpSettings {
  /** Tenant domain of the API's provider (`/t/{tenant}/...`); absent for super-tenant APIs. */
  tenant?: string;
  context: string;
  version: string;
  auth: 'oauth2' | 'apikey';
  /** Token endpoint: a path on the SPLP host, or a full URL. */
  tokenPath: string;
  /** Scopes asked for in the token request (space separated), when the API's resources need some. */
  scope?: string;
  /** Header carrying the credential: `Authorization` (oauth2) and `apikey` by default. */
  authHeader?: string;
  operations: Record<string, SplpOperationSettings>;
}

const segment = '[A-Za-z0-9_.~-]+';
const memberPath = '^[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*$';

/** JSON Schema of the `adapter:` block; the loader applies its defaults. */
export const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['context', 'version', 'operations'],
  properties: {
    tenant: { type: 'string', pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$', description: 'Tenant domain, e.g. kemendagri.go.id' },
    context: { type: 'string', pattern: `^${segment}(/${segment})*$`, description: 'API context without slashes around it' },
    version: { type: 'string', pattern: `^${segment}$` },
    auth: { enum: ['oauth2', 'apikey'], default: 'oauth2' },
    tokenPath: { type: 'string', pattern: '^(/|https?://)', default: '/oauth2/token' },
    scope: { type: 'string', pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+( [\\x21\\x23-\\x5B\\x5D-\\x7E]+)*$' },
    authHeader: { type: 'string', pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" },
    operations: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['method', 'path'],
        properties: {
          method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
          path: { type: 'string', pattern: '^(/[\\w.~-]*|/\\{[A-Za-z_]\\w*\\})+$' },
          query: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
          unwrap: { type: 'string', pattern: memberPath },
        },
      },
    },
  },
} as const;

export function placeholders(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
}

/**
 * What the settings schema cannot say: every operation of the contract has an SPLP resource, no
 * resource is configured for an operation the contract lacks, and every `{param}` of a resource
 * path is a path parameter of its canonical operation.
 */
export function checkSplpContract(contract: ContractUnderCheck): string[] {
  const settings = contract.settings as Partial<SplpSettings>;
  const configured = settings.operations ?? {};
  const problems: string[] = [];
  for (const operation of contract.operations) {
    const upstream = configured[operation.id];
    if (!upstream) {
      problems.push(`operation ${operation.id} has no SPLP resource under adapter.operations`);
      continue;
    }
    const canonical = new Set(placeholders(operation.path));
    for (const param of placeholders(upstream.path)) {
      if (!canonical.has(param)) problems.push(`adapter.operations.${operation.id}.path uses {${param}}, which is not a path parameter of ${operation.path}`);
    }
  }
  const known = new Set(contract.operations.map((operation) => operation.id));
  for (const id of Object.keys(configured)) {
    if (!known.has(id)) problems.push(`adapter.operations.${id} names no operation of the contract`);
  }
  return problems;
}

/** `/t/{tenant}/{context}/{version}`, or `/{context}/{version}` for a super-tenant API. */
export function apiBasePath(settings: Pick<SplpSettings, 'tenant' | 'context' | 'version'>): string {
  return `${settings.tenant ? `/t/${settings.tenant}` : ''}/${settings.context}/${settings.version}`;
}
