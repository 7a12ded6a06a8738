import { sql, type SQL } from 'drizzle-orm';
import { ValidationError } from './errors';
import { resource } from './schema';
import type { SortOrder } from './validation';

/** Each sort order: its key column and direction; pinned rows always come first. */
const sortKeys = {
  updated: { column: resource.updatedAt, field: 'updatedAt', direction: 'desc', kind: 'timestamp' },
  created: { column: resource.createdAt, field: 'createdAt', direction: 'desc', kind: 'timestamp' },
  name: { column: resource.name, field: 'name', direction: 'asc', kind: 'text' },
  executions: { column: resource.executionCount, field: 'executionCount', direction: 'desc', kind: 'integer' },
} as const;

/** A key of the right kind for the sort order, so a tampered cursor never reaches Postgres as a bad cast. */
const validKey = {
  timestamp: (k: unknown) =>
    typeof k === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(k) && !Number.isNaN(Date.parse(k)),
  text: (k: unknown) => typeof k === 'string',
  integer: (k: unknown) => Number.isSafeInteger(k) && (k as number) >= -2147483648 && (k as number) <= 2147483647,
};
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type CursorKey = string | number;
interface Cursor {
  pinned: boolean;
  key: CursorKey;
  id: string;
}

export function orderBy(sort: SortOrder): SQL[] {
  const { column, direction } = sortKeys[sort];
  const dir = direction === 'desc' ? sql`desc` : sql`asc`;
  return [sql`${resource.pinned} desc`, sql`${column} ${dir}`, sql`${resource.id} ${dir}`];
}

/** Keyset paging: the next page starts after the last row shown, however deep the library. */
export function encodeCursor(sort: SortOrder, row: { pinned: boolean; id: string } & Record<string, unknown>): string {
  const value = row[sortKeys[sort].field];
  const key = value instanceof Date ? value.toISOString() : (value as CursorKey);
  return Buffer.from(JSON.stringify([sort, row.pinned, key, row.id])).toString('base64url');
}

function decodeCursor(sort: SortOrder, cursor: string): Cursor {
  try {
    const [cursorSort, pinned, key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      cursorSort === sort &&
      typeof pinned === 'boolean' &&
      validKey[sortKeys[sort].kind](key) &&
      typeof id === 'string' &&
      uuidPattern.test(id)
    ) {
      return { pinned, key: key as CursorKey, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError([{ field: 'cursor', message: 'is not a position returned by this list and sort order' }]);
}

/**
 * Keyset paging: rows after the cursor's, with placeholders (cursorPinned, cursorKey, cursorId)
 * so the list statement is built once per shape; cursorValues gives the values.
 */
export function afterCursor(sort: SortOrder): SQL {
  const { column, direction } = sortKeys[sort];
  const pinned = sql.placeholder('cursorPinned');
  const key =
    column === resource.updatedAt || column === resource.createdAt
      ? sql`${sql.placeholder('cursorKey')}::timestamp`
      : sql`${sql.placeholder('cursorKey')}`;
  const id = sql`${sql.placeholder('cursorId')}::uuid`;
  if (direction === 'desc') {
    // All three keys descend: one row comparison, which the list index serves directly.
    return sql`(${resource.pinned}, ${column}, ${resource.id}) < (${pinned}, ${key}, ${id})`;
  }
  return sql`(${resource.pinned} < ${pinned} or (${resource.pinned} = ${pinned} and (${column}, ${resource.id}) > (${key}, ${id})))`;
}

export function cursorValues(sort: SortOrder, cursorText: string): { cursorPinned: boolean; cursorKey: CursorKey; cursorId: string } {
  const cursor = decodeCursor(sort, cursorText);
  return { cursorPinned: cursor.pinned, cursorKey: cursor.key, cursorId: cursor.id };
}
