import { defineSandbox } from '../../gateway/adapter-api/index.ts';
import { startSandboxUpstream } from './simulator.ts';

export default defineSandbox({
  upstream: 'sandbox',
  demoPort: 9100,
  demoClients: [
    { clientId: 'bkpsdm-simpeg', name: 'SIMPEG BKPSDM', department: 'BKPSDM', clearance: 'terbatas', scopes: ['sandbox.read', 'sandbox.write'] },
    { clientId: 'dinkes-sik', name: 'Sistem Informasi Kesehatan', department: 'Dinas Kesehatan', clearance: 'publik', scopes: ['sandbox.read'] },
  ],
  start: ({ host, port }) => startSandboxUpstream({ host, port }),
});
