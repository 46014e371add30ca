import type { Harness } from './harness.ts';

/** SSO clients with one admin role each, beside the harness's own `ops-console` (penghubung-ops). */
export const adminClients = [
  { clientId: 'admin-console', secret: 'admin-secret-0123456789', scopes: [], roles: ['penghubung-admin'] },
  { clientId: 'approver-console', secret: 'approver-secret-0123456789', scopes: [], roles: ['penghubung-approver'] },
];

export interface AdminAnswer<T> { status: number; body: T; headers: Headers }

export interface AdminCall {
  /** A JSON document, or a string sent as it is (give its content-type in `headers`). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls the admin API of the harness `harness()` gives as `clientId`, fetching its token once. */
export function adminApi(harness: () => Harness) {
  const tokens = new Map<string, Promise<string>>();
  return async <T = Record<string, unknown>>(clientId: string, method: string, path: string, call: AdminCall = {}): Promise<AdminAnswer<T>> => {
    let token = tokens.get(clientId);
    if (!token) tokens.set(clientId, (token = harness().token(clientId)));
    const json = call.body !== undefined && typeof call.body !== 'string';
    const res = await fetch(`${harness().adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await token}`, ...(json ? { 'content-type': 'application/json' } : {}), ...call.headers },
      ...(call.body === undefined ? {} : { body: json ? JSON.stringify(call.body) : (call.body as string) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
  };
}
