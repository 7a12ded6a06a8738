// agent-resources-mcp (dist/mcp.js): the library as an MCP server on stdio. stdout carries the
// protocol only; every log line goes to stderr, with secrets removed.
import { join } from 'node:path';
// First: the library loads zod lazily (require()), so esbuild defers zod's evaluation to its first
// importer's turn, and the SDK's types call zod as they load without asking for it.
import '../db/validation';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { version } from '../../package.json';
import { errorMessage, redact } from '../common/redact';
import { UserFacingError } from '../common/userError';
import { changesAreNotified, listenForChanges, type ChangeFeed } from '../library/changeFeed';
import { Library, sessionRunner, type LibrarySession } from '../library/library';
import { openLibrary } from './connection';
import { parseArguments, usage } from './options';
import { createLibraryServer } from './server';

// dist/mcp.js sits in the package's dist/ (beside migrations/ and node_modules/); from source, two levels down.
const packageRoot = __filename.endsWith('.ts') ? join(__dirname, '..', '..') : join(__dirname, '..');
const secrets: string[] = [];
const log = (line: string) => process.stderr.write(`[agent-resources-mcp] ${redact(line, secrets)}\n`);

async function main(): Promise<void> {
  const parsed = parseArguments(process.argv.slice(2), process.env);
  if (parsed.kind !== 'serve') {
    if (parsed.kind === 'error') fail(parsed.message, 2);
    process.stdout.write(parsed.kind === 'help' ? usage : `${version}\n`);
    return;
  }
  const { options } = parsed;
  if (options.urlOnCommandLine && /^[^:]+:\/\/[^/@]*:[^/@]*@/.test(options.databaseUrl ?? '')) {
    log(
      'The --database-url holds a password, which other users of this machine can read in the process list: set AGENT_RESOURCES_DATABASE_URL instead.',
    );
  }
  const { opened } = await openLibrary(options, packageRoot, log, secrets);
  const { session } = opened;
  const library = new Library(sessionRunner(session));
  const server = createLibraryServer({ version, label: session.label, context: { library, userId: session.userId, log } });
  const feed = await followChanges(session, server);
  await server.connect(new StdioServerTransport());
  log(
    session.mode === 'local'
      ? 'Serving the local library on stdio'
      : `Serving the team library ${session.label} as ${session.email} on stdio`,
  );
  if (session.isolation === 'shared') {
    log("The team database is reached with a login its members share: members of this database can read each other's resources.");
  }
  stopWhenDone(async () => {
    await feed?.dispose();
    await server.close().catch(() => {});
    library.dispose();
    // Releases the local server: the last of its clients to go stops it.
    await opened.close();
  });
}

/** The client ends the session by closing our stdin (the SDK's client does so first, then signals): stop once, then exit. */
function stopWhenDone(stop: () => Promise<void>): void {
  let stopping = false;
  const stopFor = (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`Stopping: ${why}`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => fail(`Could not stop cleanly: ${errorMessage(err)}`),
    );
  };
  process.stdin.once('end', () => stopFor('the client closed stdin'));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => stopFor(signal));
}

/** prompts/list_changed whenever the library this user sees changes, whoever changed it. */
async function followChanges(session: LibrarySession, server: McpServer): Promise<ChangeFeed | undefined> {
  try {
    if (!(await changesAreNotified(session.client.sql))) {
      log(
        `Live updates are off: ${session.label} has no change trigger (migration 0005_change_notify); clients see changes when they list again.`,
      );
      return undefined;
    }
    // prompts/list holds the user's own prompts only: other users' public rows do not change it.
    const feed = await listenForChanges(session, { includePublic: false, log });
    feed.onDidChange(() => {
      if (server.isConnected())
        server.server.sendPromptListChanged().catch((err: unknown) => log(`Could not tell the client: ${errorMessage(err)}`));
    });
    return feed;
  } catch (err) {
    log(`Live updates are off: could not listen for changes (${errorMessage(err)})`);
    return undefined;
  }
}

function fail(message: string, code = 1): never {
  log(message);
  process.exit(code);
}

main().catch((err: unknown) => fail(err instanceof UserFacingError ? err.message : `Could not start: ${errorMessage(err)}`));
