import { asProblem, sendProblem } from '../errors/problem.ts';
import { identify } from './10-identify.ts';
import { bindCertificate } from './11-bind-certificate.ts';
import { identifyPartner } from './12-identify-partner.ts';
import { route } from './20-route.ts';
import { authorize } from './30-authorize.ts';
import { authorizeAgreement } from './32-authorize-agreement.ts';
import { limit } from './35-limit.ts';
import { validate } from './40-validate.ts';
import { idempotency } from './45-idempotency.ts';
import { storeAndForward } from './48-store-and-forward.ts';
import { forward } from './50-forward.ts';
import { record } from './60-record.ts';
import type { PipelineContext } from './context.ts';
import { callerGone, type Exchange } from './exchange.ts';

export type Stage = (ex: Exchange, ctx: PipelineContext) => void | Promise<void>;

/**
 * The exchange pipeline of DESIGN.md, in order, for PD applications on the internal listener.
 * Response filtering slots in between without the stages around them changing.
 */
export const exchangeStages: readonly Stage[] = [identify, route, authorize, limit, validate, idempotency, storeAndForward, forward];

/** With `internal.requireClientCert`: the token's consumer must also hold the connection's certificate. */
export const certificateBoundStages: readonly Stage[] = [identify, bindCertificate, route, authorize, limit, validate, idempotency, storeAndForward, forward];

/** The same pipeline for partners: a registered client certificate instead of a token, an agreement instead of scopes. */
export const partnerStages: readonly Stage[] = [identifyPartner, route, authorizeAgreement, limit, validate, idempotency, storeAndForward, forward];

/** Runs the stages; a refusal anywhere becomes the problem+json answer. `record` runs when the response is over. */
export async function runExchange(ex: Exchange, ctx: PipelineContext, stages: readonly Stage[] = exchangeStages): Promise<void> {
  ex.res.once('close', () => record(ex, ctx));
  try {
    for (const stage of stages) {
      await stage(ex, ctx);
      // A stage may answer itself (an idempotent replay): the rest do not run. Nor do they once
      // the caller has gone while a stage waited (a slow store): nothing goes upstream for nobody.
      if (ex.res.writableEnded || callerGone(ex)) break;
    }
  } catch (error) {
    const problem = asProblem(error);
    if (problem.code === 'INTERNAL_ERROR') ctx.log.error({ reqId: ex.id, err: error }, 'pipeline fault');
    ex.problem = problem;
    // Recorded as the caller left (499): there is nobody to answer.
    if (callerGone(ex)) return;
    const answered = ex.res.headersSent;
    const body = sendProblem(ex.res, problem, ex.id);
    // Once an upstream answer started, the caller got that (cut off), not the problem document.
    if (!answered) {
      ex.bytesOut = body.length;
      ex.responseHash.update(body);
    }
  }
}
