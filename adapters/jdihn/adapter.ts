// JDIHN (Jaringan Dokumentasi dan Informasi Hukum Nasional) harvests its member sites: the
// region's legal documents are registered here by the legal division's JDIH application and
// published as the JDIHN integration feed on the gateway's public listener. No upstream: the
// gateway's store is the system of record, and the contract names no `upstream:`.
import { defineAdapter } from '../../gateway/adapter-api/index.ts';
import { feedRoute } from './feed.ts';
import { documentOperations } from './operations.ts';

export const operationIds = ['registerDocument', 'updateDocument', 'getDocument', 'listDocuments'] as const;

export default defineAdapter({
  name: 'jdihn',
  operations: operationIds,
  create(env) {
    const operations = documentOperations(env.documents, env.log);
    return {
      execute: (call) => {
        const operation = operations[call.operation];
        // The contract loader refuses operations this adapter does not list, so this is a guard only.
        if (!operation) throw new Error(`jdihn adapter has no operation ${call.operation}`);
        return operation(call);
      },
      publicRoutes: [feedRoute(env.documents)],
    };
  },
});
