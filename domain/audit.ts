import type { Role } from '../config';

/** Who made a change (SPEC section 6, Audit). */
export const AUDIT_ACTOR_TYPES = ['api_key', 'carrier_signature', 'system'] as const;

/** An API key (its id and role, never the key), the carrier's signed webhook, or the system (`id: 'cli'`, ...). */
export interface AuditActor {
  type: (typeof AUDIT_ACTOR_TYPES)[number];
  id?: string;
  role?: Role;
}
