import { describe, expect, it } from 'vitest';
import { missingPackages, neededPackages } from './support/debian-packages.ts';

describe('the Debian packages the tests need', () => {
  it('names each package whose program is absent, and none when all are there', () => {
    const all = neededPackages.map((p) => ({ name: p.name, present: () => true }));
    expect(missingPackages(all)).toEqual([]);
    const withoutTwo = all.map((p) => (p.name === 'redis-server' || p.name === 'e2fsprogs' ? { ...p, present: () => false } : p));
    expect(missingPackages(withoutTwo)).toEqual(['redis-server', 'e2fsprogs']);
  });

  it('finds every one of them on this machine (the set-up installed what was missing)', () => {
    expect(missingPackages()).toEqual([]);
  });
});
