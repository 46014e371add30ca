import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { createInterface } from 'node:readline';

/** A process the bench started; every one is stopped on exit, error or Ctrl-C. */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Last lines the process wrote to stderr, for error messages. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<Child>();

function track(name: string, proc: ChildProcess): Child {
  if (proc.pid === undefined) throw new Error(`${name}: could not be started`);
  const tail: string[] = [];
  proc.stderr?.setEncoding('utf8').on('data', (text: string) => {
    tail.push(text);
    while (tail.length > 40) tail.shift();
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  const child: Child = {
    name,
    pid: proc.pid,
    process: proc,
    stderrTail: () => tail.join('').split('\n').slice(-15).join('\n').trim(),
    async stop(graceMs = 5000) {
      children.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  children.add(child);
  proc.once('exit', () => children.delete(child));
  return child;
}

/** Stops every child still running, politely first. */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => child.stop()));
}

/** Last resort on `process.exit`: synchronous, so only SIGKILL. */
export function killAllNow(): void {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

/**
 * Forks a TypeScript helper of the bench on the same Node (type stripping) and waits for the first
 * line of JSON it prints on stdout. The IPC channel lets the helper exit when the bench dies, and
 * lets the bench ask it questions.
 */
export async function forkHelper<Hello>(name: string, script: string, args: string[], timeoutMs = 60_000, runtime?: DeployedRuntime): Promise<{ child: Child; hello: Hello }> {
  const proc = fork(script, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: runtime?.nodeFlags ?? [], ...(runtime ? { env: { ...process.env, ...runtime.env } } : {}) });
  const child = track(name, proc);
  const lines = createInterface({ input: proc.stdout! });
  try {
    const hello = await new Promise<Hello>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no answer within ${timeoutMs} ms`)), timeoutMs);
      lines.on('line', (line) => {
        if (!line.startsWith('{')) return;
        clearTimeout(timer);
        resolve(JSON.parse(line) as Hello);
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name}: exited early (${signal ?? code})\n${child.stderrTail()}`));
      });
    });
    proc.stdout!.resume();
    return { child, hello };
  } catch (error) {
    await child.stop(1000);
    throw error;
  }
}

/** Sends one message to a forked helper and waits for its answer. */
export function ask<Answer>(child: Child, message: unknown, timeoutMs = 5000): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${child.name}: no answer to ${JSON.stringify(message)}`)), timeoutMs);
    child.process.once('message', (answer) => {
      clearTimeout(timer);
      resolve(answer as Answer);
    });
    child.process.send(message as object);
  });
}

/** Starts a native program (nginx) and waits until it accepts connections on `port`. */
export async function spawnListening(name: string, command: string, args: string[], port: number, timeoutMs = 10_000): Promise<Child> {
  const proc = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    proc.once('spawn', resolve);
    proc.once('error', reject);
  });
  const child = track(name, proc);
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (proc.exitCode !== null) throw new Error(`${name}: exited early (${proc.exitCode})\n${child.stderrTail()}`);
    if (Date.now() > deadline) {
      await child.stop(1000);
      throw new Error(`${name}: not listening on ${port} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A loopback port free at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** How the gateway's node is started in production: its environment and its own command-line flags. */
export interface DeployedRuntime {
  env: Record<string, string>;
  /** The flags of `ExecStart=` between the node binary and the script (V8 flags NODE_OPTIONS refuses). */
  nodeFlags: string[];
}

/**
 * The `Environment=` lines and the node flags of `ExecStart=` in the systemd unit the gateway is
 * deployed with, so the bench measures the gateway as it runs in production (malloc and V8 heap
 * settings change its resident memory).
 */
export function deployedRuntime(unitFile: string): DeployedRuntime {
  const runtime: DeployedRuntime = { env: {}, nodeFlags: [] };
  for (const line of readFileSync(unitFile, 'utf8').split('\n')) {
    const setting = /^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (setting) runtime.env[setting[1]!] = setting[2]!;
    const start = /^ExecStart=\S+\s+(.*)$/.exec(line.trim());
    if (start) {
      const words = start[1]!.split(/\s+/);
      const script = words.findIndex((word) => !word.startsWith('--'));
      runtime.nodeFlags = script < 0 ? words : words.slice(0, script);
    }
  }
  return runtime;
}
