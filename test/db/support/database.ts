import { join } from 'node:path';
import { createDatabaseClient, type DatabaseClient } from '../../../src/db/client';
import { migrateDatabase } from '../../../src/db/migrate';
import { ensureUser } from '../../../src/db/users';
import { createDatabase, startEmbeddedPostgres, uniqueName, type TestServer } from '../../support/embedded-postgres';

export const migrationsFolder = join(__dirname, '..', '..', '..', 'migrations');

let server: TestServer | undefined;
let adminUrl: string | undefined;
const cleanups: (() => Promise<void>)[] = [];

/** The server under test: TEST_DATABASE_URL when set, else an embedded Postgres started for this run. */
export async function serverAdminUrl(): Promise<string> {
  if (adminUrl) return adminUrl;
  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    server = await startEmbeddedPostgres();
    adminUrl = server.adminUrl;
  }
  return adminUrl;
}

/** A new empty database on the server under test, dropped when the run ends. */
export async function freshDatabase(prefix = 'ar_test'): Promise<string> {
  const created = await createDatabase(await serverAdminUrl(), uniqueName(prefix));
  cleanups.push(created.drop);
  return created.url;
}

let shared: { url: string; client: DatabaseClient } | undefined;

/** One migrated database shared by the suite; tests keep apart by using their own users. */
export async function sharedDatabase(): Promise<{ url: string; client: DatabaseClient }> {
  if (shared) return shared;
  const url = await freshDatabase();
  await migrateDatabase(url, migrationsFolder);
  const client = createDatabaseClient(url, { max: 10 });
  cleanups.push(() => client.close());
  shared = { url, client };
  return shared;
}

export async function newUser(client: DatabaseClient, label = 'user'): Promise<string> {
  const user = await ensureUser(client.db, `${uniqueName(label)}@example.com`);
  return user.id;
}

export async function stopAll(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  cleanups.length = 0;
  shared = undefined;
  await server?.stop();
  server = undefined;
  adminUrl = undefined;
}
