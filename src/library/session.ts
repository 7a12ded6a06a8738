import { join } from 'node:path';
import { UserFacingError } from '../common/userError';
import { createDatabaseClient, reachedThroughPooler, type ConnectionOptions, type DatabaseClient } from '../db/client';
import { postgresErrorCode } from '../db/errors';
import { migrateDatabase } from '../db/migrate';
import { checkSchema, type SchemaState } from '../db/schemaCheck';
import { ensureLocalUser, findUserByEmail } from '../db/users';
import { describeConnectionError } from './connectionErrors';
import { attachLocalServer, connectionOptions, type LocalServerHandle } from '../storage/local/localServer';
import type { LibrarySession } from './library';

/** An open session and how to end it (the pool, and the local server's attachment). */
export interface OpenedSession {
  session: LibrarySession;
  /** Ends the pool (statements still running after the timeout are cut) and releases the local server. */
  close(timeoutSeconds?: number): Promise<void>;
}

/** The database is reachable but the session cannot start until someone acts: create the tables, or say who they are. */
export class SetupNeeded extends Error {
  override readonly name = 'SetupNeeded';
  constructor(
    readonly need: { kind: 'setup'; schema: SchemaState } | { kind: 'noUser'; email: string } | { kind: 'notMember'; login: string },
    message: string,
  ) {
    super(message);
  }
}

export interface LocalSessionOptions {
  /** The extension's folder (Postgres binaries, the supervisor, migrations). */
  packageRoot: string;
  /** The library's folder; default: this OS user's. */
  home?: string;
  log?: (line: string) => void;
}

