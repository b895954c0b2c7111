/**
 * What an admin key may do. `read` is every admin read (booking lists, the
 * audit log, metrics, and any booking, hold or waiting-list entry by reference);
 * every other scope includes it. `events`: create, change and cancel events,
 * and, as the admin, cancel bookings, confirm or release holds and take entries
 * off the waiting list; `strategy`: switch a
 * strategy and rebuild an inventory (reconcile); `webhooks`: manage webhook
 * endpoints; `keys`: create, list and revoke admin keys. ADMIN_TOKEN has them all.
 */
export const ADMIN_SCOPES = ['read', 'events', 'strategy', 'webhooks', 'keys'] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];

/** Who made an admin request: the bootstrap token or a named key. */
export interface AdminPrincipal {
  /** null for ADMIN_TOKEN. */
  keyId: number | null;
  /** How the audit log names it: `ADMIN_TOKEN` or `key:<id>:<name>`. */
  actor: string;
  scopes: readonly AdminScope[];
}

export const BOOTSTRAP_PRINCIPAL: AdminPrincipal = { keyId: null, actor: 'ADMIN_TOKEN', scopes: ADMIN_SCOPES };

export function allows(principal: AdminPrincipal, scope: AdminScope): boolean {
  return scope === 'read' ? principal.scopes.length > 0 : principal.scopes.includes(scope);
}

/** Where the guard leaves the principal on the request (Express's req or Fastify's request), for the audit log. */
export const ADMIN_PRINCIPAL = Symbol('adminPrincipal');
export type WithAdminPrincipal = { [ADMIN_PRINCIPAL]?: AdminPrincipal };
