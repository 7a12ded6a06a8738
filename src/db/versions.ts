import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import * as z from 'zod';
import type { Database } from './client';
import { NotFoundError, ValidationError } from './errors';
import { resource, resourceHistoryPolicy, resourceVersion, type ResourceVersionRow } from './schema';
import {
  historyOptionsSchema,
  historyPolicySchema,
  parseOrThrow,
  uuidSchema,
  type HistoryOptions,
  type HistoryPolicyInput,
} from './validation';

/** One recorded state of a resource (the database records them: migrations/*_versions_triggers.sql). */
export interface ResourceVersion {
  resourceId: string;
  /** 1, 2, 3... per resource; the highest is the current state. */
  version: number;
  name: string;
  description: string | null;
  resourceType: string;
  content: unknown;
  /** Who made the change: the writer when it said so, else the owner. */
  changedBy: string | null;
  note: string | null;
  /** On a fork's first version: what it was copied from (the version is null when the parent had no history). */
  forkedFrom: { resourceId: string; version: number | null } | null;
  createdAt: Date;
}

export interface HistoryPage {
  /** Newest first. */
  versions: ResourceVersion[];
  /** Pass as `before` for the older versions; undefined when there are none. */
  nextBefore: number | undefined;
}

export interface HistoryPolicy {
  /** Versions kept per resource (the current one always is). */
  maxVersions: number;
  /** Older versions are pruned too; null: no age limit. */
  maxAgeDays: number | null;
}

/**
 * SQL for an UPDATE's WHERE: tells the versions trigger who writes and why. Set by the statement
 * itself (no extra round trip) and local to its transaction; the subquery runs once, before any
 * row is changed, and so before the trigger (which fires at the end of the statement) reads it.
 */
export function versionContext(userId: string, note: string | undefined): SQL {
  return sql`(select set_config('agent_resources.actor', ${userId}, true) || set_config('agent_resources.change_note', ${note ?? ''}, true)) is not null`;
}

const ids = (fields: Record<string, string>) => parseOrThrow(z.record(z.string(), uuidSchema), fields);

const ownedBy = (userId: string) =>
  sql`exists (select 1 from ${resource} r where r.id = ${resourceVersion.resourceId} and r.user_id = ${userId})`;

/** The versions of the user's own resource, newest first, a page at a time. Another user's resource is a NotFoundError. */
export async function getHistory(db: Database, userId: string, resourceId: string, options: HistoryOptions = {}): Promise<HistoryPage> {
  ids({ userId, resourceId });
  const { limit, before } = parseOrThrow(historyOptionsSchema, options);
  const rows = await db
    .select()
    .from(resourceVersion)
    .where(
      and(
        eq(resourceVersion.resourceId, resourceId),
        ownedBy(userId),
        before === undefined ? undefined : lt(resourceVersion.version, before),
      ),
    )
    .orderBy(desc(resourceVersion.version))
    .limit(limit + 1);
  if (rows.length === 0) await requireOwnResource(db, userId, resourceId);
  const versions = rows.slice(0, limit).map(versionOf);
  return { versions, nextBefore: rows.length > limit ? versions[versions.length - 1]!.version : undefined };
}

/** One version of the user's own resource; a version the history no longer keeps is a ValidationError that says so. */
export async function getVersion(db: Database, userId: string, resourceId: string, version: number): Promise<ResourceVersion> {
  ids({ userId, resourceId });
  const valid = parseOrThrow(z.object({ version: z.number({ error: 'must be a version number' }).int().min(1) }), { version }).version;
  const [row] = await db
    .select()
    .from(resourceVersion)
    .where(and(eq(resourceVersion.resourceId, resourceId), eq(resourceVersion.version, valid), ownedBy(userId)));
  if (row) return versionOf(row);
  await requireOwnResource(db, userId, resourceId);
  throw new ValidationError([
    { field: 'version', message: `${valid} is not in this resource's history (older versions are pruned: see agentResources.history)` },
  ]);
}

/** The number of the current version of the user's own resource; undefined when none was recorded. */
export async function latestVersion(db: Database, userId: string, resourceId: string): Promise<number | undefined> {
  const page = await getHistory(db, userId, resourceId, { limit: 1 });
  return page.versions[0]?.version;
}

export async function getHistoryPolicy(db: Database): Promise<HistoryPolicy> {
  const [row] = await db.select().from(resourceHistoryPolicy).where(eq(resourceHistoryPolicy.id, true));
  return { maxVersions: row?.maxVersions ?? 100, maxAgeDays: row?.maxAgeDays ?? null };
}

/**
 * Changes how many versions the database keeps; a lower limit prunes every resource at once (a
 * trigger on the policy row). Nothing is written when the policy is already this one.
 */
export async function setHistoryPolicy(db: Database, input: HistoryPolicyInput): Promise<HistoryPolicy> {
  const policy = parseOrThrow(historyPolicySchema, input);
  const current = await getHistoryPolicy(db);
  if (current.maxVersions === policy.maxVersions && current.maxAgeDays === policy.maxAgeDays) return current;
  await db
    .insert(resourceHistoryPolicy)
    .values({ id: true, ...policy })
    .onConflictDoUpdate({ target: resourceHistoryPolicy.id, set: { ...policy, updatedAt: sql`localtimestamp` } });
  return policy;
}

/** Throws a NotFoundError unless the resource is the user's own. */
export async function requireOwnResource(db: Database, userId: string, resourceId: string): Promise<void> {
  const [owned] = await db
    .select({ id: resource.id })
    .from(resource)
    .where(and(eq(resource.id, resourceId), eq(resource.userId, userId)));
  if (!owned) throw new NotFoundError('resource');
}

function versionOf(row: ResourceVersionRow): ResourceVersion {
  return {
    resourceId: row.resourceId,
    version: row.version,
    name: row.name,
    description: row.description,
    resourceType: row.resourceType,
    content: row.content,
    changedBy: row.changedBy,
    note: row.changeNote,
    forkedFrom: row.forkedFromResourceId ? { resourceId: row.forkedFromResourceId, version: row.forkedFromVersion } : null,
    createdAt: row.createdAt,
  };
}
