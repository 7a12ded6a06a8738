-- The tag filter in the list's order: resource_tag carries its resource's pinned and updated_at
-- (kept equal by the trigger of the next migration), and one index serves a page of them. Idempotent.
DROP INDEX IF EXISTS "resource_tag_user_tag_idx";--> statement-breakpoint
ALTER TABLE "resource_tag" ADD COLUMN IF NOT EXISTS "pinned" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "resource_tag" ADD COLUMN IF NOT EXISTS "updated_at" timestamp (3) DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_tag_list_idx" ON "resource_tag" USING btree ("user_id","tag","pinned" DESC NULLS FIRST,"updated_at" DESC NULLS FIRST,"resource_id" DESC NULLS FIRST);
