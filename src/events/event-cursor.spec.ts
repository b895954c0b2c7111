import { decodeCursor, encodeCursor } from './event-cursor';

describe('event cursors', () => {
  it('round-trips an id', () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
  });

  it.each(['', 'YWJj', Buffer.from('-1').toString('base64url'), Buffer.from('1 OR 1=1').toString('base64url')])('rejects %p', (cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
