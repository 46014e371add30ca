import { defineSandbox } from '../../gateway/adapter-api/index.ts';
import { credentialNames } from './auth.ts';
import { startSipdSim } from './simulator.ts';

export default defineSandbox({
  upstream: 'sipd',
  demoPort: 9104,
  credentials: credentialNames,
  demoClients: [
    { clientId: 'bappeda-perencanaan', name: 'Aplikasi Perencanaan Bappeda', department: 'Bappeda', clearance: 'terbatas', scopes: ['sipd.read', 'sipd.write'] },
  ],
  start: ({ host, port, credentials }) => startSipdSim({ host, port, credentials }),
});
