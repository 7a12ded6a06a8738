import assert from 'node:assert/strict';
import { visibleName } from '../../src/db/validation';
import { exportFormat } from '../../src/db/transfer';
import { safeFileName } from '../../src/editor/documentFormat';
import { importFileBytes, importSizeProblem, publicEntryCount, type ImportFile } from '../../src/library/importFiles';
import { Library, sessionRunner, type LibrarySession } from '../../src/library/library';
import { failOnUnhandledRejection } from '../db/support/unhandled';
import { librarySession } from './support';

/** An Export Library file with one public and one private resource. */
const exported = (tag: string): ImportFile => ({
  path: 'agent-resources.json',
  text: JSON.stringify({
    format: exportFormat,
    version: 1,
    resources: [
      { name: `Published ${tag}`, resourceType: 'prompt', content: { text: 'p' }, isPublic: true },
      { name: `Mine ${tag}`, resourceType: 'prompt', content: { text: 'm' }, isPublic: false },
    ],
  }),
});

describe('import: never publishes to a team without asking, never reads a huge file, and skips names that hide characters', () => {
  failOnUnhandledRejection();

  /** The user's rows as stored: name and whether others see it. */
  const stored = async (session: LibrarySession) =>
    (
      await session.client.sql<{ name: string; is_public: boolean }[]>`
      select name, is_public from resource where user_id = ${session.userId} order by name`
    ).map((r) => [r.name, r.is_public]);

  const libraryIn = async (mode: 'local' | 'team') => {
    const session = { ...(await librarySession(`import-${mode}`)), mode };
    return { session, library: new Library(sessionRunner(session)) };
  };

  it('into a team database, public entries arrive private unless keepPublic is said; the report counts them', async () => {
    const { session, library } = await libraryIn('team');
    const report = await library.importFiles([exported('a')]);
    assert.equal(report.imported, 2);
    assert.equal(report.madePrivate, 1);
    assert.deepEqual(await stored(session), [
      ['Mine a', false],
      ['Published a', false],
    ]);
    const json = await library.import(JSON.parse(exported('b').text));
    assert.equal(json.madePrivate, 1, 'the JSON import (library.import) keeps them private too');
    const confirmed = await library.importFiles([exported('c')], { keepPublic: true });
    assert.equal(confirmed.madePrivate, undefined);
    assert.deepEqual(
      (await stored(session)).filter(([name]) => String(name).endsWith(' c')),
      [
        ['Mine c', false],
        ['Published c', true],
      ],
    );
    library.dispose();
  });

  it('into the local library, the flag is kept (nobody else can see it)', async () => {
    const { session, library } = await libraryIn('local');
    const report = await library.importFiles([exported('l')]);
    assert.equal(report.madePrivate, undefined);
    assert.deepEqual(await stored(session), [
      ['Mine l', false],
      ['Published l', true],
    ]);
    library.dispose();
  });

  it('publicEntryCount tells the command whether to ask: entries marked public, not invalid ones', () => {
    assert.equal(publicEntryCount([exported('x')]), 1);
    assert.equal(publicEntryCount([{ path: 'a.prompt.md', text: 'Hi' }]), 0);
  });

  it('a file over the cap is refused by size with what to do; in a folder it is one skipped entry and the rest imports', async () => {
    const problem = importSizeProblem('huge.json', importFileBytes + 1);
    assert.match(problem ?? '', /^huge\.json is 20\.1 MB: Import reads files of at most 20 MB\. Split it into smaller files/);
    assert.equal(importSizeProblem('ok.json', importFileBytes), undefined, 'the cap itself is allowed');
    assert.match(importSizeProblem('big.csv', 31.5 * 1024 * 1024) ?? '', /^big\.csv is 31\.5 MB:/);
    const { session, library } = await libraryIn('local');
    const big = 'x'.repeat(importFileBytes + 10);
    await assert.rejects(
      library.importFiles([{ path: 'big.prompt.md', text: big }]),
      /big\.prompt\.md is 20\.1 MB: Import reads files of at most 20 MB/,
    );
    const report = await library.importFiles([
      { path: 'folder/huge.csv', text: '', problem: importSizeProblem('folder/huge.csv', 64 * 1024 * 1024) },
      { path: 'folder/fine.prompt.md', text: 'Fine text' },
    ]);
    assert.equal(report.imported, 1);
    assert.deepEqual(
      report.skipped.map((s) => [s.source, s.reason.slice(0, 61)]),
      [['folder/huge.csv', 'folder/huge.csv is 64 MB: Import reads files of at most 20 MB']],
    );
    assert.deepEqual((await stored(session)).length, 1);
    library.dispose();
  });

  it('an entry whose name hides a character is skipped with the character named; the others import', async () => {
    const { session, library } = await libraryIn('local');
    const text = 'act,prompt,for_devs,type,contributor\n"Good",Be good,FALSE,TEXT,a\n"Adm\u200bin",Pose,FALSE,TEXT,b\n';
    const report = await library.importFiles([{ path: 'prompts.csv', text }]);
    assert.equal(report.imported, 1);
    assert.equal(report.skipped.length, 1);
    assert.match(report.skipped[0]!.reason, /^name: must not contain U\+200B \(zero-width space\), an invisible character .*delete it/);
    assert.deepEqual(await stored(session), [['Good', false]]);
    library.dispose();
  });

  it('a stored name with such characters (written by the chat app) is shown with them visible, in the tree label and the tab title', () => {
    assert.equal(visibleName('invoice\u202egpj.exe'), 'invoice⟨U+202E⟩gpj.exe');
    assert.equal(visibleName('\u2066admin\u2069 \u200b\u00ad'), '⟨U+2066⟩admin⟨U+2069⟩ ⟨U+200B⟩⟨U+00AD⟩');
    assert.equal(visibleName('👩\u200d👩\u200d👧 family'), '👩\u200d👩\u200d👧 family', 'emoji keep their joiners');
    assert.equal(safeFileName('invoice\u202egpj.exe'), 'invoice⟨U+202E⟩gpj.exe');
    assert.equal(safeFileName('a/b\tc'), 'a_b⟨U+0009⟩c');
  });
});
