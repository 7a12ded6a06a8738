import assert from 'node:assert/strict';
import { createDatabaseClient, type DatabaseClient } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { createResource } from '../../src/db/queries';
import { ensureLocalUser, ensureUser, findUserByEmail, localUserEmail } from '../../src/db/users';
import { freshDatabase, migrationsFolder } from './support/database';

describe('the local library user (no email needed)', () => {
  let client: DatabaseClient;
  beforeEach(async () => {
    const url = await freshDatabase('ar_local_user');
    await migrateDatabase(url, migrationsFolder);
    client = createDatabaseClient(url, { max: 4 });
  });
  afterEach(() => client.close());

  it('the fallback identity passes our own email validation', async () => {
    assert.equal(await findUserByEmail(client.db, localUserEmail), null);
    assert.equal((await ensureUser(client.db, localUserEmail)).email, localUserEmail);
  });

  it('a new library gets one local user, the same row on every start, even with windows starting at once', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => ensureLocalUser(client.db)));
    assert.equal(new Set(users.map((u) => u.id)).size, 1);
    assert.equal(users[0]!.email, localUserEmail);
    assert.deepEqual(await ensureLocalUser(client.db), users[0]);
  });

  it('a library made by an earlier version (one user per git email) keeps the user who owns its resources', async () => {
    const other = await ensureUser(client.db, 'old-laptop@example.com');
    const owner = await ensureUser(client.db, 'me@example.com');
    await createResource(client.db, owner.id, { name: 'Mine', resourceType: 'prompt', content: { text: 'kept' } });
    assert.notEqual(other.id, owner.id);
    assert.equal((await ensureLocalUser(client.db)).id, owner.id);
    assert.equal(await findUserByEmail(client.db, localUserEmail), null, 'no new user was made');
  });
});
