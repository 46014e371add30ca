import { createHash } from 'node:crypto';
import type { Selectable, UpdateObject } from 'kysely';
import { recordAudit, type AuditSource } from '../audit/audit.ts';
import { Problem } from '../errors/problem.ts';
import type { ContractsTable, Database } from '../store/schema.ts';
import type { Queryable, Store } from '../store/store.ts';
import { majorVersion, routeKeys, type ContractDefinition } from './contract.ts';
import { checkFourEyes, routingStates, stateConflict, transitions, type LifecycleAction, type Recommendation, type VersionState } from './lifecycle.ts';
import { bumpRevision } from './revision.ts';


/** One version as the admin API shows it: its state and who did what when. */
export interface ContractVersionRecord {
  id: string;
  version: string;
  state: VersionState;
  title: string;
  source: string;
  created: { by: string | null; at: string };
  changed: { by: string | null; at: string };
  submitted?: { by: string | null; at: string };
  approved?: { by: string | null; at: string; recommendation: Recommendation | null };
  rejected?: { by: string | null; at: string; note: string | null };
  activated?: { by: string | null; at: string };
  deprecated?: { by: string | null; at: string; sunsetAt: string | null };
  retired?: { by: string | null; at: string; note: string | null };
}

type Row = Selectable<ContractsTable>;

/** A step of the record: present once the version went through it. */
function step<T extends object>(at: string | null, by: string | null, more: T): ({ by: string | null; at: string } & T) | undefined {
  return at === null ? undefined : { by, at, ...more };
}

function recordOf(row: Row): ContractVersionRecord {
  const definition = JSON.parse(row.definition) as ContractDefinition;
  const record: ContractVersionRecord = {
    id: row.id,
    version: row.version,
    state: row.state,
    title: definition.title,
    source: row.source,
    created: { by: row.created_by, at: row.created_at },
    changed: { by: row.changed_by, at: row.changed_at },
  };
  const steps = {
    submitted: step(row.submitted_at, row.submitted_by, {}),
    approved: step(row.approved_at, row.approved_by, { recommendation: row.recommendation === null ? null : (JSON.parse(row.recommendation) as Recommendation) }),
    rejected: step(row.rejected_at, row.rejected_by, { note: row.rejection_note }),
    activated: step(row.activated_at, row.activated_by, {}),
    deprecated: step(row.deprecated_at, row.deprecated_by, { sunsetAt: row.sunset_at }),
    retired: step(row.retired_at, row.retired_by, { note: row.retired_note }),
  };
  for (const [name, value] of Object.entries(steps)) if (value) Object.assign(record, { [name]: value });
  return record;
}

export function digestOf(definition: ContractDefinition): string {
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex');
}

/** Every contract with its versions, newest first. */
/** A contract as the list shows it: its newest version's title and data owner, and every version's state. */
export interface ContractSummary { id: string; title: string; integration: string; dataOwner: string | null; versions: { version: string; state: VersionState }[] }

export async function listContracts(db: Queryable): Promise<ContractSummary[]> {
  const rows = await db.db.selectFrom('contracts').select(['id', 'version', 'state', 'integration', 'definition', 'created_at']).orderBy('id').orderBy('created_at', 'desc').execute();
  const contracts = new Map<string, ContractSummary>();
  for (const row of rows) {
    let contract = contracts.get(row.id);
    if (!contract) {
      const definition = JSON.parse(row.definition) as ContractDefinition;
      contract = { id: row.id, title: definition.title, integration: row.integration, dataOwner: definition.dataOwner ?? null, versions: [] };
      contracts.set(row.id, contract);
    }
    contract.versions.push({ version: row.version, state: row.state });
  }
  return [...contracts.values()];
}

export async function contractVersions(db: Queryable, id: string): Promise<ContractVersionRecord[]> {
  const rows = await db.db.selectFrom('contracts').selectAll().where('id', '=', id).orderBy('created_at', 'desc').execute();
  return rows.map(recordOf);
}

export async function versionDefinition(db: Queryable, id: string, version: string): Promise<ContractDefinition | null> {
  const row = await db.db.selectFrom('contracts').select('definition').where('id', '=', id).where('version', '=', version).executeTakeFirst();
  return row ? (JSON.parse(row.definition) as ContractDefinition) : null;
}

async function lockedVersion(tx: Queryable, id: string, version: string): Promise<Row> {
  const row = await tx.db.selectFrom('contracts').selectAll().where('id', '=', id).where('version', '=', version).executeTakeFirst();
  if (!row) throw new Problem('CONTRACT_VERSION_NOT_FOUND', `No contract ${id} with version ${version}.`);
  return row;
}

/** A new contract, or a new version of one, as a draft. 409 when that version exists. */
export async function createDraft(store: Store, definition: ContractDefinition, change: AuditSource): Promise<ContractVersionRecord> {
  return store.transaction(async (tx) => {
    await tx.exclusive(7405002);
    const existing = await tx.db.selectFrom('contracts').select('state').where('id', '=', definition.id).where('version', '=', definition.version).executeTakeFirst();
    if (existing) {
      throw new Problem('CONTRACT_VERSION_EXISTS', `Contract ${definition.id} already has a version ${definition.version} (${existing.state}); a change is a new version, or a change of the draft (PUT).`, { state: existing.state });
    }
    const stored: ContractDefinition = { ...definition, state: 'draft' };
    await tx.db.insertInto('contracts').values({
      id: stored.id, integration: stored.integration, version: stored.version, major: majorVersion(stored.version), state: 'draft',
      definition: JSON.stringify(stored), digest: digestOf(stored), source: 'api', created_by: change.actor.subject, changed_by: change.actor.subject,
    }).execute();
    await recordAudit(tx, { ...change, action: 'contract.create', objectType: 'contract-version', objectId: `${stored.id}@${stored.version}`, before: null, after: stored });
    return recordOf(await lockedVersion(tx, stored.id, stored.version));
  });
}

