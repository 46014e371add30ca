import type { AuditSource } from '../../audit/audit.ts';
import type { ConsoleRequest } from '../request.ts';

/**
 * Who acts through the console, for the audit trail: the signed-in person (SSO subject) through
 * the console's SSO client, with the roles of the ID token, from the browser's address.
 */
export function personSource(req: ConsoleRequest): AuditSource {
  const session = req.session;
  if (!session) throw new Error('personSource needs a signed-in request');
  const requestId = (req as ConsoleRequest & { requestId?: string }).requestId ?? null;
  return { actor: { subject: session.person.subject, clientId: session.clientId, roles: [...session.person.roles] }, requestId, sourceAddress: req.socket.remoteAddress ?? null };
}
