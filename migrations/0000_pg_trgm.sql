-- Custom migration: drizzle-kit never emits CREATE EXTENSION. The trigram indexes in the
-- next migration need pg_trgm (contains-search on name and description).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
