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
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.ts';

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

/** Servers still running when the test process exits are killed (best effort). */
const live = new Set<{ proc?: ChildProcess }>();
process.on('exit', () => {
  for (const server of live) server.proc?.kill('SIGKILL');
});

export async function startRedis(): Promise<RedisServer> {
  const binary = findRedisServer();
  const state: { proc?: ChildProcess; exited?: Promise<void>; output: string } = { output: '' };
  live.add(state);
  let port = 0;

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const { proc, exited } = state;
    if (!proc || !exited) return;
    proc.kill('SIGCONT'); // a frozen server would not act on SIGTERM
    proc.kill(signal);
    const escalate = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(escalate);
  };

  const server: RedisServer = {
    url: '',
    port: 0,

    async start() {
      if (state.proc) return;
      state.output = '';
      const proc = spawn(
        binary,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir(), '--daemonize', 'no', '--loglevel', 'warning'],
        { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const collect = (chunk: Buffer) => {
        state.output = (state.output + chunk.toString()).slice(-4000);
      };
      proc.stdout?.on('data', collect);
      proc.stderr?.on('data', collect);
      proc.unref(); // a forgotten server must not keep the test process alive (the exit hook kills it)
      state.proc = proc;
      let dead = false;
      state.exited = new Promise<void>((resolve) => {
        const done = () => {
          dead = true;
          if (state.proc === proc) state.proc = undefined;
          resolve();
        };
        proc.once('exit', done);
        proc.once('error', done);
      });

      const deadline = Date.now() + READY_TIMEOUT_MS;
      while (!(await answersPing(port))) {
        if (dead) throw new Error(`redis-server exited during start-up (port ${port}):\n${state.output}`);
        if (Date.now() > deadline) {
          await end('SIGKILL');
          throw new Error(`redis-server did not answer PING within ${READY_TIMEOUT_MS} ms:\n${state.output}`);
        }
        await sleep(20);
      }
    },

    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    freeze: () => void state.proc?.kill('SIGSTOP'),
    thaw: () => void state.proc?.kill('SIGCONT'),
  };

  // Another process may take the free port before redis-server binds it: retry.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    server.port = port;
    server.url = `redis://127.0.0.1:${port}`;
    try {
      await server.start();
      return server;
    } catch (error) {
      if (attempt >= 3 || !/in use|could not create server|bind/i.test(String(error))) throw error;
    }
  }
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
