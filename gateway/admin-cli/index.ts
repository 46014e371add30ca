import type { Command } from 'commander';
import { registerAuditCommand } from './audit.ts';
import { registerConsumerCommands } from './consumers.ts';
import { registerContractCommands } from './contracts.ts';

/**
 * The CLI over the admin API (issue 24): `penghubung contracts | consumers | audit`. Unlike
 * `apply` or `consumer`, which open the store, these go through the running gateway with an SSO
 * token, so roles, four eyes and the audit trail apply to them as to any other admin client.
 */
export function registerAdminCommands(program: Command): void {
  registerContractCommands(program);
  registerConsumerCommands(program);
  registerAuditCommand(program);
}
