export type BookingStatus = 'confirmed' | 'cancelled';

/** A booking as the service layer sees it; entities stay in persistence/. */
export interface Booking {
  id: number;
  eventId: number;
  customerEmail: string;
  quantity: number;
  seats: number[];
  status: BookingStatus;
  strategy: string;
  createdAt: Date;
  cancelledAt: Date | null;
}
