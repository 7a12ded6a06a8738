import { and, asc, eq, sql } from 'drizzle-orm';
import * as z from 'zod';
import { runTransaction, type Database } from './client';
import { ValidationError } from './errors';
import { resource } from './schema';
import { createResourceInput, parseOrThrow, uuidSchema } from './validation';

export const exportFormat = 'agent-resources-library';

const exportEntry = z.looseObject({
  name: z.unknown(),
  description: z.unknown().optional(),
  resourceType: z.unknown(),
  content: z.unknown(),
  isPublic: z.unknown().optional(),
  pinned: z.unknown().optional(),
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
    createdAt: string;
    updatedAt: string;
  }[];
}

/** The user's whole library as a JSON-able object (content included). */
export async function exportLibrary(db: Database, userId: string): Promise<LibraryExport> {
  parseOrThrow(z.object({ userId: uuidSchema }), { userId });
  const rows = await db.select().from(resource).where(eq(resource.userId, userId)).orderBy(asc(resource.createdAt), asc(resource.id));
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
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    })),
  };
}

export interface ImportReport {
  imported: number;
  /** Already in the library (same name, type and content): a second import adds nothing. */
  unchanged: number;
  skipped: { index: number; name: string; reason: string }[];
}

/**
 * Validates every entry on its own; a bad entry is reported and skipped, the rest are
 * imported in one transaction. An entry equal to one already in the library is not added again.
 */
export async function importLibrary(db: Database, userId: string, data: unknown): Promise<ImportReport> {
  parseOrThrow(z.object({ userId: uuidSchema }), { userId });
  const file = parseOrThrow(exportFile, data);
  const report: ImportReport = { imported: 0, unchanged: 0, skipped: [] };
  await runTransaction(db, async (tx) => {
    for (const [index, entry] of file.resources.entries()) {
      const label = typeof entry.name === 'string' ? entry.name : `entry ${index + 1}`;
      let values;
      try {
        values = parseOrThrow(createResourceInput, {
          name: entry.name,
          description: entry.description ?? null,
          resourceType: entry.resourceType,
          content: entry.content,
          isPublic: entry.isPublic ?? false,
          pinned: entry.pinned ?? false,
        });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        report.skipped.push({ index, name: label, reason: err.message });
        continue;
      }
      const [existing] = await tx
        .select({ id: resource.id })
        .from(resource)
        .where(
          and(
            eq(resource.userId, userId),
            eq(resource.name, values.name),
            eq(resource.resourceType, values.resourceType),
            sql`${resource.content} = ${JSON.stringify(values.content)}::jsonb`,
          ),
        )
        .limit(1);
      if (existing) {
        report.unchanged++;
        continue;
      }
      await tx.insert(resource).values({ ...values, content: values.content as object, userId });
      report.imported++;
    }
  });
  return report;
}
