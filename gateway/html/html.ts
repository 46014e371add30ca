/*
 * Server-rendered HTML with one rule: every value is escaped unless it is already `Html` (made by
 * the `html` tag). Pages are functions returning `Html`; nothing concatenates strings into markup.
 */

const marker = Symbol('html');

/** Markup that is safe to send: built by `html`, with every interpolated value escaped. */
export interface Html { readonly [marker]: true; readonly text: string }

const made = (text: string): Html => ({ [marker]: true, text });

export const isHtml = (value: unknown): value is Html => typeof value === 'object' && value !== null && marker in value;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'object') return isHtml(value) ? value.text : value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<td>${value}</td>\``: values escaped, `Html` values and arrays of them inserted as they are. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let text = strings[0]!;
  values.forEach((value, i) => {
    text += render(value) + strings[i + 1]!;
  });
  return made(text);
}

/** A query string from the set values only: `?contract=a&code=b`, or '' when none is set. */
export function queryString(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
