import { createHash } from 'node:crypto';
import type { Queryable, Store } from '../store/store.ts';
import type { Classification, ContractDefinition, RateRule } from './contract.ts';
import type { LoadedContract } from './load-contracts.ts';
import { readPartnerRegistry, type PartnerRegistry } from './partners.ts';
import { bumpRevision, currentRevision } from './revision.ts';

export interface Consumer {
  clientId: string;
  name: string;
  department: string;
  clearance: Classification;
  status: 'active' | 'suspended';
  /** Rate overrides by contract id (a busier application may get more, a noisy one less). */
  limits: Record<string, RateRule>;
}

export interface RegistrySnapshot extends PartnerRegistry {
  revision: number;
  contracts: ContractDefinition[];
  consumers: Map<string, Consumer>;
}

export interface ApplySummary { created: string[]; updated: string[]; unchanged: string[]; revision: number }

function digestOf(definition: ContractDefinition): string {
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex');
}


/** Writes the contracts in one transaction; unchanged ones are left alone, so applying twice is a no-op. */
export async function applyContracts(store: Store, loaded: LoadedContract[]): Promise<ApplySummary> {
  return store.transaction(async (tx) => {
    await tx.exclusive(7405002);
    const summary: ApplySummary = { created: [], updated: [], unchanged: [], revision: 0 };
    for (const { file, definition } of loaded) {
      const digest = digestOf(definition);
      const existing = await tx.db.selectFrom('contracts').select('digest').where('id', '=', definition.id).executeTakeFirst();
      if (existing?.digest === digest) {
        summary.unchanged.push(definition.id);
        continue;
      }
      await tx.db.insertInto('contracts')
        .values({
          id: definition.id, integration: definition.integration, version: definition.version, state: definition.state,
          definition: JSON.stringify(definition), digest, source: file, updated_at: tx.sql.now(),
        })
        .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
          integration: eb.ref('excluded.integration'),
          version: eb.ref('excluded.version'),
          state: eb.ref('excluded.state'),
          definition: eb.ref('excluded.definition'),
          digest: eb.ref('excluded.digest'),
          source: eb.ref('excluded.source'),
          updated_at: tx.sql.now(),
        })))
        .execute();
      (existing ? summary.updated : summary.created).push(definition.id);
    }
    summary.revision = summary.created.length + summary.updated.length > 0 ? await bumpRevision(tx) : await currentRevision(tx);
    return summary;
  });
}

export type ConsumerInput = Pick<Consumer, 'clientId' | 'name'> & Partial<Omit<Consumer, 'clientId' | 'name'>>;

export async function upsertConsumers(store: Store, consumers: ConsumerInput[]): Promise<number> {
  return store.transaction(async (tx) => {
    for (const c of consumers) {
      await tx.db.insertInto('consumers')
        .values({ client_id: c.clientId, name: c.name, department: c.department ?? '', clearance: c.clearance ?? 'publik', status: c.status ?? 'active', limits: JSON.stringify(c.limits ?? {}) })
        .onConflict((oc) => oc.column('client_id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          department: eb.ref('excluded.department'),
          clearance: eb.ref('excluded.clearance'),
          status: eb.ref('excluded.status'),
          limits: eb.ref('excluded.limits'),
          updated_at: tx.sql.now(),
        })))
        .execute();
    }
    return bumpRevision(tx);
  });
}

export async function readRevision(db: Queryable): Promise<number> {
  return currentRevision(db);
}

/** Everything a gateway instance routes with, read in one transaction so it is consistent. */
export async function readSnapshot(store: Store): Promise<RegistrySnapshot> {
  return store.transaction(async (tx) => {
    const revision = await currentRevision(tx);
    const contracts = await tx.db.selectFrom('contracts').select('definition').where('state', '=', 'active').orderBy('id').execute();
    const consumers = await tx.db.selectFrom('consumers').select(['client_id', 'name', 'department', 'clearance', 'status', 'limits']).execute();
    const partners = await readPartnerRegistry(tx);
    return {
      ...partners,
      revision,
      contracts: contracts.map((row) => JSON.parse(row.definition) as ContractDefinition),
      consumers: new Map(consumers.map((c) => [c.client_id, { clientId: c.client_id, name: c.name, department: c.department, clearance: c.clearance, status: c.status, limits: JSON.parse(c.limits) as Consumer['limits'] }])),
    };
  }, { readOnly: true });
}
