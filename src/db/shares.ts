import { and, desc, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import * as z from 'zod';
import type { Database } from './client';
import { NotFoundError, postgresErrorCode, ValidationError } from './errors';
import { resource, resourceShare, type Resource, type ResourceShare } from './schema';
import { generateShareToken, shareTokenPattern } from './tokens';
import { parseOrThrow, shareInput, uuidSchema, type ShareInput } from './validation';

export type RedeemResult =
  { ok: true; resource: Resource; share: ResourceShare } | { ok: false; reason: 'unknown' | 'expired' | 'exhausted' };

const ids = (fields: Record<string, string>) => parseOrThrow(z.record(z.string(), uuidSchema), fields);

function tokenOrThrow(token: string): string {
  const trimmed = typeof token === 'string' ? token.trim() : '';
  if (!shareTokenPattern.test(trimmed)) {
    throw new ValidationError([{ field: 'token', message: 'must be 32 letters and digits, as copied from a share' }]);
  }
  return trimmed;
}

// Reading and forking through a token, and redeeming one, cross users: they go through the
// database's SECURITY DEFINER functions (migrations/0004_member_isolation.sql), which row-level
// security lets through and which check that a member's login acts only as its own user.

/** The resource of a token the user redeemed, while the share lasts; null otherwise (unknown, expired, revoked, never redeemed). */
export async function sharedResource(db: Database, userId: string, token: string): Promise<Resource | null> {
  ids({ userId });
  const valid = tokenOrThrow(token);
  return (await functionRow<Resource>(db, resource, sql`agent_resources_shared_resource(${userId}::uuid, ${valid})`)) ?? null;
}

/** The first row of a set-returning function typed as `table`, decoded by the table's own columns (timestamps, JSON). */
async function functionRow<T>(db: Database, table: typeof resource | typeof resourceShare, call: SQL): Promise<T | undefined> {
  const [row] = await db.execute<Record<string, unknown>>(sql`select * from ${call}`);
  if (!row) return undefined;
  const decoded: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = row[column.name];
    decoded[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return decoded as T;
}

/** A new share token for the user's own resource. */
export async function createShare(db: Database, userId: string, resourceId: string, input: ShareInput = {}): Promise<ResourceShare> {
  ids({ userId, resourceId });
  const { expiresInHours, maxAccesses } = parseOrThrow(shareInput, input);
  const [owned] = await db
    .select({ id: resource.id })
    .from(resource)
    .where(and(eq(resource.id, resourceId), eq(resource.userId, userId)));
  if (!owned) throw new NotFoundError('resource');
  // A collision among 62^32 tokens is never expected; retrying keeps the unique constraint honest.
  for (let attempt = 0; ; attempt++) {
    try {
      const [share] = await db
        .insert(resourceShare)
        .values({
          resourceId,
          shareToken: generateShareToken(),
          maxAccesses: maxAccesses ?? null,
          expiresAt: expiresInHours ? sql`localtimestamp + make_interval(secs => ${expiresInHours * 3600})` : null,
        })
        .returning();
      return share!;
    } catch (err) {
      if (postgresErrorCode(err) !== '23505' || attempt >= 2) throw err;
    }
  }
}

/** The shares of the user's own resource, newest first. */
export async function listShares(db: Database, userId: string, resourceId: string): Promise<ResourceShare[]> {
  ids({ userId, resourceId });
  const [owned] = await db
    .select({ id: resource.id })
    .from(resource)
    .where(and(eq(resource.id, resourceId), eq(resource.userId, userId)));
  if (!owned) throw new NotFoundError('resource');
  return db
    .select()
    .from(resourceShare)
    .where(eq(resourceShare.resourceId, resourceId))
    .orderBy(desc(resourceShare.createdAt), desc(resourceShare.id));
}

/** Deletes a share of the user's own resource; the token stops working at once. */
export async function revokeShare(db: Database, userId: string, shareId: string): Promise<void> {
  ids({ userId, shareId });
  const own = db.select({ id: resource.id }).from(resource).where(eq(resource.userId, userId));
  const deleted = await db
    .delete(resourceShare)
    .where(and(eq(resourceShare.id, shareId), inArray(resourceShare.resourceId, own)))
    .returning({ id: resourceShare.id });
  if (deleted.length === 0) throw new NotFoundError('share');
}

/** A share of the user's own resource, by id (for copying its token again). */
export async function getShareById(db: Database, userId: string, shareId: string): Promise<ResourceShare | null> {
  ids({ userId, shareId });
  const [row] = await db
    .select({ share: resourceShare })
    .from(resourceShare)
    .innerJoin(resource, eq(resource.id, resourceShare.resourceId))
    .where(and(eq(resourceShare.id, shareId), eq(resource.userId, userId)));
  return row?.share ?? null;
}

/**
 * Counts one access and returns the shared resource: one atomic statement in the database, so 50
 * concurrent redemptions of a token limited to 10 give exactly 10. When nothing was counted, says why.
 */
export async function redeemShare(db: Database, userId: string, token: string): Promise<RedeemResult> {
  ids({ userId });
  const valid = tokenOrThrow(token);
  const [result] = await db.execute<{ outcome: 'ok' | 'unknown' | 'expired' | 'exhausted' }>(
    sql`select outcome from agent_resources_redeem_share(${userId}::uuid, ${valid})`,
  );
  if (result?.outcome !== 'ok') return { ok: false, reason: result?.outcome ?? 'unknown' };
  const shared = await sharedResource(db, userId, valid);
  const share = await functionRow<ResourceShare>(db, resourceShare, sql`agent_resources_redeemed_share(${userId}::uuid, ${valid})`);
  // Revoked between the count and this read: the token is gone.
  if (!shared || !share) return { ok: false, reason: 'unknown' };
  return { ok: true, resource: shared, share };
}
