import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, timestamp, uuid, varchar, type AnyPgColumn, text } from 'drizzle-orm/pg-core';

export const resourceTypes = ['workflow', 'prompt', 'agent_config'] as const;
export type ResourceType = (typeof resourceTypes)[number];

export const messageRoles = ['user', 'assistant', 'system'] as const;

// Millisecond precision: a JS Date carries milliseconds, so the updated_at an editor
// loaded compares exactly with the stored one (optimistic concurrency, keyset paging).
const stamp = (name: string) => timestamp(name, { precision: 3, mode: 'date' });

/** The chat app owns this table; the extension reads it (and creates the one local user). */
export const user = pgTable('user', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: varchar('email', { length: 255 }).notNull().unique('user_email_unique'),
});

export const resource = pgTable(
  'resource',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 255 }).notNull(),
    description: text('description'),
    resourceType: varchar('resource_type', { length: 50, enum: resourceTypes }).notNull().default('workflow'),
    content: jsonb('content').notNull(),
    executionCount: integer('execution_count').notNull().default(0),
    lastExecutedAt: stamp('last_executed_at'),
    parentResourceId: uuid('parent_resource_id').references((): AnyPgColumn => resource.id, {
      onDelete: 'set null',
    }),
    forkCount: integer('fork_count').notNull().default(0),
    isPublic: boolean('is_public').notNull().default(false),
    pinned: boolean('pinned').notNull().default(false),
    createdAt: stamp('created_at').notNull().defaultNow(),
    updatedAt: stamp('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('resource_type_check', sql`${t.resourceType} in ('workflow', 'prompt', 'agent_config')`),
    check('resource_counts_check', sql`${t.executionCount} >= 0 and ${t.forkCount} >= 0`),
    // Serves the list order: one user's rows, pinned first, then most recently updated.
    // NULLS FIRST is Postgres' default for DESC, so ORDER BY ... DESC can walk this index.
    index('resource_user_list_idx').on(t.userId, t.pinned.desc().nullsFirst(), t.updatedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('resource_parent_idx').on(t.parentResourceId),
    // Case-insensitive contains-search (ILIKE '%term%') at a million rows.
    index('resource_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    index('resource_description_trgm_idx').using('gin', t.description.op('gin_trgm_ops')),
    // Browsing public resources walks this in the list's order instead of sorting every public row.
    index('resource_public_list_idx')
      .on(t.pinned.desc().nullsFirst(), t.updatedAt.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`${t.isPublic}`),
  ],
);

export const resourceShare = pgTable(
  'resource_share',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    resourceId: uuid('resource_id')
      .notNull()
      .references(() => resource.id, { onDelete: 'cascade' }),
    shareToken: varchar('share_token', { length: 32 }).notNull().unique('resource_share_token_unique'),
    expiresAt: stamp('expires_at'),
    accessCount: integer('access_count').notNull().default(0),
    maxAccesses: integer('max_accesses'),
    createdAt: stamp('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('resource_share_resource_idx').on(t.resourceId),
    check('resource_share_token_check', sql`char_length(${t.shareToken}) = 32`),
    check('resource_share_max_accesses_check', sql`${t.maxAccesses} is null or ${t.maxAccesses} > 0`),
  ],
);

/** The chat app's message table; only its attachments column matters to the extension. */
export const message = pgTable(
  'message',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    role: varchar('role', { length: 20, enum: messageRoles }).notNull(),
    content: jsonb('content').notNull(),
    attachments: jsonb('attachments'),
    createdAt: stamp('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('message_role_check', sql`${t.role} in ('user', 'assistant', 'system')`),
    check('message_attachments_check', sql`${t.attachments} is null or jsonb_typeof(${t.attachments}) = 'array'`),
    index('message_user_idx').on(t.userId, t.createdAt),
  ],
);

export type User = typeof user.$inferSelect;
export type Resource = typeof resource.$inferSelect;
export type NewResource = typeof resource.$inferInsert;
export type ResourceShare = typeof resourceShare.$inferSelect;
export type NewResourceShare = typeof resourceShare.$inferInsert;
export type Message = typeof message.$inferSelect;
