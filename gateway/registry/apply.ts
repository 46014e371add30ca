import { recordAudit, type AuditSource } from '../audit/audit.ts';
import { Problem } from '../errors/problem.ts';
import type { Queryable, Store } from '../store/store.ts';
import { majorVersion, type ContractDefinition } from './contract.ts';
import { diffContracts } from './contract-diff.ts';
import { digestOf } from './contract-versions.ts';
import { routingStates, type VersionState } from './lifecycle.ts';
import type { LoadedContract } from './load-contracts.ts';
import { bumpRevision, currentRevision } from './revision.ts';

/**
 * How contract files reach the registry. `review` (the default): a new version becomes a draft
 * and goes through the lifecycle like one sent to the admin API; a changed draft is changed; a
 * changed version past draft is refused (a change is a new version). `bootstrap` (the first
 * install, the demo, tests): the files' states are taken as written, audited as such.
 */
export type ApplyMode = 'review' | 'bootstrap';

export interface ApplyPlanEntry {
  id: string;
  version: string;
  file: string;
  change: 'add' | 'change' | 'unchanged' | 'conflict';
  /** The version's state in the store, when it has it. */
  state?: VersionState;
  /** What differs from the stored version (`change`), or why it cannot be applied (`conflict`). */
  details: string[];
}

export interface ApplySummary { created: string[]; updated: string[]; unchanged: string[]; revision: number; plan: ApplyPlanEntry[] }

/** What differs between the stored version and the file, one short phrase each (`diffContracts`). */
export function definitionChanges(before: ContractDefinition, after: ContractDefinition): string[] {
  const json = (definition: ContractDefinition) => definition as unknown as Record<string, unknown>;
  const diff = diffContracts(after.id, { version: before.version, definition: json(before) }, { version: after.version, definition: json(after) });
  return [
    ...[...new Set(diff.fields.map((change) => change.path.split(/[.[]/, 1)[0]!))].map((field) => `${field} changed`),
    ...diff.operations.changed.map((op) => `operation ${op.id} changed`),
    ...diff.operations.added.map((op) => `operation ${op.id} added`),
    ...diff.operations.removed.map((op) => `operation ${op.id} removed`),
  ];
}

/** What applying the files would do, version by version, without doing it (`apply --dry-run`). */
export async function planApply(db: Queryable, loaded: LoadedContract[], mode: ApplyMode): Promise<ApplyPlanEntry[]> {
  const plan: ApplyPlanEntry[] = [];
  for (const { file, definition } of loaded) {
    const stored = await db.db.selectFrom('contracts').select(['state', 'digest', 'definition']).where('id', '=', definition.id).where('version', '=', definition.version).executeTakeFirst();
    const entry = { id: definition.id, version: definition.version, file };
    if (!stored) {
      plan.push({ ...entry, change: 'add', details: [mode === 'review' ? 'as a draft' : `as ${definition.state}`] });
      continue;
    }
    const storedDefinition = JSON.parse(stored.definition) as ContractDefinition;
    // The lifecycle owns a version's state; only in bootstrap mode is a file's state a change.
    const sameContent = digestOf({ ...storedDefinition, state: 'draft' }) === digestOf({ ...definition, state: 'draft' });
    if (sameContent && (mode === 'review' || stored.state === definition.state)) {
      plan.push({ ...entry, change: 'unchanged', state: stored.state, details: [] });
    } else {
      const content = definitionChanges({ ...storedDefinition, state: 'draft' }, { ...definition, state: 'draft' });
      const details = mode === 'bootstrap' && stored.state !== definition.state ? [`state ${stored.state} -> ${definition.state}`, ...content] : content;
      const refused = mode === 'review' && stored.state !== 'draft';
      plan.push({ ...entry, change: refused ? 'conflict' : 'change', state: stored.state, details: refused ? [`version ${definition.version} is ${stored.state}: a change is a new version`, ...details] : details });
    }
  }
  return plan;
}

/** A file in bootstrap mode speaks for its contract and major version: what routed before it is superseded. */
async function supersede(tx: Queryable, definition: ContractDefinition, file: string): Promise<void> {
  await tx.db.updateTable('contracts')
    .set({ state: 'retired', retired_at: tx.sql.now(), retired_note: `superseded by ${definition.version} (${file})`, updated_at: tx.sql.now() })
    .where('id', '=', definition.id).where('major', '=', majorVersion(definition.version)).where('version', '!=', definition.version).where('state', 'in', [...routingStates])
    .execute();
}

/**
 * Applies contract files in one transaction, all or nothing (a conflict in review mode refuses
 * the whole apply, with every conflict named); unchanged versions are left alone, so applying
 * twice is a no-op. Every version written gets one audit row.
 */
export async function applyContracts(store: Store, loaded: LoadedContract[], options: { mode: ApplyMode; source: AuditSource }): Promise<ApplySummary> {
  const { mode, source } = options;
  return store.transaction(async (tx) => {
    await tx.exclusive(7405002);
    const plan = await planApply(tx, loaded, mode);
    const conflicts = plan.filter((entry) => entry.change === 'conflict');
    if (conflicts.length > 0) {
      throw new Problem('CONTRACT_STATE_CONFLICT', `Nothing was applied: ${conflicts.map((c) => `${c.id} ${c.version} (${c.file}): ${c.details[0]!}`).join('; ')}.`, { conflicts });
    }
    const summary: ApplySummary = { created: [], updated: [], unchanged: [], revision: 0, plan };
    for (const [i, { file, definition: loadedDefinition }] of loaded.entries()) {
      const entry = plan[i]!;
      if (entry.change === 'unchanged') {
        summary.unchanged.push(entry.id);
        continue;
      }
      const definition: ContractDefinition = mode === 'review' ? { ...loadedDefinition, state: 'draft' } : loadedDefinition;
      const routes = (routingStates as readonly string[]).includes(definition.state);
      if (mode === 'bootstrap' && (routes || definition.state === 'retired')) await supersede(tx, definition, file);
      const fields = {
        state: definition.state, definition: JSON.stringify(definition), digest: digestOf(definition), source: file, changed_by: source.actor.subject,
        ...(routes ? { activated_at: tx.sql.now(), activated_by: source.actor.subject } : {}),
        ...(definition.state === 'deprecated' ? { deprecated_at: tx.sql.now() } : {}),
      };
      const before = entry.change === 'change' ? await tx.db.selectFrom('contracts').select('definition').where('id', '=', definition.id).where('version', '=', definition.version).executeTakeFirstOrThrow() : undefined;
      if (before) {
        await tx.db.updateTable('contracts').set({ ...fields, changed_at: tx.sql.now(), updated_at: tx.sql.now() }).where('id', '=', definition.id).where('version', '=', definition.version).execute();
      } else {
        await tx.db.insertInto('contracts').values({ id: definition.id, integration: definition.integration, version: definition.version, major: majorVersion(definition.version), created_by: source.actor.subject, ...fields }).execute();
      }
      const action = mode === 'bootstrap' ? 'contract.bootstrap' : before ? 'contract.change' : 'contract.create';
      await recordAudit(tx, { ...source, action, objectType: 'contract-version', objectId: `${definition.id}@${definition.version}`, before: before ? JSON.parse(before.definition) : null, after: { ...definition, file } });
      (before ? summary.updated : summary.created).push(definition.id);
    }
    summary.revision = summary.created.length + summary.updated.length > 0 ? await bumpRevision(tx) : await currentRevision(tx);
    return summary;
  });
}
