CREATE TABLE "message" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"role" varchar(20) NOT NULL,
	"content" jsonb NOT NULL,
	"attachments" jsonb,
	"created_at" timestamp (3) DEFAULT now() NOT NULL,
	CONSTRAINT "message_role_check" CHECK ("message"."role" in ('user', 'assistant', 'system')),
	CONSTRAINT "message_attachments_check" CHECK ("message"."attachments" is null or jsonb_typeof("message"."attachments") = 'array')
);
--> statement-breakpoint
CREATE TABLE "resource" (
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
	CONSTRAINT "resource_counts_check" CHECK ("resource"."execution_count" >= 0 and "resource"."fork_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "resource_share" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resource_id" uuid NOT NULL,
	"share_token" varchar(32) NOT NULL,
	"expires_at" timestamp (3),
	"access_count" integer DEFAULT 0 NOT NULL,
	"max_accesses" integer,
	"created_at" timestamp (3) DEFAULT now() NOT NULL,
	CONSTRAINT "resource_share_token_unique" UNIQUE("share_token"),
	CONSTRAINT "resource_share_token_check" CHECK (char_length("resource_share"."share_token") = 32),
	CONSTRAINT "resource_share_max_accesses_check" CHECK ("resource_share"."max_accesses" is null or "resource_share"."max_accesses" > 0)
);
--> statement-breakpoint
CREATE TABLE "user" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" varchar(255) NOT NULL,
	CONSTRAINT "user_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "message" ADD CONSTRAINT "message_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource" ADD CONSTRAINT "resource_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource" ADD CONSTRAINT "resource_parent_resource_id_resource_id_fk" FOREIGN KEY ("parent_resource_id") REFERENCES "public"."resource"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_share" ADD CONSTRAINT "resource_share_resource_id_resource_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."resource"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "message_user_idx" ON "message" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "resource_user_list_idx" ON "resource" USING btree ("user_id","pinned" DESC NULLS FIRST,"updated_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "resource_parent_idx" ON "resource" USING btree ("parent_resource_id");--> statement-breakpoint
CREATE INDEX "resource_name_trgm_idx" ON "resource" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "resource_description_trgm_idx" ON "resource" USING gin ("description" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "resource_public_idx" ON "resource" USING btree ("updated_at" DESC NULLS FIRST) WHERE "resource"."is_public";--> statement-breakpoint
CREATE INDEX "resource_share_resource_idx" ON "resource_share" USING btree ("resource_id");