import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AdapterDescriptor, AdapterModule, SandboxModule } from '../gateway/adapter-api/index.ts';

/** The adapters shipped with the gateway: the folders beside this file. */
export const bundledAdaptersDir = fileURLToPath(new URL('.', import.meta.url));

export interface DiscoveredAdapter { module: AdapterModule; dir: string }

/** Folders holding an adapter (`<dir>/<name>/adapter.ts`), bundled first, then `extra` in order. */
export function adapterFolders(extra: readonly string[] = []): Map<string, string> {
  const folders = new Map<string, string>();
  for (const root of [bundledAdaptersDir, ...extra.map((dir) => resolve(dir))]) {
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      const dir = join(root, entry.name);
      if (entry.isDirectory() && existsSync(join(dir, 'adapter.ts'))) folders.set(entry.name, dir);
    }
  }
  return folders;
}

/**
 * Imports every adapter. The folder name is the name contracts use in `forwarding`; a module
 * whose own `name` differs is refused, so a copied folder cannot silently shadow another adapter.
 */
export async function discoverAdapters(extra: readonly string[] = []): Promise<Map<string, DiscoveredAdapter>> {
  const adapters = new Map<string, DiscoveredAdapter>();
  for (const [name, dir] of adapterFolders(extra)) {
    const imported = (await import(pathToFileURL(join(dir, 'adapter.ts')).href)) as { default?: AdapterModule };
    const module = imported.default;
    if (!module || typeof module.create !== 'function') throw new Error(`${dir}/adapter.ts does not default-export an adapter (defineAdapter({...}))`);
    if (module.name !== name) throw new Error(`${dir}/adapter.ts is named "${module.name}" but lives in folder "${name}"`);
    adapters.set(name, { module, dir });
  }
  return adapters;
}

export function describeAdapters(adapters: ReadonlyMap<string, DiscoveredAdapter>): Map<string, AdapterDescriptor> {
  return new Map([...adapters].map(([name, { module }]) => [name, module]));
}

/** The simulators (`<name>/sandbox.ts`) of the bundled integrations, for the demo profile and tests. */
export async function discoverSandboxes(): Promise<Map<string, SandboxModule>> {
  const sandboxes = new Map<string, SandboxModule>();
  for (const entry of readdirSync(bundledAdaptersDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = join(bundledAdaptersDir, entry.name, 'sandbox.ts');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const imported = (await import(pathToFileURL(file).href)) as { default?: SandboxModule };
    if (!imported.default || typeof imported.default.start !== 'function') throw new Error(`${file} does not default-export a sandbox (defineSandbox({...}))`);
    sandboxes.set(entry.name, imported.default);
  }
  return sandboxes;
}
