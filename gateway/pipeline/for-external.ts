import { identifyPartner } from './12-identify-partner.ts';
import { route } from './20-route.ts';
import { authorizeAgreement } from './32-authorize-agreement.ts';
import { limit } from './35-limit.ts';
import { receipt } from './38-receipt.ts';
import { validate } from './40-validate.ts';
import { idempotency } from './45-idempotency.ts';
import { storeAndForward } from './48-store-and-forward.ts';
import { forward } from './50-forward.ts';
import { record } from './60-record.ts';
import { asksForDelivery, describeDelivery } from './delivery-status.ts';
import { asksForOpenApi, describeForPartner } from './describe-api.ts';
import type { Exchange } from './exchange.ts';
import type { Pipeline, ResponseFilter } from './run.ts';

/** Response filters: none yet; the field classification filter of DESIGN.md goes here. */
const filters: readonly ResponseFilter[] = [];

/** The partner listener's pipelines: a registered client certificate instead of a token, an agreement (PKS) instead of scopes. */
const exchange: Pipeline = {
  request: [identifyPartner, route, authorizeAgreement, limit, receipt, validate, idempotency, storeAndForward, forward],
  filters,
  after: [record],
};
const openApi: Pipeline = { request: [identifyPartner, describeForPartner], filters, after: [record] };
const delivery: Pipeline = { request: [identifyPartner, describeDelivery], filters, after: [record] };

export function externalPipelines(ex: Exchange): Pipeline {
  return asksForOpenApi(ex) ? openApi : asksForDelivery(ex) ? delivery : exchange;
}
