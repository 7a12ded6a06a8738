import { eq, sql } from 'drizzle-orm';
import * as z from 'zod';
import type { Database } from './client';
import { user, type User } from './schema';
import { parseOrThrow } from './validation';

const emailSchema = z.object({
  email: z.email({ error: 'must be an email address such as you@example.com' }).max(255),
});

export async function findUserByEmail(db: Database, email: string): Promise<User | null> {
  const valid = parseOrThrow(emailSchema, { email: email.trim() }).email;
  const [row] = await db.select().from(user).where(sql`lower(${user.email}) = lower(${valid})`).limit(1);
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

export async function getUserById(db: Database, id: string): Promise<User | null> {
  const [row] = await db.select().from(user).where(eq(user.id, id));
  return row ?? null;
}
