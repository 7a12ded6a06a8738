import * as z from 'zod';
import { and, Column, eq, fillPlaceholders, getTableColumns, is, ne, or, sql, type DriverValueDecoder, type SQL } from 'drizzle-orm';
import { QueryBuilder } from 'drizzle-orm/pg-core';
import type { Sql } from 'postgres';
import { runTransaction, type Database } from './client';
import { ConflictError, NotFoundError } from './errors';
import { afterCursor, cursorValues, encodeCursor, orderBy } from './paging';
import { resource, resourceTag, type Resource, type ResourceType } from './schema';
import { sharedResource } from './shares';
import { afterTagCursor, listTags, taggedWith, tagListOrder, tagRowsOf, untagged } from './tags';
import { versionContext } from './versions';
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
  changeNoteSchema,
} from './validation';

export * from './shares';
export * from './users';
export * from './messages';

/** What a list shows: everything but the content (which can be a megabyte), plus the share count and the tags. */
export type ResourceListItem = Omit<Resource, 'content'> & { shareCount: number; tags: string[] };
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
  return listPage(db, 'mine', userId, options);
}

/** Other users' public resources, for browsing; same paging and search as the user's own list. */
export async function getPublicResources(db: Database, userId: string, options: ListOptions = {}): Promise<ResourcePage> {
  uuidOrThrow(userId, 'userId');
  return listPage(db, 'public', userId, options);
}

type ListScope = 'mine' | 'public';
const listSelection = { ...listColumns, shareCount, tags: listTags };
/** Each selected value becomes its field as drizzle's own row mapping would make it (Dates, numbers). */
const listFields = Object.entries(listSelection).map(([name, field]) => {
  // An SQL field's decoder is what mapWith() set (not in drizzle's public types).
  const decoder = is(field, Column) ? field : (field as unknown as { decoder: DriverValueDecoder<unknown, unknown> }).decoder;
  return { name, decode: (value: unknown) => (value === null ? null : decoder.mapFromDriverValue(value)) };
});

interface ListStatement {
  text: string;
  /** With placeholders: userId, limit, pattern, type, tag, cursorPinned, cursorKey, cursorId. */
  params: unknown[];
  /**
   * Named (prepared) statements for the shapes whose plan does not depend on the values. A search's
   * best plan does (the trigram indexes for a rare term, the list index for a common one): it is
   * planned for its own term every time, never from a cached generic plan.
   */
  prepare: boolean;
}
const listStatements = new Map<string, ListStatement>();

function listScope(scope: ListScope): SQL {
  const userId = sql.placeholder('userId');
  return scope === 'mine' ? eq(resource.userId, userId) : and(eq(resource.isPublic, true), ne(resource.userId, userId))!;
}

/** Which filters a list uses: the statement's shape. */
interface ListShape {
  search: boolean;
  type: boolean;
  cursor: boolean;
  tag: boolean;
  untagged: boolean;
}

/** The list's SQL for one shape (scope, sort, which filters), built by drizzle once. */
function listStatement(scope: ListScope, sort: ListSort, shape: ListShape): ListStatement {
  const key = `${scope}:${sort}:${shape.search}:${shape.type}:${shape.cursor}:${shape.tag}:${shape.untagged}`;
  let statement = listStatements.get(key);
  if (!statement) {
    // The user's own list of one tag in the default order walks that tag's rows in this order
    // (resource_tag_list_idx): a page costs the same however common or rare the tag is.
    const byTag = shape.tag && scope === 'mine' && sort === 'updated';
    const conditions: (SQL | undefined)[] = [listScope(scope)];
    if (shape.search) {
      const pattern = sql.placeholder('pattern');
      conditions.push(or(sql`${resource.name} ilike ${pattern}`, sql`${resource.description} ilike ${pattern}`));
    }
    if (shape.type) conditions.push(eq(resource.resourceType, sql.placeholder('type')));
    if (shape.tag && !byTag) conditions.push(taggedWith(scope === 'mine', sql.placeholder('tag'), sql.placeholder('userId')));
    if (shape.untagged) conditions.push(untagged);
    if (shape.cursor) conditions.push(byTag ? afterTagCursor : afterCursor(sort));
    let select = new QueryBuilder().select(listSelection).from(resource).$dynamic();
    if (byTag) select = select.innerJoin(resourceTag, tagRowsOf(sql.placeholder('tag'), sql.placeholder('userId')));
    const query = select
      .where(and(...conditions))
      .orderBy(...(byTag ? tagListOrder : orderBy(sort)))
      .limit(sql.placeholder('limit'))
      .toSQL();
    // Another tag filter's plan depends on how common the tag is (walk the list, or start from the tag's rows), as a search's does.
    statement = { text: query.sql, params: query.params, prepare: !shape.search && (!shape.tag || byTag) };
    listStatements.set(key, statement);
  }
  return statement;
}

type ListSort = NonNullable<ListOptions['sort']>;

