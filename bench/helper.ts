import { parseArgs } from 'node:util';

/**
 * Plumbing shared by the bench's child processes: options from argv, the hello line on stdout,
 * and a clean exit on SIGTERM/SIGINT or when the bench that forked them goes away.
 */
export function helperOptions<const Names extends string>(names: readonly Names[]): Partial<Record<Names, string>> {
  const { values } = parseArgs({
    options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
    strict: true,
  });
  return values as Partial<Record<Names, string>>;
}

/** The demo's PD application (gateway/demo/profile.ts): a consumer of the gateway, its token from the bench's SSO. */
export const benchClient = {
  clientId: 'bkpsdm-simpeg',
  secret: 'bench-only-secret',
  name: 'SIMPEG BKPSDM',
  department: 'BKPSDM',
  clearance: 'terbatas' as const,
  scopes: ['sandbox.read', 'sandbox.write', 'bkn.read'],
};

export function hello(data: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...data })}\n`);
}

export function exitWith(close: () => Promise<void>): void {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    const hardStop = setTimeout(() => process.exit(1), 5000);
    hardStop.unref();
    close().then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Forked with an IPC channel: the bench has gone when it closes.
  if (process.send) process.once('disconnect', stop);
}
