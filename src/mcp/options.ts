// What the server is told to serve: flags first, then the environment. Pure.
import { tlsModes, type TlsMode } from '../library/teamConnection';

export interface ServerOptions {
  /** A team database; undefined: this OS user's local library. */
  databaseUrl?: string;
  userEmail?: string;
  tlsMode?: TlsMode;
  caFile?: string;
  /** Prints the password of each new connection (a cloud IAM token). */
  passwordCommand?: string;
  /** The URL came on the command line, where other users of the machine can read it (ps). */
  urlOnCommandLine: boolean;
}

export type ParsedArguments =
  { kind: 'serve'; options: ServerOptions } | { kind: 'help' } | { kind: 'version' } | { kind: 'error'; message: string };

const flags = {
  '--database-url': { key: 'databaseUrl', env: 'AGENT_RESOURCES_DATABASE_URL' },
  '--user-email': { key: 'userEmail', env: 'AGENT_RESOURCES_USER_EMAIL' },
  '--tls-mode': { key: 'tlsMode', env: 'AGENT_RESOURCES_TLS_MODE' },
  '--ca-file': { key: 'caFile', env: 'AGENT_RESOURCES_CA_FILE' },
  '--password-command': { key: 'passwordCommand', env: 'AGENT_RESOURCES_PASSWORD_COMMAND' },
} as const;
type Flag = keyof typeof flags;
type Key = (typeof flags)[Flag]['key'];

export const usage = `Usage: agent-resources-mcp [options]      (or: node dist/mcp.js [options])

An MCP server on stdio over your Agent Resources library: your prompts and workflows as
MCP prompts, and tools to search, get, save, use and fork resources. Logs go to stderr.

With no database URL it serves this OS user's local library (the one VS Code uses; its
server is started if none runs; AGENT_RESOURCES_HOME moves its folder).

Options (each also read from its environment variable; a flag wins):
  --database-url URL   AGENT_RESOURCES_DATABASE_URL   a team Postgres: postgres://user:password@host:5432/db
                       (prefer the variable: a URL on the command line is visible in the process list)
  --user-email EMAIL   AGENT_RESOURCES_USER_EMAIL     who you are in the team database
                       (default: git config user.email; unused with a login of your own)
  --tls-mode MODE      AGENT_RESOURCES_TLS_MODE       ${tlsModes.join(', ')} (default verify-full)
  --ca-file PATH       AGENT_RESOURCES_CA_FILE        CA certificate (PEM) that signed the server's
  --password-command C AGENT_RESOURCES_PASSWORD_COMMAND  prints the password of each new connection
                       (a cloud IAM token: aws rds generate-db-auth-token ...); the URL then has none
  -h, --help                                          this text
  --version                                           the version
`;

export function parseArguments(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArguments {
  const given: Partial<Record<Key, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg];
    if (!(name in flags)) return { kind: 'error', message: `Unknown option ${name}. Run with --help for the options.` };
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') return { kind: 'error', message: `${name} needs a value. Run with --help for the options.` };
    given[flags[name as Flag].key] = value;
  }
  const value = (flag: Flag) => given[flags[flag].key] ?? (env[flags[flag].env]?.trim() || undefined);
  const tlsMode = value('--tls-mode');
  if (tlsMode !== undefined && !(tlsModes as readonly string[]).includes(tlsMode)) {
    return { kind: 'error', message: `The TLS mode "${tlsMode}" is not one of ${tlsModes.join(', ')}.` };
  }
  return {
    kind: 'serve',
    options: {
      databaseUrl: value('--database-url'),
      userEmail: value('--user-email'),
      tlsMode: tlsMode as TlsMode | undefined,
      caFile: value('--ca-file'),
      passwordCommand: value('--password-command'),
      urlOnCommandLine: given.databaseUrl !== undefined,
    },
  };
}
