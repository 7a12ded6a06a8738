-- Idempotent, because a team database is usually the chat app's own: its "user" and "message"
-- tables exist (with columns, constraints and rows of their own) and are left as they are;
-- only "message"."attachments" is added when it is missing. A fresh database gets everything.
CREATE TABLE IF NOT EXISTS "user" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" varchar(255) NOT NULL,
	CONSTRAINT "user_email_unique" UNIQUE("email")
);
--> statement-breakpoint
DO $$
BEGIN
	IF to_regclass('message') IS NULL THEN
		CREATE TABLE "message" (
			"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
			"user_id" uuid NOT NULL,
			"role" varchar(20) NOT NULL,
			"content" jsonb NOT NULL,
			"attachments" jsonb,
			"created_at" timestamp (3) DEFAULT now() NOT NULL,
			CONSTRAINT "message_role_check" CHECK ("message"."role" in ('user', 'assistant', 'system')),
			CONSTRAINT "message_attachments_check" CHECK ("message"."attachments" is null or jsonb_typeof("message"."attachments") = 'array'),
			CONSTRAINT "message_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE cascade ON UPDATE no action
		);
		CREATE INDEX "message_user_idx" ON "message" USING btree ("user_id","created_at");
	ELSIF NOT EXISTS (
		SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('message') AND attname = 'attachments' AND NOT attisdropped
	) THEN
		ALTER TABLE "message" ADD COLUMN "attachments" jsonb;
		ALTER TABLE "message" ADD CONSTRAINT "message_attachments_check" CHECK ("attachments" is null or jsonb_typeof("attachments") = 'array');
	END IF;
END $$;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "resource" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"resource_type" varchar(50) DEFAULT 'workflow' NOT NULL,
	"content" jsonb NOT NULL,
	"execution_count" integer DEFAULT 0 NOT NULL,
	"last_executed_at" timestamp (3),
	"parent_resource_id" uuid,
	"fork_count" integer DEFAULT 0 NOT NULL,
	"is_public" boolean DEFAULT false NOT NULL,
	"pinned" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) DEFAULT now() NOT NULL,
	CONSTRAINT "resource_type_check" CHECK ("resource"."resource_type" in ('workflow', 'prompt', 'agent_config')),
	CONSTRAINT "resource_counts_check" CHECK ("resource"."execution_count" >= 0 and "resource"."fork_count" >= 0),
	CONSTRAINT "resource_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE cascade ON UPDATE no action,
	CONSTRAINT "resource_parent_resource_id_resource_id_fk" FOREIGN KEY ("parent_resource_id") REFERENCES "resource"("id") ON DELETE set null ON UPDATE no action
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "resource_share" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resource_id" uuid NOT NULL,
	"share_token" varchar(32) NOT NULL,
	"expires_at" timestamp (3),
	"access_count" integer DEFAULT 0 NOT NULL,
	"max_accesses" integer,
	"created_at" timestamp (3) DEFAULT now() NOT NULL,
	CONSTRAINT "resource_share_token_unique" UNIQUE("share_token"),
	CONSTRAINT "resource_share_token_check" CHECK (char_length("resource_share"."share_token") = 32),
	CONSTRAINT "resource_share_max_accesses_check" CHECK ("resource_share"."max_accesses" is null or "resource_share"."max_accesses" > 0),
	CONSTRAINT "resource_share_resource_id_resource_id_fk" FOREIGN KEY ("resource_id") REFERENCES "resource"("id") ON DELETE cascade ON UPDATE no action
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_user_list_idx" ON "resource" USING btree ("user_id","pinned" DESC NULLS FIRST,"updated_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_parent_idx" ON "resource" USING btree ("parent_resource_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_name_trgm_idx" ON "resource" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_description_trgm_idx" ON "resource" USING gin ("description" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "resource_share_resource_idx" ON "resource_share" USING btree ("resource_id");
