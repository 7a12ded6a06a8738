import { z } from 'zod';
import { and, eq, getTableColumns, ne, or, sql, type SQL } from 'drizzle-orm';
import { runTransaction, type Database } from './client';
import { ConflictError, NotFoundError } from './errors';
import { afterCursor, encodeCursor, orderBy } from './paging';
import { resource, type Resource, type ResourceType } from './schema';
import { activeShareFor } from './shares';
import {
  createResourceInput,
  limits,
  listOptionsSchema,
  nameSchema,
  parseOrThrow,
  updateResourceInput,
  uuidSchema,
  validateContent,
  type CreateResourceInput,
  type ListOptions,
  type UpdateResourceInput,
} from './validation';

export * from './shares';
export * from './users';
export * from './messages';

/** What a list shows: everything but the content (which can be a megabyte), plus the share count. */
export type ResourceListItem = Omit<Resource, 'content'> & { shareCount: number };
export interface ResourcePage {
  items: ResourceListItem[];
  /** Pass back as `cursor` for the next page; undefined on the last page. */
  nextCursor: string | undefined;
}

const { content: _content, ...listColumns } = getTableColumns(resource);
// Written out in full: in a select list drizzle drops the table names, and a bare "id"
// inside this subquery would be the share's own id (the count was always 0).
const shareCount = sql<number>`(select count(*) from resource_share s where s.resource_id = "resource"."id")`.mapWith(Number);

/** `%`, `_` and `\` in the user's term match themselves. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function createResource(db: Database, userId: string, input: CreateResourceInput): Promise<Resource> {
  uuidOrThrow(userId, 'userId');
  const values = parseOrThrow(createResourceInput, input);
  // Lineage may only point at a resource the user can read: another user's private id would
  // otherwise be probed (a foreign key error or not) and linked to.
  if (values.parentResourceId && !(await getResourceById(db, userId, values.parentResourceId))) {
    throw new NotFoundError('resource');
  }
  const [row] = await db
    .insert(resource)
    .values({ ...values, content: values.content as object, userId })
    .returning();
  return row!;
}

/** One page of the user's resources: pinned first, then by the sort order (most recently updated by default). */
export async function getUserResources(db: Database, userId: string, options: ListOptions = {}): Promise<ResourcePage> {
  uuidOrThrow(userId, 'userId');
  return listPage(db, eq(resource.userId, userId), options);
}

/** Other users' public resources, for browsing; same paging and search as the user's own list. */
export async function getPublicResources(db: Database, userId: string, options: ListOptions = {}): Promise<ResourcePage> {
  uuidOrThrow(userId, 'userId');
  return listPage(db, and(eq(resource.isPublic, true), ne(resource.userId, userId))!, options);
}

async function listPage(db: Database, scope: SQL, options: ListOptions): Promise<ResourcePage> {
  const { search, type, sort, limit, cursor } = parseOrThrow(listOptionsSchema, options);
  const conditions: (SQL | undefined)[] = [scope];
  if (search) {
    const pattern = likePattern(search);
    conditions.push(or(sql`${resource.name} ilike ${pattern}`, sql`${resource.description} ilike ${pattern}`));
  }
  if (type) conditions.push(eq(resource.resourceType, type));
  if (cursor) conditions.push(afterCursor(sort, cursor));
  // One row more than asked tells whether there is a next page without a count query.
  const rows = await db
    .select({ ...listColumns, shareCount })
    .from(resource)
    .where(and(...conditions))
    .orderBy(...orderBy(sort))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(sort, last) : undefined };
}

/** The user's own resource, or another user's public one; null for anything else. */
export async function getResourceById(db: Database, userId: string, id: string): Promise<Resource | null> {
  uuidOrThrow(userId, 'userId');
  uuidOrThrow(id, 'id');
  const [row] = await db
    .select()
    .from(resource)
    .where(and(eq(resource.id, id), or(eq(resource.userId, userId), eq(resource.isPublic, true))));
  return row ?? null;
}

export interface UpdateOptions {
  /** The updated_at the caller last saw: when the row has changed since, a ConflictError is thrown. */
  expectedUpdatedAt?: Date;
}

