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
    await tx.query('select pg_advisory_xact_lock(7405002)');
    const summary: ApplySummary = { created: [], updated: [], unchanged: [], revision: 0 };
    for (const { file, definition } of loaded) {
      const digest = digestOf(definition);
      const [existing] = await tx.query<{ digest: string }>('select digest from contracts where id = $1', [definition.id]);
      if (existing?.digest === digest) {
        summary.unchanged.push(definition.id);
        continue;
      }
      await tx.query(
        `insert into contracts (id, integration, version, state, definition, digest, source, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, now())
         on conflict (id) do update set integration = excluded.integration, version = excluded.version,
           state = excluded.state, definition = excluded.definition, digest = excluded.digest,
           source = excluded.source, updated_at = now()`,
        [definition.id, definition.integration, definition.version, definition.state, JSON.stringify(definition), digest, file],
      );
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
      await tx.query(
        `insert into consumers (client_id, name, department, clearance, status, limits) values ($1, $2, $3, $4, $5, $6)
         on conflict (client_id) do update set name = excluded.name, department = excluded.department,
           clearance = excluded.clearance, status = excluded.status, limits = excluded.limits, updated_at = now()`,
        [c.clientId, c.name, c.department ?? '', c.clearance ?? 'publik', c.status ?? 'active', JSON.stringify(c.limits ?? {})],
      );
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
    const contracts = await tx.query<{ definition: ContractDefinition }>("select definition from contracts where state = 'active' order by id");
    const consumers = await tx.query<{ client_id: string; name: string; department: string; clearance: Classification; status: Consumer['status']; limits: Consumer['limits'] | string }>(
      'select client_id, name, department, clearance, status, limits from consumers',
    );
    const partners = await readPartnerRegistry(tx);
    return {
      ...partners,
      revision,
      contracts: contracts.map((row) => (typeof row.definition === 'string' ? JSON.parse(row.definition) : row.definition)),
      consumers: new Map(consumers.map((c) => [c.client_id, { clientId: c.client_id, name: c.name, department: c.department, clearance: c.clearance, status: c.status, limits: typeof c.limits === 'string' ? JSON.parse(c.limits) : c.limits }])),
    };
  });
}
