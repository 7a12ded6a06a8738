import assert from 'node:assert/strict';
import { userMessage } from '../../src/library/errors';
import type { Library, LibrarySession } from '../../src/library/library';
import { rejection, rejectsConflict, rejectsNotFound, rejectsValidation } from '../db/support/expect';
import { prompt, rawResource } from '../db/support/rows';
import { failOnUnhandledRejection } from '../db/support/unhandled';
import { ValidationError } from '../../src/db/errors';
import { parseSearchText, searchTextOf } from '../../src/library/searchText';
import { newLibrary, recordChanges } from './support';

const text = (content: unknown) => (content as { text: string }).text;

describe('Library: versions and tags (plain Node, real Postgres)', () => {
  failOnUnhandledRejection();
  let alice: Library;
  let aliceSession: LibrarySession;
  let bob: Library;

  before(async () => {
    ({ library: alice, session: aliceSession } = await newLibrary('alice'));
    ({ library: bob } = await newLibrary('bob'));
  });
  after(() => {
    alice.dispose();
    bob.dispose();
  });

  it('edit and save twice: three versions, newest first, each with its version and content', async () => {
    const r = await alice.save(prompt('Three versions', { content: { text: 'first' } }));
    const second = await alice.update(r.id, { content: { text: 'second' } }, r.updatedAt);
    await alice.update(r.id, { content: { text: 'third' } }, second.updatedAt, { note: 'clearer' });
    const { versions } = await alice.history(r.id);
    assert.deepEqual(
      versions.map((v) => [v.version, text(v.content), v.note]),
      [
        [3, 'third', 'clearer'],
        [2, 'second', null],
        [1, 'first', null],
      ],
    );
  });

  it('restore brings the first text back as a new version; an editor still holding the old text gets a conflict, not an overwrite', async () => {
    const r = await alice.save(prompt('Restored', { description: 'v1 description', content: { text: 'original' } }));
    const edited = await alice.update(r.id, { name: 'Restored, renamed', description: null, content: { text: 'rewritten' } }, r.updatedAt);
    const changes = recordChanges(alice);
    const restored = await alice.restoreVersion(r.id, 1);
    assert.deepEqual(changes, [{ kind: 'updated', resourceId: r.id, resourceType: 'prompt' }]);
    assert.deepEqual([restored.restored, restored.version, restored.changed], [1, 3, true]);
    assert.equal(text(restored.resource.content), 'original');
    assert.equal(restored.resource.name, 'Restored');
    assert.equal(restored.resource.description, 'v1 description');
    const [latest] = (await alice.history(r.id)).versions;
    assert.deepEqual([latest!.version, latest!.note], [3, 'Restored version 1']);
    // The editor that loaded version 2 saves: refused, and the restored text stays.
    await rejectsConflict(alice.update(r.id, { content: { text: 'stale edit' } }, edited.updatedAt));
    assert.equal((await rawResource(aliceSession.client.sql, r.id))!.content.text, 'original');
    const again = await alice.restoreVersion(r.id, 3);
    assert.deepEqual([again.version, again.changed], [3, false], 'restoring the current version changes nothing');
  });

  it('history and restore are isolated between users: Bob gets NotFound for Alice’s private and public resources, and changes nothing', async () => {
    const secret = await alice.save(prompt('Alice secret', { content: { text: 'v1' } }));
    const open = await alice.save(prompt('Alice public', { isPublic: true, content: { text: 'v1' } }));
    for (const r of [secret, open]) {
      await alice.update(r.id, { content: { text: 'v2' } });
      await rejectsNotFound(bob.history(r.id), 'resource');
      await rejectsNotFound(bob.version(r.id, 1), 'resource');
      await rejectsNotFound(bob.restoreVersion(r.id, 1), 'resource');
      await rejectsNotFound(bob.setTags(r.id, ['mine']), 'resource');
      const { versions } = await alice.history(r.id);
      assert.deepEqual(
        versions.map((v) => text(v.content)),
        ['v2', 'v1'],
      );
    }
    const message = userMessage(await rejection(bob.history(secret.id), Error));
    assert.match(message, /not found/i);
  });

  it('a version the history no longer keeps is a message that says why', async () => {
    const r = await alice.save(prompt('Short history'));
    const err = await rejection(alice.restoreVersion(r.id, 7), ValidationError);
    assert.match(userMessage(err), /^Version 7 is not in this resource's history \(older versions are pruned/);
  });

  it('setTags tells a change, and the list filters by the tag (own rows only)', async () => {
    const r = await alice.save(prompt('Tagged through the library'));
    const theirs = await bob.save(prompt('Bob, same tag', { isPublic: true }));
    await bob.setTags(theirs.id, ['shared-tag']);
    const changes = recordChanges(alice);
    assert.deepEqual(await alice.setTags(r.id, ['Shared-Tag', 'x']), ['shared-tag', 'x']);
    assert.deepEqual(changes, [{ kind: 'updated', resourceId: r.id }]);
    const page = await alice.list('mine', { tag: 'shared-tag' });
    assert.deepEqual(
      page.items.map((i) => [i.name, i.tags]),
      [['Tagged through the library', ['shared-tag', 'x']]],
    );
    const tags = await alice.tags();
    assert.ok(tags.some((t) => t.tag === 'shared-tag' && t.count === 1));
    const err = await rejection(alice.setTags(r.id, ['no spaces please']), ValidationError);
    assert.equal(userMessage(err), 'Tags must be one word each: “no spaces please” has a space (write “no-spaces-please”).');
  });

  it('export and import keep tags; an entry with a bad tag is skipped with the reason, the others arrive', async () => {
    const { library: source } = await newLibrary('export-tags');
    const { library: target } = await newLibrary('import-tags');
    try {
      const r = await source.save(prompt('Exported with tags', { content: { text: 'exported' } }));
      await source.setTags(r.id, ['docs', 'review']);
      const data = await source.export();
      assert.deepEqual(
        data.resources.map((e) => e.tags),
        [['docs', 'review']],
      );
      const withBad = { ...data, resources: [...data.resources, { ...data.resources[0]!, name: 'Bad tag', tags: ['two words'] }] };
      const report = await target.import(withBad);
      assert.equal(report.imported, 1);
      assert.deepEqual(
        report.skipped.map((s) => [s.name, s.reason]),
        [['Bad tag', 'tags: must be one word each: “two words” has a space (write “two-words”)']],
      );
      const { items } = await target.list('mine', {});
      assert.deepEqual(
        items.map((i) => [i.name, i.tags]),
        [['Exported with tags', ['docs', 'review']]],
      );
      assert.equal((await target.history(items[0]!.id)).versions.length, 1, 'an imported resource starts its history');
    } finally {
      source.dispose();
      target.dispose();
    }
  });

  it('the search box’s tag:name is the tag filter, checked like setTags; two tags or a bad one say what to do', () => {
    assert.deepEqual(parseSearchText('  review tag:Python  notes '), { search: 'review notes', tag: 'python' });
    assert.deepEqual(parseSearchText('no tag here'), { search: 'no tag here', tag: undefined });
    assert.match(parseSearchText('tag:a tag:b').problem ?? '', /one tag at a time/);
    assert.match(parseSearchText('tag:#x').problem ?? '', /^The tag may hold only letters, digits/);
    assert.equal(searchTextOf('review notes', 'python'), 'review notes tag:python');
  });

  it('list options check the tag like setTags does', async () => {
    await rejectsValidation(alice.list('mine', { tag: '#x' }), 'tag', /letters, digits/);
    await rejectsValidation(alice.list('mine', { tag: 'x', untagged: true }), 'untagged', /cannot ask for a tag and for untagged/);
  });
});
