// The one place the server opens its library: a team database from its URL, or this OS user's
// local library. Every failure becomes one message that says what to do (no password in it).
import { join } from 'node:path';
import { UserFacingError } from '../common/userError';
import { describeConnectionError } from '../library/connectionErrors';
import { resolveUserEmail } from '../library/identity';
import { openLocalSession, openTeamSession, SetupNeeded, type OpenedSession } from '../library/session';
import { resolveTeamConnection } from '../library/teamConnection';
import type { ServerOptions } from './options';

/** TLS verifies the server unless told otherwise. */
const defaultTlsMode = 'verify-full';

export interface OpenedLibrary {
  opened: OpenedSession;
  /** Secrets that no log line may show. */
  secrets: string[];
}

/** `secrets` gets the team password, and each one a password command prints later. */
export async function openLibrary(
  options: ServerOptions,
  packageRoot: string,
  log: (line: string) => void,
  secrets: string[] = [],
): Promise<OpenedLibrary> {
  if (!options.databaseUrl) return { opened: await openLocalSession({ packageRoot, log }), secrets };
  let resolved: ReturnType<typeof resolveTeamConnection>;
  try {
    const settings = { tlsMode: options.tlsMode ?? defaultTlsMode, caFile: options.caFile, passwordCommand: options.passwordCommand };
    resolved = resolveTeamConnection(options.databaseUrl, settings, process.env, (password) => secrets.push(password));
  } catch (err) {
    // A connection string that does not parse, or a CA file that cannot be read: the reason names no secret.
    throw new UserFacingError(`The team connection is not usable: ${(err as Error).message}.`);
  }
  if (resolved.password) secrets.push(resolved.password);
  await resolved.checkPassword();
  try {
    const opened = await openTeamSession({
      url: resolved.url,
      options: resolved.options,
      label: resolved.label,
      email: await resolveUserEmail(options.userEmail),
      migrationsFolder: join(packageRoot, 'migrations'),
      // The server never changes a team database's schema: VS Code's "Create Resource Tables" does, when asked.
      allowSchemaChanges: false,
      log,
    });
    return { opened, secrets };
  } catch (err) {
    if (err instanceof SetupNeeded) throw new UserFacingError(setupMessage(err, resolved.label));
    throw new UserFacingError(describeConnectionError(err, resolved.target, secrets).message);
  }
}

/** What to do, said for this command line rather than for VS Code's settings. */
function setupMessage(err: SetupNeeded, label: string): string {
  if (err.need.kind !== 'noUser') return err.message;
  return err.need.email
    ? `No user with the email ${err.need.email} exists in the team database ${label}. Pass the email you use in the chat app with --user-email (or AGENT_RESOURCES_USER_EMAIL).`
    : `Say who you are in the team database ${label}: pass the email you use in the chat app with --user-email (or AGENT_RESOURCES_USER_EMAIL).`;
}
