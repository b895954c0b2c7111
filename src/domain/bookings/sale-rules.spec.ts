import { EventCancelledError, InvalidInputError, SaleClosedError, SaleNotOpenError } from '../../shared/errors/domain-errors';
import { assertQuantityAllowed, saleRefusal } from './sale-rules';

describe('sale rules', () => {
  const now = Date.parse('2027-03-01T10:00:00Z');
  const event = { id: 7, cancelledAt: null, salesStartAt: null, salesEndAt: null };

  it('refuses more tickets than one request may ask for, naming quantity', () => {
    expect(() => assertQuantityAllowed(10, 10)).not.toThrow();
    expect(() => assertQuantityAllowed(11, 10)).toThrow(new InvalidInputError('quantity must not be greater than 10'));
  });

  it('refuses a cancelled event, a sale not open yet and a sale over; lets the waiting list in before the opening', () => {
    expect(saleRefusal(event, now)).toBeNull();
    expect(saleRefusal({ ...event, cancelledAt: new Date(now - 1) }, now)).toBeInstanceOf(EventCancelledError);
    const early = { ...event, salesStartAt: new Date(now + 1) };
    expect(saleRefusal(early, now)).toBeInstanceOf(SaleNotOpenError);
    expect(saleRefusal(early, now, 'allowed')).toBeNull();
    expect(saleRefusal({ ...event, salesStartAt: new Date(now) }, now)).toBeNull();
    const over = { ...event, salesEndAt: new Date(now) };
    expect(saleRefusal(over, now)).toBeInstanceOf(SaleClosedError);
    expect(saleRefusal(over, now, 'allowed')).toBeInstanceOf(SaleClosedError);
  });
});
