import assert from 'node:assert/strict';
import { Emitter } from '../../src/common/events';
import type { Resource } from '../../src/db/schema';
import type { Library, LibrarySession } from '../../src/library/library';
import { LibraryModel, type ModelSources, type ViewSettings } from '../../src/model/libraryModel';
import { setTimestamps, agentConfig, prompt, workflow } from '../db/support/rows';
import { failOnUnhandledRejection } from '../db/support/unhandled';
import { gated, newLibrary, settle } from './support';

/** A model over a library, with settings the test changes and session/settings events it fires. */
function modelOf(library: Pick<Library, 'list' | 'onDidChange' | 'tags'>, initial: Partial<ViewSettings> = {}) {
  let settings: ViewSettings = { grouped: false, groupByTag: false, sort: 'updated', pageSize: 50, ...initial };
  const settingsChanged = new Emitter<unknown>();
  const sessionChanged = new Emitter<unknown>();
  const sources: ModelSources = {
    library,
    settings: () => settings,
    onDidChangeSettings: settingsChanged.event,
    onDidChangeSession: sessionChanged.event,
  };
  const model = new LibraryModel(sources);
  let changes = 0;
  model.onDidChange(() => changes++);
  return {
    model,
    changes: () => changes,
    change(next: Partial<ViewSettings>) {
      settings = { ...settings, ...next };
      settingsChanged.fire(undefined);
    },
    sessionChanged: () => sessionChanged.fire(undefined),
  };
}

const names = (list: { items: { name: string }[] }) => list.items.map((r) => r.name);
const ids = (list: { items: { id: string }[] }) => list.items.map((r) => r.id);

