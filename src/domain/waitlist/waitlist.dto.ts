import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BOOKING_STATUSES } from '../bookings/booking.model';
import { WAITLIST_STATUSES, WaitlistEntryView } from './waitlist-entry';

export class WaitlistOfferResponse {
  @ApiProperty({
    example: 'bk_9zQ2m0bVd7c1A3q2x9Yw1R',
    description: "The hold made for this entry: confirm it with POST /holds/{reference}/confirm and the entry's secret",
  })
  reference: string;
  @ApiProperty({ type: 'integer', isArray: true, example: [17, 18] }) seats: number[];
  @ApiProperty({
    enum: BOOKING_STATUSES,
    enumName: 'BookingStatus',
    example: 'held',
    description: 'held until expiresAt; confirmed, released or expired after',
  })
  status: string;
  @ApiProperty({ format: 'date-time', example: '2027-03-01T10:02:00.000Z', nullable: true, type: String }) expiresAt: string | null;
}

export class WaitlistEntryResponse {
  @ApiProperty({ example: 'wl_3q2x9Yw1RkqO4m0bVd7c1A' }) reference: string;
  @ApiPropertyOptional({
    description:
      'Shown once, in the 201: read or leave the entry with `Authorization: Bearer <secret>`, and confirm the hold it is offered with it',
  })
  secret?: string;
  @ApiProperty({ type: 'integer', example: 1 }) eventId: number;
  @ApiProperty({ format: 'email', example: 'ada@example.com' }) customerEmail: string;
  @ApiProperty({ type: 'integer', minimum: 1, example: 2 }) quantity: number;
  @ApiProperty({ enum: WAITLIST_STATUSES, enumName: 'WaitlistStatus', example: 'waiting' }) status: string;
  @ApiProperty({ type: 'integer', example: 3, nullable: true, description: '1 = next to be offered seats; null once no longer waiting' })
  position: number | null;
  @ApiProperty({ type: WaitlistOfferResponse, nullable: true }) offer: WaitlistOfferResponse | null;
  @ApiProperty({ format: 'date-time', example: '2027-03-01T09:58:00.000Z' }) createdAt: string;

  static from({ entry, position, offer, secret }: WaitlistEntryView): WaitlistEntryResponse {
    return {
      reference: entry.reference,
      ...(secret === null ? {} : { secret }),
      eventId: entry.eventId,
      customerEmail: entry.customerEmail,
      quantity: entry.quantity,
      status: entry.status,
      position,
      offer: offer
        ? { reference: offer.reference, seats: offer.seats, status: offer.status, expiresAt: offer.expiresAt?.toISOString() ?? null }
        : null,
      createdAt: entry.createdAt.toISOString(),
    };
  }
}
