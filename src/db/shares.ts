import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
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

/** SQL: the row is the resource of this token, and the token has not expired or run out. */
export function activeShareFor(token: string): SQL {
  const valid = tokenOrThrow(token);
  return sql`exists (select 1 from ${resourceShare} s where s.resource_id = ${resource.id}
    and s.share_token = ${valid}
    and (s.expires_at is null or s.expires_at > localtimestamp)
    and (s.max_accesses is null or s.access_count <= s.max_accesses))`;
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
 * Counts one access and returns the shared resource, in ONE statement: the update's
 * condition is re-checked on the locked row, so 50 concurrent redemptions of a token
 * limited to 10 give exactly 10. When nothing was counted, says why.
 */
export async function redeemShare(db: Database, userId: string, token: string): Promise<RedeemResult> {
  ids({ userId });
  const valid = tokenOrThrow(token);
  const rows = await db.execute<{ counted: string }>(sql`
    update resource_share set access_count = access_count + 1
    where share_token = ${valid}
      and (expires_at is null or expires_at > localtimestamp)
      and (max_accesses is null or access_count < max_accesses)
    returning id as counted`);
  const result = rows[0];
  if (!result?.counted) {
    // Why, read in a statement of its own: one that began with the update would see the share as
    // it was before a revoke the update waited for, and report a revoked token as "exhausted".
    const [share] = await db
      .select({ expired: sql<boolean>`${resourceShare.expiresAt} is not null and ${resourceShare.expiresAt} <= localtimestamp` })
      .from(resourceShare)
      .where(eq(resourceShare.shareToken, valid));
    if (!share) return { ok: false, reason: 'unknown' };
    return { ok: false, reason: share.expired ? 'expired' : 'exhausted' };
  }
  const [row] = await db
    .select({ resource, share: resourceShare })
    .from(resourceShare)
    .innerJoin(resource, eq(resource.id, resourceShare.resourceId))
    .where(eq(resourceShare.id, result.counted));
  // Revoked between the count and this read: the token is gone.
  if (!row) return { ok: false, reason: 'unknown' };
  return { ok: true, resource: row.resource, share: row.share };
}
