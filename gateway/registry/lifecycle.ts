import { Problem } from '../errors/problem.ts';

/**
 * The life of a contract version (Pasal 48(2) of Perbup 004: an integration needs the Dinas'
 * recommendation on operation and security before use; Pasal 40 of 003: change management):
 *
 *   draft -> submitted -> approved -> active -> deprecated -> retired
 *              \-- rejected: back to draft --/
 *
 * A version routes while active or deprecated (with `Deprecation` and `Sunset` headers); a retired
 * one answers `CONTRACT_RETIRED`. Activating a version retires the one of the same contract and
 * major version that routed before, in the same transaction.
 */
export const versionStates = ['draft', 'submitted', 'approved', 'active', 'deprecated', 'retired'] as const;
export type VersionState = (typeof versionStates)[number];

export const lifecycleActions = ['submit', 'approve', 'reject', 'activate', 'deprecate', 'retire'] as const;
export type LifecycleAction = (typeof lifecycleActions)[number];

/** From which states each action may run, and the state it leads to. */
export const transitions: Readonly<Record<LifecycleAction, { from: readonly VersionState[]; to: VersionState }>> = {
  submit: { from: ['draft'], to: 'submitted' },
  approve: { from: ['submitted'], to: 'approved' },
  reject: { from: ['submitted'], to: 'draft' },
  activate: { from: ['approved'], to: 'active' },
  deprecate: { from: ['active'], to: 'deprecated' },
  retire: { from: ['deprecated'], to: 'retired' },
};

/** The states in which a version's routes are served. */
export const routingStates: readonly VersionState[] = ['active', 'deprecated'];

export function isLifecycleAction(value: string): value is LifecycleAction {
  return (lifecycleActions as readonly string[]).includes(value);
}

/** 409 with the states the action needs: the version is left as it was. */
export function stateConflict(id: string, version: string, action: LifecycleAction, state: VersionState): Problem {
  const { from } = transitions[action];
  return new Problem('CONTRACT_STATE_CONFLICT', `Contract ${id} version ${version} is ${state}; ${action} needs the state ${from.join(' or ')}. Nothing was changed.`, { state, allowedStates: from, action });
}

/**
 * Four eyes: whoever created or last changed a version cannot approve it, whatever roles they
 * hold. Identities are SSO subjects.
 */
export function checkFourEyes(id: string, version: string, approver: string, authors: readonly (string | null)[]): void {
  if (authors.includes(approver)) {
    throw new Problem('FOUR_EYES_REQUIRED', `Contract ${id} version ${version} was created or last changed by ${approver}; another person must approve it.`, { approver });
  }
}

/** The Dinas recommendation on operation and security that an approval records. */
export interface Recommendation { number: string; date: string; note: string }

/** RFC 9745 `Deprecation` (a structured-field date) and RFC 8594 `Sunset` (an HTTP-date) of a deprecated version. */
export function deprecationHeaders(deprecatedAt: string, sunsetAt: string | null): Record<string, string> {
  return {
    deprecation: `@${Math.floor(Date.parse(deprecatedAt) / 1000)}`,
    ...(sunsetAt ? { sunset: new Date(sunsetAt).toUTCString() } : {}),
  };
}