describe('LibraryModel over a real Library (plain Node, real Postgres)', () => {
  failOnUnhandledRejection();
  const libraries: Library[] = [];
  const models: LibraryModel[] = [];
  after(() => [...models, ...libraries].forEach((d) => d.dispose()));

  /** A new user's library holding these resources, oldest first (updated a second apart). */
  async function libraryWith(
    inputs: Parameters<Library['save']>[0][],
  ): Promise<{ library: Library; session: LibrarySession; saved: Resource[] }> {
    const { library, session } = await newLibrary('model');
    libraries.push(library);
    const saved: Resource[] = [];
    for (const input of inputs) saved.push(await library.save(input));
    for (const [i, r] of saved.entries()) {
      const at = new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString();
      await setTimestamps(session.client.sql, [r.id], { updatedAt: at, createdAt: at });
    }
    return { library, session, saved };
  }
  const track = <T extends { model: LibraryModel }>(m: T) => (models.push(m.model), m);

  describe('lists and settings', () => {
    it('grouped: one list per type with only that type; flat: one list with everything', async () => {
      const { library } = await libraryWith([prompt('P'), workflow('W'), agentConfig('A')]);
      const grouped = track(modelOf(library, { grouped: true })).model;
      assert.deepEqual(grouped.listKeys(), ['workflow', 'prompt', 'agent_config']);
      assert.deepEqual(names(await grouped.list('prompt')), ['P']);
      assert.deepEqual(names(await grouped.list('workflow')), ['W']);
      assert.deepEqual(names(await grouped.list('agent_config')), ['A']);
      const flat = track(modelOf(library, { grouped: false })).model;
      assert.deepEqual(flat.listKeys(), ['all']);
      assert.deepEqual(names(await flat.list('all')), ['A', 'W', 'P']);
    });

    it('a settings change of grouping or sort order is followed: the lists come again, in the new order, with no call', async () => {
      const { library } = await libraryWith([prompt('Charlie'), prompt('Alpha'), workflow('Bravo')]);
      const m = track(modelOf(library, { grouped: true, sort: 'updated' }));
      assert.deepEqual(names(await m.model.list('prompt')), ['Alpha', 'Charlie']);

      const before = m.changes();
      m.change({ grouped: false });
      assert.equal(m.changes(), before + 1, 'the views were told');
      assert.deepEqual(m.model.listKeys(), ['all']);
      assert.deepEqual(names(await m.model.list('all')), ['Bravo', 'Alpha', 'Charlie']);

      m.change({ sort: 'name' });
      assert.equal(m.model.filter.sort, 'name');
      assert.deepEqual(names(await m.model.list('all')), ['Alpha', 'Bravo', 'Charlie']);

      m.change({ grouped: true });
      assert.deepEqual(names(await m.model.list('prompt')), ['Alpha', 'Charlie']);
    });
  });

  describe('paging', () => {
    const five = ['1', '2', '3', '4', '5'].map((n) => prompt(`R${n}`));

    it('pageSize 2 over 5 resources: 2 and a cursor, then Load more appends 2, then 1, with no duplicates', async () => {
      const { library, saved } = await libraryWith(five);
      const { model } = track(modelOf(library, { pageSize: 2 }));
      const newestFirst = saved.map((r) => r.id).reverse();
      const first = await model.list('all');
      assert.deepEqual(ids(first), newestFirst.slice(0, 2));
      assert.ok(first.nextCursor);
      await model.loadMore('all');
      assert.deepEqual(ids(await model.list('all')), newestFirst.slice(0, 4));
      await model.loadMore('all');
      const last = await model.list('all');
      assert.deepEqual(ids(last), newestFirst);
      assert.equal(new Set(ids(last)).size, 5);
      assert.equal(last.nextCursor, undefined);
      await model.loadMore('all');
      assert.deepEqual(ids(await model.list('all')), newestFirst, 'past the end, nothing more');
    });

    it('two Load more at once append one page, not two (one query)', async () => {
      const { library, saved } = await libraryWith(five);
      const timing = gated(library);
      const { model } = track(modelOf(timing.source, { pageSize: 2 }));
      await model.list('all');
      const [a, b] = [model.loadMore('all'), model.loadMore('all')];
      assert.equal(a, b);
      await Promise.all([a, b]);
      assert.deepEqual(
        ids(await model.list('all')),
        saved
          .map((r) => r.id)
          .reverse()
          .slice(0, 4),
      );
      assert.equal(timing.calls.length, 2, 'the first page and one more');
    });
  });

  describe('races and failures', () => {
    it('issue 10: a page of my list that arrives after I switched to public resources is dropped; the list shows only public resources of others', async () => {
      const { library, session } = await libraryWith(['A', 'B', 'C'].map((n) => prompt(`Mine ${n}`)));
      const { library: otherLibrary } = await newLibrary('publisher');
      libraries.push(otherLibrary);
      await otherLibrary.save(prompt('Theirs, public', { isPublic: true }));
      await library.save(prompt('Mine, public', { isPublic: true }));
      const timing = gated(library);
      const { model } = track(modelOf(timing.source, { pageSize: 2 }));
      assert.ok((await model.list('all')).nextCursor, 'my list has a second page');

      const gate = timing.hold();
      const more = model.loadMore('all');
      await gate.arrived; // my second page is being fetched
      model.setFilter({ scope: 'public' });
      const publicList = model.list('all');
      gate.open();
      await Promise.all([more, publicList]);

      const shown = await model.list('all');
      assert.deepEqual(
        shown.items.filter((r) => r.userId === session.userId).map((r) => r.name),
        [],
        'none of my own resources is shown',
      );
      assert.deepEqual(
        shown.items.filter((r) => !r.isPublic).map((r) => r.name),
        [],
        'no private resource is shown',
      );
      assert.ok(
        shown.items.some((r) => r.name === 'Theirs, public'),
        "the other user's public resource is shown",
      );
      assert.deepEqual(
        timing.calls.map((c) => [c.scope, Boolean(c.options.cursor)]),
        [
          ['mine', false],
          ['mine', true],
          ['public', false],
        ],
      );
    });

    it('a first page that failed is forgotten: the next request asks again and gets the list', async () => {
      const { library } = await libraryWith([prompt('Only')]);
      const timing = gated(library);
      const { model } = track(modelOf(timing.source));
      const gate = timing.hold();
      const failed = model.list('all');
      await gate.arrived;
      gate.fail(new Error('connection lost'));
      await assert.rejects(failed, /connection lost/);
      await settle();
      const retried = model.list('all');
      assert.notEqual(retried, failed);
      assert.deepEqual(names(await retried), ['Only']);
      assert.equal(timing.calls.length, 2);
    });

    it('the failure of a request made before invalidate() does not forget the newer request made after it', async () => {
      const { library } = await libraryWith([prompt('Newer')]);
      const timing = gated(library);
      const { model } = track(modelOf(timing.source));
      const oldGate = timing.hold();
      const old = model.list('all');
      await oldGate.arrived;
      model.invalidate();
      const newGate = timing.hold();
      const newer = model.list('all');
      await newGate.arrived;
      oldGate.fail(new Error('cut off'));
      await assert.rejects(old, /cut off/);
      await settle();
      assert.equal(model.list('all'), newer, 'the newer request is still the list');
      newGate.open();
      assert.deepEqual(names(await newer), ['Newer']);
      assert.equal(timing.calls.length, 2, 'no third request');
    });
  });

  describe('change events', () => {
    it('a save in the library invalidates the model: it tells the views, and the next list has the new resource', async () => {
      const { library } = await libraryWith([prompt('Before')]);
      const m = track(modelOf(library));
      assert.deepEqual(names(await m.model.list('all')), ['Before']);
      const before = m.changes();
      const saved = await library.save(prompt('After'));
      assert.equal(m.changes(), before + 1);
      const shown = await m.model.list('all');
      assert.deepEqual(names(shown), ['After', 'Before']);
      assert.equal(shown.items[0]!.id, saved.id);
    });

    it('grouped by type, a save refetches only its type: the change names that list, the others are not asked again', async () => {
      const { library } = await libraryWith([prompt('Old prompt'), workflow('Old workflow')]);
      const timing = gated(library);
      const m = track(modelOf(timing.source, { grouped: true }));
      const told: (readonly string[] | undefined)[] = [];
      m.model.onDidChange((keys) => told.push(keys));
      for (const key of m.model.listKeys()) await m.model.list(key);
      const asked = timing.calls.length;
      await library.save(prompt('New prompt'));
      assert.deepEqual(told, [['prompt']]);
      assert.deepEqual(names(await m.model.list('prompt')), ['New prompt', 'Old prompt']);
      assert.deepEqual(names(await m.model.list('workflow')), ['Old workflow']);
      assert.equal(timing.calls.length, asked + 1, 'one query: the prompts');
      // Anything else (a delete here) is the whole model again.
      await library.delete((await m.model.list('workflow')).items[0]!.id);
      assert.deepEqual(told.at(-1), undefined);
      assert.equal(told.length, 2);
      assert.deepEqual(names(await m.model.list('workflow')), []);
    });

    it('a session change (another database, offline) invalidates the model too', async () => {
      const { library } = await libraryWith([prompt('Here')]);
      const timing = gated(library);
      const m = track(modelOf(timing.source));
      await m.model.list('all');
      const before = m.changes();
      m.sessionChanged();
      assert.equal(m.changes(), before + 1);
      await m.model.list('all');
      assert.equal(timing.calls.length, 2, 'the list was fetched again');
    });
  });

  describe('tags', () => {
    it('the tag filter narrows every list; the tag mode lists a group per tag with its count, then Untagged', async () => {
      const { library, saved } = await libraryWith([prompt('Tagged P'), workflow('Tagged W'), prompt('Plain')]);
      await library.setTags(saved[0]!.id, ['docs', 'review']);
      await library.setTags(saved[1]!.id, ['docs']);
      const m = track(modelOf(library, { grouped: true }));
      m.model.setFilter({ tag: 'docs' });
      assert.ok(m.model.isFiltered);
      assert.deepEqual(names(await m.model.list('prompt')), ['Tagged P']);
      assert.deepEqual(names(await m.model.list('workflow')), ['Tagged W']);
      m.model.setFilter({ tag: undefined });

      m.change({ groupByTag: true });
      assert.equal(m.model.groupMode, 'tag');
      assert.deepEqual(await m.model.tagGroups(), [
        { key: 'tag:docs', tag: 'docs', count: 2 },
        { key: 'tag:review', tag: 'review', count: 1 },
        { key: 'untagged', tag: null, count: undefined },
      ]);
      assert.deepEqual(names(await m.model.list('tag:docs')), ['Tagged W', 'Tagged P']);
      assert.deepEqual(names(await m.model.list('untagged')), ['Plain']);
      m.model.setFilter({ tag: 'review' });
      assert.deepEqual(await m.model.tagGroups(), [{ key: 'tag:review', tag: 'review', count: 1 }], 'only the filtered tag');
      m.model.setFilter({ scope: 'public' });
      assert.equal(m.model.groupMode, 'type', 'other users’ tags are theirs: public browsing is grouped by type');
    });

    it('a setTags in the library makes the groups come again', async () => {
      const { library, saved } = await libraryWith([prompt('Soon tagged')]);
      const m = track(modelOf(library, { groupByTag: true }));
      assert.deepEqual(await m.model.tagGroups(), [{ key: 'untagged', tag: null, count: undefined }]);
      await library.setTags(saved[0]!.id, ['fresh']);
      assert.deepEqual(
        (await m.model.tagGroups()).map((g) => g.key),
        ['tag:fresh', 'untagged'],
      );
    });
  });
});
