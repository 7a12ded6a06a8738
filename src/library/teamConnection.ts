import type { ConnectionOptions } from '../db/client';
import type { ConnectionTarget } from './connectionErrors';
import { neverRejecting, passwordFromCommand } from './passwordCommand';
import { saslPrep } from './saslPrep';

import { requestedTlsMode, transportOptions, type TlsMode } from './transport';

export { tlsModes, type TlsMode } from './transport';

export interface TeamSettings {
  tlsMode: TlsMode;
  caFile?: string;
  /** Prints the password of each new connection (a cloud IAM token); the connection string's is then not used. */
  passwordCommand?: string;
}

/** `${env:NAME}` in a setting becomes that environment variable (empty when unset). */
export function expandEnv(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
}

export interface ResolvedTeamConnection {
  /** Undefined: postgres.js takes host, user, password... from the PG* environment variables. */
  url: string | undefined;
  options: ConnectionOptions;
  target: ConnectionTarget;
  /** Host label for the status bar: never the password. */
  label: string;
  password: string | undefined;
  /** Runs the password command (when there is one) and throws its failure, said for the user: call it before connecting. */
  checkPassword: () => Promise<void>;
}

/**
 * Builds the driver's options from a connection string (from SecretStorage) or, without one,
 * the PG* environment variables. TLS verifies the server unless the user says otherwise, and
 * is off only for a server on this machine (transport.ts).
 */
export function resolveTeamConnection(
  url: string | undefined,
  settings: TeamSettings,
  env: NodeJS.ProcessEnv = process.env,
  /** Told each password a password command prints, to keep it out of logs. */
  onPassword?: (password: string) => void,
): ResolvedTeamConnection {
  const parsed = url ? parseConnectionString(url) : undefined;
  const host = parsed ? decodeURIComponent(parsed.hostname) || 'localhost' : (env.PGHOST ?? 'localhost');
  const port = parsed ? Number(parsed.port || 5432) : Number(env.PGPORT ?? 5432);
  const user = parsed ? decodeURIComponent(parsed.username) : env.PGUSER;
  const database = parsed ? decodeURIComponent(parsed.pathname.slice(1)) || user : (env.PGDATABASE ?? user);
  const fromCommand = settings.passwordCommand ? passwordFromCommand(settings.passwordCommand, { onPassword }) : undefined;
  const password = fromCommand ? undefined : parsed ? decodeURIComponent(parsed.password) : env.PGPASSWORD;
  // The connection string's own TLS words win over the setting (both are the user's, neither a workspace's).
  const mode = requestedTlsMode(parsed?.searchParams.get('sslmode') ?? env.PGSSLMODE) ?? settings.tlsMode;
  const rootCert = parsed?.searchParams.get('sslrootcert') ?? env.PGSSLROOTCERT;
  const caFile = rootCert ? expandEnv(rootCert, env) : settings.caFile ? expandEnv(settings.caFile, env) : undefined;
  const transport = transportOptions({ mode, caFile, host, port });
  const pooler = poolerSaid(parsed?.searchParams.get('pgbouncer'));
  // None goes to the server as a startup parameter.
  for (const name of ['sslmode', 'sslrootcert', 'pgbouncer']) parsed?.searchParams.delete(name);
  if (fromCommand && parsed) parsed.password = '';
  const credentials = {
    ...driverCredentials(parsed, database, password),
    ...(fromCommand ? { pass: neverRejecting(fromCommand, saslPrep) } : {}),
  };
  return {
    url: parsed?.toString(),
    options: { ...transport, ...credentials, ...pooler },
    target: { host, port, user, database },
    label: `${host}${port === 5432 ? '' : `:${port}`}${database ? `/${database}` : ''}`,
    password: password || undefined,
    checkPassword: async () => {
      await fromCommand?.();
    },
  };
}

/**
 * What postgres.js would get wrong on its own: it sends the URL's database name still
 * percent-encoded ("team%20db"), and the password as typed where Postgres checks a SCRAM proof
 * of the SASLprep'd password (a no-break space, a decomposed ö, full-width letters).
 */
function driverCredentials(parsed: URL | undefined, database: string | undefined, password: string | undefined) {
  return {
    ...(parsed && database && parsed.pathname.length > 1 ? { database } : {}),
    ...(password ? { pass: saslPrep(password) } : {}),
  };
}

/**
 * `pgbouncer=true` (Prisma's word for it): a transaction pooler is in between, so no statement is
 * prepared; `pgbouncer=false`: none is (prepared statements, live refresh). Absent: session.ts detects it.
 */
function poolerSaid(value: string | null | undefined): { prepare?: boolean } {
  return value === 'true' || value === 'false' ? { prepare: value === 'false' } : {};
}

/** A readable reason when the text is not a postgres:// URL; names no secret. */
export function connectionStringProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return 'Enter a connection string such as postgres://user:password@host:5432/database';
  if (!/^postgres(ql)?:\/\//i.test(trimmed)) return 'A connection string starts with postgres:// or postgresql://';
  const hostPort = /^postgres(?:ql)?:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(trimmed)?.[1] ?? '';
  const port = /:(\d*)$/.exec(hostPort.replace(/^\[[^\]]*\]/, ''))?.[1];
  if (port !== undefined && !(Number(port) > 0 && Number(port) < 65536)) return 'The port must be a number from 1 to 65535';
  try {
    const url = new URL(trimmed);
    if (!url.hostname) return 'The connection string has no host: postgres://user:password@HOST:5432/database';
    // User, password, host and database are percent-decoded when connecting: each must decode.
    for (const part of [url.username, url.password, url.hostname, url.pathname.slice(1)]) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(part);
      } catch {
        return 'The connection string has a % that does not start a valid escape such as %40 (write a % itself as %25)';
      }
      if (decoded.includes('\u0000')) return 'The connection string must not contain a NUL character (%00)';
    }
    const pooler = url.searchParams.get('pgbouncer');
    if (pooler !== null && pooler !== 'true' && pooler !== 'false') {
      return 'pgbouncer= in the connection string takes true (a transaction pooler such as PgBouncer is in between) or false';
    }
    return undefined;
  } catch {
    return 'The connection string is not a valid URL (special characters in the password must be percent-encoded, e.g. @ as %40)';
  }
}

/** What the Connect command asks for when the user enters the connection's parts one by one. */
export interface ConnectionParts {
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
}

/** The connection string of those parts, each percent-encoded, so any character reaches the server as typed. */
export function connectionStringFromParts({ host, port, database, user, password }: ConnectionParts): string {
  const auth = user ? `${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@` : '';
  return `postgres://${auth}${host.includes(':') ? `[${host}]` : host}:${port}/${encodeURIComponent(database)}`;
}

function parseConnectionString(url: string): URL {
  const problem = connectionStringProblem(url);
  if (problem) throw new Error(problem);
  return new URL(url.trim());
}
