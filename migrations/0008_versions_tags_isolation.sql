-- Custom migration: row-level security policies for versions and tags, in force once an
-- administrator turns isolation on (migrations/admin/enable-member-isolation.sql). A member reads the
-- versions of their own resources only (a public resource's history may hold text from before it was
-- public); versions are written by the database's trigger, never by a member directly.
DROP POLICY IF EXISTS resource_version_owner_read ON resource_version;
--> statement-breakpoint
CREATE POLICY resource_version_owner_read ON resource_version FOR SELECT
  USING (EXISTS (SELECT 1 FROM resource r WHERE r.id = resource_id AND r.user_id = (SELECT agent_resources_member_id())));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_tag_owner ON resource_tag;
--> statement-breakpoint
CREATE POLICY resource_tag_owner ON resource_tag FOR ALL
  USING (user_id = (SELECT agent_resources_member_id()))
  WITH CHECK (user_id = (SELECT agent_resources_member_id())
    AND EXISTS (SELECT 1 FROM resource r WHERE r.id = resource_id AND r.user_id = (SELECT agent_resources_member_id())));
