import { createHmac } from 'node:crypto';

/*
 * Personal identifiers as they appear in paths, query strings, bodies and log lines (issue 26
 * item 6; Pasal 21(6) of 000: keep the data handled confidential), found by their shape and
 * masked so that only their last four characters stay. What is masked is not kept anywhere in
 * the clear; a keyed hash (HMAC) of each raw value lets ops find every exchange about one NIK or
 * NIP by searching for it, without the store holding the number.
 */

/** The kinds of identifier the gateway finds by their shape. */
export type IdentifierKind = 'nip' | 'nik' | 'phone' | 'email';

interface Pattern { kind: IdentifierKind; expression: RegExp }

// Longest first: an 18-digit NIP is not read as a 16-digit NIK plus two digits. Digits next to
// letters or other digits are part of something else (a hash, a longer number) and are left.
const patterns: readonly Pattern[] = [
  { kind: 'email', expression: /(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+(?![\w-])/g },
  { kind: 'nip', expression: /(?<![\dA-Za-z])\d{18}(?![\dA-Za-z])/g },
  { kind: 'nik', expression: /(?<![\dA-Za-z])\d{16}(?![\dA-Za-z])/g },
  // Indonesian mobile numbers: 08…, 628…, +628…, with optional spaces, dots or dashes between groups.
  { kind: 'phone', expression: /(?<![\dA-Za-z+])(?:\+62[ .-]?|62|0)8\d{1,3}(?:[ .-]?\d{2,4}){2,3}(?![\dA-Za-z])/g },
];

/** What was found in a text: each raw value with its kind (by kind, then in order of appearance). */
export interface FoundIdentifier { kind: IdentifierKind; value: string }

/** `value` with all but its last four characters replaced by `*` (an e-mail keeps its first character and its domain). */
export function maskValue(kind: IdentifierKind, value: string): string {
  if (kind === 'email') {
    const at = value.lastIndexOf('@');
    return `${value[0]}***${value.slice(at)}`;
  }
  const digits = value.replace(/\D/g, '');
  return `${'*'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
}

/** The identifiers in `text`, and `text` with each masked. */
export function maskText(text: string): { masked: string; found: FoundIdentifier[] } {
  const found: FoundIdentifier[] = [];
  let masked = text;
  for (const { kind, expression } of patterns) {
    masked = masked.replace(expression, (value) => {
      found.push({ kind, value });
      return maskValue(kind, value);
    });
  }
  return { masked, found };
}

/** The same identifier written differently (spaces in a phone number, an e-mail's case) hashes the same. */
export function normalizeIdentifier(kind: IdentifierKind, value: string): string {
  if (kind === 'email') return value.toLowerCase();
  const digits = value.replace(/\D/g, '');
  // 08…, 628… and +628… are one phone number.
  return kind === 'phone' ? digits.replace(/^(?:62|0)/, '') : digits;
}

/** Hex HMAC-SHA256 of the normalized identifier under the deployment's key: equal for equal identifiers, useless without the key. */
export function identifierHash(key: Buffer, kind: IdentifierKind, value: string): string {
  return createHmac('sha256', key).update(`${kind}:${normalizeIdentifier(kind, value)}`).digest('hex');
}

/** The kind of a search term typed by a person (a NIP, a NIK, a phone number, an e-mail), or null. */
export function identifierKindOf(term: string): IdentifierKind | null {
  const { found } = maskText(term.trim());
  return found.length === 1 && found[0]!.value === term.trim() ? found[0]!.kind : null;
}
