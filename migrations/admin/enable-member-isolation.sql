-- Agent Resources: keep team members apart in this database (row-level security).
-- Run once as the tables' owner or a superuser, after the extension's tables exist
-- ("Agent Resources: Create Resource Tables in Team Database", or its migrations):
--   psql "$ADMIN_URL" -v ON_ERROR_STOP=1 -f enable-member-isolation.sql
-- Running it again changes nothing. The chat app, connecting as the tables' owner, is not affected.
-- Then add each member (a login of their own, mapped to their row in "user"):
--   CREATE ROLE alice LOGIN PASSWORD '...';            -- or your cloud's IAM database auth
--   GRANT agent_resources_member TO alice;
--   INSERT INTO resource_member (login, user_id) SELECT 'alice', id FROM "user" WHERE email = 'alice@example.com';
-- ("Agent Resources: Add Team Member" does the same from VS Code.)

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agent_resources_member') THEN
    CREATE ROLE agent_resources_member NOLOGIN;
  END IF;
END $$;

GRANT USAGE ON SCHEMA public TO agent_resources_member;
GRANT SELECT, INSERT, DELETE ON resource, resource_share TO agent_resources_member;
-- Not user_id, parent_resource_id, fork_count, id or created_at: those change only through the functions.
GRANT UPDATE (name, description, resource_type, content, execution_count, last_executed_at, is_public, pinned, updated_at)
  ON resource TO agent_resources_member;
-- The extension checks which of its migrations a database has.
GRANT SELECT ON agent_resources_migrations TO agent_resources_member;

ALTER TABLE resource ENABLE ROW LEVEL SECURITY;
ALTER TABLE resource_share ENABLE ROW LEVEL SECURITY;

-- Versions (written by the database's trigger) and tags.
GRANT SELECT ON resource_version, resource_history_policy TO agent_resources_member;
GRANT SELECT, INSERT, DELETE ON resource_tag TO agent_resources_member;
ALTER TABLE resource_version ENABLE ROW LEVEL SECURITY;
ALTER TABLE resource_tag ENABLE ROW LEVEL SECURITY;
