/**
 * The Indonesian `detail` of a code is one sentence for every throw site, so the specifics a
 * throw site knows (which scopes, which agreement) come from the problem's extension members.
 * A member can be missing (another throw site, an adapter's own problem), so each placeholder
 * sits in an optional part, `[...]`, dropped whole when a member in it has no value: the sentence
 * must read correctly either way.
 */

const optionalPart = /\[([^[\]]*)\]/g;
const placeholder = /\{([A-Za-z]+(?:\.[A-Za-z]+)*)\}/g;

/** `template` with each optional part filled from `members`, or left out when it cannot be. */
export function fillDetail(template: string, members: Readonly<Record<string, unknown>>): string {
  // String.replace does not rescan what it inserted: a member's value is never read as a template.
  return template.replace(optionalPart, (_part, inner: string) => {
    let complete = true;
    const filled = inner.replace(placeholder, (_name, path: string) => {
      const value = memberText(members, path);
      if (value === null) complete = false;
      return value ?? '';
    });
    return complete ? filled : '';
  });
}

/** A member (`upstream.system` walks into an object) as text; null when absent or not plain. */
function memberText(members: Readonly<Record<string, unknown>>, path: string): string | null {
  let value: unknown = members;
  for (const name of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) return null;
    value = (value as Record<string, unknown>)[name];
  }
  if (Array.isArray(value)) {
    const items = value.map(scalarText);
    return items.length > 0 && items.every((item) => item !== null) ? items.join(', ') : null;
  }
  return scalarText(value);
}

function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}
