// SIASN writes dates as `dd-mm-yyyy` both ways; the canonical API uses ISO `yyyy-mm-dd`. Pure.
import { upstreamInvalid } from '../../gateway/adapter-api/index.ts';
import { system } from './errors.ts';

const siasnDate = /^(\d{2})-(\d{2})-(\d{4})$/;
const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;

function real(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

/**
 * A SIASN date as ISO. Empty, `-` and null (how SIASN leaves a date unset) become null. Anything
 * else that is not a real `dd-mm-yyyy` date fails the exchange rather than passing a wrong date on;
 * `field` names the upstream field in the problem.
 */
export function isoFromSiasn(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw upstreamInvalid(system, `${field} is not a date`);
  const text = value.trim();
  if (text === '' || text === '-') return null;
  const match = siasnDate.exec(text);
  if (match && real(match[3]!, match[2]!, match[1]!)) return `${match[3]}-${match[2]}-${match[1]}`;
  // Some SIASN records carry ISO dates already; they are unambiguous, so they are taken as they are.
  const iso = isoDate.exec(text);
  if (iso && real(iso[1]!, iso[2]!, iso[3]!)) return text;
  throw upstreamInvalid(system, `${field} is not a dd-mm-yyyy date`);
}

/** An ISO date (already checked by the contract schema) as SIASN wants it. */
export function siasnFromIso(value: string): string {
  const match = isoDate.exec(value);
  if (!match) throw new TypeError(`not an ISO date: ${value}`);
  return `${match[3]}-${match[2]}-${match[1]}`;
}
