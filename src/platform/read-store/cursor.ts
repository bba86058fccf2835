import { InvalidCursorError, type Scalar } from './read-store';

/** Keyset-pagination cursor: the sort value and id of the last item of a page. */
export interface CursorKey {
  readonly value: Scalar;
  readonly id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.value, key.id])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[1] === 'string') {
      const [value, id] = parsed as [unknown, string];
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
        return { value: value as Scalar, id };
      }
    }
  } catch {
    // falls through to the refusal below
  }
  throw new InvalidCursorError();
}
