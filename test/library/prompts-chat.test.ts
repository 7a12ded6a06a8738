import assert from 'node:assert/strict';
import { UserFacingError } from '../../src/common/userError';
import { csvField, parseCsv } from '../../src/library/csv';
import type { Library, LibrarySession } from '../../src/library/library';
import { rejection } from '../db/support/expect';
import { failOnUnhandledRejection } from '../db/support/unhandled';
import { newLibrary, recordChanges } from './support';

// prompts.chat's prompts.csv (https://github.com/f/prompts.chat/blob/main/prompts.csv): a header
// `act,prompt,for_devs,type,contributor`, then one prompt a row, quoted where a field needs it.
const header = 'act,prompt,for_devs,type,contributor';
const row = (act: string, prompt: string, forDevs = 'FALSE', type = 'TEXT', contributor = 'f') =>
  [act, prompt, forDevs, type, contributor].map(csvField).join(',');

describe('CSV (RFC 4180)', () => {
  it('quoted commas, doubled quotes, line breaks inside fields, empty fields', () => {
    const text = 'a,b,c\n"x, y","say ""hi""","line 1\nline 2"\n,,\n';
    assert.deepEqual(
      parseCsv(text).map((r) => r.fields),
      [
        ['a', 'b', 'c'],
        ['x, y', 'say "hi"', 'line 1\nline 2'],
        ['', '', ''],
      ],
    );
  });

  it('CRLF, a byte order mark, no final line break; CRLF inside a quoted field is kept as written', () => {
    const text = '\uFEFFact,prompt\r\nA,"one\r\ntwo"\r\nB,three';
    const records = parseCsv(text);
    assert.deepEqual(
      records.map((r) => [r.fields, r.line]),
      [
        [['act', 'prompt'], 1],
        [['A', 'one\r\ntwo'], 2],
        [['B', 'three'], 4],
      ],
    );
  });

  it('a row with text after its closing quote is an error of that row only; the next rows read on', () => {
    const records = parseCsv('a,b\n"bad"x,1\nok,2\n');
    assert.match(records[1]!.error!, /field 1 has text after its closing quote/);
    assert.deepEqual(records[2], { fields: ['ok', '2'], line: 3 });
  });

  it('a quote that is never closed is an error naming the line it opened on', () => {
    const records = parseCsv('a,b\nx,"never\nclosed\n');
    assert.match(records[1]!.error!, /starts on line 2 is never closed/);
  });

  it('csvField quotes what needs it and reads back the same', () => {
    const values = ['plain', 'a,b', 'say "x"', 'two\nlines', '', 'ünï ✓'];
    const [record] = parseCsv(values.map(csvField).join(','));
    assert.deepEqual(record!.fields, values);
  });
});

