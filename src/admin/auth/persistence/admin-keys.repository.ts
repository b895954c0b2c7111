import type { AdminScope } from '../admin-scopes';

export interface AdminKey {
  id: number;
  name: string;
  scopes: AdminScope[];
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface NewAdminKey {
  name: string;
  keyHash: string;
  scopes: AdminScope[];
  createdBy: string;
}

/** Admin keys as MySQL keeps them: a name, scopes and the key's SHA-256, never the key. */
export abstract class AdminKeysRepository {
  abstract create(key: NewAdminKey): Promise<AdminKey>;
  abstract findById(id: number): Promise<AdminKey | null>;
  /** The key whose hash this is, if it has not been revoked. */
  abstract findActiveByHash(keyHash: string): Promise<AdminKey | null>;
  abstract list(afterId: number, limit: number): Promise<AdminKey[]>;
  /** Sets revoked_at once; returns the key as it is now (null if unknown). */
  abstract revoke(id: number): Promise<AdminKey | null>;
}
