-- Custom migration: the change notification also names who wrote (the writer's application_name),
-- so a window can skip the echo of its own writes, which it has already shown, instead of redrawing
-- again. Each client of the extension connects with a name of its own (src/db/client.ts). Payloads
-- stay identical within a transaction, so Postgres still folds them into one.
CREATE OR REPLACE FUNCTION agent_resources_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  origin text := coalesce(current_setting('application_name', true), '');
BEGIN
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.user_id IS DISTINCT FROM NEW.user_id) THEN
    PERFORM pg_notify('agent_resources_change', json_build_object('user', OLD.user_id, 'public', OLD.is_public, 'origin', origin)::text);
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_notify('agent_resources_change', json_build_object('user', NEW.user_id, 'public', NEW.is_public, 'origin', origin)::text);
  ELSIF TG_OP = 'UPDATE' THEN
    -- A row made private is news to those who saw it while it was public.
    PERFORM pg_notify('agent_resources_change', json_build_object('user', NEW.user_id, 'public', NEW.is_public OR OLD.is_public, 'origin', origin)::text);
  END IF;
  RETURN NULL;
END
$$;
