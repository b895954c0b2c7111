import { Injectable } from '@nestjs/common';
import { AdminToken, bearerToken } from '../auth/admin-token';
import type { BookingAccess } from './owned-bookings.service';

export const BOOKING_SECRET_SCHEME = 'booking-secret';

/**
 * One header for both callers of a booking route: `Authorization: Bearer
 * <token>` is the admin if the token is ADMIN_TOKEN, else a claim to own the
 * booking whose secret it is.
 */
@Injectable()
export class BookingAccessResolver {
  constructor(private readonly adminToken: AdminToken) {}

  fromAuthorization(header: string | undefined): BookingAccess {
    const token = bearerToken(header);
    return this.adminToken.matches(token) ? { admin: true } : { admin: false, secret: token };
  }
}
