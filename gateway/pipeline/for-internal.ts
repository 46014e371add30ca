import { identify } from './10-identify.ts';
import { bindCertificate } from './11-bind-certificate.ts';
import { route } from './20-route.ts';
import { authorize } from './30-authorize.ts';
import { limit } from './35-limit.ts';
import { receipt } from './38-receipt.ts';
import { validate } from './40-validate.ts';
import { idempotency } from './45-idempotency.ts';
import { storeAndForward } from './48-store-and-forward.ts';
import { forward } from './50-forward.ts';
import { record } from './60-record.ts';
import { asksForDelivery, describeDelivery } from './delivery-status.ts';
import { asksForOpenApi, describeForConsumer } from './describe-api.ts';
import type { Exchange } from './exchange.ts';
import type { Pipeline, ResponseFilter } from './run.ts';

/** Response filters: none yet; the field classification filter of DESIGN.md goes here. */
const filters: readonly ResponseFilter[] = [];

/**
 * The pipelines of the PD applications' listener, both phases. With `internal.requireClientCert`
 * the token's consumer must also hold the connection's certificate (`bindCertificate`).
 */
export function internalPipelines(requireClientCert: boolean): (ex: Exchange) => Pipeline {
  const identifyCaller = requireClientCert ? [identify, bindCertificate] : [identify];
  const exchange: Pipeline = {
    request: [...identifyCaller, route, authorize, limit, receipt, validate, idempotency, storeAndForward, forward],
    filters,
    after: [record],
  };
  const openApi: Pipeline = { request: [...identifyCaller, describeForConsumer], filters, after: [record] };
  const delivery: Pipeline = { request: [...identifyCaller, describeDelivery], filters, after: [record] };
  return (ex) => (asksForOpenApi(ex) ? openApi : asksForDelivery(ex) ? delivery : exchange);
}
