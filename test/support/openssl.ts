import { spawnSync } from 'node:child_process';

/** Real openssl: stdout and stderr together, and the exit status (for certificates made by certs/). */
export function openssl(args: string[]): { status: number | null; out: string } {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}
