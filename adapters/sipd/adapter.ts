// SIPD (Sistem Informasi Pemerintahan Daerah, Kemendagri): planning documents pushed to SIPD and
// the RUP (procurement plan) read from it. Perbup Kuantan Singingi 33/2020 Pasal 17 names SIPD
// the shared application for regional planning and finance; docs/integrations/sipd.md has the
// upstream facts, their public sources and what is still to be confirmed with Kemendagri.
import { defineAdapter } from '../../gateway/adapter-api/index.ts';
import { runMapped } from '../kit/run-mapped.ts';
import { redactProblem, redactValues } from '../kit/redact.ts';
import { credentialNames, SipdCallAuth } from './auth.ts';
import { system } from './errors.ts';
import { mappings } from './mapping.ts';
import type { SipdSettings } from './types.ts';

/** JSON Schema of the contract's `adapter:` block. */
export const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kodepemda'],
  properties: {
    kodepemda: { type: 'string', pattern: '^[0-9]{4}$', description: 'Kode pemda, 4 digits (Permendagri 137/2017), e.g. 1499' },
    kodewil: { type: 'string', pattern: '^[0-9]{2,10}$', description: 'Region code for vSIRUP `kodewil`; defaults to kodepemda' },
  },
} as const;

export default defineAdapter<SipdSettings>({
  name: 'sipd',
  operations: Object.keys(mappings),
  credentials: credentialNames,
  settingsSchema,
  create(env) {
    if (!env.upstreamUrl) throw new Error(`the sipd adapter needs an upstream URL (upstreams.${env.upstreamName}.url or the contract's upstream.url)`);
    const client = env.upstreamClient({ system });
    return {
      async execute(call) {
        const mapping = mappings[call.operation];
        if (!mapping) throw new Error(`the sipd adapter has no operation ${call.operation}`);
        // A fresh auth per call: it knows which secrets this call revealed, so any echo of them in
        // SIPD's answer (a receipt's log, a refusal's message) is taken out before it leaves.
        const auth = new SipdCallAuth(env.credentials);
        try {
          const answer = await runMapped(call, mapping, client, auth);
          return { ...answer, body: redactValues(answer.body, auth.revealed) };
        } catch (error) {
          throw redactProblem(error, auth.revealed);
        }
      },
      close: () => client.close(),
    };
  },
});
