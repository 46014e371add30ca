import { Problem } from '../../gateway/adapter-api/index.ts';

export const redacted = '[redacted]';

/**
 * `text` with every occurrence of the given values replaced by `mask`. Upstreams echo what they
 * were sent (a token in a refusal, a phone number in a validation message); this keeps those
 * values out of problems and logs. Longest values first, so a name inside a full name is not left
 * half masked; values under 3 characters are left alone (masking "ok" everywhere helps nobody).
 */
export function redactText(text: string, values: readonly string[], mask = redacted): string {
  let result = text;
  for (const value of [...values].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length)) result = result.split(value).join(mask);
  return result;
}

/** A deep copy of a JSON value with `redactText` applied to every string. */
export function redactValues<T>(value: T, values: readonly string[], mask = redacted): T {
  if (values.length === 0) return value;
  if (typeof value === 'string') return redactText(value, values, mask) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactValues(item, values, mask)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValues(item, values, mask)])) as T;
  }
  return value;
}

/** A thrown problem with the values taken out of its detail and members; anything else as it was. */
export function redactProblem(error: unknown, values: readonly string[], mask = redacted): unknown {
  if (!(error instanceof Problem) || values.length === 0) return error;
  return new Problem(error.code, redactText(error.message, values, mask), redactValues(error.extensions, values, mask), error.headers);
}
