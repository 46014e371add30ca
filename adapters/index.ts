import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const adaptersDir = fileURLToPath(new URL('.', import.meta.url));

/**
 * Adapter names available to contracts' `forwarding`: each folder under adapters/ that has an
 * `adapter.ts`. The adapter model itself (toUpstream / fromUpstream, upstream auth) arrives with
 * the national-system adapters; until then every contract forwards as `passthrough`.
 */
export function knownAdapters(directory = adaptersDir): Set<string> {
  return new Set(
    readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(`${directory}/${entry.name}/adapter.ts`))
      .map((entry) => entry.name),
  );
}
