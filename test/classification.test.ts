import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';

/**
 * A PD application's clearance against a contract's classification (Pasal 29-30 of 004): the
 * BKN contract is `terbatas`, so an application cleared for `publik` only is refused before the
 * call is made, whatever its scopes, and one cleared for `terbatas` passes the check.
 */
describe('classification against the consumer\'s clearance', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      clients: [
        { clientId: 'pd-publik', secret: 'pd-publik-secret-0123456789', scopes: ['bkn.read'], consumer: { name: 'Aplikasi publik', department: 'Dinas A', clearance: 'publik' } },
        { clientId: 'pd-terbatas', secret: 'pd-terbatas-secret-012345678', scopes: ['bkn.read'], consumer: { name: 'Aplikasi terbatas', department: 'BKPSDM', clearance: 'terbatas' } },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const call = async (clientId: string) => {
    const res = await fetch(`${h.url}/bkn/v1/pegawai/198503152010011003`, { headers: { authorization: `Bearer ${await h.token(clientId)}` } });
    return { status: res.status, body: await res.json() as { code?: string; detail?: string } };
  };

  it('refuses an application cleared for publik with 403 CLASSIFICATION_DENIED, naming both classes', async () => {
    const refused = await call('pd-publik');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CLASSIFICATION_DENIED');
    expect(refused.body.detail).toBe('bkn-siasn is classified terbatas; the consumer\'s clearance is publik.');
  });

  it('lets an application cleared for terbatas past the check (what follows is the upstream\'s answer)', async () => {
    const passed = await call('pd-terbatas');
    expect(passed.body.code).not.toBe('CLASSIFICATION_DENIED');
    expect(passed.status).not.toBe(403);
  });
});
