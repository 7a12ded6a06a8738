import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import * as z from 'zod';
import { runTransaction, type Database, type Transaction } from './client';
import { ConflictError, ValidationError } from './errors';
import { updateResource } from './queries';
import { resource, type Resource } from './schema';
import { insertTags, userResourceTags } from './tags';
import { createResourceInput, parseOrThrow, tagsSchema, uuidSchema } from './validation';

export const exportFormat = 'agent-resources-library';

const exportEntry = z.looseObject({
  name: z.unknown(),
  description: z.unknown().optional(),
  resourceType: z.unknown(),
  content: z.unknown(),
  isPublic: z.unknown().optional(),
  pinned: z.unknown().optional(),
  tags: z.unknown().optional(),
});

const exportFile = z.object({
  format: z.literal(exportFormat, { error: `must be "${exportFormat}" (a file written by Export Library)` }),
  version: z.literal(1, { error: 'must be 1' }),
  resources: z.array(exportEntry, { error: 'must be a list' }),
});

export interface LibraryExport {
  format: typeof exportFormat;
  version: 1;
  exportedAt: string;
  resources: {
    name: string;
    description: string | null;
    resourceType: string;
    content: unknown;
    isPublic: boolean;
    pinned: boolean;
    tags: string[];
    createdAt: string;
    updatedAt: string;
  }[];
}

/** The user's whole library as a JSON-able object (content included). */
export async function exportLibrary(db: Database, userId: string): Promise<LibraryExport> {
  parseOrThrow(z.object({ userId: uuidSchema }), { userId });
  const rows = await db.select().from(resource).where(eq(resource.userId, userId)).orderBy(asc(resource.createdAt), asc(resource.id));
  const tags = await userResourceTags(db, userId);
  return {
    format: exportFormat,
    version: 1,
    exportedAt: new Date().toISOString(),
    resources: rows.map((r) => ({
      name: r.name,
      description: r.description,
      resourceType: r.resourceType,
      content: r.content,
      isPublic: r.isPublic,
      pinned: r.pinned,
      tags: tags.get(r.id) ?? [],
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    })),
  };
}

/** Every resource the user owns, content included, oldest first (what the file exporters read). */
export async function ownResources(db: Database, userId: string): Promise<Resource[]> {
  parseOrThrow(z.object({ userId: uuidSchema }), { userId });
  return db.select().from(resource).where(eq(resource.userId, userId)).orderBy(asc(resource.createdAt), asc(resource.id));
}

/** The user's own resources among these ids (ids that are not UUIDs match nothing). */
export async function ownResourcesById(db: Database, userId: string, ids: readonly string[]): Promise<Resource[]> {
  parseOrThrow(z.object({ userId: uuidSchema }), { userId });
  const valid = ids.filter((id) => uuidSchema.safeParse(id).success);
  if (valid.length === 0) return [];
  return db
    .select()
    .from(resource)
    .where(and(eq(resource.userId, userId), inArray(resource.id, valid)));
}

export interface ImportReport {
  imported: number;
  /** Resources a file exported from this library brought up to date (see ImportEntry.update). */
  updated: number;
  /** Already in the library (same name, type and content): a second import adds nothing. */
  unchanged: number;
  /** `source`: where the entry came from (a file, a CSV line), when it did not come from one JSON list. */
  skipped: { index: number; name: string; reason: string; source?: string }[];
  /** Entries marked public that arrived private (`keepPublic: false`); absent when none. */
  madePrivate?: number;
}

/** One resource to import, unchecked: every field is validated on its own. */
export interface ImportEntry {
  name: unknown;
  description?: unknown;
  resourceType: unknown;
  content: unknown;
  isPublic?: unknown;
  pinned?: unknown;
  /** Given to a resource the import adds (checked like setTags; a bad tag skips the entry with the reason). */
  tags?: unknown;
  /** Where it came from, for the report. */
  source?: string;
  /** Why the entry cannot be imported, found before it reached here (a broken CSV row). */
  problem?: string;
  /** Already known to equal its resource (a file exported from it, not edited since): nothing to write. */
  unchanged?: boolean;
  /**
   * The user's resource this entry came from: it is updated (content merged into its own, name
   * kept when `keepName`), if it has not changed since `expectedUpdatedAt`; added as new when it is gone.
   */
  update?: { id: string; expectedUpdatedAt?: Date; keepName?: boolean };
}

export interface ImportOptions {
  /** Told after each entry: how many are done, of how many. */
  onProgress?: (done: number, total: number) => void;
  /** Keep `isPublic: true` from the entries (default); false: every entry arrives private. */
  keepPublic?: boolean;
}

/** Our own JSON export (a file written by Export Library), as entries to import. */
export function exportFileEntries(data: unknown): ImportEntry[] {
  return parseOrThrow(exportFile, data).resources.map((e) => ({
    name: e.name,
    description: e.description,
    resourceType: e.resourceType,
    content: e.content,
    isPublic: e.isPublic,
    pinned: e.pinned,
    tags: e.tags,
  }));
}

/** Imports our own JSON export; see importEntries. */
export async function importLibrary(db: Database, userId: string, data: unknown, options: ImportOptions = {}): Promise<ImportReport> {
  parseOrThrow(z.object({ userId: uuidSchema }), { userId });
  return importEntries(db, userId, exportFileEntries(data), options);
}

/** Rows per statement: far below Postgres' 65,535 parameters, few round trips for a large import. */
const batchSize = 500;

type ImportValues = z.output<typeof createResourceInput>;

/**
 * Validates every entry on its own; a bad entry is reported and skipped, the rest are
 * imported in one transaction. An entry equal to one already in the library (same name, type
 * and content), or to an earlier entry of the same import, is not added again.
 */
