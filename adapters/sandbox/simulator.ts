import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

/**
 * The sandbox upstream of the demo and the tests: a small "direktori perangkat daerah" and letter
 * registry service, standing in for a department's own application behind the gateway.
 */
export interface SandboxUpstream {
  url: string;
  port: number;
  /** Requests received, for tests asserting that nothing reached the upstream. */
  hits: number;
  lastRequest: { method: string; url: string; headers: IncomingHttpHeaders; body: string } | undefined;
  /** Delay before answering, to play a slow upstream. */
  delayMs: number;
  close(): Promise<void>;
}

const units = [
  { kode: '1.01', nama: 'Dinas Pendidikan', singkatan: 'Disdik', urusan: 'Pendidikan' },
  { kode: '1.02', nama: 'Dinas Kesehatan', singkatan: 'Dinkes', urusan: 'Kesehatan' },
  { kode: '2.16', nama: 'Dinas Komunikasi dan Informatika', singkatan: 'Diskominfo', urusan: 'Komunikasi dan Informatika' },
  { kode: '4.03', nama: 'Badan Kepegawaian dan Pengembangan Sumber Daya Manusia', singkatan: 'BKPSDM', urusan: 'Kepegawaian' },
];

export async function startSandboxUpstream(options: { host?: string; port?: number; delayMs?: number } = {}): Promise<SandboxUpstream> {
  let letters = 0;
  const state: SandboxUpstream = { url: '', port: 0, hits: 0, lastRequest: undefined, delayMs: options.delayMs ?? 0, close: () => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.hits++;
      const body = Buffer.concat(chunks).toString('utf8');
      state.lastRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      const answer = (status: number, payload: unknown) => {
        const bytes = Buffer.from(JSON.stringify(payload));
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
        res.end(bytes);
      };
      const route = () => {
        const url = new URL(req.url ?? '/', 'http://sandbox');
        const path = url.pathname.replace(/^\/api/, '');
        if (req.method === 'GET' && path === '/perangkat-daerah') {
          const q = url.searchParams.get('q')?.toLowerCase();
          return answer(200, { data: q ? units.filter((u) => u.nama.toLowerCase().includes(q)) : units });
        }
        const one = /^\/perangkat-daerah\/([^/]+)$/.exec(path);
        if (req.method === 'GET' && one) {
          const unit = units.find((u) => u.kode === decodeURIComponent(one[1]!));
          return unit ? answer(200, unit) : answer(404, { message: 'perangkat daerah tidak ditemukan' });
        }
        if (req.method === 'POST' && path === '/surat') {
          letters++;
          const parsed = JSON.parse(body) as { perihal: string };
          return answer(201, {
            nomorAgenda: `${String(letters).padStart(5, '0')}/SANDBOX/${new Date().getFullYear()}`,
            perihal: parsed.perihal,
            diterima: new Date().toISOString(),
            sha256: createHash('sha256').update(body).digest('hex'),
          });
        }
        if ((req.method === 'POST' || req.method === 'PATCH') && path === '/echo') {
          res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' });
          // ?dripMs=N: the body in eight pieces N ms apart, an answer that streams for a while.
          const dripMs = Number(url.searchParams.get('dripMs') ?? 0);
          if (!(dripMs > 0)) return res.end(body);
          const bytes = Buffer.from(body);
          const piece = Math.ceil(bytes.length / 8);
          const drip = (from: number): void => {
            if (from >= bytes.length) return void res.end();
            res.write(bytes.subarray(from, from + piece));
            setTimeout(drip, dripMs, from + piece);
          };
          return drip(0);
        }
        return answer(404, { message: 'not found' });
      };
      if (state.delayMs > 0) setTimeout(route, state.delayMs);
      else route();
    });
  });
  server.keepAliveTimeout = 70_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://${options.host ?? '127.0.0.1'}:${state.port}/api`;
  state.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return state;
}
