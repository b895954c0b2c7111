import { decodeCursor, encodeCursor } from './event-cursor';

describe('event cursors', () => {
  it('round-trips an id', () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
  });

  it.each(['', 'YWJj', Buffer.from('-1').toString('base64url'), Buffer.from('1 OR 1=1').toString('base64url')])('rejects %p', (cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });

  it.each([
    ['leading zero', Buffer.from('042').toString('base64url')],
    ['plus sign', Buffer.from('+42').toString('base64url')],
    ['unused trailing bits', 'NDL'],
    ['padding', `${encodeCursor(42)}=`],
    ['zero', Buffer.from('0').toString('base64url')],
  ])('accepts one spelling per position: refuses a %s', (_, cursor) => {
    expect(encodeCursor(42)).toBe('NDI');
    expect(decodeCursor(cursor)).toBeNull();
  });
});
