-- Versions and tags live in tables of their own (the seed's tables keep exactly their columns).
-- Idempotent: a team database may already hold these objects (an earlier, interrupted run).
CREATE TABLE IF NOT EXISTS "resource_history_policy" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"max_versions" integer DEFAULT 100 NOT NULL,
	"max_age_days" integer,
	"updated_at" timestamp (3) DEFAULT now() NOT NULL,
	CONSTRAINT "resource_history_policy_one_row_check" CHECK ("resource_history_policy"."id"),
	CONSTRAINT "resource_history_policy_limits_check" CHECK ("resource_history_policy"."max_versions" between 1 and 100000 and ("resource_history_policy"."max_age_days" is null or "resource_history_policy"."max_age_days" between 1 and 36500))
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "resource_tag" (
	"resource_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"tag" varchar(50) NOT NULL,
	CONSTRAINT "resource_tag_pkey" PRIMARY KEY("resource_id","tag"),
	CONSTRAINT "resource_tag_length_check" CHECK (char_length("resource_tag"."tag") between 1 and 50),
	CONSTRAINT "resource_tag_resource_id_resource_id_fk" FOREIGN KEY ("resource_id") REFERENCES "resource"("id") ON DELETE cascade ON UPDATE no action
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "resource_version" (
	"resource_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"resource_type" varchar(50) NOT NULL,
	"content" jsonb NOT NULL,
	"changed_by" uuid,
	"change_note" text,
	"forked_from_resource_id" uuid,
	"forked_from_version" integer,
	"created_at" timestamp (3) DEFAULT now() NOT NULL,
	CONSTRAINT "resource_version_pkey" PRIMARY KEY("resource_id","version"),
	CONSTRAINT "resource_version_number_check" CHECK ("resource_version"."version" > 0),
	CONSTRAINT "resource_version_note_check" CHECK (char_length("resource_version"."change_note") <= 500),
	CONSTRAINT "resource_version_resource_id_resource_id_fk" FOREIGN KEY ("resource_id") REFERENCES "resource"("id") ON DELETE cascade ON UPDATE no action
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_tag_user_tag_idx" ON "resource_tag" USING btree ("user_id","tag","resource_id");
