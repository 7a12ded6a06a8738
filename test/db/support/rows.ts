import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Sql } from 'postgres';
import type { CreateResourceInput } from '../../../src/db/validation';

export const tables = ['user', 'resource', 'resource_share', 'message'] as const;

/** The `count` column of a one-row count query. */
export async function countOf(query: PromiseLike<readonly { count?: unknown }[]>): Promise<number> {
  const [row] = await query;
  return Number(row?.count);
}

/** Row counts of every table. */
export async function tableCounts(sql: Sql): Promise<Record<(typeof tables)[number], number>> {
  const [row] = await sql<{ user: number; resource: number; resource_share: number; message: number }[]>`
    select (select count(*)::int from "user") as "user",
           (select count(*)::int from resource) as resource,
           (select count(*)::int from resource_share) as resource_share,
           (select count(*)::int from message) as message`;
  return { ...row! };
}

/**
 * Everything a user owns, byte for byte: their user row, resources, shares and messages as
 * Postgres prints them, plus every table's row count (so a stray insert elsewhere shows too).
 */
export async function snapshot(sql: Sql, userIds: string[]) {
  const text = async (query: Promise<{ t: string }[]>) => (await query).map((r) => r.t);
  return {
    counts: await tableCounts(sql),
    users: await text(
      sql`select u::text as t from "user" u where id = any(string_to_array(${userIds.join(',')}, ',')::uuid[]) order by id`,
    ),
    resources: await text(
      sql`select r::text as t from resource r where user_id = any(string_to_array(${userIds.join(',')}, ',')::uuid[]) order by id`,
    ),
    shares: await text(sql`select s::text as t from resource_share s join resource r on r.id = s.resource_id
      where r.user_id = any(string_to_array(${userIds.join(',')}, ',')::uuid[]) order by s.id`),
    messages: await text(
      sql`select m::text as t from message m where user_id = any(string_to_array(${userIds.join(',')}, ',')::uuid[]) order by id`,
    ),
  };
}

/** Runs `action` and asserts that nothing of these users (and no table's row count) changed. */
export async function unchangedBy<T>(sql: Sql, userIds: string[], action: () => Promise<T>): Promise<T> {
  const before = await snapshot(sql, userIds);
  const result = await action();
  assert.deepEqual(await snapshot(sql, userIds), before, 'the database changed');
  return result;
}

/**
 * A row read with raw SQL, bypassing the query layer. Timestamps (columns *_at, stored
 * without time zone, in UTC) come back as Dates whatever the test machine's time zone.
 */
async function rawRow(sql: Sql, table: 'resource' | 'resource_share', id: string) {
  const [row] = await sql<{ j: Record<string, unknown> }[]>`select to_jsonb(t) as j from ${sql(table)} t where id = ${id}`;
  if (!row) return undefined;
  return Object.fromEntries(
    Object.entries(row.j).map(([k, v]) => [k, k.endsWith('_at') && typeof v === 'string' ? new Date(`${v}Z`) : v]),
  ) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a raw row, checked by the tests
}

export const rawResource = (sql: Sql, id: string) => rawRow(sql, 'resource', id);
export const rawShare = (sql: Sql, id: string) => rawRow(sql, 'resource_share', id);

/** Moves a resource's timestamps (milliseconds), e.g. to make ties or old rows. */
export async function setTimestamps(sql: Sql, ids: string[], fields: { updatedAt?: string; createdAt?: string }) {
  await sql`update resource set
    updated_at = coalesce(${fields.updatedAt ?? null}::timestamp, updated_at),
    created_at = coalesce(${fields.createdAt ?? null}::timestamp, created_at)
    where id = any(string_to_array(${ids.join(',')}, ',')::uuid[])`;
}

export const prompt = (name = 'A prompt', extra: Partial<CreateResourceInput> = {}): CreateResourceInput => ({
  name,
  resourceType: 'prompt',
  content: { text: 'Summarise {{topic}} in three lines.', variables: ['topic'] },
  ...extra,
});

export const workflow = (name = 'A workflow', extra: Partial<CreateResourceInput> = {}): CreateResourceInput => ({
  name,
  resourceType: 'workflow',
  content: { steps: [{ name: 'plan', text: 'Write a plan' }, { text: 'Do it' }] },
  ...extra,
});

export const agentConfig = (name = 'An agent', extra: Partial<CreateResourceInput> = {}): CreateResourceInput => ({
  name,
  resourceType: 'agent_config',
  content: { config: { model: 'some-model', temperature: 0.2, tools: ['search'] } },
  ...extra,
});

export const randomId = (): string => randomUUID();

/**
 * Every table's row count plus a hash of everything these users own (computed by Postgres,
 * so a megabyte of content is not sent back for each comparison).
 */
export async function fingerprint(sql: Sql, userIds: string[]) {
  const [row] = await sql<{ owned: string | null }[]>`
    select md5(coalesce((select string_agg(r::text, ',' order by r.id) from resource r where r.user_id = any(string_to_array(${userIds.join(',')}, ',')::uuid[])), '')
      || coalesce((select string_agg(s::text, ',' order by s.id) from resource_share s join resource r on r.id = s.resource_id
                   where r.user_id = any(string_to_array(${userIds.join(',')}, ',')::uuid[])), '')
      || coalesce((select string_agg(m::text, ',' order by m.id) from message m where m.user_id = any(string_to_array(${userIds.join(',')}, ',')::uuid[])), '')) as owned`;
  return { counts: await tableCounts(sql), owned: row!.owned };
}
