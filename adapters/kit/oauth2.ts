import { request, type Dispatcher } from 'undici';
import { MissingCredential, type Credentials, type Secret, upstreamAuthFailed, upstreamUnavailable } from '../../gateway/adapter-api/index.ts';
import { redactText } from './redact.ts';
import type { IssuedToken } from './token-cache.ts';

export interface TokenRequest {
  system: string;
  tokenUrl: string;
  /** Form fields of the grant (`grant_type`, `username`, ...). */
  form: Record<string, string | Secret>;
  /** HTTP Basic client authentication (RFC 6749 2.3.1), as WSO2 API Manager expects. */
  basic?: { clientId: string | Secret; clientSecret: string | Secret };
  timeoutMs?: number;
  /** The adapter's `env.dispatcher`: the gateway's client certificate when the issuer wants mutual TLS. */
  dispatcher?: Dispatcher | undefined;
}

const reveal = (value: string | Secret) => (typeof value === 'string' ? value : value.reveal());

/**
 * One OAuth2 token request (client credentials, password grant). A refusal becomes
 * UPSTREAM_AUTH_FAILED with the issuer's `error` and `error_description`; the credentials never
 * appear in the problem or a log line.
 */
export async function fetchOAuthToken(token: TokenRequest): Promise<IssuedToken> {
  const form = new URLSearchParams(Object.entries(token.form).map(([name, value]): [string, string] => [name, reveal(value)]));
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (token.basic) {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(reveal(token.basic.clientId))}:${encodeURIComponent(reveal(token.basic.clientSecret))}`).toString('base64')}`;
  }
  let status: number;
  let text: string;
  try {
    const answer = await request(token.tokenUrl, { method: 'POST', headers, body: form.toString(), signal: AbortSignal.timeout(token.timeoutMs ?? 10_000), ...(token.dispatcher ? { dispatcher: token.dispatcher } : {}) });
    status = answer.statusCode;
    text = await answer.body.text();
  } catch (error) {
    throw upstreamUnavailable(`${token.system} token endpoint`, (error as { code?: string }).code ?? (error as Error).name);
  }
  let parsed: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // A non-JSON refusal (an HTML error page) still fails below with the status.
  }
  if (status !== 200 || typeof parsed.access_token !== 'string') {
    // Issuers quote what they were sent (WSO2: "...could not be found for client_id: <key>").
    const sent = [...Object.values(token.form), ...(token.basic ? [token.basic.clientId, token.basic.clientSecret] : [])].filter((v) => typeof v !== 'string').map(reveal);
    throw upstreamAuthFailed({
      system: token.system,
      code: typeof parsed.error === 'string' ? parsed.error : `HTTP ${status}`,
      ...(typeof parsed.error_description === 'string' ? { message: redactText(parsed.error_description, sent) } : {}),
    }, `${token.system} refused the gateway's token request.`);
  }
  const expiresIn = Number(parsed.expires_in);
  return { value: parsed.access_token, expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 300 };
}

/**
 * Reads the named credentials at once. Missing configuration is an auth failure the Dinas must
 * fix (UPSTREAM_AUTH_FAILED naming the setting), not an internal error.
 */
export async function readCredentials<Name extends string>(credentials: Credentials, names: readonly Name[], system: string): Promise<Record<Name, Secret>> {
  try {
    const values = await Promise.all(names.map((name) => credentials.get(name)));
    return Object.fromEntries(names.map((name, i) => [name, values[i]])) as Record<Name, Secret>;
  } catch (error) {
    if (error instanceof MissingCredential) throw upstreamAuthFailed({ system, message: error.message }, `The gateway has no usable credentials for ${system}.`);
    throw error;
  }
}
