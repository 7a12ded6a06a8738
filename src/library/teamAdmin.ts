import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sql } from 'postgres';
import { UserFacingError } from '../common/userError';

/** The administrator's script, also for psql: creates the member role, grants, switches row-level security on. */
export function memberIsolationScript(migrationsFolder: string): string {
  return readFileSync(join(migrationsFolder, 'admin', 'enable-member-isolation.sql'), 'utf8');
}

/** Runs the script on a connection of the tables' owner or a superuser; running it again changes nothing. */
export async function enableMemberIsolation(sql: Sql, migrationsFolder: string): Promise<void> {
  await sql.begin((tx) => tx.unsafe(memberIsolationScript(migrationsFolder)));
}

export interface NewMember {
  /** The member's database login: created when it does not exist. */
  login: string;
  /** Their row in the chat app's "user" table. */
  email: string;
  /** For a new login; none for one that signs in otherwise (IAM database auth, certificates). */
  password?: string;
}

const loginPattern = /^[a-z_][a-z0-9_$-]{0,62}$/i;

/**
 * Gives a member a login of their own, mapped to their user: what row-level security reads. The
 * password goes to the server as a SCRAM verifier, so it is in no statement or server log.
 */
export async function addTeamMember(sql: Sql, member: NewMember): Promise<{ createdLogin: boolean }> {
  if (!loginPattern.test(member.login)) {
    throw new UserFacingError('A login is 1 to 63 letters, digits, _ $ or -, and starts with a letter or _.');
  }
  return sql.begin(async (tx) => {
    const [user] = await tx<{ id: string }[]>`select id from "user" where lower(email) = lower(${member.email.trim()})`;
    if (!user) {
      throw new UserFacingError(
        `No user with the email ${member.email.trim()} exists in this database: the person signs in to the chat app first.`,
      );
    }
    const [role] = await tx`select 1 from pg_roles where rolname = ${member.login}`;
    if (!role) {
      const password = member.password ? ` password ${literal(scramVerifier(member.password))}` : '';
      await tx.unsafe(`create role ${identifier(member.login)} login${password}`);
    }
    await tx.unsafe(`grant agent_resources_member to ${identifier(member.login)}`);
    await tx`insert into resource_member (login, user_id) values (${member.login}, ${user.id})
      on conflict (login) do update set user_id = excluded.user_id`;
    return { createdLogin: !role };
  });
}

/** What Postgres stores for a SCRAM-SHA-256 password (RFC 5802/7677), computed here as psql's \password does. */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