export async function updateResource(
  db: Database,
  userId: string,
  id: string,
  patch: UpdateResourceInput,
  options: UpdateOptions = {},
): Promise<Resource> {
  uuidOrThrow(userId, 'userId');
  uuidOrThrow(id, 'id');
  const values = parseOrThrow(updateResourceInput, patch);
  if (options.expectedUpdatedAt !== undefined) {
    parseOrThrow(z.object({ expectedUpdatedAt: z.date({ error: 'must be a valid date (the updatedAt last loaded)' }) }), options);
  }
  const conditions: SQL[] = [eq(resource.id, id), eq(resource.userId, userId)];
  if (options.expectedUpdatedAt) {
    // Truncated so that a team table with microsecond timestamps still compares equal.
    conditions.push(sql`date_trunc('milliseconds', ${resource.updatedAt}) = ${options.expectedUpdatedAt.toISOString()}::timestamp`);
  }
  if (values.content !== undefined || values.resourceType !== undefined) {
    // Content is checked against the type it will be stored with, which may be the current one.
    const current = await ownRow(db, userId, id);
    const type: ResourceType = values.resourceType ?? (current.resourceType as ResourceType);
    values.content = validateContent(type, values.content ?? current.content);
    conditions.push(eq(resource.resourceType, current.resourceType));
  }
  const [row] = await db
    .update(resource)
    .set({
      ...values,
      content: values.content as object | undefined,
      // Always moves forward, also for two saves within one millisecond, so a stale version never matches.
      updatedAt: sql`greatest(localtimestamp, ${resource.updatedAt} + interval '1 millisecond')`,
    })
    .where(and(...conditions))
    .returning();
  if (row) return row;
  const current = await ownRow(db, userId, id);
  throw new ConflictError(current.updatedAt);
}

export async function deleteResource(db: Database, userId: string, id: string): Promise<void> {
  uuidOrThrow(userId, 'userId');
  uuidOrThrow(id, 'id');
  const deleted = await db
    .delete(resource)
    .where(and(eq(resource.id, id), eq(resource.userId, userId)))
    .returning({ id: resource.id });
  if (deleted.length === 0) throw new NotFoundError('resource');
}

export interface ForkOptions {
  name?: string;
  /** A share token for this resource that the user redeemed: lets them fork a private resource. */
  viaShareToken?: string;
}

/**
 * Copies a resource the user may read (their own, a public one, or one shared with them
 * through a live token) into their library, and counts the fork on the parent: one transaction.
 */
export async function forkResource(db: Database, userId: string, id: string, options: ForkOptions = {}): Promise<Resource> {
  uuidOrThrow(userId, 'userId');
  uuidOrThrow(id, 'id');
  const name = options.name === undefined ? undefined : parseOrThrow(z.object({ name: nameSchema }), { name: options.name }).name;
  const readable = [eq(resource.userId, userId), eq(resource.isPublic, true)];
  if (options.viaShareToken) readable.push(activeShareFor(options.viaShareToken));
  return runTransaction(db, async (tx) => {
    // The row lock taken by this update serialises concurrent forks of one parent.
    const [parent] = await tx
      .update(resource)
      .set({ forkCount: sql`${resource.forkCount} + 1` })
      .where(and(eq(resource.id, id), or(...readable)))
      .returning();
    if (!parent) throw new NotFoundError('resource');
    const [fork] = await tx
      .insert(resource)
      .values({
        userId,
        name: name ?? forkName(parent.name),
        description: parent.description,
        resourceType: parent.resourceType,
        content: parent.content as object,
        parentResourceId: parent.id,
      })
      .returning();
    return fork!;
  });
}

/** "<name> (fork)", shortened so it still fits the name limit. */
export function forkName(name: string): string {
  const suffix = ' (fork)';
  const room = limits.nameLength - suffix.length;
  const chars = [...name];
  return (chars.length > room ? chars.slice(0, room).join('').trimEnd() : name) + suffix;
}

export async function recordExecution(db: Database, userId: string, id: string): Promise<Resource> {
  return updateOwn(db, userId, id, {
    executionCount: sql`${resource.executionCount} + 1`,
    lastExecutedAt: sql`localtimestamp`,
  });
}

/** Pinning does not touch updated_at: it is not an edit, and must not conflict with one. */
export async function setPinned(db: Database, userId: string, id: string, pinned: boolean): Promise<Resource> {
  return updateOwn(db, userId, id, { pinned });
}

async function updateOwn(
  db: Database,
  userId: string,
  id: string,
  set: Partial<Record<'executionCount' | 'lastExecutedAt' | 'pinned', SQL | boolean>>,
): Promise<Resource> {
  uuidOrThrow(userId, 'userId');
  uuidOrThrow(id, 'id');
  const [row] = await db
    .update(resource)
    .set(set as Partial<Resource>)
    .where(and(eq(resource.id, id), eq(resource.userId, userId)))
    .returning();
  if (!row) throw new NotFoundError('resource');
  return row;
}

async function ownRow(db: Database, userId: string, id: string): Promise<Resource> {
  const [row] = await db
    .select()
    .from(resource)
    .where(and(eq(resource.id, id), eq(resource.userId, userId)));
  if (!row) throw new NotFoundError('resource');
  return row;
}

export function uuidOrThrow(value: string, field: string): void {
  parseOrThrow(z.object({ [field]: uuidSchema }), { [field]: value });
}
