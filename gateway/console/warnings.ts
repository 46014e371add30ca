import { instantAt } from '../limits/calendar.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import type { Store } from '../store/store.ts';
import type { TextKey } from './i18n.ts';

/** One thing ops should look at, as words to translate and where to look. */
export interface Warning {
  level: 'danger' | 'warning';
  key: TextKey;
  values: Record<string, string | number>;
  /** Days to (positive) or since (negative) the event, for certificates and agreements. */
  days?: number;
  href?: string;
}

const dayMs = 86_400_000;
/** How far ahead (and back) expiries are shown: the Dinas renews a certificate or a PKS in that time. */
export const expiryHorizonDays = 30;
/** A partner is near its daily quota at this share. */
export const nearQuota = 0.8;

function expiry(daysLeft: number): Pick<Warning, 'level' | 'days'> | undefined {
  if (daysLeft > expiryHorizonDays || daysLeft < -expiryHorizonDays) return undefined;
  return { level: daysLeft <= 7 ? 'danger' : 'warning', days: Math.trunc(daysLeft) };
}

/**
 * The first page's warnings (issue 25): certificates and agreements expiring within 30 days (or
 * ended in the last 30), open breakers, partners near their daily quota, applications refused by
 * their rate limit in the last hour, parked deliveries, a traffic log that spools.
 */
export async function currentWarnings(ctx: PipelineContext, store: Store, now = new Date()): Promise<Warning[]> {
  const warnings: Warning[] = [];
  const table = ctx.registry.current;

  for (const certificate of table.partners.certificates.values()) {
    const daysLeft = (Date.parse(certificate.notAfter) - now.getTime()) / dayMs;
    const shown = expiry(daysLeft);
    if (shown) warnings.push({ ...shown, key: daysLeft < 0 ? 'warnCertificateExpired' : 'warnCertificate', values: { owner: certificate.ownerId, serial: certificate.serial } });
  }
  const agreements = [...table.partners.agreementsByPartner.values()].flat().filter((agreement) => agreement.status === 'active');
  for (const agreement of agreements) {
    // An agreement runs to the end of its last day on the region's calendar.
    const daysLeft = ((instantAt(agreement.validUntil, ctx.config.timezone)?.getTime() ?? 0) + dayMs - now.getTime()) / dayMs;
    const shown = expiry(daysLeft);
    if (shown) warnings.push({ ...shown, key: daysLeft < 0 ? 'warnAgreementExpired' : 'warnAgreement', values: { agreement: agreement.number, partner: table.partners.partners.get(agreement.partnerId)?.legalName ?? agreement.partnerId } });
  }

  for (const upstream of ctx.breakers.overview(table.upstreamBreakerSettings())) {
    if (upstream.state !== 'closed') warnings.push({ level: 'danger', key: 'warnBreaker', values: { upstream: upstream.upstream, state: upstream.state }, href: '/layanan' });
  }

  for (const agreement of agreements) {
    if (!agreement.dailyQuota) continue;
    const used = await ctx.limits.usedToday(`quota:${agreement.number}`, ctx.config.timezone, now);
    if (used >= agreement.dailyQuota * nearQuota) {
      warnings.push({ level: used >= agreement.dailyQuota ? 'danger' : 'warning', key: 'warnQuota', values: { partner: agreement.partnerId, agreement: agreement.number, used, quota: agreement.dailyQuota, percent: used / agreement.dailyQuota } });
    }
  }

  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  const limited = await store.read(store.db.selectFrom('traffic_log')
    .select((eb) => ['consumer', eb.fn.countAll<number>().as('n')])
    .where('error_code', '=', 'RATE_LIMITED').where('at', '>=', hourAgo).where('consumer', 'is not', null)
    .groupBy('consumer'));
  for (const row of limited) warnings.push({ level: 'warning', key: 'warnRateLimited', values: { consumer: row.consumer!, count: Number(row.n) }, href: `/lalu-lintas?code=RATE_LIMITED&caller=consumer:${encodeURIComponent(row.consumer!)}` });

  const parked = await store.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'failed').executeTakeFirst();
  if (Number(parked?.n ?? 0) > 0) warnings.push({ level: 'warning', key: 'warnParked', values: { count: Number(parked!.n) } });

  if (ctx.traffic.stats.spoolFiles > 0) warnings.push({ level: 'danger', key: 'warnSpooling', values: { files: ctx.traffic.stats.spoolFiles } });
  return warnings.sort((a, b) => (a.level === b.level ? 0 : a.level === 'danger' ? -1 : 1));
}
