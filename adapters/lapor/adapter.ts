// SP4N-LAPOR! (Perbup 004 Pasal 21): PD applications submit public complaints and follow them
// through the LAPOR! workflow with one canonical JSON API; wire.ts alone speaks LAPOR!'s XML.
import { Problem, defineAdapter, type AdapterCall, type CanonicalResponse } from '../../gateway/adapter-api/index.ts';
import { credentialNames, readToken } from './auth.ts';
import { system } from './errors.ts';
import { mappings, type LaporOperationId } from './mapping.ts';

export default defineAdapter({
  name: 'lapor',
  operations: Object.keys(mappings),
  credentials: credentialNames,
  create(env) {
    if (!env.upstreamUrl) throw new Error(`upstream ${env.upstreamName} has no URL (upstreams.${env.upstreamName}.url)`);
    const client = env.upstreamClient({ system });
    return {
      async execute(call: AdapterCall): Promise<CanonicalResponse> {
        const mapping = mappings[call.operation as LaporOperationId];
        const token = (await readToken(env.credentials)).reveal();
        // No retry: a complaint sent twice would be two complaints at LAPOR!.
        const response = await client.send(mapping.toUpstream(call, token), call);
        try {
          return mapping.fromUpstream(response, call, token);
        } catch (error) {
          // Codes only: LAPOR!'s messages may quote the complaint, and bodies are never logged.
          if (error instanceof Problem && error.code === 'UPSTREAM_AUTH_FAILED') env.log.warn({ reqId: call.requestId, httpStatus: response.status }, 'SP4N-LAPOR! refused the region token');
          else if (error instanceof Problem) env.log.debug({ reqId: call.requestId, operation: call.operation, code: error.code, httpStatus: response.status }, 'SP4N-LAPOR! answer mapped to a problem');
          throw error;
        }
      },
      close: () => client.close(),
    };
  },
});
