/**
 * Vitest's global set-up: the Debian packages whose programs the tests run (real PostgreSQL and
 * Redis servers, openssl and curl as TLS clients, mount and chattr for the embedded store's disk
 * faults, Chromium for the docs page). `npm ci && npm test` on a fresh Debian machine as root
 * installs what is missing with apt-get, as `.ci/run` does; elsewhere the run stops at once,
 * naming the packages, rather than failing test by test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A package and how to tell it is there: a program on the PATH or a path that exists. */
export interface NeededPackage { name: string; present: () => boolean }

const searchPath = () => [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin'].filter(Boolean);
const onPath = (program: string) => () => searchPath().some((dir) => existsSync(join(dir, program)));
const postgresServer = () => {
  try {
    return readdirSync('/usr/lib/postgresql').some((version) => existsSync(join('/usr/lib/postgresql', version, 'bin', 'postgres')));
  } catch {
    return onPath('postgres')();
  }
};

export const neededPackages: NeededPackage[] = [
  { name: 'postgresql', present: postgresServer },
  { name: 'redis-server', present: onPath('redis-server') },
  { name: 'openssl', present: onPath('openssl') },
  { name: 'curl', present: onPath('curl') },
  { name: 'e2fsprogs', present: onPath('chattr') },
  { name: 'mount', present: onPath('mount') },
  // The docs page rendered under its Content-Security-Policy (test/docs-page-browser.test.ts).
  { name: 'chromium', present: onPath('chromium') },
  // `promtool check metrics` on GET /metrics (test/metrics.test.ts).
  { name: 'prometheus', present: onPath('promtool') },
];

export function missingPackages(packages: readonly NeededPackage[] = neededPackages): string[] {
  return packages.filter((p) => !p.present()).map((p) => p.name);
}

export default function setup(): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !onPath('apt-get')()) {
    throw new Error(`the tests need the Debian packages ${missing.join(', ')}: install them (${command}) and run again`);
  }
  process.stderr.write(`test set-up: installing the Debian packages ${missing.join(', ')} (${command})\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
  // A package may start its daemon; the tests start their own servers on free ports.
  for (const service of ['postgresql', 'redis-server']) {
    if (!missing.includes(service) || !onPath('service')()) continue;
    try {
      execFileSync('service', [service, 'stop'], { stdio: 'ignore' });
    } catch {
      // Not started (no init system in a container): nothing to stop.
    }
  }
  const still = missingPackages();
  if (still.length > 0) throw new Error(`apt-get ran, yet ${still.join(', ')} are still missing`);
}
