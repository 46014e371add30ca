import type { NextFunction, Request, Response } from 'express';
import type { PipelineContext } from '../pipeline/context.ts';
import type { Store } from '../store/store.ts';
import type { TextKey } from './i18n.ts';
import type { View } from './layout.ts';
import type { Session, Sessions } from './sessions.ts';

/** A console request once the session middleware ran: the view to render with, and the session. */
export type ConsoleRequest = Request & { view: View; session?: Session };

/** What the console uses of the gateway: its context and store. */
export interface ConsoleDeps { ctx: PipelineContext; store: Store }
/** What the pages use: the gateway's parts and the console's sessions. */
export interface PageDeps extends ConsoleDeps { sessions: Sessions }

/** A page's failure shown as a page, not problem+json: people read it. */
export class PageError extends Error {
  readonly status: number;
  readonly key: TextKey;
  readonly values: Record<string, string>;

  constructor(status: number, key: TextKey, values: Record<string, string> = {}) {
    super(key);
    this.status = status;
    this.key = key;
    this.values = values;
  }
}

/** Only a path of this console: never `//elsewhere` or a full URL (no open redirect). */
export function localPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

/** An async page whose failure goes to the console's error page. */
export const page$ = (work: (req: ConsoleRequest, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
  work(req as ConsoleRequest, res).catch(next);
};

/** Refuses with a page unless the person holds one of `allowed`. */
export function needRole(req: ConsoleRequest, allowed: readonly string[]): void {
  if (!req.session?.person.roles.some((role) => allowed.includes(role))) throw new PageError(403, 'forbidden', { roles: allowed.join(', ') });
}
