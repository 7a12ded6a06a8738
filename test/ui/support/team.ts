// A team Postgres for a UI test: a real server with the extension's tables and one member, and
// the settings and PG* variables a window needs to open its library (no connection string stored).
import { join } from 'node:path';
import { createDatabaseClient, type DatabaseClient } from '../../../src/db/client';
import { migrateDatabase } from '../../../src/db/migrate';
import { ensureUser } from '../../../src/db/queries';
import { startTeamServer, type TeamServer } from '../../support/teamServer';
import { root, type WorkbenchOptions } from './workbench';

export interface Team {
  server: TeamServer;
  /** The test's own connection, as the chat app or another member would write. */
  client: DatabaseClient;
  userId: string;
  email: string;
  /** A window on this team library as `email`. */
  workbench(extra?: WorkbenchOptions): WorkbenchOptions;
  stop(): Promise<void>;
}

export async function startTeam(email: string, label = 'ui-team'): Promise<Team> {
  const server = await startTeamServer(root);
  await migrateDatabase(server.url, join(root, 'migrations'));
  const client = createDatabaseClient(server.url, { max: 2 });
  const user = await ensureUser(client.db, email);
  return {
    server,
    client,
    userId: user.id,
    email,
    workbench: (extra = {}) => ({
      ...extra,
      settings: {
        'agentResources.storage.mode': 'team',
        'agentResources.userEmail': email,
        'agentResources.team.label': label,
        ...extra.settings,
      },
      env: {
        PGHOST: server.host,
        PGPORT: String(server.port),
        PGUSER: server.user,
        PGPASSWORD: server.password,
        PGDATABASE: server.database,
        PGSSLMODE: 'disable',
        ...extra.env,
      },
    }),
    async stop() {
      await client.close();
      await server.stop();
    },
  };
}
