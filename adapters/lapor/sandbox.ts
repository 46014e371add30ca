import { defineSandbox } from '../../gateway/adapter-api/index.ts';
import { startLaporSimulator } from './simulator.ts';

/** One simulated day per real minute: a complaint submitted in the demo is verified a minute later. */
const demoTimeScale = 24 * 60;

export default defineSandbox({
  upstream: 'sp4n-lapor',
  demoPort: 9102,
  credentials: ['token'],
  demoClients: [
    { clientId: 'inspektorat-pengaduan', name: 'Aplikasi Pengaduan Inspektorat', department: 'Inspektorat', clearance: 'terbatas', scopes: ['lapor.read', 'lapor.write'] },
  ],
  start: ({ host, port, credentials }) => startLaporSimulator({ host, port, token: credentials.token!, timeScale: demoTimeScale, seedDocumented: true }),
});