describe('prompts.chat CSV import (plain Node, real Postgres)', () => {
  failOnUnhandledRejection();
  let library: Library;
  let session: LibrarySession;
  beforeEach(async () => ({ library, session } = await newLibrary('csv')));
  afterEach(() => library.dispose());

  const prompts = async () =>
    session.client.sql<{ name: string; content: Record<string, unknown> }[]>`
      select name, content from resource where user_id = ${session.userId} order by name`;

  it('a row is a prompt named after act, its text the prompt, the other columns in the content; ${x:default} renders', async () => {
    const text = [
      header,
      row('Job Interviewer', 'I will be the candidate for the ${Position:Software Developer} position. My first sentence is "Hi"', 'FALSE'),
      row('Linux Terminal', 'Reply with the terminal output, in one block:\n```\npwd\n```', 'TRUE', 'TEXT', 'f,iltekin'),
    ].join('\r\n');
    const changes = recordChanges(library);
    const report = await library.importFiles([{ path: 'prompts.csv', text }]);
    assert.deepEqual(report, { imported: 2, updated: 0, unchanged: 0, skipped: [] });
    assert.deepEqual(changes, [{ kind: 'imported' }]);
    const [interviewer, terminal] = await prompts(); // by name
    assert.deepEqual(interviewer, {
      name: 'Job Interviewer',
      content: {
        text: 'I will be the candidate for the ${Position:Software Developer} position. My first sentence is "Hi"',
        for_devs: false,
        type: 'TEXT',
        contributor: 'f',
      },
    });
    assert.deepEqual(terminal!.content, {
      text: 'Reply with the terminal output, in one block:\n```\npwd\n```',
      for_devs: true,
      type: 'TEXT',
      contributor: 'f,iltekin',
    });
    const stored = await library.list('mine', { search: 'Job Interviewer' });
    assert.equal(
      library.render(await library.require(stored.items[0]!.id)),
      'I will be the candidate for the Software Developer position. My first sentence is "Hi"',
    );
  });

  it('1,500 rows in one transaction, with progress, in under 2 s; a second import adds nothing', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => row(`Act ${i}`, `Prompt ${i}, with "quotes", commas\nand a line break`));
    const text = `\uFEFF${[header, ...rows].join('\r\n')}\r\n`;
    const told: [number, number][] = [];
    const started = performance.now();
    const report = await library.importFiles([{ path: 'prompts.csv', text }], { onProgress: (done, total) => told.push([done, total]) });
    const elapsed = performance.now() - started;
    assert.deepEqual(report, { imported: 1500, updated: 0, unchanged: 0, skipped: [] });
    assert.ok(elapsed < 2000, `took ${Math.round(elapsed)} ms`);
    assert.deepEqual(told.at(-1), [1500, 1500]);
    assert.ok(
      told.every(([done], i) => i === 0 || done >= told[i - 1]![0]),
      'progress only goes forward',
    );
    const [{ transactions, count }] = (await session.client.sql`
      select count(distinct xmin::text)::int as transactions, count(*)::int as count from resource where user_id = ${session.userId}`) as unknown as [
      { transactions: number; count: number },
    ];
    assert.deepEqual({ transactions, count }, { transactions: 1, count: 1500 }, 'every row written by one transaction');
    assert.deepEqual(await library.importFiles([{ path: 'prompts.csv', text }]), { imported: 0, updated: 0, unchanged: 1500, skipped: [] });
  });

  it('a bad row is skipped with its line and reason; the rows around it are imported', async () => {
    const text = [
      header,
      row('Before', 'first'),
      '"Broken"oops,text,FALSE,TEXT,f',
      'Short,only two fields',
      row('   ', 'a blank act'),
      row('After', 'last'),
    ].join('\n');
    const report = await library.importFiles([{ path: 'mine.csv', text }]);
    assert.equal(report.imported, 2);
    assert.deepEqual(
      report.skipped.map((s) => [s.index, s.source, s.name]),
      [
        [1, 'mine.csv, line 3', 'Broken'],
        [2, 'mine.csv, line 4', 'Short'],
        [3, 'mine.csv, line 5', '   '],
      ],
    );
    assert.match(report.skipped[0]!.reason, /text after its closing quote/);
    assert.match(report.skipped[1]!.reason, /has 2 fields where the header has 5/);
    assert.match(report.skipped[2]!.reason, /name: must not be empty or blank/);
    assert.deepEqual(
      (await prompts()).map((p) => p.name),
      ['After', 'Before'],
    );
  });

  it('a CSV without act and prompt columns is refused as a whole, saying what its first line must be', async () => {
    const err = await rejection(library.importFiles([{ path: 'other.csv', text: 'title,body\nx,y\n' }]), UserFacingError);
    assert.match(err.message, /other\.csv is not a prompts\.chat CSV: its header has no act or prompt column/);
    assert.deepEqual([...(await prompts())], []);
  });

  it('the importer is chosen by content when the name says nothing; our JSON still imports', async () => {
    const csv = `${header}\n${row('Named by content', 'x')}\n`;
    const json = JSON.stringify({
      format: 'agent-resources-library',
      version: 1,
      resources: [{ name: 'From JSON', resourceType: 'prompt', content: { text: 'j' } }],
    });
    assert.equal((await library.importFiles([{ path: 'download', text: csv }])).imported, 1);
    assert.equal((await library.importFiles([{ path: 'backup', text: json }])).imported, 1);
    await rejection(library.importFiles([{ path: 'notes.txt', text: 'just words' }]), UserFacingError);
  });
});
