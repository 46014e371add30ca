import { isDeepStrictEqual } from 'node:util';

/**
 * What changed between two versions of a contract, as a reviewer reads it: the contract's own
 * fields, then operations (matched by id) added, removed or changed, each change at its path.
 * Written here rather than taken from a package: no diff library is among the dependencies, and
 * a line diff of two JSON documents would show moved lines where a reviewer wants "this field".
 */
export interface Change { path: string; kind: 'added' | 'removed' | 'changed'; from?: unknown; to?: unknown }
export interface OperationRef { id: string; method: string; path: string }
export interface ContractDiff {
  id: string;
  from: { version: string; state?: string };
  to: { version: string; state?: string };
  fields: Change[];
  operations: { added: OperationRef[]; removed: OperationRef[]; changed: (OperationRef & { changes: Change[] })[] };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const isScalar = (value: unknown) => value === null || typeof value !== 'object';

function pathOf(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  return base ? `${base}.${name}` : name;
}

/** Changes from `a` to `b` under `path`: objects key by key, arrays of objects item by item, anything else as one value. */
function collect(a: unknown, b: unknown, path: string, out: Change[]): void {
  if (isDeepStrictEqual(a, b)) return;
  if (a === undefined) out.push({ path, kind: 'added', to: b });
  else if (b === undefined) out.push({ path, kind: 'removed', from: a });
  else if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) collect(a[key], b[key], pathOf(path, key), out);
  } else if (Array.isArray(a) && Array.isArray(b) && !(a.every(isScalar) && b.every(isScalar))) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) collect(a[i], b[i], pathOf(path, i), out);
  } else out.push({ path, kind: 'changed', from: a, to: b });
}

function operationsOf(definition: Json): Map<string, Json> {
  const operations = Array.isArray(definition.operations) ? (definition.operations as unknown[]).filter(isObject) : [];
  return new Map(operations.map((operation) => [String(operation.id), operation]));
}

const refOf = (operation: Json): OperationRef => ({ id: String(operation.id), method: String(operation.method), path: String(operation.path) });

/**
 * From version `from` to version `to` of one contract. Its id and version are the header of the
 * summary, and `state` is where a version is in its lifecycle, not what it defines: all three are
 * left out of the fields compared.
 */
export function diffContracts(id: string, from: { version: string; state?: string; definition: Json }, to: { version: string; state?: string; definition: Json }): ContractDiff {
  const fields: Change[] = [];
  const own = ({ operations: _o, state: _s, id: _i, version: _v, ...rest }: Json) => rest;
  collect(own(from.definition), own(to.definition), '', fields);
  const before = operationsOf(from.definition);
  const after = operationsOf(to.definition);
  const diff: ContractDiff = {
    id,
    from: { version: from.version, ...(from.state ? { state: from.state } : {}) },
    to: { version: to.version, ...(to.state ? { state: to.state } : {}) },
    fields,
    operations: { added: [], removed: [], changed: [] },
  };
  for (const [opId, operation] of after) if (!before.has(opId)) diff.operations.added.push(refOf(operation));
  for (const [opId, operation] of before) {
    const successor = after.get(opId);
    if (!successor) {
      diff.operations.removed.push(refOf(operation));
      continue;
    }
    const changes: Change[] = [];
    collect(operation, successor, '', changes);
    if (changes.length > 0) diff.operations.changed.push({ ...refOf(successor), changes });
  }
  return diff;
}

/** A value short enough for one line of the summary; longer ones are cut (the --json output has them whole). */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 70 ? `${text.slice(0, 69)}…` : text;
}

function changeLine(change: Change, indent: string): string {
  const what = change.path || '(whole)';
  if (change.kind === 'added') return `${indent}+ ${what}: ${shown(change.to)}`;
  if (change.kind === 'removed') return `${indent}- ${what}: ${shown(change.from)}`;
  return `${indent}~ ${what}: ${shown(change.from)} -> ${shown(change.to)}`;
}

const stateOf = (side: { version: string; state?: string }) => `${side.version}${side.state ? ` (${side.state})` : ''}`;

export function renderDiff(diff: ContractDiff): string[] {
  const lines = [`${diff.id}: ${stateOf(diff.from)} -> ${stateOf(diff.to)}`];
  const { added, removed, changed } = diff.operations;
  if (diff.fields.length === 0 && added.length + removed.length + changed.length === 0) return [...lines, 'no differences in the definitions'];
  if (diff.fields.length > 0) lines.push('contract', ...diff.fields.map((change) => changeLine(change, '  ')));
  if (added.length + removed.length + changed.length > 0) {
    lines.push('operations');
    for (const op of added) lines.push(`  + ${op.id}  ${op.method} ${op.path}`);
    for (const op of removed) lines.push(`  - ${op.id}  ${op.method} ${op.path}`);
    for (const op of changed) lines.push(`  ~ ${op.id}  ${op.method} ${op.path}`, ...op.changes.map((change) => changeLine(change, '      ')));
  }
  return lines;
}
