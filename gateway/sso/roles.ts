/**
 * The Dinas' roles, as the SSO puts them in a role claim (`sso.roleClaims`), for the admin API and
 * the console alike. Editing and approving are separate roles so that a contract version is
 * approved by someone other than its editor (four eyes); ops read and act on deliveries, never
 * edit the registry.
 */
export const roles = { admin: 'penghubung-admin', approver: 'penghubung-approver', ops: 'penghubung-ops' } as const;

/** Traffic, upstreams, certificates, partners, agreements, deliveries, the audit trail. */
export const readRoles: readonly string[] = [roles.ops, roles.admin, roles.approver];
/** Partners, agreements, certificates, consumers, contract drafts; the backup (the whole registry). */
export const editRoles: readonly string[] = [roles.admin];
/** Approving (or rejecting) a submitted contract version. */
export const approveRoles: readonly string[] = [roles.approver];
/** Retrying or cancelling a parked delivery. */
export const opsActionRoles: readonly string[] = [roles.ops, roles.admin];
