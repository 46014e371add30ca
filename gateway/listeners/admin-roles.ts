import type { NextFunction, Request, Response } from 'express';
import { actorOf, type AuditSource } from '../audit/audit.ts';
import { Problem } from '../errors/problem.ts';
import { bearerToken } from '../pipeline/10-identify.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import type { VerifiedToken } from '../sso/token-verifier.ts';

/**
 * The Dinas' roles on the admin API, as the SSO puts them in a role claim (`sso.roleClaims`).
 * Editing and approving are separate roles so that a contract version is approved by someone
 * other than its editor (four eyes); ops read and act on deliveries, never edit the registry.
 */
export const roles = { admin: 'penghubung-admin', approver: 'penghubung-approver', ops: 'penghubung-ops' } as const;

/** Traffic, upstreams, certificates, partners, agreements, deliveries, the audit trail. */
export const readRoles: readonly string[] = [roles.ops, roles.admin, roles.approver];
/** Partners, agreements, certificates, consumers, contract drafts; the backup (the whole registry). */
export const editRoles: readonly string[] = [roles.admin];
/** Approving (or rejecting) a submitted contract version. */
export const approveRoles: readonly string[] = [roles.approver];
/** Retrying or cancelling a parked delivery. */
export const opsActionRoles: readonly string[] = [roles.ops, roles.admin];

/** An admin API request: its request id (set first), and its verified token once `requireRole` passed. */
export type AdminRequest = Request & { requestId?: string; token?: VerifiedToken };

/** An async route whose failure goes to the error handler (problem+json), as every admin route's does. */
export const handle = (work: (req: AdminRequest, res: Response) => Promise<void>) => (req: AdminRequest, res: Response, next: NextFunction) => {
  work(req, res).catch(next);
};

/** Verifies the bearer token and lets the request on only with one of `allowed`: 401, else 403 `FORBIDDEN_ROLE`. */
export function requireRole(ctx: Pick<PipelineContext, 'verifier'>, allowed: readonly string[]) {
  return async (req: AdminRequest, _res: Response, next: NextFunction) => {
    try {
      const token = await ctx.verifier.verify(bearerToken(req.headers.authorization));
      req.token = token;
      if (!allowed.some((role) => token.roles.includes(role))) {
        throw new Problem('FORBIDDEN_ROLE', `This needs one of the roles ${allowed.join(', ')}.`, { requiredRoles: allowed });
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Who sent an admin request and from where, for the audit row of what it changes. Behind `requireRole` only. */
export function auditSourceOf(req: AdminRequest): AuditSource {
  if (!req.token) throw new Error('auditSourceOf needs the token requireRole verifies');
  return { actor: actorOf(req.token), requestId: req.requestId ?? null, sourceAddress: req.socket.remoteAddress ?? null };
}
