import { eq, sql } from 'drizzle-orm';
import * as z from 'zod';
import type { Database } from './client';
import { resource, user, type User } from './schema';
import { parseOrThrow } from './validation';

const emailSchema = z.object({
  email: z.email({ error: 'must be an email address such as you@example.com' }).max(255),
});

export async function findUserByEmail(db: Database, email: string): Promise<User | null> {
  const valid = parseOrThrow(emailSchema, { email: email.trim() }).email;
  const [row] = await db
    .select()
    .from(user)
    .where(sql`lower(${user.email}) = lower(${valid})`)
    .limit(1);
  return row ?? null;
}

/** The local library's one user: created on first use, the same row afterwards. */
export async function ensureUser(db: Database, email: string): Promise<User> {
  const valid = parseOrThrow(emailSchema, { email: email.trim() }).email;
  const existing = await findUserByEmail(db, valid);
  if (existing) return existing;
  const [row] = await db
    .insert(user)
    .values({ email: valid })
    .onConflictDoUpdate({ target: user.email, set: { email: sql`excluded.email` } })
    .returning();
  return row!;
}

/** The email of the local library's user when one has to be made: it names no real mailbox. */
export const localUserEmail = 'me@local.agent-resources.localhost';

/**
 * The local library's one user, the person at this machine: no email needed. A library made
 * by an earlier version (one user per git email) keeps the user who owns the most resources.
 */
export async function ensureLocalUser(db: Database): Promise<User> {
  const [owner] = await db
    .select({ id: user.id, email: user.email })
    .from(user)
    .orderBy(sql`(select count(*) from ${resource} where ${resource.userId} = ${user.id}) desc`, user.id)
    .limit(1);
  return owner ?? ensureUser(db, localUserEmail);
}

export async function getUserById(db: Database, id: string): Promise<User | null> {
  const [row] = await db.select().from(user).where(eq(user.id, id));
  return row ?? null;
}
