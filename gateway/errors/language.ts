import type { OutgoingHttpHeader } from 'node:http';

/**
 * The languages a problem document is written in. English is the default because most callers
 * are programs that branch on `code` and log `detail`; people reading an answer in a browser or
 * an application's screen ask for Indonesian.
 */
export type ProblemLanguage = 'id' | 'en';

// RFC 9110 section 12.5.4 (language-range of RFC 4647, weight of section 12.4.2). Only `q` is a
// valid parameter; anything else makes the header malformed.
const element = /^(\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*)(?:[ \t]*;[ \t]*q=(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?))?$/i;

// `in` is Indonesian's code before ISO 639 changed it in 1989; older Java and Android runtimes
// still send `in-ID`, and BCP 47 keeps it as a deprecated alias of `id`.
const primaryTags = new Map<string, ProblemLanguage>([['id', 'id'], ['in', 'id'], ['en', 'en']]);

// A range longer than any sane header would have is not worth parsing: English.
const maxHeaderLength = 1024;

interface Preference {
  q: number;
  /** The element's position, for equal weights: the caller listed its preference first. */
  position: number;
}

/**
 * The language to write a problem in for this `Accept-Language`: Indonesian when the header
 * prefers it to English by weight (on equal weights, when it is listed first), English otherwise,
 * also when the header is absent or malformed.
 */
export function preferredLanguage(header: string | undefined): ProblemLanguage {
  if (header === undefined || header.length > maxHeaderLength) return 'en';
  const best: Partial<Record<ProblemLanguage, Preference>> = {};
  let wildcard: Preference | undefined;
  let position = 0;
  for (const raw of header.split(',')) {
    const text = raw.trim();
    // The list rule (RFC 9110 section 5.6.1) lets a sender leave empty elements.
    if (text === '') continue;
    const match = element.exec(text);
    if (!match) return 'en';
    const range = match[1]!.toLowerCase();
    const preference: Preference = { q: match[2] === undefined ? 1 : Number(match[2]), position: position++ };
    if (range === '*') {
      wildcard ??= preference;
      continue;
    }
    const dash = range.indexOf('-');
    const language = primaryTags.get(dash < 0 ? range : range.slice(0, dash));
    if (language === undefined) continue;
    // Lookup (RFC 4647 section 3.4) falls back from `id-ID` to `id`: a regional range asks for
    // the one Indonesian text too, and the language weighs what its heaviest range weighs.
    const current = best[language];
    if (current === undefined || preference.q > current.q) best[language] = preference;
  }
  // `*` stands for every language the header does not name (RFC 9110 section 12.5.4).
  const id = best.id ?? wildcard;
  const en = best.en ?? wildcard;
  if (id === undefined || id.q === 0) return 'en';
  if (en === undefined || id.q > en.q) return 'id';
  return id.q === en.q && id.position < en.position ? 'id' : 'en';
}

/**
 * `Vary` with `field` added to what is already there: the answer depends on that request header
 * as well as on those a stage or proxy already named, and `*` already covers everything.
 */
export function varyWith(existing: OutgoingHttpHeader | undefined, field: string): string {
  const fields = (Array.isArray(existing) ? existing.join(',') : existing === undefined ? '' : String(existing))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (fields.some((name) => name === '*' || name.toLowerCase() === field.toLowerCase())) return fields.join(', ');
  return [...fields, field].join(', ');
}

/** The headers that say which language a problem answer is in, and that `Accept-Language` chose it. */
export function languageHeaders(language: ProblemLanguage, existingVary: OutgoingHttpHeader | undefined): { 'content-language': ProblemLanguage; vary: string } {
  return { 'content-language': language, vary: varyWith(existingVary, 'Accept-Language') };
}
