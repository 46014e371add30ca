import { defineSandbox } from '../../gateway/adapter-api/index.ts';
import { demoDocument } from './demo-document.ts';
import { feedPath } from './feed.ts';
import { startJdihnHarvester } from './simulator.ts';

/**
 * JDIHN in the demo: no upstream to stand in for, but a harvester pulling the gateway's public
 * feed every minute, as JDIHN pulls its members. `GET http://127.0.0.1:9103/` shows its last
 * report; `POST /harvest` harvests now.
 */
export default defineSandbox({
  upstream: null,
  demoPort: 9103,
  credentials: [],
  demoClients: [
    { clientId: 'bagian-hukum-jdih', name: 'JDIH Bagian Hukum', department: 'Bagian Hukum Setda', clearance: 'publik', scopes: ['jdihn.read', 'jdihn.write'] },
  ],
  demoRequests: [{ clientId: 'bagian-hukum-jdih', method: 'PUT', path: `/jdihn/v1/dokumen/${demoDocument.id}`, body: demoDocument }],
  start: ({ host, port, publicUrl }) => startJdihnHarvester({ feedUrl: `${publicUrl}${feedPath}`, host, port, intervalMs: 60_000 }),
});
