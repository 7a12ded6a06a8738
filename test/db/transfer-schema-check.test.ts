import assert from 'node:assert/strict';
import postgres from 'postgres';
import type { DatabaseClient } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { createResource, getUserResources } from '../../src/db/queries';
import { checkSchema } from '../../src/db/schemaCheck';
import { exportFormat, exportLibrary, importLibrary } from '../../src/db/transfer';
import { rejectsValidation } from './support/expect';
import { freshDatabase, migrationsFolder, newUser, sharedDatabase } from './support/database';
import { agentConfig, prompt, unchangedBy, workflow } from './support/rows';

describe('export and import of a library', () => {
  let client: DatabaseClient;
  before(async () => {
    ({ client } = await sharedDatabase());
  });

  it('an exported library imports into another user’s library with the same resources; a second import adds nothing', async () => {
    const from = await newUser(client, 'exporter');
    const to = await newUser(client, 'importer');
    await createResource(client.db, from, prompt('P', { description: 'd', pinned: true }));
    await createResource(client.db, from, workflow('W', { isPublic: true }));
    await createResource(client.db, from, agentConfig('A'));
    const exported = JSON.parse(JSON.stringify(await exportLibrary(client.db, from)));
    assert.equal(exported.format, exportFormat);
    assert.equal(exported.resources.length, 3);

    assert.deepEqual(await importLibrary(client.db, to, exported), { imported: 3, updated: 0, unchanged: 0, skipped: [] });
    const shape = (items: { name: string; description: string | null; resourceType: string; isPublic: boolean; pinned: boolean }[]) =>
      items.map((r) => [r.name, r.description, r.resourceType, r.isPublic, r.pinned]).sort();
    assert.deepEqual(shape((await getUserResources(client.db, to)).items), shape((await getUserResources(client.db, from)).items));
    assert.deepEqual(await importLibrary(client.db, to, exported), { imported: 0, updated: 0, unchanged: 3, skipped: [] });
    assert.equal((await getUserResources(client.db, to)).items.length, 3);
    assert.equal((await getUserResources(client.db, from)).items.length, 3, 'the exporter’s library is untouched');
  });

  it('entries that break a rule are skipped with the reason, the others are imported', async () => {
    const to = await newUser(client, 'importer');
    const report = await importLibrary(client.db, to, {
      format: exportFormat,
      version: 1,
      resources: [
        { name: 'Good', resourceType: 'prompt', content: { text: 'ok' } },
        { name: '   ', resourceType: 'prompt', content: { text: 'ok' } },
        { name: 'No steps', resourceType: 'workflow', content: { steps: [] } },
        { name: 'Odd type', resourceType: 'tool', content: {} },
      ],
    });
    assert.equal(report.imported, 1);
    assert.deepEqual(
      report.skipped.map((s) => [s.index, s.reason.split(':')[0]]),
      [
        [1, 'name'],
        [2, 'content.steps'],
        [3, 'resourceType'],
      ],
    );
    assert.deepEqual(
      (await getUserResources(client.db, to)).items.map((r) => r.name),
      ['Good'],
    );
  });

  it('a file that is not a library export is a ValidationError and imports nothing', async () => {
    const to = await newUser(client, 'importer');
    await unchangedBy(client.sql, [to], () =>
      rejectsValidation(importLibrary(client.db, to, { resources: [] }), 'format', /Export Library/),
    );
    await unchangedBy(client.sql, [to], () =>
      rejectsValidation(importLibrary(client.db, to, { format: exportFormat, version: 2, resources: [] }), 'version', /must be 1/),
    );
  });
});

describe('checkSchema', () => {
  it('says "missing" for an empty database, "ready" after migrating, and names a missing column', async () => {
    const url = await freshDatabase('ar_check');
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      assert.deepEqual(await checkSchema(sql, migrationsFolder), { state: 'missing' });
      await migrateDatabase(url, migrationsFolder);
      assert.deepEqual(await checkSchema(sql, migrationsFolder), { state: 'ready' });
      // Cascade: the triggers that copy the pin into resource_tag depend on the column.
      await sql`alter table resource drop column pinned cascade`;
      await sql`drop table resource_share cascade`;
      assert.deepEqual(await checkSchema(sql, migrationsFolder), {
        state: 'incomplete',
        missing: ['column "resource.pinned"', 'table "resource_share"'],
      });
    } finally {
      await sql.end();
    }
  });
});
