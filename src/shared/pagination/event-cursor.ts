import { InvalidInputError } from '../errors/domain-errors';

/** Opaque page cursors: the last id seen, base64url-encoded so clients do not build them. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(String(lastId)).toString('base64url');
}

/**
 * The id of a cursor this API returned, or null. One spelling per position:
 * anything that does not re-encode to itself (leading zeros, a sign, unused
 * trailing bits, padding) is refused, so every request for one page shares
 * one page-cache entry instead of each costing a fresh COUNT join.
 */
export function decodeCursor(cursor: string): number | null {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  if (!/^[1-9][0-9]{0,9}$/.test(decoded)) return null;
  const id = Number(decoded);
  return encodeCursor(id) === cursor ? id : null;
}

/** The id a page starts after: 0 without a cursor; a cursor this API did not return is a 400. */
export function afterIdOf(cursor: string | undefined): number {
  const afterId = cursor === undefined ? 0 : decodeCursor(cursor);
  if (afterId === null) throw new InvalidInputError('cursor is not a cursor this API returned');
  return afterId;
}

/** A page from `limit + 1` rows read: the extra row tells whether there is a next page, without a COUNT. */
export function pageOf<T extends { id: number }>(rows: T[], limit: number): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
}