/**
 * One page: the tree's hottest query. Its SQL is built once per shape and its rows are mapped here:
 * building the query and drizzle's per-field row mapping each cost more than the query itself
 * (see bench/). The same SQL as drizzle would send, through the same postgres.js client.
 */
async function listPage(db: Database, scope: ListScope, userId: string, options: ListOptions): Promise<ResourcePage> {
  const { search, type, sort, limit, cursor, tag, untagged: noTags } = parseOrThrow(listOptionsSchema, options);
  const client = (db as { $client?: Sql }).$client;
  if (!client) throw new Error('Lists need the database object of createDatabaseClient (not a transaction).');
  const statement = listStatement(scope, sort, {
    search: Boolean(search),
    type: Boolean(type),
    cursor: Boolean(cursor),
    tag: Boolean(tag),
    untagged: Boolean(noTags),
  });
  const values: Record<string, unknown> = { userId, limit: limit + 1, ...(cursor ? cursorValues(sort, cursor) : {}) };
  if (search) values.pattern = likePattern(search);
  if (type) values.type = type;
  if (tag) values.tag = tag;
  // One row more than asked tells whether there is a next page without a count query.
  const rows = await client
    .unsafe(statement.text, fillPlaceholders(statement.params, values) as never[], { prepare: statement.prepare })
    .values();
  const items = rows.slice(0, limit).map((row) => {
    const item: Record<string, unknown> = {};
    for (let i = 0; i < listFields.length; i++) item[listFields[i]!.name] = listFields[i]!.decode(row[i]);
    return item as ResourceListItem;
  });
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(sort, last) : undefined };
}

export interface ReadOptions {
  /** A share token for this resource that the user redeemed: lets them read a private resource while the share lasts. */
  viaShareToken?: string;
}

/**
 * The user's own resource, another user's public one, or (with `viaShareToken`) one shared with
 * them through a token they redeemed, while the share lasts; null for anything else.
 */
export async function getResourceById(db: Database, userId: string, id: string, options: ReadOptions = {}): Promise<Resource | null> {
  uuidOrThrow(userId, 'userId');
  uuidOrThrow(id, 'id');
  const [row] = await db
    .select()
    .from(resource)
    .where(and(eq(resource.id, id), or(eq(resource.userId, userId), eq(resource.isPublic, true))));
  if (row || !options.viaShareToken) return row ?? null;
  const shared = await sharedResource(db, userId, options.viaShareToken);
  return shared?.id === id ? shared : null;
}

export interface UpdateOptions {
  /** The updated_at the caller last saw: when the row has changed since, a ConflictError is thrown. */
  expectedUpdatedAt?: Date;
  /** Why: kept with the version this update makes (when it changes the name, description or content). */
  note?: string;
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
  const note = options.note === undefined ? undefined : parseOrThrow(z.object({ note: changeNoteSchema }), { note: options.note }).note;
  const conditions: SQL[] = [eq(resource.id, id), eq(resource.userId, userId), versionContext(userId, note)];
  if (options.expectedUpdatedAt) {
    // Truncated so that a team table with microsecond timestamps still compares equal.
    conditions.push(sql`date_trunc('milliseconds', ${resource.updatedAt}) = ${options.expectedUpdatedAt.toISOString()}::timestamp`);
  }
  if (values.content !== undefined || values.resourceType !== undefined) {
    // Content is checked against the type it will be stored with, which may be the current one.
    const current = await ownRow(db, userId, id);
    const type: ResourceType = values.resourceType ?? current.resourceType;
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

export interface ForkOptions extends ReadOptions {
  name?: string;
}

/**
 * Copies a resource the user may read (their own, a public one, or one shared with them
 * through a live token) into their library, and counts the fork on the parent: one transaction.
 */
export async function forkResource(db: Database, userId: string, id: string, options: ForkOptions = {}): Promise<Resource> {
  uuidOrThrow(userId, 'userId');
  uuidOrThrow(id, 'id');
  const name = options.name === undefined ? undefined : parseOrThrow(z.object({ name: nameSchema }), { name: options.name }).name;
  return runTransaction(db, async (tx) => {
    const parent = await getResourceById(tx, userId, id, options);
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
    // Counted by the database (the parent may be another member's row); its row lock serialises concurrent forks.
    const [counted] = await tx.execute<{ counted: boolean }>(
      sql`select agent_resources_count_fork(${userId}::uuid, ${parent.id}::uuid) as counted`,
    );
    if (!counted?.counted) throw new NotFoundError('resource');
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

// One schema per field name, made once: a zod object built per call (and compiled on its first
// parse) cost more than the list query's own work in the driver.
const uuidFieldSchemas = new Map<string, z.ZodType>();

export function uuidOrThrow(value: string, field: string): void {
  let schema = uuidFieldSchemas.get(field);
  if (!schema) {
    schema = z.object({ [field]: uuidSchema });
    uuidFieldSchemas.set(field, schema);
  }
  parseOrThrow(schema, { [field]: value });
}
