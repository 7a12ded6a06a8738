-- Search indexes that do not make the planner AND a bitmap of all of a user's rows with the
-- trigrams' (the plan that flipped): a user's search reads the owner and the trigrams in one GIN
-- (btree_gin, previous migration), a public search the trigrams of public rows only. No pending
-- list (fastupdate off), which every search would scan. Idempotent; the builds block writes to resource.
DROP INDEX IF EXISTS "resource_name_trgm_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "resource_description_trgm_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_user_name_trgm_idx" ON "resource" USING gin ("user_id","name" gin_trgm_ops) WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_user_description_trgm_idx" ON "resource" USING gin ("user_id","description" gin_trgm_ops) WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_public_name_trgm_idx" ON "resource" USING gin ("name" gin_trgm_ops) WITH (fastupdate=false) WHERE "resource"."is_public";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_public_description_trgm_idx" ON "resource" USING gin ("description" gin_trgm_ops) WITH (fastupdate=false) WHERE "resource"."is_public";
