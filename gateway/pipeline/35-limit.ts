import { Problem } from '../errors/problem.ts';
import { rateLimitHeaders, tightest } from '../limits/headers.ts';
import type { LimitDecision } from '../limits/limits.ts';
import type { PipelineContext } from './context.ts';
import { callerOf, type Exchange } from './exchange.ts';

/**
 * The caller's rate for this contract (the consumer's override, else the contract's, else the
 * default) and, for a partner, the daily quota of its agreement. The tightest of the two is
 * announced in `RateLimit-*` headers on every answer; a refusal carries `Retry-After`.
 */
export async function limit(ex: Exchange, ctx: PipelineContext): Promise<void> {
  const { contract } = ex.match!.route;
  const caller = callerOf(ex);
  const rule = ex.consumer?.limits[contract.id] ?? contract.limits?.rate ?? ctx.config.limits.defaultRate;
  const rate = await ctx.limits.consume(`rate:${caller}:${contract.id}`, rule);
  if (!rate.allowed) {
    throw new Problem('RATE_LIMITED', `More than ${rule.burst} requests in ${Math.round((rule.burst / rule.rps) * 1000) / 1000} s to ${contract.id}.`, { limit: rule }, rateLimitHeaders(rate));
  }
  const decisions: LimitDecision[] = [rate];
  const quota = ex.agreement?.dailyQuota;
  if (ex.agreement && quota) {
    const daily = await ctx.limits.consumeDaily(`quota:${ex.agreement.number}`, quota, ctx.config.timezone, ex.receivedAt);
    if (!daily.allowed) {
      throw new Problem('QUOTA_EXCEEDED', `The ${quota} calls a day of PKS ${ex.agreement.number} are used up.`, { agreement: ex.agreement.number, quota }, rateLimitHeaders(daily));
    }
    decisions.push(daily);
  }
  for (const [name, value] of Object.entries(rateLimitHeaders(tightest(decisions)!))) ex.reply.header(name, value);
}
