-- Custom migration: a resource's tag rows follow its owner, pin and updated_at, whoever writes the
-- resource (the chat app included), so the tag filter's order is the list's. Replaces the trigger
-- that followed the owner only. Idempotent.
CREATE OR REPLACE FUNCTION agent_resources_tags_follow_resource() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
  UPDATE resource_tag SET user_id = NEW.user_id, pinned = NEW.pinned, updated_at = NEW.updated_at WHERE resource_id = NEW.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS "resource_tags_follow_owner" ON "resource";
--> statement-breakpoint
DROP FUNCTION IF EXISTS agent_resources_tags_follow_owner();
--> statement-breakpoint
DROP TRIGGER IF EXISTS "resource_tags_follow" ON "resource";
--> statement-breakpoint
CREATE TRIGGER "resource_tags_follow" AFTER UPDATE ON "resource"
  FOR EACH ROW
  WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.pinned IS DISTINCT FROM NEW.pinned OR OLD.updated_at IS DISTINCT FROM NEW.updated_at)
  EXECUTE FUNCTION agent_resources_tags_follow_resource();
--> statement-breakpoint
-- A tag row takes its resource's values when it is written (a tag set by plain SQL included).
CREATE OR REPLACE FUNCTION agent_resources_tag_from_resource() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  v_user uuid;
  v_pinned boolean;
  v_updated timestamp;
BEGIN
  SELECT r.user_id, r.pinned, r.updated_at INTO v_user, v_pinned, v_updated FROM resource r WHERE r.id = NEW.resource_id;
  -- No such resource: the row stays as given, and its foreign key says so.
  IF FOUND THEN
    NEW.user_id := v_user;
    NEW.pinned := v_pinned;
    NEW.updated_at := v_updated;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS "resource_tag_from_resource" ON "resource_tag";
--> statement-breakpoint
CREATE TRIGGER "resource_tag_from_resource" BEFORE INSERT ON "resource_tag"
  FOR EACH ROW EXECUTE FUNCTION agent_resources_tag_from_resource();
--> statement-breakpoint
UPDATE resource_tag t SET user_id = r.user_id, pinned = r.pinned, updated_at = r.updated_at
FROM resource r
WHERE r.id = t.resource_id AND (t.user_id, t.pinned, t.updated_at) IS DISTINCT FROM (r.user_id, r.pinned, r.updated_at);
