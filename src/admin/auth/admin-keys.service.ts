import { Injectable } from '@nestjs/common';
import { newSecret, sha256Hex } from '../../shared/credentials';
import { afterIdOf, pageOf } from '../../shared/pagination/event-cursor';
import { AdminPrincipal, AdminScope, BOOTSTRAP_PRINCIPAL } from './admin-scopes';
import { AdminToken } from './admin-token';
import { AdminKey, AdminKeysRepository } from './persistence/admin-keys.repository';

/** Every admin key starts with this, so a booking secret (no prefix) never costs a key lookup. */
const KEY_PREFIX = 'sgk_';
const KEY_FORMAT = /^sgk_[A-Za-z0-9_-]{43}$/;

/** 256 random bits: a guess is hopeless, so a fast unsalted SHA-256 is the right hash to keep. */

/**
 * Named admin keys beside the bootstrap ADMIN_TOKEN. A key is looked up in
 * MySQL on every admin request it makes, with no per-instance cache: a revoked
 * key is refused at once by every instance, at the price of one indexed
 * lookup per admin request (admin traffic is a trickle next to bookings).
 */
@Injectable()
export class AdminKeys {
  constructor(
    private readonly adminToken: AdminToken,
    private readonly repository: AdminKeysRepository,
  ) {}

  /** The principal a bearer token stands for, or null (unknown, malformed or revoked). */
  async authenticate(token: string | undefined): Promise<AdminPrincipal | null> {
    if (token === undefined) return null;
    if (this.adminToken.matches(token)) return BOOTSTRAP_PRINCIPAL;
    if (!KEY_FORMAT.test(token)) return null;
    const key = await this.repository.findActiveByHash(sha256Hex(token));
    return key ? { keyId: key.id, actor: `key:${key.id}:${key.name}`, scopes: key.scopes } : null;
  }

  /** A new key: the key itself is in the answer once and nowhere else. */
  async create(name: string, scopes: AdminScope[], createdBy: AdminPrincipal): Promise<{ key: AdminKey; secret: string }> {
    const secret = KEY_PREFIX + newSecret();
    const key = await this.repository.create({
      name,
      keyHash: sha256Hex(secret),
      scopes: [...new Set(scopes)],
      createdBy: createdBy.actor,
    });
    return { key, secret };
  }

  find(id: number): Promise<AdminKey | null> {
    return this.repository.findById(id);
  }

  revoke(id: number): Promise<AdminKey | null> {
    return this.repository.revoke(id);
  }

  async list(limit: number, cursor: string | undefined): Promise<{ page: AdminKey[]; nextCursor: string | null }> {
    return pageOf(await this.repository.list(afterIdOf(cursor), limit + 1), limit);
  }
}