export async function importEntries(
  db: Database,
  userId: string,
  entries: readonly ImportEntry[],
  options: ImportOptions = {},
): Promise<ImportReport> {
  parseOrThrow(z.object({ userId: uuidSchema }), { userId });
  const report: ImportReport = { imported: 0, updated: 0, unchanged: 0, skipped: [] };
  const valid: { index: number; values: ImportValues; entry: ImportEntry; madePrivate: boolean; tags: string[] }[] = [];
  for (const [index, entry] of entries.entries()) {
    const label = typeof entry.name === 'string' ? entry.name : `entry ${index + 1}`;
    const skip = (reason: string) => report.skipped.push({ index, name: label, reason, ...(entry.source ? { source: entry.source } : {}) });
    if (entry.problem !== undefined) {
      skip(entry.problem);
      continue;
    }
    if (entry.unchanged) {
      report.unchanged++;
      continue;
    }
    try {
      const values = parseOrThrow(createResourceInput, {
        name: entry.name,
        description: entry.description ?? null,
        resourceType: entry.resourceType,
        content: entry.content,
        isPublic: entry.isPublic ?? false,
        pinned: entry.pinned ?? false,
      });
      const tags = entry.tags === undefined ? [] : parseOrThrow(z.object({ tags: tagsSchema }), { tags: entry.tags }).tags;
      const madePrivate = values.isPublic === true && options.keepPublic === false;
      valid.push({ index, values: madePrivate ? { ...values, isPublic: false } : values, entry, madePrivate, tags });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      skip(err.message);
    }
  }
  options.onProgress?.(0, valid.length);
  await runTransaction(db, async (tx) => {
    const seen = new Set<string>();
    const inserts: { index: number; values: ImportValues; madePrivate: boolean; tags: string[] }[] = [];
    for (const item of valid) {
      if (!item.entry.update) inserts.push(item);
      else if (!(await updateFromFile(tx, userId, item, report))) inserts.push(item);
    }
    for (let start = 0; start < inserts.length; start += batchSize) {
      const batch = inserts.slice(start, start + batchSize);
      const existing = await alreadyStored(
        tx,
        userId,
        batch.map((b) => b.values),
      );
      // Ids made here, so the tags of the rows inserted together can follow them.
      const fresh: (ImportValues & { id: string; tags: string[] })[] = [];
      batch.forEach(({ values, madePrivate, tags }, i) => {
        const key = sameKey(values);
        if (existing.has(i) || seen.has(key)) report.unchanged++;
        else {
          fresh.push({ ...values, id: randomUUID(), tags });
          if (madePrivate) report.madePrivate = (report.madePrivate ?? 0) + 1;
        }
        seen.add(key);
      });
      if (fresh.length) {
        await tx
          .insert(resource)
          .values(fresh.map(({ tags: _tags, ...values }) => ({ ...values, content: values.content as object, userId })));
        await insertTags(tx, userId, fresh);
      }
      report.imported += fresh.length;
      options.onProgress?.(valid.length - inserts.length + start + batch.length, valid.length);
    }
  });
  return report;
}

/**
 * Brings the user's resource up to date from an entry exported from it; false when the resource is
 * gone (or not the user's), so the entry is added as new. A resource changed since the file was
 * exported is not overwritten: the entry is skipped with the reason.
 */
async function updateFromFile(
  tx: Transaction,
  userId: string,
  { index, values, entry }: { index: number; values: ImportValues; entry: ImportEntry },
  report: ImportReport,
): Promise<boolean> {
  const { id, expectedUpdatedAt, keepName } = entry.update!;
  // The queries take a database; a transaction runs the same statements.
  const db = tx as unknown as Database;
  const [current] = await tx
    .select({ content: resource.content })
    .from(resource)
    .where(and(eq(resource.id, id), eq(resource.userId, userId)))
    .for('update');
  if (!current) return false;
  const base = current.content && typeof current.content === 'object' && !Array.isArray(current.content) ? current.content : {};
  const content = { ...base, ...(values.content as object) };
  if (!('frontMatter' in (values.content as object))) delete (content as { frontMatter?: unknown }).frontMatter;
  const skip = (reason: string) =>
    report.skipped.push({ index, name: values.name, reason, ...(entry.source ? { source: entry.source } : {}) });
  try {
    await updateResource(
      db,
      userId,
      id,
      { ...(keepName ? {} : { name: values.name }), description: values.description ?? null, content },
      expectedUpdatedAt ? { expectedUpdatedAt } : {},
    );
    report.updated++;
  } catch (err) {
    if (err instanceof ConflictError)
      skip('its resource was changed in the library after this file was exported: export it again, or make the change in the library');
    else if (err instanceof ValidationError) skip(err.message);
    else throw err;
  }
  return true;
}

/** The positions in `batch` of the entries already in the user's library, by jsonb equality. */
async function alreadyStored(tx: Transaction, userId: string, batch: ImportValues[]): Promise<Set<number>> {
  const candidates = JSON.stringify(batch.map((v) => ({ name: v.name, type: v.resourceType, content: v.content })));
  const rows = await tx.execute<{ position: number }>(sql`
    select (c.position - 1)::int as position
    from jsonb_array_elements(${candidates}::jsonb) with ordinality as c(entry, position)
    where exists (
      select 1 from ${resource} r
      where r.user_id = ${userId} and r.name = c.entry->>'name' and r.resource_type = c.entry->>'type' and r.content = c.entry->'content'
    )`);
  return new Set(rows.map((r) => r.position));
}

/** What makes two entries of one import the same: name, type and content with keys in order (as jsonb compares). */
function sameKey(values: ImportValues): string {
  return JSON.stringify([values.name, values.resourceType, canonical(values.content)]);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