/** This OS user's local library: attaches to (or starts) the shared server, migrates, and acts as its one user. */
export async function openLocalSession({ packageRoot, home, log = () => {} }: LocalSessionOptions): Promise<OpenedSession> {
  const started = performance.now();
  let local: LocalServerHandle;
  try {
    local = await attachLocalServer({ packageRoot, home, log });
  } catch (err) {
    throw new UserFacingError(
      describeConnectionError(err, undefined).message.replace(/^Database error: /, "The local library's database could not start: "),
      'local-start',
    );
  }
  const options = connectionOptions(local);
  const client = createDatabaseClient(undefined, options);
  const close = closer(client, local);
  try {
    await migrateDatabase(undefined, join(packageRoot, 'migrations'), options);
    const user = await ensureLocalUser(client.db);
    log(`Local library ready in ${Math.round(performance.now() - started)} ms (server ${local.started ? 'started' : 'attached'})`);
    return {
      session: { db: client.db, client, userId: user.id, email: user.email, mode: 'local', label: 'local library', isolation: 'single' },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export interface TeamSessionOptions {
  /** The connection string; undefined when the options (PG* variables) say it all. */
  url: string | undefined;
  options: ConnectionOptions;
  label: string;
  /** Who the user is in the team database; undefined: not configured. */
  email: string | undefined;
  migrationsFolder: string;
  /** Create or complete the tables without asking (the user said so in their settings). */
  allowSchemaChanges: boolean;
  log?: (line: string) => void;
}

/** A team database: checks its tables (creating them only when allowed) and finds the member by email. */
export async function openTeamSession(o: TeamSessionOptions): Promise<OpenedSession> {
  const settings: ConnectionOptions = { ...o.options, connect_timeout: 10 };
  // `prepare` set: the connection string said whether a transaction pooler is in between (teamConnection.ts).
  let client = createDatabaseClient(o.url, settings, { pooled: o.options.prepare === false });
  let close = closer(client, undefined);
  try {
    if (o.options.prepare !== undefined) {
      await client.sql`select 1`;
    } else if (await reachedThroughPooler(client.sql)) {
      // The detection prepared nothing: the same pool again, preparing nothing from now on.
      await close();
      client = createDatabaseClient(o.url, settings, { pooled: true });
      close = closer(client, undefined);
    }
    if (client.pooled) o.log?.(`${o.label} is reached through a connection pooler: no prepared statements, and no live refresh (LISTEN)`);
    let schema = await checkSchema(client.sql, o.migrationsFolder);
    if (schema.state !== 'ready' && o.allowSchemaChanges) {
      o.log?.(`Team database schema is ${schema.state}: applying migrations (agentResources.team.allowSchemaChanges is on)`);
      await migrateDatabase(o.url, o.migrationsFolder, o.options);
      schema = await checkSchema(client.sql, o.migrationsFolder);
    }
    if (schema.state !== 'ready') {
      const what = schema.state === 'missing' ? 'has no resource tables' : `lacks ${schema.missing.join(', ')}`;
      throw new SetupNeeded(
        { kind: 'setup', schema },
        `The team database ${o.label} ${what}. Run "Create Resource Tables in Team Database" to add them, or use the local library.`,
      );
    }
    const user = await teamUser(client, o);
    return { session: { db: client.db, client, ...user, mode: 'team', label: o.label }, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Who the user is in a team database. Where each member has a login of their own (row-level
 * security on), the database says, and no setting can change it; with a shared login, the email
 * setting says, and nothing keeps members apart.
 */
async function teamUser(client: DatabaseClient, o: TeamSessionOptions): Promise<Pick<LibrarySession, 'userId' | 'email' | 'isolation'>> {
  const [me] = await client.sql<{ user_id: string | null; email: string | null; isolated: boolean; login: string }[]>`
    select user_id, email, isolated, session_user as login from agent_resources_whoami()`;
  if (me?.isolated) {
    if (!me.user_id || !me.email) {
      throw new SetupNeeded(
        { kind: 'notMember', login: me.login },
        `The database login "${me.login}" is not a member of the team library on ${o.label}. Ask an administrator to run "Agent Resources: Add Team Member" for it.`,
      );
    }
    if (o.email && o.email.toLowerCase() !== me.email.toLowerCase()) {
      o.log?.(`agentResources.userEmail (${o.email}) is not used: the database login "${me.login}" is ${me.email}`);
    }
    return { userId: me.user_id, email: me.email, isolation: 'member' };
  }
  if (!o.email) {
    throw new SetupNeeded(
      { kind: 'noUser', email: '' },
      'Set agentResources.userEmail to the email you use in the chat app, so the extension knows whose resources to show.',
    );
  }
  const user = await findUserByEmail(client.db, o.email);
  if (!user) {
    throw new SetupNeeded(
      { kind: 'noUser', email: o.email },
      `No user with the email ${o.email} exists in the team database ${o.label}. Set agentResources.userEmail to the email you use in the chat app.`,
    );
  }
  return { userId: user.id, email: user.email, isolation: 'shared' };
}

function closer(client: DatabaseClient, local: LocalServerHandle | undefined): (timeoutSeconds?: number) => Promise<void> {
  let closing: Promise<void> | undefined;
  return (timeoutSeconds) =>
    (closing ??= (async () => {
      await client.close(timeoutSeconds).catch(() => {});
      await local?.release();
    })());
}

/** Creates or completes the resource tables in a team database: only after the user said so. */
export async function createTeamTables(url: string | undefined, options: ConnectionOptions, migrationsFolder: string): Promise<void> {
  try {
    await migrateDatabase(url, migrationsFolder, options);
  } catch (err) {
    if (postgresErrorCode(err) !== '42501') throw err;
    // Postgres 15+ lets only the database's owner (and whom it grants) create tables in "public".
    const login = url ? decodeURIComponent(new URL(url).username) : (options.username ?? process.env.PGUSER ?? 'your_login');
    throw new UserFacingError(
      `The login "${login}" may not create the resource tables in this database (permission denied). ` +
        `Run "Create Resource Tables" connected as the database's owner, or have the owner run: GRANT CREATE ON SCHEMA public TO "${login}";` +
        ' (and CREATE EXTENSION pg_trgm; when it is not installed yet).',
    );
  }
}

/** Opens one connection and closes it: whether the server takes these credentials. Throws the driver's error. */
export async function testConnection(url: string | undefined, options: ConnectionOptions): Promise<void> {
  const client = createDatabaseClient(url, { ...options, max: 1, connect_timeout: 10 });
  try {
    await client.sql`select 1`;
  } finally {
    await client.close().catch(() => {});
  }
}
