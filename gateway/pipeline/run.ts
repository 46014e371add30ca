import { asProblem } from '../errors/problem.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';
import type { OutgoingAnswer } from './reply.ts';

/** A request-phase stage: adds to the exchange, answers it through `ex.reply`, or throws a Problem. */
export type Stage = (ex: Exchange, ctx: PipelineContext) => void | Promise<void>;

/** A response filter: sees (and may change) each answer before it is written. */
export type ResponseFilter = (ex: Exchange, answer: OutgoingAnswer, ctx: PipelineContext) => void;

/** A stage of the response phase that runs once the answer is over (sent, cut off, or its caller gone). */
export type AfterStage = (ex: Exchange, ctx: PipelineContext) => void;

/**
 * One pipeline of DESIGN.md, both phases: the request stages in order, then the response side,
 * filters on the way out and what runs when the answer is over. Each listener composes its own
 * (for-internal.ts, for-external.ts, for-public.ts).
 */
export interface Pipeline {
  readonly request: readonly Stage[];
  readonly filters: readonly ResponseFilter[];
  readonly after: readonly AfterStage[];
}

/** Runs the request stages; a refusal anywhere becomes the problem+json answer. The response side runs as the answer goes. */
export async function runExchange(ex: Exchange, ctx: PipelineContext, pipeline: Pipeline): Promise<void> {
  ex.reply.useFilters(pipeline.filters.map((filter) => (answer: OutgoingAnswer) => filter(ex, answer, ctx)));
  ex.reply.onClose(() => {
    for (const stage of pipeline.after) stage(ex, ctx);
  });
  try {
    for (const stage of pipeline.request) {
      await stage(ex, ctx);
      // A stage may answer itself (an idempotent replay): the rest do not run. Nor do they once
      // the caller has gone while a stage waited (a slow store): nothing goes upstream for nobody.
      if (ex.reply.ended || ex.reply.callerGone) break;
    }
  } catch (error) {
    const problem = asProblem(error);
    if (problem.code === 'INTERNAL_ERROR') ctx.log.error({ reqId: ex.requestId, exchangeId: ex.id, err: error }, 'pipeline fault');
    ex.problem = problem;
    // Recorded as the caller left (499): there is nobody to answer.
    if (ex.reply.callerGone) return;
    ex.reply.problem(problem);
  }
}
