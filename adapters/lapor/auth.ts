// LAPOR!'s credential: one GUID token issued to the region, sent inside every request body (the
// `token` attribute of `<lapor>`, the `KEYTOKEN` parameter of gettopics). There is nothing to fetch
// or refresh: it is read from its secret reference at each call, so a rotated secret file is used
// from the next call on, and it stays a Secret until the wire module puts it in the body.
import type { Credentials, Secret } from '../../gateway/adapter-api/index.ts';
import { readCredentials } from '../kit/oauth2.ts';
import { system } from './errors.ts';

export const credentialNames = ['token'] as const;

/** The region's token; a missing reference or file is UPSTREAM_AUTH_FAILED naming the setting. */
export async function readToken(credentials: Credentials): Promise<Secret> {
  const { token } = await readCredentials(credentials, credentialNames, system);
  return token;
}
