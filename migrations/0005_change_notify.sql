-- Live changes: every write to resource, by whoever makes it (a VS Code window, an MCP server, the
-- chat app, plain SQL), tells the listeners of one channel after its transaction commits. The
-- payload names no content and no name: only the owner and whether the row is (or was) public, so
-- a listener ignores other users' private changes. Row-level: one trigger covers insert, update
-- and delete of any statement, and Postgres delivers identical payloads of one transaction once,
-- so an import of 1,500 rows in one transaction is one notification per owner, not 1,500.
CREATE OR REPLACE FUNCTION agent_resources_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.user_id IS DISTINCT FROM NEW.user_id) THEN
    PERFORM pg_notify('agent_resources_change', json_build_object('user', OLD.user_id, 'public', OLD.is_public)::text);
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_notify('agent_resources_change', json_build_object('user', NEW.user_id, 'public', NEW.is_public)::text);
  ELSIF TG_OP = 'UPDATE' THEN
    -- A row made private is news to those who saw it while it was public.
    PERFORM pg_notify('agent_resources_change', json_build_object('user', NEW.user_id, 'public', NEW.is_public OR OLD.is_public)::text);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS "resource_change_notify" ON "resource";
--> statement-breakpoint
CREATE TRIGGER "resource_change_notify" AFTER INSERT OR UPDATE OR DELETE ON "resource"
  FOR EACH ROW EXECUTE FUNCTION agent_resources_notify_change();
