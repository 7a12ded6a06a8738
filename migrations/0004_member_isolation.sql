-- Custom migration: what keeps team members apart, enforced by Postgres (drizzle-kit emits no
-- functions or policies). Row-level security itself is switched on by an administrator
-- (migrations/admin/enable-member-isolation.sql): until then these policies do nothing, so a team
-- that connects with one shared login keeps working after this migration.
--
-- The functions run as their owner (SECURITY DEFINER) with a fixed search_path, and each checks
-- who calls: a member's login acts only as the user it is mapped to.

-- The user this login is mapped to (resource_member), or null.
CREATE OR REPLACE FUNCTION agent_resources_member_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$ SELECT user_id FROM resource_member WHERE login = session_user $$;
--> statement-breakpoint

-- Whether row-level security applies to this login: it is on, and the login is neither a
-- superuser, nor exempt (BYPASSRLS), nor (a member of) the tables' owner, like the chat app.
CREATE OR REPLACE FUNCTION agent_resources_isolated() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT c.relrowsecurity AND NOT (r.rolsuper OR r.rolbypassrls OR pg_has_role(session_user, c.relowner, 'USAGE'))
  FROM pg_class c, pg_roles r
  WHERE c.oid = 'resource'::regclass AND r.rolname = session_user
$$;
--> statement-breakpoint

-- The user a function may act for: any the caller names when nothing keeps logins apart (the
-- caller could read every row anyway), else only the caller's own.
CREATE OR REPLACE FUNCTION agent_resources_acting_user(p_user uuid) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
  IF agent_resources_isolated() AND agent_resources_member_id() IS DISTINCT FROM p_user THEN
    RAISE EXCEPTION 'this database login acts only as the user it is mapped to' USING ERRCODE = '42501';
  END IF;
  RETURN p_user;
END $$;
--> statement-breakpoint

