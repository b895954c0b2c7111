/** Where a cached answer keeps its ETag: a symbol, so JSON serialisation never sees it. */
const ETAG = Symbol('etag');

export function withEtag<T extends object>(value: T, etag: string): T {
  Object.defineProperty(value, ETAG, { value: etag, enumerable: false });
  return value;
}

export function etagOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? (value as { [ETAG]?: string })[ETAG] : undefined;
}
