import { and, asc, eq, notInArray, sql, type Placeholder, type SQL } from 'drizzle-orm';
import * as z from 'zod';
import { runTransaction, type Database, type Transaction } from './client';
import { NotFoundError } from './errors';
import { resource, resourceTag, type ResourceType } from './schema';
import { parseOrThrow, resourceTypeSchema, tagsSchema, uuidSchema } from './validation';
import { requireOwnResource } from './versions';

// Written out in full, as the list's share count is: in a select list drizzle drops table names.
// Sorted here, not by Postgres: an ORDER BY inside the aggregate is a sort per row of the page.
/** The list's tags column: the row's tags, sorted (one short range of resource_tag's key per row of a page). */
// JSON, not an array: the client fetches no array types (client.ts), and json is parsed without them.
export const listTags = sql<string[]>`(select coalesce(json_agg(t.tag), '[]'::json)
  from resource_tag t where t.resource_id = "resource"."id")`.mapWith((tags: string[]) => [...tags].sort());

/** The join to the user's rows of one tag, whose index (resource_tag_list_idx) is in the list's default order. */
export function tagRowsOf(tag: Placeholder, userId: Placeholder): SQL {
  return and(eq(resourceTag.resourceId, resource.id), eq(resourceTag.userId, userId), eq(resourceTag.tag, tag))!;
}

/** The list's default order (pinned first, then most recently updated), on the tag rows' copies of those columns. */
export const tagListOrder: SQL[] = [
  sql`${resourceTag.pinned} desc`,
  sql`${resourceTag.updatedAt} desc`,
  sql`${resourceTag.resourceId} desc`,
];

/** Keyset paging on those columns; the cursor is the list's own (paging.ts), since the values are the resource's. */
export const afterTagCursor: SQL = sql`(${resourceTag.pinned}, ${resourceTag.updatedAt}, ${resourceTag.resourceId}) < (${sql.placeholder(
  'cursorPinned',
)}, ${sql.placeholder('cursorKey')}::timestamp, ${sql.placeholder('cursorId')}::uuid)`;

/**
 * SQL: the row has this tag (other orders, and public browsing). In the user's own list the owner
 * column is named too, so Postgres can start from the tag's rows when the tag is rare.
 */
export function taggedWith(own: boolean, tag: Placeholder, userId: Placeholder): SQL {
  return own
    ? sql`exists (select 1 from resource_tag t where t.resource_id = "resource"."id" and t.user_id = ${userId} and t.tag = ${tag})`
    : sql`exists (select 1 from resource_tag t where t.resource_id = "resource"."id" and t.tag = ${tag})`;
}

/** SQL: the row has no tag. */
export const untagged = sql`not exists (select 1 from resource_tag t where t.resource_id = "resource"."id")`;

const ids = (fields: Record<string, string>) => parseOrThrow(z.record(z.string(), uuidSchema), fields);

/**
 * Makes these (checked, lower-cased) the tags of the user's own resource; returns them sorted.
 * Tags are not a version and do not move updated_at: an editor open on the resource can still save.
 */
export async function setResourceTags(db: Database, userId: string, resourceId: string, tags: readonly string[]): Promise<string[]> {
  ids({ userId, resourceId });
  const valid = parseOrThrow(z.object({ tags: tagsSchema }), { tags }).tags;
  return runTransaction(db, async (tx) => {
    // The row lock serialises two changes of one resource's tags: the later one wins whole.
    const [owned] = await tx
      .select({ id: resource.id })
      .from(resource)
      .where(and(eq(resource.id, resourceId), eq(resource.userId, userId)))
      .for('no key update');
    if (!owned) throw new NotFoundError('resource');
    const others = valid.length ? notInArray(resourceTag.tag, valid) : undefined;
    await tx.delete(resourceTag).where(and(eq(resourceTag.resourceId, resourceId), others));
    if (valid.length) {
      await tx
        .insert(resourceTag)
        .values(valid.map((tag) => ({ resourceId, userId, tag })))
        .onConflictDoNothing();
    }
    return valid;
  });
}

/** The tags of the user's own resource, sorted; another user's resource is a NotFoundError. */
export async function getResourceTags(db: Database, userId: string, resourceId: string): Promise<string[]> {
  ids({ userId, resourceId });
  const rows = await db
    .select({ tag: resourceTag.tag })
    .from(resourceTag)
    .where(and(eq(resourceTag.resourceId, resourceId), eq(resourceTag.userId, userId)))
    .orderBy(asc(resourceTag.tag));
  if (rows.length === 0) await requireOwnResource(db, userId, resourceId);
  return rows.map((r) => r.tag);
}

/** The tags of every resource the user owns, by resource id (export). */
export async function userResourceTags(db: Database, userId: string): Promise<Map<string, string[]>> {
  ids({ userId });
  const rows = await db
    .select({ resourceId: resourceTag.resourceId, tag: resourceTag.tag })
    .from(resourceTag)
    .where(eq(resourceTag.userId, userId))
    .orderBy(asc(resourceTag.resourceId), asc(resourceTag.tag));
  const byResource = new Map<string, string[]>();
  for (const { resourceId, tag } of rows) byResource.set(resourceId, [...(byResource.get(resourceId) ?? []), tag]);
  return byResource;
}

/** Tags for resources the user has just inserted in this transaction (checked already: tagsSchema). */
export async function insertTags(tx: Transaction, userId: string, rows: readonly { id: string; tags: readonly string[] }[]): Promise<void> {
  const values = rows.flatMap((r) => r.tags.map((tag) => ({ resourceId: r.id, userId, tag })));
  // Three parameters a row: batches stay far below Postgres' 65,535.
  for (let start = 0; start < values.length; start += 5000) {
    await tx
      .insert(resourceTag)
      .values(values.slice(start, start + 5000))
      .onConflictDoNothing();
  }
}

export interface TagCount {
  tag: string;
  /** How many of the user's resources (of the type, when one is given) have it. */
  count: number;
}

/** The tags the user has used, by name, with how many resources have each. */
export async function getUserTags(db: Database, userId: string, options: { type?: ResourceType } = {}): Promise<TagCount[]> {
  ids({ userId });
  const type = options.type === undefined ? undefined : parseOrThrow(z.object({ type: resourceTypeSchema }), options).type;
  const ofType = type ? sql`and exists (select 1 from resource r where r.id = t.resource_id and r.resource_type = ${type})` : sql``;
  const rows = await db.execute<{ tag: string; count: number }>(sql`
    select t.tag, count(*)::int as count from resource_tag t
    where t.user_id = ${userId} ${ofType}
    group by t.tag order by t.tag`);
  return rows.map((r) => ({ tag: r.tag, count: r.count }));
}
