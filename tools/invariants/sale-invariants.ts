/**
 * docs/design.md §1 as a pure function: given what the buyers were told and what
 * MySQL and Redis hold afterwards, list every broken invariant. An empty list
 * means the sale was correct. The `unsafe` control group proves it can fire.
 */
export interface Answer {
  status: number;
  body: { reference?: string; secret?: string; eventId?: number; seats?: number[]; quantity?: number; code?: string } | undefined;
}

export interface SaleState {
  capacity: number;
  answers: Answer[];
  /** tickets rows of the event. */
  tickets: { seat_no: number; booking_id: number }[];
  /** Live bookings of the event: confirmed, and checkout holds (whose seats have ticket rows too). */
  bookings: { reference: string; quantity: number; seats: number[] }[];
  /** Redis free pool after the load, or null to skip the Redis check. */
  freeSeats: number[] | null;
  /** Demand exceeded capacity and the load is over: every seat must be sold. */
  expectSoldOut: boolean;
  allowedStatuses?: number[];
}

export function saleViolations(s: SaleState): string[] {
  const v: string[] = [];
  const allowed = new Set(s.allowedStatuses ?? [201, 409]);
  const confirmedQuantity = s.bookings.reduce((sum, b) => sum + b.quantity, 0);

  if (s.tickets.length > s.capacity) v.push(`oversold: ${s.tickets.length} tickets for ${s.capacity} seats`);
  if (confirmedQuantity > s.capacity) v.push(`oversold: confirmed bookings and holds hold ${confirmedQuantity} seats of ${s.capacity}`);
  if (confirmedQuantity !== s.tickets.length) {
    v.push(`confirmed bookings and holds hold ${confirmedQuantity} seats but ${s.tickets.length} tickets exist`);
  }

  const owner = new Map<number, string>();
  for (const b of s.bookings) {
    for (const seat of b.seats) {
      const other = owner.get(seat);
      if (other !== undefined) v.push(`double seat: seat ${seat} is in bookings ${other} and ${b.reference}`);
      owner.set(seat, b.reference);
      if (seat < 1 || seat > s.capacity) v.push(`seat ${seat} outside 1..${s.capacity}`);
    }
  }

  const told = new Map<number, string>();
  let toldQuantity = 0;
  const byReference = new Map(s.bookings.map((b) => [b.reference, b]));
  for (const a of s.answers) {
    if (!allowed.has(a.status)) v.push(`unexpected answer ${a.status} ${a.body?.code ?? ''}`.trim());
    if (a.status !== 201) continue;
    const seats = a.body?.seats ?? [];
    toldQuantity += seats.length;
    for (const seat of seats) {
      if (told.has(seat)) v.push(`double seat: seat ${seat} was promised to two buyers`);
      told.set(seat, a.body?.reference ?? '?');
    }
    const stored = a.body?.reference === undefined ? undefined : byReference.get(a.body.reference);
    if (!stored) v.push(`lost sale: booking ${a.body?.reference} answered 201 but is neither confirmed nor held in MySQL`);
    else if (stored.seats.join() !== seats.join()) v.push(`booking ${stored.reference}: answered seats differ from MySQL`);
  }
  if (toldQuantity !== s.tickets.length) v.push(`buyers were told ${toldQuantity} seats, MySQL holds ${s.tickets.length} tickets`);

  if (s.expectSoldOut && s.tickets.length !== s.capacity) {
    v.push(`lost stock: ${s.capacity - s.tickets.length} seats left unsold after demand exceeded capacity`);
  }

  if (s.freeSeats) {
    const ticketed = new Set(s.tickets.map((t) => t.seat_no));
    const free = new Set(s.freeSeats);
    for (const seat of free) if (ticketed.has(seat)) v.push(`redis offers seat ${seat}, which MySQL has sold`);
    for (let seat = 1; seat <= s.capacity; seat++) {
      if (!free.has(seat) && !ticketed.has(seat)) v.push(`stranded seat ${seat}: neither free in Redis nor sold in MySQL`);
    }
    if (free.size !== s.freeSeats.length) v.push('redis free pool has duplicates');
  }
  return v;
}
