import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { HeldWrites } from '../gateway/store/held-writes.ts';
import { StoreUnavailable } from '../gateway/errors/store-unavailable.ts';
import { LogCapture, tempDir } from './support/harness.ts';

interface Receipt { id: string; tracking: string }

/**
 * The spool and its fallbacks, with a store that is a list: the gateway-level tests
 * (store-outage.test.ts) hold real outcomes against a real PostgreSQL; these take the paths a
 * real disk will not take on demand (refusing writes, a file that cannot be read).
 */
function heldReceipts(options: { maxMemoryBytes?: number } = {}) {
  const dir = join(tempDir('held-writes-'), 'receipts');
  const logs = new LogCapture();
  const stored: Receipt[] = [];
  const store = { up: false };
  const held = new HeldWrites<Receipt>(dir, {
    what: 'receipt',
    apply: (receipt) => {
      if (!store.up) return Promise.reject(new StoreUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })));
      if (receipt.tracking === 'violates-a-check') return Promise.reject(Object.assign(new Error('new row violates check constraint'), { code: '23514' }));
      stored.push(receipt);
      return Promise.resolve();
    },
    describe: (receipt) => ({ id: receipt.id }),
    logWholeWhenLost: true,
    ...options,
  }, pino({ level: 'info' }, logs));
  const files = () => readdirSync(dir).filter((file) => !file.startsWith('.')).sort();
  /** The spool directory replaced by a file: every write under it fails (ENOTDIR), as on a broken disk. */
  const breakDisk = () => {
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory');
  };
  const mendDisk = () => rmSync(dir);
  return { held, dir, logs, stored, store, files, breakDisk, mendDisk };
}

const receipt = (n: number): Receipt => ({ id: `d-${n}`, tracking: `LAPOR-${1000 + n}` });

describe('held writes', () => {
  it('writes through while the store is up; holds on disk while it is not, and writes them in order once it is back', async () => {
    const { held, stored, store, files, logs } = heldReceipts();
    store.up = true;
    expect(await held.write(receipt(1))).toBe('written');
    expect(files()).toEqual([]);

    store.up = false;
    expect(await held.write(receipt(2))).toBe('held');
    expect(await held.write(receipt(3))).toBe('held');
    expect(files()).toHaveLength(2);
    expect(held.waiting).toBe(2);
    expect(await held.replay()).toBeInstanceOf(StoreUnavailable);
    expect(files()).toHaveLength(2);

    store.up = true;
    expect(await held.replay()).toBeUndefined();
    expect(stored).toEqual([receipt(1), receipt(2), receipt(3)]);
    expect(files()).toEqual([]);
    expect(logs.lines.filter((line) => line.includes('receipt held on disk until the store is back'))).toHaveLength(2);
    expect(logs.lines.filter((line) => line.includes('held receipts written to the store')).map((line) => JSON.parse(line).written)).toEqual([2]);
  });

  it('throws a failure that is not the store being unavailable: nothing is held', async () => {
    const { held, store, files } = heldReceipts();
    store.up = true;
    await expect(held.write({ id: 'd-9', tracking: 'violates-a-check' })).rejects.toThrow('violates check constraint');
    expect(files()).toEqual([]);
  });

  it('sets aside a held write the store rejects, and a file that cannot be read, without holding up the others', async () => {
    const { held, dir, stored, store, files, logs } = heldReceipts();
    await held.write(receipt(1));
    await held.write({ id: 'd-2', tracking: 'violates-a-check' });
    await held.write(receipt(3));
    writeFileSync(join(dir, `${files()[1]!.slice(0, -'.json'.length)}-x.json`), '{"id": "d-4", "trac'); // cut off: a disk fault, or a hand edit
    store.up = true;
    expect(await held.replay()).toBeUndefined();
    expect(stored).toEqual([receipt(1), receipt(3)]);
    expect(files().filter((file) => file.endsWith('.refused'))).toHaveLength(1);
    expect(files().filter((file) => file.endsWith('.unreadable'))).toHaveLength(1);
    expect(files().filter((file) => file.endsWith('.json'))).toEqual([]);
    expect(logs.text).toContain('held receipt rejected by the store; set aside');
    expect(logs.text).toContain('held receipt unreadable; set aside');
    expect(logs.lines.filter((line) => line.includes('held receipts written to the store')).map((line) => JSON.parse(line).written)).toEqual([2]);
  });

  it('holds in memory when the disk refuses too; at a stop, moves them to disk once it takes them again', async () => {
    const { held, store, stored, files, logs, breakDisk, mendDisk } = heldReceipts();
    breakDisk();
    expect(await held.write(receipt(1))).toBe('held');
    expect(logs.text).toContain('receipt held in memory until the store is back (the disk refuses it too)');
    expect(held.waiting).toBe(1);
    mendDisk();
    await held.close();
    expect(files()).toHaveLength(1);

    store.up = true;
    expect(await held.replay()).toBeUndefined();
    expect(stored).toEqual([receipt(1)]);
  });

  it('writes what it holds in memory once the store is back, while the disk still refuses', async () => {
    const { held, store, stored, breakDisk } = heldReceipts();
    breakDisk();
    await held.write(receipt(1));
    await held.write(receipt(2));
    store.up = true;
    expect(await held.replay()).toBeUndefined();
    expect(stored).toEqual([receipt(1), receipt(2)]);
    expect(held.waiting).toBe(0);
  });

  it('logs a write it can keep nowhere whole, as lost: past its memory bound, or at a stop with the disk still refusing', async () => {
    const { held, logs, breakDisk } = heldReceipts({ maxMemoryBytes: 60 });
    breakDisk();
    await held.write(receipt(1)); // ~40 bytes of JSON: within the bound
    await held.write(receipt(2)); // past it
    const lost = () => logs.lines.filter((line) => line.includes('receipt lost: not written to the store')).map((line) => JSON.parse(line) as { held: Receipt; why: string });
    expect(lost()).toEqual([{ ...lost()[0], held: receipt(2), why: expect.stringContaining('the memory for held writes is full') }]);
    await held.close();
    expect(lost().map((line) => line.held)).toEqual([receipt(2), receipt(1)]);
    expect(lost()[1]!.why).toContain('the gateway stopped and the disk refuses it');
  });
});
