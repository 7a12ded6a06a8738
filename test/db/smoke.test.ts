import assert from 'node:assert/strict';
import { createResource, getUserResources } from '../../src/db/queries';
import { newUser, sharedDatabase } from './support/database';

describe('smoke', () => {
  it('creates and lists a resource', async () => {
    const { client } = await sharedDatabase();
    const userId = await newUser(client);
    const created = await createResource(client.db, userId, { name: ' Hello ', resourceType: 'prompt', content: { text: 'hi' } });
    assert.equal(created.name, 'Hello');
    const page = await getUserResources(client.db, userId);
    assert.deepEqual(page.items.map((r) => r.id), [created.id]);
  });
});
