import { Injectable } from '@nestjs/common';
import { AdminKeysRepository } from '../auth/persistence/admin-keys.repository';
import { EventsRepository } from '../../domain/events/persistence/events.repository';
import type { AuditTargetType } from './persistence/audit-log.repository';

/** A target as the audit log records it: as stored, read fresh from MySQL (never a cached copy), no secrets. */
@Injectable()
export class AuditSnapshots {
  constructor(
    private readonly events: EventsRepository,
    private readonly keys: AdminKeysRepository,
  ) {}

  async load(type: AuditTargetType, id: number): Promise<unknown> {
    switch (type) {
      case 'event':
        return (await this.events.findById(id)) ?? null;
      case 'admin-key':
        // The key's hash is not part of the model: nothing here could be used to sign in.
        return (await this.keys.findById(id)) ?? null;
    }
  }
}
