import { agreementFor, regionalDay } from '../partners/agreement-check.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/**
 * May this partner call this contract today: an agreement (PKS) that covers it, is active, in
 * force on the region's calendar, and allows the contract's classification.
 */
export function authorizeAgreement(ex: Exchange, ctx: PipelineContext): void {
  const agreements = ex.table.partners.agreementsByPartner.get(ex.partner!.id) ?? [];
  ex.agreement = agreementFor(agreements, ex.match!.route.contract, regionalDay(ex.receivedAt, ctx.config.timezone));
}
