// SPLP (Sistem Penghubung Layanan Pemerintah), the national government API gateway run on WSO2
// API Manager: a generic adapter. Any API published on SPLP is consumed by a contract with
// `forwarding: splp` whose `adapter:` block names the tenant, context, version and, per
// operation, the SPLP resource. The region's own APIs go the other way with `export.ts`.
import { defineAdapter, upstreamUnavailable } from '../../gateway/adapter-api/index.ts';
import { runMapped } from '../kit/run-mapped.ts';
import { oauth2Credentials, SplpAuthenticators } from './auth.ts';
import { registerSplpCommands } from './cli.ts';
import { splpMapping } from './mapping.ts';
import { checkSplpContract, settingsSchema, system, type SplpSettings } from './settings.ts';

export default defineAdapter<SplpSettings>({
  name: 'splp',
  // Generic: the operations are whatever each contract declares; `checkContract` makes sure each
  // one has an SPLP resource in the contract's settings.
  operations: '*',
  // The default (oauth2) flow's; a contract with `auth: apikey` reads `apiKey` instead.
  credentials: oauth2Credentials,
  settingsSchema,
  checkContract: checkSplpContract,
  cli: registerSplpCommands,
  create(env) {
    if (!env.upstreamUrl) {
      // A contract without `upstream:` and no `upstreams.<name>.url`: every call says so.
      return { execute: () => Promise.reject(upstreamUnavailable(system, `no URL configured for upstream ${env.upstreamName}`)) };
    }
    const client = env.upstreamClient({ system });
    const authenticators = new SplpAuthenticators(env);
    return {
      execute: (call) => runMapped(call, splpMapping, client, authenticators.for(call.settings)),
      close: () => client.close(),
    };
  },
});
