/**
 * The life of a throw-away server process the tests run (PostgreSQL, redis-server): started,
 * waited for until it answers, ended with a signal (escalated if it lingers), started again on
 * the same port; killed when the test process exits.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.ts';

export interface ServerProcessOptions {
  /** For error messages: "PostgreSQL", "redis-server". */
  name: string;
  /** Starts the process (its stdio already arranged). */
  spawn: () => ChildProcess;
  /** True once the server answers. */
  ready: () => Promise<boolean>;
  readyTimeoutMs: number;
  pollMs: number;
  /** The end of the server's output, for the errors. */
  output: () => string;
  /** The signal that ends it at once: a start that times out, a test process exiting with it up. */
  killSignal: NodeJS.Signals;
  /** Run after `killSignal` when the test process exits (removing files left behind). */
  onTestExit?: () => void;
}

export interface ServerProcess {
  readonly running: boolean;
  /** Starts the process unless it runs, and waits until it answers; ended again if it does not. */
  start(): Promise<void>;
  /** Sends `signal` (then `escalation` after `afterMs`) and resolves once the process is gone. */
  end(signal: NodeJS.Signals, escalation: NodeJS.Signals, afterMs: number): Promise<void>;
  /** Sends a signal to the running process, if any. */
  signal(signal: NodeJS.Signals): void;
  /** Forgets it (once it has been ended): the test process's exit no longer concerns it. */
  forget(): void;
}

const live = new Set<{ proc?: ChildProcess; options: ServerProcessOptions }>();
process.on('exit', () => {
  for (const server of live) {
    server.proc?.kill(server.options.killSignal);
    server.options.onTestExit?.();
  }
});

export function serverProcess(options: ServerProcessOptions): ServerProcess {
  const state: { proc?: ChildProcess; exited?: Promise<void>; options: ServerProcessOptions } = { options };
  live.add(state);

  const end = async (signal: NodeJS.Signals, escalation: NodeJS.Signals, afterMs: number) => {
    const { proc, exited } = state;
    if (!proc || !exited) return;
    proc.ref(); // keep the event loop alive until the server is down
    proc.kill(signal);
    const escalate = setTimeout(() => proc.kill(escalation), afterMs);
    await exited;
    clearTimeout(escalate);
  };

  return {
    get running() {
      return state.proc !== undefined;
    },
    async start() {
      if (state.proc) return;
      const proc = options.spawn();
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
        proc.once('error', done); // e.g. the binary could not be executed
      });
      const deadline = Date.now() + options.readyTimeoutMs;
      while (!(await options.ready())) {
        if (dead) throw new Error(`${options.name} exited during start-up:\n${options.output()}`);
        if (Date.now() > deadline) {
          await end(options.killSignal, options.killSignal, 0);
          throw new Error(`${options.name} did not answer within ${options.readyTimeoutMs} ms:\n${options.output()}`);
        }
        await sleep(options.pollMs);
      }
    },
    end,
    signal(signal) {
      state.proc?.kill(signal);
    },
    forget() {
      live.delete(state);
    },
  };
}

/**
 * Starts a server on a free port. Another process may take the port between the look-up and the
 * server's bind: `start` is tried again (three times at most) when its error matches `bindError`.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, bindError: RegExp): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (error) {
      if (attempt >= 3 || !bindError.test(String(error))) throw error;
    }
  }
}