-- The user may read the resource: their own, a public one, or one shared with them through a
-- live token they redeemed.
CREATE OR REPLACE FUNCTION agent_resources_can_read(p_user uuid, p_resource uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT EXISTS (
    SELECT 1 FROM resource r
    WHERE r.id = p_resource
      AND (r.user_id = p_user OR r.is_public OR EXISTS (
        SELECT 1 FROM resource_share s JOIN resource_share_redemption d ON d.share_id = s.id
        WHERE s.resource_id = r.id AND d.user_id = p_user
          AND (s.expires_at IS NULL OR s.expires_at > localtimestamp)))
  )
$$;
--> statement-breakpoint

-- Counts one access in ONE statement (the update re-checks its condition on the locked row, so
-- 50 concurrent redemptions of a token limited to 10 give exactly 10) and records who redeemed.
-- When nothing was counted, says why, read in a statement of its own: a revoke that the update
-- waited for is then seen as "unknown", not "exhausted".
CREATE OR REPLACE FUNCTION agent_resources_redeem_share(p_user uuid, p_token varchar)
RETURNS TABLE (outcome text, redeemed_share_id uuid, redeemed_resource_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  v_user uuid := agent_resources_acting_user(p_user);
  v_share resource_share;
BEGIN
  UPDATE resource_share s SET access_count = s.access_count + 1
  WHERE s.share_token = p_token
    AND (s.expires_at IS NULL OR s.expires_at > localtimestamp)
    AND (s.max_accesses IS NULL OR s.access_count < s.max_accesses)
  RETURNING * INTO v_share;
  IF FOUND THEN
    INSERT INTO resource_share_redemption AS d (share_id, user_id) VALUES (v_share.id, v_user)
    ON CONFLICT ON CONSTRAINT resource_share_redemption_share_id_user_id_pk DO UPDATE SET redeemed_at = now();
    RETURN QUERY SELECT 'ok'::text, v_share.id, v_share.resource_id;
    RETURN;
  END IF;
  SELECT * INTO v_share FROM resource_share s WHERE s.share_token = p_token;
  RETURN QUERY SELECT
    CASE WHEN NOT FOUND THEN 'unknown'
         WHEN v_share.expires_at IS NOT NULL AND v_share.expires_at <= localtimestamp THEN 'expired'
         ELSE 'exhausted' END,
    NULL::uuid, NULL::uuid;
END $$;
--> statement-breakpoint

-- The resource and share of a token the user redeemed, while the share lasts (not expired, not
-- revoked); nothing otherwise. Reading again does not count again.
CREATE OR REPLACE FUNCTION agent_resources_shared_resource(p_user uuid, p_token varchar)
RETURNS SETOF resource
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT r.* FROM resource_share s
  JOIN resource_share_redemption d ON d.share_id = s.id AND d.user_id = agent_resources_acting_user(p_user)
  JOIN resource r ON r.id = s.resource_id
  WHERE s.share_token = p_token AND (s.expires_at IS NULL OR s.expires_at > localtimestamp)
$$;
--> statement-breakpoint

-- The share row of a token the user redeemed (how many uses are left, when it expires).
CREATE OR REPLACE FUNCTION agent_resources_redeemed_share(p_user uuid, p_token varchar)
RETURNS SETOF resource_share
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT s.* FROM resource_share s
  JOIN resource_share_redemption d ON d.share_id = s.id AND d.user_id = agent_resources_acting_user(p_user)
  WHERE s.share_token = p_token
$$;
--> statement-breakpoint

-- Counts a fork on its parent, which the user must be able to read; the row lock serialises
-- concurrent forks. False when the parent is gone or not readable.
CREATE OR REPLACE FUNCTION agent_resources_count_fork(p_user uuid, p_parent uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  v_user uuid := agent_resources_acting_user(p_user);
BEGIN
  UPDATE resource SET fork_count = fork_count + 1 WHERE id = p_parent AND agent_resources_can_read(v_user, id);
  RETURN FOUND;
END $$;
--> statement-breakpoint

-- Who the caller is, for a member's session: no member reads the chat app's "user" table.
CREATE OR REPLACE FUNCTION agent_resources_whoami() RETURNS TABLE (user_id uuid, email varchar, isolated boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT m.user_id, u.email, agent_resources_isolated()
  FROM (SELECT agent_resources_member_id() AS user_id) m LEFT JOIN "user" u ON u.id = m.user_id
$$;
--> statement-breakpoint

-- The policies. A login mapped to no user sees nothing (not even public rows), whatever its grants.
DROP POLICY IF EXISTS resource_member_read ON resource;
--> statement-breakpoint
CREATE POLICY resource_member_read ON resource FOR SELECT
  USING (user_id = (SELECT agent_resources_member_id()) OR (is_public AND (SELECT agent_resources_member_id()) IS NOT NULL));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_member_insert ON resource;
--> statement-breakpoint
CREATE POLICY resource_member_insert ON resource FOR INSERT
  WITH CHECK (user_id = (SELECT agent_resources_member_id())
    AND (parent_resource_id IS NULL OR agent_resources_can_read(user_id, parent_resource_id)));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_member_update ON resource;
--> statement-breakpoint
-- No lineage check here: a fork stays editable after the share it came through ends. Members
-- have no UPDATE privilege on parent_resource_id (see the administrator's script) to re-point it.
CREATE POLICY resource_member_update ON resource FOR UPDATE
  USING (user_id = (SELECT agent_resources_member_id()))
  WITH CHECK (user_id = (SELECT agent_resources_member_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_member_delete ON resource;
--> statement-breakpoint
CREATE POLICY resource_member_delete ON resource FOR DELETE
  USING (user_id = (SELECT agent_resources_member_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_share_owner ON resource_share;
--> statement-breakpoint
CREATE POLICY resource_share_owner ON resource_share FOR ALL
  USING (EXISTS (SELECT 1 FROM resource r WHERE r.id = resource_id AND r.user_id = (SELECT agent_resources_member_id())))
  WITH CHECK (EXISTS (SELECT 1 FROM resource r WHERE r.id = resource_id AND r.user_id = (SELECT agent_resources_member_id())));
--> statement-breakpoint
-- Our own bookkeeping tables: read and written only through the functions above.
ALTER TABLE resource_member ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE resource_share_redemption ENABLE ROW LEVEL SECURITY;
