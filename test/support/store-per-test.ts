import { rmSync } from 'node:fs';
import { afterEach } from 'vitest';
import { tempDir } from './harness.ts';

/**
 * For a describe block whose tests each open a store of their own: `dataDir()` gives a test its
 * directory and `keep()` the store it opened; after each test the store is closed (again, if the
 * test closed it: closing is idempotent) and the directory removed.
 */
export function storePerTest<S extends { close(): Promise<void> }>() {
  let store: S | undefined;
  let directory = '';
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(directory, { recursive: true, force: true });
  });
  return {
    dataDir(prefix: string): string {
      return (directory = tempDir(prefix));
    },
    keep(opened: S): S {
      return (store = opened);
    },
  };
}
