/**
 * Every refusal the gateway can answer with, declared once. Codes are stable and never reused:
 * clients branch on `code`, operators search logs for it. `docs/errors.md` is rendered from this
 * table (`penghubung docs errors`) and a test keeps the two equal.
 */
export interface ProblemDefinition {
  status: number;
  title: string;
  /** When it happens and what the caller should do; rendered into docs/errors.md. */
  description: string;
}

export const problemCatalogue = {
  TOKEN_MISSING: {
    status: 401,
    title: 'Access token missing',
    description: 'No `Authorization: Bearer <token>` header was sent. Tokens in the query string are ignored on purpose. Get a token from the SSO and send it in the header.',
  },
  TOKEN_INVALID: {
    status: 401,
    title: 'Access token invalid',
    description: 'The token is not a JWT signed by the configured SSO with an allowed algorithm, or its issuer, audience or not-before time does not match. Get a new token from the SSO.',
  },
  TOKEN_EXPIRED: {
    status: 401,
    title: 'Access token expired',
    description: 'The token\'s `exp` has passed. Get a new token from the SSO.',
  },
  CONSUMER_UNKNOWN: {
    status: 403,
    title: 'Consumer not registered',
    description: 'The token is valid but its client (`azp` / `client_id`) is not a registered, active consumer of the gateway. Ask the Dinas to register the application.',
  },
  SCOPE_DENIED: {
    status: 403,
    title: 'Scope not granted',
    description: 'The token\'s scopes or roles do not cover the scopes the contract requires for this operation. The `missingScopes` member lists them.',
  },
  CLASSIFICATION_DENIED: {
    status: 403,
    title: 'Classification above clearance',
    description: 'The contract carries a data classification above the caller\'s clearance, or, for a partner, above the highest classification its agreement allows (publik < terbatas < rahasia).',
  },
  FORBIDDEN_ROLE: {
    status: 403,
    title: 'Role required',
    description: 'The admin API needs a token carrying one of the roles listed in `requiredRoles` (e.g. `penghubung-ops`).',
  },
  CERTIFICATE_REQUIRED: {
    status: 401,
    title: 'Client certificate required',
    description: 'The partner listener (and the internal listener with `internal.requireClientCert`) needs a client certificate in the TLS handshake. Connect with the certificate the Dinas signed or registered for you (curl `--cert`/`--key`).',
  },
  CERTIFICATE_UNTRUSTED: {
    status: 403,
    title: 'Client certificate not trusted',
    description: 'The client certificate does not chain to a CA the gateway trusts, or is not usable for client authentication. `detail` names the verification error. Use a certificate from the Dinas\' CA or a CA in `external.tls.clientCa`.',
  },
  CERTIFICATE_EXPIRED: {
    status: 403,
    title: 'Client certificate expired',
    description: 'The client certificate\'s validity has ended. Renew it (a new CSR signed by the Dinas) and register the new one.',
  },
  CERTIFICATE_NOT_YET_VALID: {
    status: 403,
    title: 'Client certificate not yet valid',
    description: 'The client certificate\'s validity has not started. Check the client\'s clock, or wait for the start date.',
  },
  CERTIFICATE_REVOKED: {
    status: 403,
    title: 'Client certificate revoked',
    description: 'The client certificate is on the revocation list (CRL) of its CA. Ask the Dinas for a new one.',
  },
  CERTIFICATE_NOT_REGISTERED: {
    status: 403,
    title: 'Client certificate not registered',
    description: 'The certificate is valid but its SHA-256 fingerprint is not registered to an active partner (or, on the internal listener, to the calling consumer). The Dinas registers certificates after signing them.',
  },
  PARTNER_SUSPENDED: {
    status: 403,
    title: 'Partner suspended',
    description: 'The partner the certificate belongs to is suspended by the Dinas.',
  },
  NO_AGREEMENT: {
    status: 403,
    title: 'No cooperation agreement',
    description: 'The partner has no cooperation agreement (PKS) with the region. Every partner call needs one (Pasal 21-22 of Perbup 001).',
  },
  CONTRACT_NOT_COVERED: {
    status: 403,
    title: 'Service not covered by the agreement',
    description: 'None of the partner\'s agreements covers the contract of this route. `GET /openapi.json` on the partner listener lists what the partner\'s active agreements cover.',
  },
  AGREEMENT_NOT_YET_VALID: {
    status: 403,
    title: 'Agreement not yet in force',
    description: 'The agreement covering this service starts later (`validFrom`, a calendar day in the region\'s time zone).',
  },
  AGREEMENT_EXPIRED: {
    status: 403,
    title: 'Agreement expired',
    description: 'The agreement covering this service ended (`validUntil`). A renewed PKS must be registered by the Dinas.',
  },
  AGREEMENT_SUSPENDED: {
    status: 403,
    title: 'Agreement suspended',
    description: 'The agreement covering this service is suspended by the Dinas.',
  },
  AGREEMENT_TERMINATED: {
    status: 403,
    title: 'Agreement terminated',
    description: 'The agreement covering this service was terminated.',
  },
  CONTRACT_NOT_FOUND: {
    status: 404,
    title: 'No contract for this route',
    description: 'No active contract has an operation with this method and path. `GET /openapi.json` lists what the caller may call.',
  },
  CONTRACT_RETIRED: {
    status: 410,
    title: 'Contract retired',
    description: 'The contract that served this route was retired by the Dinas and serves no more; a newer version may live under another major version (`GET /openapi.json` lists what the caller may call). Before it was retired it answered with `Deprecation` and `Sunset` headers.',
  },
  CONTRACT_VERSION_NOT_FOUND: {
    status: 404,
    title: 'No such contract version',
    description: 'The admin API has no contract with this id and version. `GET /admin/v1/contracts` lists them.',
  },
  CONTRACT_DOCUMENT_INVALID: {
    status: 422,
    title: 'Not a valid contract',
    description: 'The contract sent to the admin API does not match the contract format of docs/contracts.md (the same checks as a contract file, with every schema inline); `reason` says what.',
  },
  CONTRACT_VERSION_EXISTS: {
    status: 409,
    title: 'Contract version exists',
    description: 'The contract already has this version. A change to a version under review or in use is a new version; a draft is changed with `PUT /admin/v1/contracts/{id}/versions/{version}`.',
  },
  CONTRACT_STATE_CONFLICT: {
    status: 409,
    title: 'Not allowed in the version\'s state',
    description: 'The lifecycle (draft, submitted, approved, active, deprecated, retired) does not allow this action from the version\'s current state; `state` and `allowedStates` say which. Nothing was changed.',
  },
  CONTRACT_ROUTE_CONFLICT: {
    status: 409,
    title: 'Routes taken by another contract',
    description: 'Activating this version would serve a method and path that another active contract serves; `routes` lists them. Nothing was changed.',
  },
  AGREEMENT_EXCEPTION_REQUIRED: {
    status: 422,
    title: 'Classification exception required',
    description: 'An agreement of a partner that is not a government body (type other than `instansi`) covers data above `publik` without a recorded exception. Non publik data is for the regional government and fellow government agencies (Pasal 30(3) of Perbup 33/2020): lower `maxClassification`, or record `classificationException.legalBasis` (the regulation or decision allowing it).',
  },
  FOUR_EYES_REQUIRED: {
    status: 403,
    title: 'Another person must approve',
    description: 'Whoever created or last changed a contract version cannot approve it, whatever roles they hold (four eyes). Another approver approves it.',
  },
  NOT_FOUND: {
    status: 404,
    title: 'Not found',
    description: 'No resource at this method and path on the admin API or the public listener, or no record with this id among the documents an adapter keeps at the gateway (JDIHN).',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed',
    description: 'The public listener serves read-only feeds: only GET and HEAD are answered.',
  },
  IDEMPOTENCY_KEY_MISSING: {
    status: 400,
    title: 'Idempotency-Key required',
    description: 'This operation changes data upstream and its contract requires an `Idempotency-Key` header (a unique value per logical request, e.g. a UUID), so that a retry after a network failure is executed at most once.',
  },
  IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    title: 'Idempotency-Key malformed',
    description: 'The `Idempotency-Key` header must be 1-255 printable ASCII characters, optionally quoted as a structured-field string.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'Idempotency-Key reused for another request',
    description: 'The key was already used by this caller for a request with a different method, path or body. Use a new key for a new request.',
  },
  IDEMPOTENCY_REQUEST_IN_FLIGHT: {
    status: 409,
    title: 'First request with this key still running',
    description: 'A request with the same `Idempotency-Key` is still being executed. Retry after `Retry-After`; the stored answer is then replayed.',
  },
  IDEMPOTENCY_OUTCOME_UNKNOWN: {
    status: 502,
    title: 'Outcome of the first request with this key unknown',
    description: 'The first request with this `Idempotency-Key` reached the upstream, but its answer never came back whole: the connection was cut, or the gateway stopped while it ran. The upstream may have acted, so the gateway will not send the request again under this key. Ask the service what became of it before sending it under a new key.',
  },
  IDEMPOTENCY_ANSWER_NOT_KEPT: {
    status: 410,
    title: 'Answer of the first request with this key not kept',
    description: 'The first request with this `Idempotency-Key` was carried out (`originalStatus` gives the status it was answered with), but its answer was larger than the gateway keeps for replay (8 MiB). Read the result from the service; do not send the request again under a new key.',
  },
  DELIVERY_NOT_FOUND: {
    status: 404,
    title: 'No such delivery',
    description: 'No delivery with this id belongs to the caller (deliveries are visible to the application that sent them, and to the Dinas in the admin API).',
  },
  DELIVERY_STATE_CONFLICT: {
    status: 409,
    title: 'Delivery not in a state for this action',
    description: 'Admin API: the delivery exists but its current state does not allow the retry or cancel asked for. Only a parked (`failed`) delivery can be retried; only a `pending` or parked one can be cancelled (not one being sent, delivered or already cancelled). `state` is the delivery\'s state now and `allowedStates` those the action needs. Nothing was changed; look at the delivery (`GET /admin/v1/deliveries/{id}`) and, if it is being sent, ask again once it has settled.',
  },
  CALLBACK_NOT_ALLOWED: {
    status: 422,
    title: 'Callback URL not accepted',
    description: 'The `Penghubung-Callback` header was refused and nothing was stored: the operation is not delivered asynchronously, the value is not one absolute http(s) URL, it carries a user name or password, or its origin (scheme, host, port) is not in the Dinas\' allow-list (`delivery.callbacks.allowedOrigins`). The `detail` says which. Send the request again without the header (and poll `Location`), or ask the Dinas to allow the origin.',
  },
  CONTRACT_VALIDATION_FAILED: {
    status: 422,
    title: 'Request does not match the contract',
    description: 'The request body, path or query parameters violate the contract\'s JSON Schema. The failing fields are listed in `errors` (`in`, `pointer`, `message`), at most 20; when there are more, `errorsOmitted` counts those left out (`detail` gives the total). Nothing was sent upstream.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'Payload too large',
    description: 'The request body is larger than the configured limit (`limits.bodyBytes`, default 1 MiB).',
  },
  MALFORMED_JSON: {
    status: 400,
    title: 'Malformed JSON',
    description: 'The body of a JSON request could not be parsed, or is not UTF-8. The `detail` names the position.',
  },
  JSON_TOO_COMPLEX: {
    status: 400,
    title: 'JSON body too complex',
    description: 'The JSON body goes past one of the gateway\'s limits on its structure, checked before it is parsed: objects and arrays nested more than 32 deep, more than 10 000 values in all (each property value and array element counts), a string longer than 65 536 bytes, a property name longer than 1 024 bytes or a number longer than 100 characters (lengths as sent, escapes included). `limit` names the limit, `max` its value and `pointer` where it was passed. Nothing was sent upstream. Send the data in smaller requests.',
  },
  JSON_DUPLICATE_KEY: {
    status: 400,
    title: 'Duplicate property in JSON body',
    description: 'An object in the JSON body has the same property twice (also when spelled with escapes, such as `"a"` and `"\\u0061"`). Parsers differ in which value they keep, so the gateway could check one value while the service acts on the other. `pointer` locates the object and `name` the property. Nothing was sent upstream. Send each property once.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    description: 'The operation validates a JSON body but the request\'s `Content-Type` is not JSON.',
  },
  BAD_REQUEST: {
    status: 400,
    title: 'Bad request',
    description: 'The request could not be read (for example a body cut off by the client, or a bad query parameter on the admin API). The `detail` says which.',
  },
  REQUEST_HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Request headers too large',
    description: 'The request line and headers together are over the listener\'s limit (Node\'s `maxHeaderSize`, 16 KiB by default). Send fewer or shorter headers; a long query belongs in a body.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request not received in time',
    description: 'The request\'s headers or body did not arrive within the listener\'s time limit; the connection is closed. Send the request again.',
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Rate limit reached',
    description: 'The caller sent more requests to this contract than its rate allows (requests per second and burst, from the contract or the consumer\'s own setting). Wait `Retry-After` seconds; `RateLimit-Remaining` and `RateLimit-Reset` tell how much is left.',
  },
  QUOTA_EXCEEDED: {
    status: 429,
    title: 'Daily quota of the agreement used up',
    description: 'The partner\'s agreement (PKS) allows a number of calls per calendar day (region\'s time zone); it is used up. `Retry-After` gives the seconds until local midnight.',
  },
  UPSTREAM_BUSY: {
    status: 503,
    title: 'Upstream at its concurrency cap',
    description: 'As many calls as the upstream is allowed (`upstream.maxConcurrent`) are already in flight from this gateway; the request was not sent. Retry after `Retry-After`.',
  },
  UPSTREAM_UNAVAILABLE: {
    status: 502,
    title: 'Upstream unavailable',
    description: 'The upstream service refused or dropped the connection. The request may be retried later.',
  },
  UPSTREAM_CIRCUIT_OPEN: {
    status: 503,
    title: 'Upstream temporarily cut off',
    description: 'The upstream failed too often in the last seconds (its circuit breaker is open), so the gateway answered at once without calling it: nothing was sent upstream. Retry after the `Retry-After` seconds, when the gateway lets a trial call through again. `upstream.system` names the upstream.',
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    title: 'Upstream timeout',
    description: 'The upstream did not answer within the contract\'s `timeoutMs`. The upstream may still have acted on a non-idempotent request.',
  },
  UPSTREAM_REJECTED: {
    status: 422,
    title: 'Upstream rejected the request',
    description: 'The national system or upstream service refused the request as invalid (for SIPD even when it answered HTTP 200 with `ERROR:` lines). Its own code and message are under `upstream` (`system`, `code`, `message`). Correct the data and send again.',
  },
  UPSTREAM_NOT_FOUND: {
    status: 404,
    title: 'Not found at the upstream',
    description: 'The upstream has no record for the identifier asked for (for BKN SIASN, an answer with `code` other than 1). `upstream` carries the system\'s own code and message.',
  },
  UPSTREAM_AUTH_FAILED: {
    status: 502,
    title: 'Gateway could not authenticate to the upstream',
    description: 'The gateway\'s own credentials for the upstream were refused, or are not configured, even after fetching fresh tokens. Not the caller\'s fault: the Dinas must fix the credentials (`upstreams.<name>.credentials`). `upstream` carries the system\'s fault code (e.g. WSO2 `900901`).',
  },
  UPSTREAM_INVALID_RESPONSE: {
    status: 502,
    title: 'Upstream answered something unreadable',
    description: 'The upstream\'s answer could not be understood: not the expected format, truncated, or larger than allowed. Nothing of it is passed on. The request may or may not have been acted on upstream.',
  },
  SERVICE_DRAINING: {
    status: 503,
    title: 'Gateway shutting down',
    description: 'The gateway is draining before a restart and takes no new exchanges. Retry against another instance or shortly.',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    title: 'Gateway store unavailable',
    description: 'The gateway\'s own database did not answer or could not write (restarting, out of disk), and this request needs it: an `Idempotency-Key` (its claim is kept there), an asynchronous delivery (its outbox) or its status, documents kept at the gateway, the admin API. The request was not taken: a keyed or asynchronous request was not sent upstream. Requests that need no store are still served. Retry after `Retry-After` seconds.',
  },
  TRAFFIC_LOG_UNAVAILABLE: {
    status: 503,
    title: 'Gateway cannot record exchanges',
    description: 'Every exchange must be in the traffic log, and neither the gateway\'s store nor its spool on disk takes rows at the moment (for example the store is down and the disk is full), so the gateway takes no new exchanges: nothing was sent upstream. The Dinas is alerted by the gateway\'s log and `/readyz`. Retry after `Retry-After` seconds or against another instance.',
  },
  INTERNAL_ERROR: {
    status: 500,
    title: 'Internal gateway error',
    description: 'An unexpected fault inside the gateway. The request id in `instance` finds the log lines for the Dinas.',
  },
} as const satisfies Record<string, ProblemDefinition>;

export type ProblemCode = keyof typeof problemCatalogue;

/** Relative URI of the documentation of a code; `type` in every problem document. */
export function problemType(code: ProblemCode): string {
  return `https://penghubung.go.id/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}
