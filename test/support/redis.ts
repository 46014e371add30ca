/**
 * Runs a real, throw-away Redis server for integration and chaos tests.
 *
 *   const redis = await startRedis();   // redis-server on a free 127.0.0.1 port, answers PING
 *   new Redis(redis.url);               // redis://127.0.0.1:PORT
 *   await redis.kill();                 // SIGKILL: "Redis crashed" (no goodbye to clients)
 *   await redis.start();                // same port again, empty (no persistence)
 *   await redis.stop();                 // clean shutdown; start() works again afterwards
 *   redis.freeze(); redis.thaw();       // SIGSTOP / SIGCONT: a hung server (silent partition)
 *
 * Uses the Debian `redis-server` binary (/usr/bin/redis-server or on PATH). No persistence
 * (`--save '' --appendonly no`, so it writes no files), loopback only.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { onFreePort, serverProcess } from './server-process.ts';

export interface RedisServer {
  /** Connection URL for ioredis, e.g. redis://127.0.0.1:6390 */
  url: string;
  port: number;
  /** Starts the server (again) on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Clean shutdown (SIGTERM); resolves when the process is gone. */
  stop(): Promise<void>;
  /** Crash (SIGKILL); resolves when the process is gone. */
  kill(): Promise<void>;
  /** Hang (SIGSTOP): connections stay open but nothing is answered, like a silent network partition. */
  freeze(): void;
  /** Undo freeze() (SIGCONT). */
  thaw(): void;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export async function startRedis(): Promise<RedisServer> {
  const binary = findRedisServer();
  let output = '';
  const redis = serverProcess({
    name: 'redis-server',
    spawn: () => {
      output = '';
      const proc = spawn(
        binary,
        ['--port', String(server.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir(), '--daemonize', 'no', '--loglevel', 'warning'],
        { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
      };
      proc.stdout?.on('data', collect);
      proc.stderr?.on('data', collect);
      return proc;
    },
    ready: () => answersPing(server.port),
    readyTimeoutMs: READY_TIMEOUT_MS,
    pollMs: 20,
    output: () => output,
    killSignal: 'SIGKILL',
  });
  const end = (signal: NodeJS.Signals) => {
    redis.signal('SIGCONT'); // a frozen server would not act on SIGTERM
    return redis.end(signal, 'SIGKILL', STOP_TIMEOUT_MS);
  };

  const server: RedisServer = {
    url: '',
    port: 0,
    start: () => redis.start(),
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    freeze: () => redis.signal('SIGSTOP'),
    thaw: () => redis.signal('SIGCONT'),
  };

  return onFreePort(async (port) => {
    server.port = port;
    server.url = `redis://127.0.0.1:${port}`;
    await server.start();
    return server;
  }, /in use|could not create server|bind/i);
}

function findRedisServer(): string {
  const candidates = ['/usr/bin/redis-server', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'redis-server'))];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error('redis-server not found in /usr/bin or on PATH: install the Debian package redis-server (apt-get install -y redis-server)');
  return found;
}

/** Sends an inline PING and waits for +PONG (a loading server answers -LOADING instead). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}
