import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIdentifierKey } from '../gateway/privacy/identifier-key.ts';
import { identifierHash, identifierKindOf, maskText, maskValue } from '../gateway/privacy/mask.ts';
import { tempDir } from './support/harness.ts';

describe('personal identifiers masked by their shape', () => {
  it('masks a NIP and a NIK in a path and a query, keeping the last four digits', () => {
    const { masked, found } = maskText('/bkn/v1/pegawai/198503152010011003?nik=3171234567890123&halaman=2');
    expect(masked).toBe('/bkn/v1/pegawai/**************1003?nik=************0123&halaman=2');
    expect(found).toEqual([{ kind: 'nip', value: '198503152010011003' }, { kind: 'nik', value: '3171234567890123' }]);
  });

  it('masks phone numbers written the usual ways, and e-mail addresses keeping the domain', () => {
    const { masked, found } = maskText('{"hp":"081234567890","wa":"+62 812-3456-7891","surel":"budi.santoso@kuansing.go.id"}');
    expect(masked).toBe('{"hp":"********7890","wa":"*********7891","surel":"b***@kuansing.go.id"}');
    expect(found.map((f) => f.kind).sort()).toEqual(['email', 'phone', 'phone']);
  });

  it('leaves what only looks like one: shorter or longer numbers, hex digests, numbers inside words', () => {
    const text = 'kode=2.16 tahun=2026 npwp=123456789012345 sha=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 id=a3171234567890123b 1234567890123456789';
    expect(maskText(text)).toEqual({ masked: text, found: [] });
  });

  it('hashes one identifier the same however it is written, and differently under another key', () => {
    const key = Buffer.alloc(32, 1);
    expect(identifierHash(key, 'phone', '081234567890')).toBe(identifierHash(key, 'phone', '+62 812-3456-7890'));
    expect(identifierHash(key, 'email', 'Budi@Kuansing.go.id')).toBe(identifierHash(key, 'email', 'budi@kuansing.go.id'));
    expect(identifierHash(key, 'nip', '198503152010011003')).not.toBe(identifierHash(Buffer.alloc(32, 2), 'nip', '198503152010011003'));
    expect(identifierHash(key, 'nip', '198503152010011003')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tells which kind a search term is, only when the whole term is one identifier', () => {
    expect(identifierKindOf(' 198503152010011003 ')).toBe('nip');
    expect(identifierKindOf('3171234567890123')).toBe('nik');
    expect(identifierKindOf('budi@kuansing.go.id')).toBe('email');
    expect(identifierKindOf('nip 198503152010011003')).toBeNull();
    expect(identifierKindOf('sandbox-direktori')).toBeNull();
    expect(maskValue('nik', '3171234567890123')).toBe('************0123');
  });

  it('makes its key once, 32 bytes, readable by its owner only', () => {
    const dataDir = tempDir('identifier-key-');
    const key = loadIdentifierKey(dataDir);
    expect(key.length).toBe(32);
    expect(loadIdentifierKey(dataDir).equals(key)).toBe(true);
    expect(statSync(join(dataDir, 'privacy', 'identifier-key')).mode & 0o777).toBe(0o600);
  });
});
