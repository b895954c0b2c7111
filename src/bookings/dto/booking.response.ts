import { ApiProperty } from '@nestjs/swagger';
import type { Booking } from '../booking.model';

export class BookingResponse {
  @ApiProperty({ example: 17 }) id: number;
  @ApiProperty({ example: 1 }) eventId: number;
  @ApiProperty({ example: 'ada@example.com' }) customerEmail: string;
  @ApiProperty({ example: 2 }) quantity: number;
  @ApiProperty({ example: [41, 42], type: [Number] }) seats: number[];
  @ApiProperty({ enum: ['confirmed', 'cancelled'], example: 'confirmed' }) status: string;
  @ApiProperty({ example: 'atomic', description: 'Strategy that took the seats' }) strategy: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: null, nullable: true, type: String }) cancelledAt: string | null;

  static from(b: Booking): BookingResponse {
    return {
      id: b.id,
      eventId: b.eventId,
      customerEmail: b.customerEmail,
      quantity: b.quantity,
      seats: b.seats,
      status: b.status,
      strategy: b.strategy,
      createdAt: b.createdAt.toISOString(),
      cancelledAt: b.cancelledAt ? b.cancelledAt.toISOString() : null,
    };
  }
}
