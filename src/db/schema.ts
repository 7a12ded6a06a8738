import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  timestamp,
  uuid,
  varchar,
  type AnyPgColumn,
  text,
} from 'drizzle-orm/pg-core';

import { resourceTypes } from './rules';

export { resourceTypes, type ResourceType } from './rules';

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
    // Case-insensitive contains-search (ILIKE '%term%') at a million rows: the owner and the
    // trigrams in one GIN (btree_gin), so a user's search reads that user's matches only. No
    // pending list (fastupdate off): every search would scan it, a few ms more after a burst of saves.
    index('resource_user_name_trgm_idx').using('gin', t.userId, t.name.op('gin_trgm_ops')).with({ fastupdate: false }),
    index('resource_user_description_trgm_idx').using('gin', t.userId, t.description.op('gin_trgm_ops')).with({ fastupdate: false }),
    // Public searches: the trigrams of public rows only (a twentieth of the table in the bench).
    index('resource_public_name_trgm_idx')
      .using('gin', t.name.op('gin_trgm_ops'))
      .with({ fastupdate: false })
      .where(sql`${t.isPublic}`),
    index('resource_public_description_trgm_idx')
      .using('gin', t.description.op('gin_trgm_ops'))
      .with({ fastupdate: false })
      .where(sql`${t.isPublic}`),
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

/**
 * Which database login is which user, for team databases where each member has a login of their
 * own: row-level security reads it (through agent_resources_member_id()) and nothing else may.
 */
export const resourceMember = pgTable('resource_member', {
  login: varchar('login', { length: 63 }).primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => user.id, { onDelete: 'cascade' }),
  createdAt: stamp('created_at').notNull().defaultNow(),
});

/** Who has redeemed a share: reading or forking through a token needs a redemption of one's own. */
export const resourceShareRedemption = pgTable(
  'resource_share_redemption',
  {
    shareId: uuid('share_id')
      .notNull()
      .references(() => resourceShare.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    redeemedAt: stamp('redeemed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shareId, t.userId] })],
);

/**
 * Every state of a resource's name, description and content, numbered 1, 2, 3... per resource.
 * Written by the database (a trigger on resource: see migrations/*_versions_triggers.sql), so
 * writes by the chat app or plain SQL are versions too. No foreign keys on who and on where a fork
 * came from: they are records of the past, and deleting a user or a resource must not scan this table.
 */
export const resourceVersion = pgTable(
  'resource_version',
  {
    resourceId: uuid('resource_id')
      .notNull()
      .references(() => resource.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    description: text('description'),
    resourceType: varchar('resource_type', { length: 50 }).notNull(),
    content: jsonb('content').notNull(),
    /** The writer's user id when the writer said (agent_resources.actor), else the owner. */
    changedBy: uuid('changed_by'),
    changeNote: text('change_note'),
    /** On a fork's first version: the resource and version it was copied from. */
    forkedFromResourceId: uuid('forked_from_resource_id'),
    forkedFromVersion: integer('forked_from_version'),
    createdAt: stamp('created_at').notNull().defaultNow(),
  },
  (t) => [
    // Also the history's order: newest first is this index read backwards.
    primaryKey({ name: 'resource_version_pkey', columns: [t.resourceId, t.version] }),
    check('resource_version_number_check', sql`${t.version} > 0`),
    check('resource_version_note_check', sql`char_length(${t.changeNote}) <= 500`),
  ],
);

/**
 * How many versions the database keeps per resource (and for how long): one row, read by the
 * trigger, so every writer of a team database prunes alike.
 */
export const resourceHistoryPolicy = pgTable(
  'resource_history_policy',
  {
    id: boolean('id').primaryKey().default(true),
    maxVersions: integer('max_versions').notNull().default(100),
    /** Versions older than this are pruned too (the latest never is); null: no age limit. */
    maxAgeDays: integer('max_age_days'),
    updatedAt: stamp('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('resource_history_policy_one_row_check', sql`${t.id}`),
    check(
      'resource_history_policy_limits_check',
      sql`${t.maxVersions} between 1 and 100000 and (${t.maxAgeDays} is null or ${t.maxAgeDays} between 1 and 36500)`,
    ),
  ],
);

/**
 * A resource's tags. user_id, pinned and updated_at are the resource's own (a trigger keeps them so):
 * with them the index serves "my resources with this tag" in the list's order, a page at a time,
 * however common or rare the tag.
 */
export const resourceTag = pgTable(
  'resource_tag',
  {
    resourceId: uuid('resource_id')
      .notNull()
      .references(() => resource.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull(),
    tag: varchar('tag', { length: 50 }).notNull(),
    pinned: boolean('pinned').notNull().default(false),
    updatedAt: stamp('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'resource_tag_pkey', columns: [t.resourceId, t.tag] }),
    index('resource_tag_list_idx').on(
      t.userId,
      t.tag,
      t.pinned.desc().nullsFirst(),
      t.updatedAt.desc().nullsFirst(),
      t.resourceId.desc().nullsFirst(),
    ),
    check('resource_tag_length_check', sql`char_length(${t.tag}) between 1 and 50`),
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
export type ResourceVersionRow = typeof resourceVersion.$inferSelect;
export type ResourceHistoryPolicy = typeof resourceHistoryPolicy.$inferSelect;
