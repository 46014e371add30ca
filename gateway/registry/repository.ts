import type { Insertable, Selectable } from 'kysely';
import type { ConsumersTable } from '../store/schema.ts';
import type { Queryable, Store } from '../store/store.ts';
import type { Classification, ContractDefinition, RateRule } from './contract.ts';
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
  /** Scopes the Dinas grants it: a token's scope counts only if granted. null: the token's scopes alone decide. */
  scopes: string[] | null;
  /** Who answers for the application: name, email, phone. */
  contact: Record<string, string>;
}

export interface RegistrySnapshot extends PartnerRegistry {
  revision: number;
  /** The routing versions: active or deprecated. */
  contracts: ContractDefinition[];
  /** Deprecated routing versions, by contract id and version (`id@version`): when, and their sunset. */
  deprecations?: ReadonlyMap<string, { deprecatedAt: string; sunsetAt: string | null }>;
  /** Retired versions whose contract and major version no longer route: their routes answer CONTRACT_RETIRED. */
  retired?: ContractDefinition[];
  consumers: Map<string, Consumer>;
}

export type ConsumerInput = Pick<Consumer, 'clientId' | 'name'> & Partial<Omit<Consumer, 'clientId' | 'name'>>;

export const consumerColumns = ['client_id', 'name', 'department', 'clearance', 'status', 'limits', 'scopes', 'contact'] as const;
type ConsumerRow = Pick<Selectable<ConsumersTable>, (typeof consumerColumns)[number]>;

export function consumerOf(row: ConsumerRow): Consumer {
  return {
    clientId: row.client_id, name: row.name, department: row.department, clearance: row.clearance, status: row.status,
    limits: JSON.parse(row.limits) as Consumer['limits'],
    scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as string[]),
    contact: JSON.parse(row.contact) as Consumer['contact'],
  };
}

/** A consumer as the store writes it; what the input leaves out takes its default. */
export function consumerRow(c: ConsumerInput): Insertable<ConsumersTable> {
  return {
    client_id: c.clientId, name: c.name, department: c.department ?? '', clearance: c.clearance ?? 'publik', status: c.status ?? 'active',
    limits: JSON.stringify(c.limits ?? {}), scopes: c.scopes ? JSON.stringify(c.scopes) : null, contact: JSON.stringify(c.contact ?? {}),
  };
}

export async function upsertConsumers(store: Store, consumers: ConsumerInput[]): Promise<number> {
  return store.transaction(async (tx) => {
    for (const c of consumers) {
      await tx.db.insertInto('consumers')
        .values(consumerRow(c))
        .onConflict((oc) => oc.column('client_id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          department: eb.ref('excluded.department'),
          clearance: eb.ref('excluded.clearance'),
          status: eb.ref('excluded.status'),
          limits: eb.ref('excluded.limits'),
          scopes: eb.ref('excluded.scopes'),
          contact: eb.ref('excluded.contact'),
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
    const versions = await tx.db.selectFrom('contracts').select(['id', 'major', 'version', 'state', 'definition', 'deprecated_at', 'sunset_at', 'updated_at']).where('state', 'in', ['active', 'deprecated', 'retired']).orderBy('id').orderBy('updated_at').execute();
    const routing = versions.filter((row) => row.state !== 'retired');
    const routed = new Set(routing.map((row) => `${row.id} ${row.major}`));
    // Of a contract and major version that no longer routes, the last version retired speaks for it.
    const retired = new Map(versions.filter((row) => row.state === 'retired' && !routed.has(`${row.id} ${row.major}`)).map((row) => [`${row.id} ${row.major}`, row]));
    const consumers = await tx.db.selectFrom('consumers').select(consumerColumns).execute();
    const partners = await readPartnerRegistry(tx);
    return {
      ...partners,
      revision,
      contracts: routing.map((row) => JSON.parse(row.definition) as ContractDefinition),
      // One deprecated before versions had their own record (0013) counts from its last change.
      deprecations: new Map(routing.filter((row) => row.state === 'deprecated').map((row) => [`${row.id}@${row.version}`, { deprecatedAt: row.deprecated_at ?? row.updated_at, sunsetAt: row.sunset_at }])),
      retired: [...retired.values()].map((row) => JSON.parse(row.definition) as ContractDefinition),
      consumers: new Map(consumers.map((row) => [row.client_id, consumerOf(row)])),
    };
  }, { readOnly: true });
}
