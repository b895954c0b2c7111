/** Opaque page cursors: the last id seen, base64url-encoded so clients do not build them. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(String(lastId)).toString('base64url');
}

export function decodeCursor(cursor: string): number | null {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  if (!/^[0-9]{1,10}$/.test(decoded)) return null;
  return Number(decoded);
}
