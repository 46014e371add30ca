/**
 * Starts test/support/gateway-process.ts as a child process and kills it the way a test wants:
 * SIGKILL (the machine lost power, the OOM killer) or SIGTERM (a deploy). Every child started here
 * is tracked so `killAllGatewayChildren()` in afterEach/afterAll leaves none behind.
 *
 *   const gw = await startGatewayChild({ dataDir, ... });   // resolves on its ready line
 *   await gw.kill('SIGKILL');                                // resolves once it has exited
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ConsumerInput } from '../../gateway/registry/repository.ts';

const script = fileURLToPath(new URL('./gateway-process.ts', import.meta.url));
const running = new Set<ChildProcess>();

export interface GatewayChild {
  pid: number;
  url: string;
  admin: string;
  /** Milliseconds from the child's start to its ready line, as the child measured them. */
  readyMs: number;
  /** Milliseconds from spawn to the ready line, as the test saw them (node start-up included). */
  spawnToReadyMs: number;
  /** Everything the child wrote to stderr (its pino lines), for assertions and failure messages. */
  logs(): string;
  /** Sends the signal and waits for the exit: the exit code (null when a signal ended it) and the signal. */
  kill(signal: 'SIGKILL' | 'SIGTERM', timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startGatewayChild(options: { config: Record<string, unknown>; consumers?: ConsumerInput[]; timeoutMs?: number }): Promise<GatewayChild> {
  const started = performance.now();
  const child = spawn(process.execPath, [script, '--config', JSON.stringify(options.config), '--consumers', JSON.stringify(options.consumers ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Not the runner's NODE_OPTIONS (an --inspect there would make the child fight for its port).
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timeoutMs = options.timeoutMs ?? 20_000;
  const hello = await new Promise<{ pid: number; url: string; admin: string; readyMs: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway child not ready within ${timeoutMs} ms:\n${stderr.slice(-3000)}`)), timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { pid: number; url: string; admin: string; readyMs: number });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gateway child exited (${code ?? signal}) before it was ready:\n${stderr.slice(-3000)}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    ...hello,
    spawnToReadyMs: Math.round(performance.now() - started),
    logs: () => stderr,
    async kill(signal, killTimeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`gateway child did not exit within ${killTimeoutMs} ms of ${signal}:\n${stderr.slice(-3000)}`));
        }, killTimeoutMs);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** SIGKILL for every child still running (afterEach / afterAll): a failed test leaves no gateway behind. */
export async function killAllGatewayChildren(): Promise<void> {
  await Promise.all([...running].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}
