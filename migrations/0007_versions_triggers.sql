-- Custom migration: the database records versions itself, so every writer (a VS Code window, an
-- MCP server, the chat app, plain SQL) makes them alike. drizzle-kit emits no functions or
-- triggers. Idempotent: CREATE OR REPLACE, DROP ... IF EXISTS, ON CONFLICT DO NOTHING.
--
-- Who and why: a writer may say who it is and why, for its transaction, with
--   select set_config('agent_resources.actor', '<user id>', true), set_config('agent_resources.change_note', '<note>', true);
-- without them the version is the owner's, with no note. A note describes one version: the
-- trigger clears it once used, so it never carries over to a later write of the transaction.
--
-- The functions run as their owner (SECURITY DEFINER, fixed search_path): a member who may change
-- a resource needs no write privilege on its history.

-- Deletes the versions of one resource that the policy no longer keeps; the latest always stays.
CREATE OR REPLACE FUNCTION agent_resources_prune_versions(p_resource uuid, p_latest integer) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  v_max integer;
  v_age integer;
BEGIN
  SELECT max_versions, max_age_days INTO v_max, v_age FROM resource_history_policy WHERE id;
  v_max := coalesce(v_max, 100);
  -- Two statements, so the usual one (no age limit) is a short range of the primary key.
  IF v_age IS NULL THEN
    DELETE FROM resource_version WHERE resource_id = p_resource AND version <= p_latest - v_max;
  ELSE
    DELETE FROM resource_version
    WHERE resource_id = p_resource AND version < p_latest
      AND (version <= p_latest - v_max OR created_at < (now() AT TIME ZONE 'utc') - make_interval(days => v_age));
  END IF;
END $$;
--> statement-breakpoint

-- Records the new state of a resource as its next version. The UPDATE's row lock serialises the
-- writers of one resource, so max + 1 is unique and gapless (and a rolled-back write takes its
-- number with it); the primary key would refuse a duplicate anyway.
CREATE OR REPLACE FUNCTION agent_resources_record_version() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  v_actor_text text := current_setting('agent_resources.actor', true);
  v_note text := nullif(current_setting('agent_resources.change_note', true), '');
  v_actor uuid := NEW.user_id;
  v_version integer;
  v_from_version integer;
BEGIN
  IF agent_resources_isolated() THEN
    -- A member's login names its own user: a session setting cannot put another name on the version.
    v_actor := coalesce(agent_resources_member_id(), NEW.user_id);
  ELSIF v_actor_text ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
    v_actor := v_actor_text::uuid;
  END IF;
  SELECT max(version) INTO v_version FROM resource_version WHERE resource_id = NEW.id;
  IF TG_OP = 'UPDATE' AND v_version IS NULL THEN
    -- A row written while this trigger was off (a bulk load): its previous state becomes version 1.
    INSERT INTO resource_version (resource_id, version, name, description, resource_type, content, changed_by, created_at)
    VALUES (OLD.id, 1, OLD.name, OLD.description, OLD.resource_type, OLD.content, OLD.user_id, OLD.updated_at);
    v_version := 1;
  END IF;
  IF TG_OP = 'INSERT' AND NEW.parent_resource_id IS NOT NULL THEN
    -- A fork starts its own history and remembers the parent's version it copied.
    SELECT max(version) INTO v_from_version FROM resource_version WHERE resource_id = NEW.parent_resource_id;
  END IF;
  v_version := coalesce(v_version, 0) + 1;
  INSERT INTO resource_version (resource_id, version, name, description, resource_type, content, changed_by, change_note,
                                forked_from_resource_id, forked_from_version, created_at)
  VALUES (NEW.id, v_version, NEW.name, NEW.description, NEW.resource_type, NEW.content, v_actor, left(v_note, 500),
          CASE WHEN TG_OP = 'INSERT' THEN NEW.parent_resource_id END, v_from_version, now() AT TIME ZONE 'utc');
  IF v_note IS NOT NULL THEN
    PERFORM set_config('agent_resources.change_note', '', true);
  END IF;
  PERFORM agent_resources_prune_versions(NEW.id, v_version);
  RETURN NULL;
END $$;
--> statement-breakpoint

-- A changed policy applies at once to every resource, not only at each one's next save.
CREATE OR REPLACE FUNCTION agent_resources_prune_all_versions() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
  DELETE FROM resource_version v
  USING (SELECT resource_id, max(version) AS latest FROM resource_version GROUP BY resource_id) l, resource_history_policy p
  WHERE p.id AND v.resource_id = l.resource_id AND v.version < l.latest
    AND (v.version <= l.latest - p.max_versions
      OR (p.max_age_days IS NOT NULL AND v.created_at < (now() AT TIME ZONE 'utc') - make_interval(days => p.max_age_days)));
  RETURN NULL;
END $$;
--> statement-breakpoint

-- A resource given to another user takes its tags along (resource_tag.user_id is its owner).
CREATE OR REPLACE FUNCTION agent_resources_tags_follow_owner() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
  UPDATE resource_tag SET user_id = NEW.user_id WHERE resource_id = NEW.id;
  RETURN NULL;
END $$;
--> statement-breakpoint

INSERT INTO resource_history_policy (id) VALUES (true) ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- The triggers before the backfill: creating them locks resource against writes until this
-- migration commits, so no change falls between the two.
DROP TRIGGER IF EXISTS "resource_version_insert" ON "resource";
--> statement-breakpoint
CREATE TRIGGER "resource_version_insert" AFTER INSERT ON "resource"
  FOR EACH ROW EXECUTE FUNCTION agent_resources_record_version();
--> statement-breakpoint
DROP TRIGGER IF EXISTS "resource_version_update" ON "resource";
--> statement-breakpoint
-- Only a change of what a version holds is a version: a use, a pin or a no-op save is not.
CREATE TRIGGER "resource_version_update" AFTER UPDATE ON "resource"
  FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.description IS DISTINCT FROM NEW.description
        OR OLD.content IS DISTINCT FROM NEW.content OR OLD.resource_type IS DISTINCT FROM NEW.resource_type)
  EXECUTE FUNCTION agent_resources_record_version();
--> statement-breakpoint
DROP TRIGGER IF EXISTS "resource_tags_follow_owner" ON "resource";
--> statement-breakpoint
CREATE TRIGGER "resource_tags_follow_owner" AFTER UPDATE ON "resource"
  FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id)
  EXECUTE FUNCTION agent_resources_tags_follow_owner();
--> statement-breakpoint
DROP TRIGGER IF EXISTS "resource_history_policy_prune" ON "resource_history_policy";
--> statement-breakpoint
CREATE TRIGGER "resource_history_policy_prune" AFTER UPDATE ON "resource_history_policy"
  FOR EACH ROW WHEN (OLD.max_versions IS DISTINCT FROM NEW.max_versions OR OLD.max_age_days IS DISTINCT FROM NEW.max_age_days)
  EXECUTE FUNCTION agent_resources_prune_all_versions();
--> statement-breakpoint
-- Resources from before this migration: their current state is version 1.
INSERT INTO resource_version (resource_id, version, name, description, resource_type, content, changed_by, forked_from_resource_id, created_at)
SELECT r.id, 1, r.name, r.description, r.resource_type, r.content, r.user_id, r.parent_resource_id, r.updated_at
FROM resource r
WHERE NOT EXISTS (SELECT 1 FROM resource_version v WHERE v.resource_id = r.id);
