import { Injectable } from '@nestjs/common';
import { AdminKeysRepository } from '../auth/persistence/admin-keys.repository';
import { EventsRepository } from '../../domain/events/persistence/events.repository';
import type { AuditTargetType } from './persistence/audit-log.repository';

/** Reads one target by its id (a row id, or a booking's or entry's reference) as the audit log records it. */
export type SnapshotLoader = (id: string) => Promise<unknown>;

/**
 * A target as the audit log records it: as stored, read fresh from MySQL
 * (never a cached copy), no secrets. Events and admin keys are read here;
 * a feature module whose targets the log records registers its own loader
 * (bookings and waiting-list entries: BookingAuditSnapshots), so the audit
 * log needs no import of the modules that use it.
 */
@Injectable()
export class AuditSnapshots {
  private readonly loaders = new Map<AuditTargetType, SnapshotLoader>();

  constructor(events: EventsRepository, keys: AdminKeysRepository) {
    this.register('event', async (id) => (await events.findById(Number(id))) ?? null);
    // The key's hash is not part of the model: nothing here could be used to sign in.
    this.register('admin-key', async (id) => (await keys.findById(Number(id))) ?? null);
  }

  register(type: AuditTargetType, loader: SnapshotLoader): void {
    this.loaders.set(type, loader);
  }

  async load(type: AuditTargetType, id: number | string): Promise<unknown> {
    const loader = this.loaders.get(type);
    if (!loader) throw new Error(`no audit snapshot loader registered for ${type}`);
    return loader(String(id));
  }
}
