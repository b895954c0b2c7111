import { saleViolations, SaleState } from './sale-invariants';

const clean = (): SaleState => ({
  capacity: 3,
  answers: [
    { status: 201, body: { reference: 'bk_1', seats: [1, 2] } },
    { status: 201, body: { reference: 'bk_2', seats: [3] } },
    { status: 409, body: { code: 'SOLD_OUT' } },
  ],
  tickets: [
    { seat_no: 1, booking_id: 1 },
    { seat_no: 2, booking_id: 1 },
    { seat_no: 3, booking_id: 2 },
  ],
  bookings: [
    { reference: 'bk_1', quantity: 2, seats: [1, 2] },
    { reference: 'bk_2', quantity: 1, seats: [3] },
  ],
  freeSeats: [],
  expectSoldOut: true,
});

describe('saleViolations', () => {
  it('accepts a correct sale', () => {
    expect(saleViolations(clean())).toEqual([]);
  });

  it('catches an oversell where two buyers got the same seat (what `unsafe` produces)', () => {
    const s = clean();
    s.answers.push({ status: 201, body: { reference: 'bk_3', seats: [3] } });
    s.bookings.push({ reference: 'bk_3', quantity: 1, seats: [3] });
    s.tickets[2] = { seat_no: 3, booking_id: 3 };
    const v = saleViolations(s);
    expect(v).toContain('oversold: confirmed bookings and holds hold 4 seats of 3');
    expect(v).toContain('double seat: seat 3 is in bookings bk_2 and bk_3');
    expect(v).toContain('double seat: seat 3 was promised to two buyers');
  });

  it('catches a lost sale, a busy answer, stranded and double-offered seats', () => {
    const s = clean();
    s.bookings.pop();
    s.tickets.pop();
    s.answers.push({ status: 429, body: { code: 'BUSY' } });
    s.freeSeats = [1];
    const v = saleViolations(s);
    expect(v).toEqual(
      expect.arrayContaining([
        'lost sale: booking bk_2 answered 201 but is neither confirmed nor held in MySQL',
        'unexpected answer 429 BUSY',
        'redis offers seat 1, which MySQL has sold',
        'stranded seat 3: neither free in Redis nor sold in MySQL',
        'lost stock: 1 seats left unsold after demand exceeded capacity',
      ]),
    );
  });

  it('catches a seat number beyond capacity', () => {
    const s = clean();
    s.bookings[1].seats = [4];
    s.answers[1].body = { reference: 'bk_2', seats: [4] };
    expect(saleViolations(s)).toContain('seat 4 outside 1..3');
  });
});
