import { Problem } from '../errors/problem.ts';
import { clearanceCovers, type ContractDefinition } from '../registry/contract.ts';
import type { Agreement } from '../registry/partners.ts';

/** Today as `YYYY-MM-DD` in the region's time zone: agreements run by calendar days there. */
export function regionalDay(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Why one covering agreement cannot serve the call; null when it can. */
function refusalOf(agreement: Agreement, contract: ContractDefinition, today: string): Problem | null {
  const pks = `PKS ${agreement.number}`;
  const member = { agreement: agreement.number };
  if (agreement.status === 'terminated') return new Problem('AGREEMENT_TERMINATED', `${pks} was terminated.`, member);
  if (agreement.status === 'suspended') return new Problem('AGREEMENT_SUSPENDED', `${pks} is suspended.`, member);
  if (today < agreement.validFrom) return new Problem('AGREEMENT_NOT_YET_VALID', `${pks} is in force from ${agreement.validFrom}.`, { ...member, validFrom: agreement.validFrom });
  if (today > agreement.validUntil) return new Problem('AGREEMENT_EXPIRED', `${pks} ended on ${agreement.validUntil}.`, { ...member, validUntil: agreement.validUntil });
  if (!clearanceCovers(agreement.maxClassification, contract.classification)) {
    return new Problem('CLASSIFICATION_DENIED', `${contract.id} is classified ${contract.classification}; ${pks} allows up to ${agreement.maxClassification}.`, member);
  }
  return null;
}

/**
 * The agreement under which a partner may call `contract` today, or the refusal. Only agreements
 * covering the contract count; when several do, any one in force serves, and otherwise the refusal
 * of the most recent one is given (the list comes sorted by `validUntil`, latest first).
 */
export function agreementFor(agreements: readonly Agreement[], contract: ContractDefinition, today: string): Agreement {
  if (agreements.length === 0) throw new Problem('NO_AGREEMENT', 'There is no cooperation agreement (PKS) with this partner.');
  const covering = agreements.filter((agreement) => agreement.contracts.includes(contract.id));
  if (covering.length === 0) throw new Problem('CONTRACT_NOT_COVERED', `No agreement of this partner covers ${contract.id}.`, { contract: contract.id });
  let first: Problem | null = null;
  for (const agreement of covering) {
    const refusal = refusalOf(agreement, contract, today);
    if (!refusal) return agreement;
    first ??= refusal;
  }
  throw first!;
}

/** The agreements a partner may use today (for its OpenAPI document): in force and active. */
export function agreementsInForce(agreements: readonly Agreement[], today: string): Agreement[] {
  return agreements.filter((a) => a.status === 'active' && a.validFrom <= today && today <= a.validUntil);
}
