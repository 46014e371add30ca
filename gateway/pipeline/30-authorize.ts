import { Problem } from '../errors/problem.ts';
import { clearanceCovers } from '../registry/contract.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/** May this consumer call this operation: scopes/roles cover the contract, clearance covers its class. */
export function authorize(ex: Exchange, _ctx: PipelineContext): void {
  const { route } = ex.match!;
  const grants = ex.token!.grants;
  const missing = route.requiredScopes.filter((scope) => !grants.has(scope));
  if (missing.length > 0) {
    throw new Problem('SCOPE_DENIED', `The token lacks ${missing.length === 1 ? 'the scope' : 'the scopes'} ${missing.join(', ')} required by ${route.contract.id}.`, { missingScopes: missing });
  }
  // A token's scope counts only where the Dinas granted it to the application (when it lists any).
  const granted = ex.consumer!.scopes;
  const notGranted = granted ? route.requiredScopes.filter((scope) => !granted.includes(scope) && !ex.token!.roles.includes(scope)) : [];
  if (notGranted.length > 0) {
    throw new Problem('SCOPE_DENIED', `The Dinas has not granted ${ex.consumer!.clientId} ${notGranted.length === 1 ? 'the scope' : 'the scopes'} ${notGranted.join(', ')} required by ${route.contract.id}.`, { missingScopes: notGranted });
  }
  const clearance = ex.consumer!.clearance;
  if (!clearanceCovers(clearance, route.contract.classification)) {
    throw new Problem('CLASSIFICATION_DENIED', `${route.contract.id} is classified ${route.contract.classification}; the consumer's clearance is ${clearance}.`);
  }
}
