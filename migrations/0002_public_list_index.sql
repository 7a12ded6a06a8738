DROP INDEX IF EXISTS "resource_public_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_public_list_idx" ON "resource" USING btree ("pinned" DESC NULLS FIRST,"updated_at" DESC NULLS FIRST,"id" DESC NULLS FIRST) WHERE "resource"."is_public";
