import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditSnapshots } from '../../admin/audit/audit-snapshots';
import { REFERENCE_FORMAT } from './booking-credentials';
import { BookingsRepository } from './persistence/bookings.repository';
import { WaitlistRepository } from '../waitlist/waitlist-entry';

/**
 * How the audit log records a booking (or hold) and a waiting-list entry an
 * admin changed: read fresh from MySQL by reference, without the secret's
 * hash or the request's.
 */
@Injectable()
export class BookingAuditSnapshots implements OnModuleInit {
  constructor(
    private readonly snapshots: AuditSnapshots,
    private readonly bookings: BookingsRepository,
    private readonly entries: WaitlistRepository,
  ) {}

  onModuleInit(): void {
    this.snapshots.register('booking', async (reference) => {
      const found = REFERENCE_FORMAT.test(reference) ? await this.bookings.findByReference(reference) : null;
      return found && without(found, ['secretHash', 'requestHash']);
    });
    this.snapshots.register('waitlist-entry', async (reference) => {
      const found = await this.entries.findByReference(reference);
      return found && without(found, ['secretHash']);
    });
  }
}

function without<T extends object>(row: T, keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key as keyof T))) as Partial<T>;
}