/** A draft changed (also one sent back by a rejection): its last author changes, so four eyes apply to them. */
export async function changeDraft(store: Store, definition: ContractDefinition, change: AuditSource): Promise<ContractVersionRecord> {
  return store.transaction(async (tx) => {
    await tx.exclusive(7405002);
    const row = await lockedVersion(tx, definition.id, definition.version);
    if (row.state !== 'draft') throw new Problem('CONTRACT_STATE_CONFLICT', `Contract ${definition.id} version ${definition.version} is ${row.state}; only a draft can be changed. A change to it is a new version.`, { state: row.state, allowedStates: ['draft'] });
    const stored: ContractDefinition = { ...definition, state: 'draft' };
    await tx.db.updateTable('contracts')
      .set({ definition: JSON.stringify(stored), digest: digestOf(stored), changed_by: change.actor.subject, changed_at: tx.sql.now(), updated_at: tx.sql.now() })
      .where('id', '=', stored.id).where('version', '=', stored.version).execute();
    await recordAudit(tx, { ...change, action: 'contract.change', objectType: 'contract-version', objectId: `${stored.id}@${stored.version}`, before: JSON.parse(row.definition), after: stored });
    return recordOf(await lockedVersion(tx, stored.id, stored.version));
  });
}

/** What an action may carry: the recommendation of an approval, the note of a rejection or retirement, the sunset of a deprecation. */
export interface ActionInput { recommendation?: Recommendation; note?: string; sunsetAt?: string }

/** Routes of other contracts' routing versions that the version to activate would clash with. */
async function routeConflicts(tx: Queryable, definition: ContractDefinition): Promise<string[]> {
  const mine = new Set(routeKeys(definition));
  const others = await tx.db.selectFrom('contracts').select(['id', 'definition']).where('state', 'in', [...routingStates]).where('id', '!=', definition.id).execute();
  return others.flatMap((other) => routeKeys(JSON.parse(other.definition) as ContractDefinition).filter((key) => mine.has(key)).map((key) => `${key} (contract ${other.id})`));
}

/**
 * Runs a lifecycle action on one version, with the version's own record, the registry revision
 * (when routing changes) and one audit row in the same transaction.
 */
export async function runAction(store: Store, id: string, version: string, action: LifecycleAction, input: ActionInput, change: AuditSource): Promise<ContractVersionRecord> {
  return store.transaction(async (tx) => {
    await tx.exclusive(7405002);
    const row = await lockedVersion(tx, id, version);
    const { from, to } = transitions[action];
    if (!from.includes(row.state)) throw stateConflict(id, version, action, row.state);
    const who = change.actor.subject;
    const now = tx.sql.now();
    let superseded: string | undefined;
    const set: UpdateObject<Database, 'contracts'> = { state: to, updated_at: now };
    switch (action) {
      case 'submit':
        Object.assign(set, { submitted_by: who, submitted_at: now });
        break;
      case 'approve':
        checkFourEyes(id, version, who, [row.created_by, row.changed_by]);
        Object.assign(set, { approved_by: who, approved_at: now, recommendation: JSON.stringify(input.recommendation) });
        break;
      case 'reject':
        Object.assign(set, { rejected_by: who, rejected_at: now, rejection_note: input.note ?? null, submitted_by: null, submitted_at: null });
        break;
      case 'activate': {
        const definition = JSON.parse(row.definition) as ContractDefinition;
        const clashes = await routeConflicts(tx, definition);
        if (clashes.length > 0) throw new Problem('CONTRACT_ROUTE_CONFLICT', `Contract ${id} version ${version} would serve routes another active contract serves: ${clashes.join(', ')}.`, { routes: clashes });
        const previous = await tx.db.selectFrom('contracts').select(['version', 'state']).where('id', '=', id).where('major', '=', row.major).where('state', 'in', [...routingStates]).executeTakeFirst();
        if (previous) {
          superseded = previous.version;
          await tx.db.updateTable('contracts')
            .set({ state: 'retired', retired_by: who, retired_at: now, retired_note: `superseded by ${version}`, updated_at: now })
            .where('id', '=', id).where('version', '=', previous.version).execute();
        }
        Object.assign(set, { activated_by: who, activated_at: now, definition: JSON.stringify({ ...definition, state: 'active' }) });
        break;
      }
      case 'deprecate':
        Object.assign(set, { deprecated_by: who, deprecated_at: now, sunset_at: input.sunsetAt ?? null });
        break;
      case 'retire':
        Object.assign(set, { retired_by: who, retired_at: now, retired_note: input.note ?? null });
        break;
    }
    await tx.db.updateTable('contracts').set(set).where('id', '=', id).where('version', '=', version).execute();
    // What routes changes: every instance rebuilds its table from the new revision, whole.
    if (action === 'activate' || action === 'deprecate' || action === 'retire') await bumpRevision(tx);
    const before = { state: row.state };
    const after = { state: to, ...input, ...(superseded ? { superseded } : {}) };
    await recordAudit(tx, { ...change, action: `contract.${action}`, objectType: 'contract-version', objectId: `${id}@${version}`, before, after });
    return recordOf(await lockedVersion(tx, id, version));
  });
}
