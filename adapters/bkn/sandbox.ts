import { defineSandbox } from '../../gateway/adapter-api/index.ts';
import { credentialNames } from './auth.ts';
import { startBknSimulator } from './simulator.ts';

export default defineSandbox({
  upstream: 'bkn-siasn',
  demoPort: 9101,
  credentials: credentialNames,
  demoClients: [
    { clientId: 'bkpsdm-simpeg', name: 'SIMPEG BKPSDM', department: 'BKPSDM', clearance: 'terbatas', scopes: ['bkn.read', 'bkn.write'] },
  ],
  start: ({ host, port, credentials }) => startBknSimulator({ host, port, credentials }),
});
