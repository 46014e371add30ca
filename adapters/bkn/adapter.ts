// BKN SIASN (national civil service information system): employee data and position changes of
// the Pemda's civil servants, Perbup 004 Pasal 15(2). Canonical API under /bkn/v1, see
// contracts/bkn/bkn-siasn.yaml and docs/integrations/bkn.md.
import { defineAdapter, type AdapterCall, type CanonicalResponse, type UpstreamRequest, type UpstreamResponse } from '../../gateway/adapter-api/index.ts';
import { sendAuthorized } from '../kit/run-mapped.ts';
import { credentialNames, SiasnAuth } from './auth.ts';
import { system } from './errors.ts';
import { employeeLookup, positionChangeFrom, readMappings, savePositionMapping } from './mapping.ts';
import { settingsSchema, tokenEndpoints, type BknSettings } from './settings.ts';

const operations = [...Object.keys(readMappings), 'savePosition'];

export default defineAdapter<BknSettings>({
  name: 'bkn',
  operations,
  credentials: credentialNames,
  settingsSchema,
  create(env) {
    if (!env.upstreamUrl) throw new Error('the bkn adapter needs an upstream URL (contract upstream.url)');
    const upstreamUrl = env.upstreamUrl;
    const client = env.upstreamClient({ system });
    // One pair of token caches per set of token endpoints: contracts sharing the upstream share them.
    const auths = new Map<string, SiasnAuth>();
    const authFor = (settings: BknSettings): SiasnAuth => {
      const endpoints = tokenEndpoints(settings, upstreamUrl);
      const key = `${endpoints.tokenUrl} ${endpoints.ssoTokenUrl} ${settings.ssoClientId}`;
      let auth = auths.get(key);
      if (!auth) {
        auth = new SiasnAuth({ credentials: env.credentials, ...endpoints, ssoClientId: settings.ssoClientId, timeoutMs: env.timeoutMs, log: env.log, dispatcher: env.dispatcher });
        auths.set(key, auth);
      }
      return auth;
    };

    /** Both tokens on every call; `sendAuthorized` retries once per refused token (both may have expired). */
    const exchange = (request: UpstreamRequest, call: AdapterCall<BknSettings>): Promise<UpstreamResponse> =>
      sendAuthorized(request, call, client, authFor(call.settings));

    async function savePosition(call: AdapterCall<BknSettings>): Promise<CanonicalResponse> {
      const change = positionChangeFrom(call);
      // SIASN saves against its own person id (pnsId) and the instansi, both read from data-utama.
      const employee = employeeLookup.fromUpstream(await exchange(employeeLookup.toUpstream(change.nip), call));
      const response = await exchange(savePositionMapping.toUpstream(change, employee), call);
      return savePositionMapping.fromUpstream(response, change);
    }

    return {
      async execute(call) {
        if (call.operation === 'savePosition') return savePosition(call);
        const mapping = readMappings[call.operation];
        if (!mapping) throw new Error(`bkn adapter has no operation ${call.operation}`);
        const request = mapping.toUpstream(call);
        return mapping.fromUpstream(await exchange(request, call), call);
      },
      close: () => client.close(),
    };
  },
});
