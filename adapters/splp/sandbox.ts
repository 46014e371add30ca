import { defineSandbox } from '../../gateway/adapter-api/index.ts';
import { startSplpSim } from './simulator.ts';

/** A WSO2 API Manager gateway standing in for SPLP, with Kemendagri's kode wilayah API deployed. */
export default defineSandbox({
  upstream: 'splp',
  demoPort: 9105,
  credentials: ['consumerKey', 'consumerSecret'],
  demoClients: [{ clientId: 'diskominfo-portal', name: 'Portal Satu Data', department: 'Diskominfo', clearance: 'publik', scopes: ['splp.read'] }],
  start: ({ host, port, credentials }) => startSplpSim({ host, port, credentials }),
});
