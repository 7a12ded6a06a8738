-- Custom migration: drizzle-kit never emits CREATE EXTENSION. btree_gin (Postgres contrib, a
-- trusted extension like pg_trgm) lets one GIN index hold the owner (user_id) and the trigrams
-- of a column: the next migration's search indexes, which find a user's matching rows without
-- ANDing the trigram bitmap of every user's rows with a bitmap of all of the user's rows.
CREATE EXTENSION IF NOT EXISTS btree_gin;
