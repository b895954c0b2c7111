import { shareOut, takenSeats } from './seat-shares';

describe('shareOut', () => {
  it('gives each booking the next lowest seats, all or nothing, in batch order', () => {
    const shares = shareOut([3, 5, 8, 9], [2, 3, 1, 1]);
    expect(shares).toEqual([
      { kind: 'taken', seats: [3, 5] },
      { kind: 'sold-out', available: 2 }, // 3 asked, 2 left: refused whole
      { kind: 'taken', seats: [8] }, // a smaller one after it still fits
      { kind: 'taken', seats: [9] },
    ]);
    expect(takenSeats(shares)).toEqual([3, 5, 8, 9]);
  });

  it('says sold out with nothing left when the pool is empty', () => {
    expect(shareOut([], [1, 2])).toEqual([
      { kind: 'sold-out', available: 0 },
      { kind: 'sold-out', available: 0 },
    ]);
  });
});
