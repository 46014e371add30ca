import type { Dispatcher } from 'undici';
import { exchange, httpUrl, parseJson } from './http.ts';
import { CliFailure, exitCodes, oneLine } from './output.ts';

export interface ClientCredentials { issuer: string; clientId: string; secret: string }

/** The issuer's token endpoint and how it takes the client's secret, from its discovery document (OIDC Discovery 1.0). */
async function tokenEndpoint(dispatcher: Dispatcher, issuer: URL): Promise<{ url: URL; authMethod: 'basic' | 'post' }> {
  const where = new URL(`${issuer.href.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  const answer = await exchange(dispatcher, 'the SSO', where, { method: 'GET', headers: { accept: 'application/json' } });
  const document = parseJson(answer) as { token_endpoint?: unknown; token_endpoint_auth_methods_supported?: unknown } | undefined;
  // A discovery document that is missing or not JSON means the issuer is wrong or down: the SSO is not there to ask.
  if (answer.status !== 200 || typeof document?.token_endpoint !== 'string') {
    throw new CliFailure(exitCodes.unreachable, `the SSO's discovery document ${where.href} answered HTTP ${answer.status}${answer.status === 200 ? ' without a token_endpoint' : ''}`);
  }
  const methods = Array.isArray(document.token_endpoint_auth_methods_supported) ? document.token_endpoint_auth_methods_supported : [];
  // client_secret_basic is the default (RFC 8414 2.); the form is used only where the issuer takes nothing else.
  const authMethod = methods.length > 0 && !methods.includes('client_secret_basic') && methods.includes('client_secret_post') ? 'post' : 'basic';
  return { url: httpUrl(document.token_endpoint, 'the SSO\'s token_endpoint'), authMethod };
}

/**
 * An access token by the client-credentials grant (RFC 6749 4.4). The secret goes only into the
 * request: should the issuer quote it back in an error, it is cut out of the line printed.
 */
export async function clientCredentialsToken(dispatcher: Dispatcher, credentials: ClientCredentials): Promise<string> {
  const { url, authMethod } = await tokenEndpoint(dispatcher, httpUrl(credentials.issuer, 'the SSO issuer'));
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (authMethod === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.secret)}`).toString('base64')}`;
  } else {
    form.set('client_id', credentials.clientId);
    form.set('client_secret', credentials.secret);
  }
  const answer = await exchange(dispatcher, 'the SSO', url, { method: 'POST', headers, body: form.toString() });
  const document = parseJson(answer) as { access_token?: unknown; error?: unknown; error_description?: unknown } | undefined;
  if (answer.status === 200 && typeof document?.access_token === 'string') return document.access_token;
  const said = [document?.error, document?.error_description].filter((part): part is string => typeof part === 'string' && part !== '').join(': ');
  const reason = oneLine((said || `HTTP ${answer.status}`).split(credentials.secret).join('[secret]'), 500);
  if (answer.status >= 400 && answer.status < 500) throw new CliFailure(exitCodes.refused, `the SSO refused the client credentials of ${credentials.clientId}: ${reason}`);
  throw new CliFailure(exitCodes.unreachable, `the SSO's token endpoint failed (HTTP ${answer.status}): ${reason}`);
}
