import type { GatewayConfig } from '../config/schema.ts';
import { Problem } from '../errors/problem.ts';
import { instantAt } from '../limits/calendar.ts';
import { readPartnerRegistry } from '../registry/partners.ts';
import type { Store } from '../store/store.ts';
import { summarisePeriod, type PeriodRow } from '../traffic/period-summary.ts';
import { servicesOf, type ServiceTarget } from '../traffic/service-levels.ts';
import type { ContractDefinition } from '../registry/contract.ts';

/** One line of a section: the period's measures, its target (contracts) and its parked deliveries. */
export interface ReportLine extends PeriodRow {
  /** A contract's title, a consumer's or partner's name. */
  name: string;
  target: ServiceTarget | null;
  parked: number;
}

/** A certificate or an agreement that ended in the period or ends within 30 days of the report. */
export interface ReportExpiry { kind: 'certificate' | 'agreement'; key: string; owner: string; endsOn: string; ended: boolean }

/**
 * The periodic SPBE report (issue 25 item 8; Pasal 12(5), 64 and 77 of 004: measured evaluation
 * reported to the Bupati and the SPBE steering team): per integration, per PD application and
 * per partner over calendar days [firstDay, lastDay] in the region's time zone.
 */
export interface SpbeReport {
  region: GatewayConfig['region'];
  timeZone: string;
  firstDay: string;
  lastDay: string;
  /** The instants the period covers, [from, to). */
  from: string;
  to: string;
  madeAt: string;
  totals: { volume: number; availability: number | null; breaches: number; parked: number };
  integrations: ReportLine[];
  applications: ReportLine[];
  partners: ReportLine[];
  expiries: ReportExpiry[];
}

const dayMs = 86_400_000;
/** How far past the report an expiry is listed: the Dinas renews in that time. */
export const expiryNoticeDays = 30;

/** The period of `penghubung report --from --to`: calendar days, both inclusive, at most a year. */
export function reportPeriod(firstDay: string, lastDay: string, timeZone: string): { from: Date; to: Date } {
  const from = instantAt(firstDay, timeZone);
  const last = instantAt(lastDay, timeZone);
  if (!from || !last || !/^\d{4}-\d{2}-\d{2}$/.test(firstDay) || !/^\d{4}-\d{2}-\d{2}$/.test(lastDay)) throw new Problem('BAD_REQUEST', 'The period is two calendar days, YYYY-MM-DD.');
  const next = new Date(Date.UTC(Number(lastDay.slice(0, 4)), Number(lastDay.slice(5, 7)) - 1, Number(lastDay.slice(8, 10)) + 1)).toISOString().slice(0, 10);
  const to = instantAt(next, timeZone)!;
  if (to <= from) throw new Problem('BAD_REQUEST', `The period ends (${lastDay}) before it starts (${firstDay}).`);
  if (to.getTime() - from.getTime() > 367 * dayMs) throw new Problem('BAD_REQUEST', 'A report covers at most one year.');
  return { from, to };
}

async function activeContracts(store: Store): Promise<ContractDefinition[]> {
  const rows = await store.db.selectFrom('contracts').select('definition').where('state', 'in', ['active', 'deprecated']).execute();
  return rows.map((row) => JSON.parse(row.definition) as ContractDefinition);
}

async function parkedBy(store: Store, column: 'contract' | 'owner', from: Date, to: Date): Promise<Map<string, number>> {
  const rows = await store.db.selectFrom('deliveries').select([column, (eb) => eb.fn.countAll<number>().as('n')])
    .where('state', '=', 'failed').where('created_at', '>=', from.toISOString()).where('created_at', '<', to.toISOString())
    .groupBy(column).execute();
  return new Map(rows.map((row) => [String((row as Record<string, unknown>)[column]), Number(row.n)]));
}

/** Gathers the report from the store: the traffic rollups, the registry, the deliveries. */
export async function makeReport(store: Store, config: Pick<GatewayConfig, 'region' | 'timezone'>, firstDay: string, lastDay: string, now = new Date()): Promise<SpbeReport> {
  const { from, to } = reportPeriod(firstDay, lastDay, config.timezone);
  const contracts = await activeContracts(store);
  const { targetOf } = servicesOf(contracts.map((contract) => ({ contract })));
  const summary = await summarisePeriod(store, { from, to, targetOf });
  const registry = await readPartnerRegistry(store);
  const consumers = new Map((await store.db.selectFrom('consumers').select(['client_id', 'name']).execute()).map((row) => [row.client_id, row.name]));
  const titles = new Map(contracts.map((contract) => [contract.id, contract.title]));
  const [parkedByContract, parkedByOwner] = await Promise.all([parkedBy(store, 'contract', from, to), parkedBy(store, 'owner', from, to)]);

  const line = (row: PeriodRow, name: string | undefined, target: ServiceTarget | null, parked: number): ReportLine => ({ ...row, name: name ?? row.key, target, parked });
  const integrations = summary.byContract.map((row) => line(row, titles.get(row.key), targetOf(row.key), parkedByContract.get(row.key) ?? 0));
  const applications = summary.byConsumer.map((row) => line(row, consumers.get(row.key), null, parkedByOwner.get(row.key) ?? 0));
  const partners = summary.byPartner.map((row) => line(row, registry.partners.get(row.key)?.legalName, null, parkedByOwner.get(row.key) ?? 0));

  const horizon = now.getTime() + expiryNoticeDays * dayMs;
  const expiries: ReportExpiry[] = [];
  const listed = (ends: number) => ends >= from.getTime() && ends <= Math.max(horizon, to.getTime());
  for (const certificate of registry.certificates.values()) {
    const ends = Date.parse(certificate.notAfter);
    if (listed(ends)) expiries.push({ kind: 'certificate', key: certificate.serial, owner: `${certificate.ownerKind} ${certificate.ownerId}`, endsOn: certificate.notAfter, ended: ends < now.getTime() });
  }
  for (const agreement of [...registry.agreementsByPartner.values()].flat()) {
    const ends = instantAt(agreement.validUntil, config.timezone)!.getTime() + dayMs;
    if (listed(ends)) expiries.push({ kind: 'agreement', key: agreement.number, owner: registry.partners.get(agreement.partnerId)?.legalName ?? agreement.partnerId, endsOn: new Date(ends - 1).toISOString(), ended: ends < now.getTime() });
  }
  expiries.sort((a, b) => a.endsOn.localeCompare(b.endsOn));

  const volume = integrations.reduce((sum, row) => sum + row.volume, 0);
  const answered = integrations.reduce((sum, row) => sum + (row.availability ?? 0) * row.volume, 0);
  return {
    region: config.region,
    timeZone: config.timezone,
    firstDay,
    lastDay,
    from: from.toISOString(),
    to: to.toISOString(),
    madeAt: now.toISOString(),
    totals: {
      volume,
      availability: volume === 0 ? null : answered / volume,
      breaches: integrations.reduce((sum, row) => sum + row.breaches, 0),
      parked: [...parkedByContract.values()].reduce((sum, n) => sum + n, 0),
    },
    integrations,
    applications,
    partners,
    expiries,
  };
}
