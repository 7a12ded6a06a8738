CREATE TABLE IF NOT EXISTS "resource_member" (
	"login" varchar(63) PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp (3) DEFAULT now() NOT NULL,
	CONSTRAINT "resource_member_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE cascade ON UPDATE no action
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "resource_share_redemption" (
	"share_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"redeemed_at" timestamp (3) DEFAULT now() NOT NULL,
	CONSTRAINT "resource_share_redemption_share_id_user_id_pk" PRIMARY KEY("share_id","user_id"),
	CONSTRAINT "resource_share_redemption_share_id_resource_share_id_fk" FOREIGN KEY ("share_id") REFERENCES "resource_share"("id") ON DELETE cascade ON UPDATE no action,
	CONSTRAINT "resource_share_redemption_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE cascade ON UPDATE no action
);
