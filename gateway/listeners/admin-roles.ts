import type { NextFunction, Request, Response } from 'express';
import { actorOf, type AuditSource } from '../audit/audit.ts';
import { Problem } from '../errors/problem.ts';
import { bearerToken } from '../pipeline/10-identify.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import type { VerifiedToken } from '../sso/token-verifier.ts';

export { approveRoles, editRoles, opsActionRoles, readRoles, roles } from '../sso/roles.ts';

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
