import assert from 'node:assert/strict';
import type { DatabaseClient } from '../../src/db/client';
import {
  createResource,
  createShare,
  deleteResource,
  forkResource,
  getPublicResources,
  getResourceById,
  getShareById,
  getUserResources,
  listShares,
  recordExecution,
  redeemShare,
  revokeShare,
  setPinned,
  updateResource,
} from '../../src/db/queries';
import { createMessage } from '../../src/db/messages';
import { exportFormat, importLibrary } from '../../src/db/transfer';
import { limits, type CreateResourceInput, type ShareInput, type UpdateResourceInput } from '../../src/db/validation';
import { rejectsValidation } from './support/expect';
import { newUser, sharedDatabase } from './support/database';
import { agentConfig, prompt, randomId, rawResource, unchangedBy, workflow } from './support/rows';

/** `levels` objects nested inside each other: {a: {a: ... {}}}. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

type Case = [label: string, field: string, rule: RegExp, input: unknown];

describe('validation: every rejected input names the field and the rule, and writes nothing', () => {
  let client: DatabaseClient;
  let owner: string;
  let existing: { id: string };
  before(async () => {
    ({ client } = await sharedDatabase());
    owner = await newUser(client, 'validated');
    existing = await createResource(client.db, owner, prompt('Existing'));
  });

  const rejected = (work: () => Promise<unknown>, field: string, rule: RegExp) =>
    unchangedBy(client.sql, [owner], () => rejectsValidation(work(), field, rule));

  describe('createResource', () => {
    const megabyte = 'x'.repeat(limits.contentBytes);
    const cases: Case[] = [
      ['an empty name', 'name', /must not be empty or blank/, prompt('')],
      ['a blank name', 'name', /must not be empty or blank/, prompt(' \t\n ')],
      ['a name of 256 characters', 'name', /at most 255 characters/, prompt('n'.repeat(256))],
      ['a name of 256 emoji (code points)', 'name', /at most 255 characters/, prompt('😀'.repeat(256))],
      ['a name with a tab inside', 'name', /control characters/, prompt('a\tb')],
      ['a name with a line break inside', 'name', /control characters/, prompt('first\nsecond')],
      ['a name with a C1 control character', 'name', /control characters/, prompt('a\u0085b')],
      ['a name that is not text', 'name', /must be text/, prompt(42 as unknown as string)],
      ['no name', 'name', /must be text/, { resourceType: 'prompt', content: { text: 'x' } }],
      ['a description over 10,000 characters', 'description', /at most 10000 characters/, prompt('D', { description: 'd'.repeat(10_001) })],
      ['a description with a NUL character', 'description', /NUL/, prompt('D', { description: 'a\u0000b' })],
      [
        'an unknown resource type',
        'resourceType',
        /must be one of workflow, prompt, agent_config/,
        { ...prompt('T'), resourceType: 'tool' },
      ],
      ['no resource type', 'resourceType', /must be one of workflow, prompt, agent_config/, { name: 'T', content: { text: 'x' } }],
      ['isPublic that is not a boolean', 'isPublic', /expected boolean/, prompt('P', { isPublic: 'yes' as unknown as boolean })],
      ['content over 1 MiB', 'content', /at most 1024 KiB as JSON/, prompt('Big', { content: { text: megabyte } })],
      [
        'content over 1 MiB in UTF-8 bytes though under a million characters',
        'content',
        /at most 1024 KiB/,
        prompt('Big', { content: { text: 'é'.repeat(600_000) } }),
      ],
      [
        'content nested deeper than 64 levels',
        'content',
        /nested deeper than 64 levels/,
        agentConfig('Deep', { content: { config: nested(64) } }),
      ],
      ['content with a NUL character in a string', 'content', /NUL/, prompt('Nul', { content: { text: 'a\u0000b' } })],
      ['content with a NUL character in a key', 'content', /NUL/, agentConfig('Nul', { content: { config: { 'k\u0000': 1 } } })],
      ['a prompt without text', 'content.text', /is required text/, prompt('P', { content: { language: 'md' } })],
      [
        'a prompt whose content is not an object',
        'content',
        /JSON object of the form \{ "text": \.\.\. \} for a prompt/,
        prompt('P', { content: 'just text' }),
      ],
      [
        'a prompt with a badly named variable',
        'content.variables.0',
        /must be a name of letters, digits/,
        prompt('P', { content: { text: 'x', variables: ['a + b'] } }),
      ],
      ['a workflow with no steps', 'content.steps', /at least one step/, workflow('W', { content: { steps: [] } })],
      ['a workflow without a steps list', 'content.steps', /must be a list of steps/, workflow('W', { content: { step: 'one' } })],
      [
        'a workflow step without text',
        'content.steps.1.text',
        /is required text/,
        workflow('W', { content: { steps: [{ text: 'ok' }, { name: 'no text' }] } }),
      ],
      [
        'an agent_config whose config is an array',
        'content.config',
        /must be a JSON object/,
        agentConfig('A', { content: { config: [1, 2] } }),
      ],
      ['an agent_config without config', 'content.config', /must be a JSON object/, agentConfig('A', { content: { settings: {} } })],
      ['no content', 'content', /is required/, { name: 'X', resourceType: 'workflow' }],
      ['undefined content', 'content', /is required/, { name: 'X', resourceType: 'workflow', content: undefined }],
      [
        'null content',
        'content',
        /JSON object of the form \{ "steps": \[\.\.\.\] \} for a workflow/,
        { name: 'X', resourceType: 'workflow', content: null },
      ],
      ['a malformed parentResourceId', 'parentResourceId', /UUID/i, prompt('P', { parentResourceId: 'nope' })],
    ];
    for (const [label, field, rule, input] of cases) {
      it(`rejects ${label}`, () => rejected(() => createResource(client.db, owner, input as CreateResourceInput), field, rule));
    }

    it('accepts the limits themselves: 255 emoji (code points, not UTF-16 units), 10,000-character descriptions, 64 levels, ~1 MiB', async () => {
      const emoji = await createResource(client.db, owner, prompt('😀'.repeat(255)));
      const [row] = await client.sql`select char_length(name) as length from resource where id = ${emoji.id}`;
      assert.equal(row!.length, 255);
      assert.equal('😀'.repeat(255).length, 510, 'UTF-16 would count 510');
      await createResource(client.db, owner, prompt('Long description', { description: 'd'.repeat(10_000) }));
      const deep = await createResource(client.db, owner, agentConfig('Deep', { content: { config: nested(63) } }));
      assert.deepEqual((await rawResource(client.sql, deep.id))!.content, { config: nested(63) });
      const big = await createResource(client.db, owner, prompt('Big', { content: { text: 'x'.repeat(limits.contentBytes - 100) } }));
      assert.equal(((await rawResource(client.sql, big.id))!.content as { text: string }).text.length, limits.contentBytes - 100);
    });

    it('a name is trimmed before its length is counted, and surrounding line breaks are not control characters once trimmed', async () => {
      const created = await createResource(client.db, owner, prompt(`\n  ${'n'.repeat(255)}  \n`));
      assert.equal(created.name, 'n'.repeat(255));
    });
  });

  describe('updateResource', () => {
    const cases: Case[] = [
      ['a blank name', 'name', /must not be empty or blank/, { name: '  ' }],
      ['a name of 256 characters', 'name', /at most 255 characters/, { name: 'n'.repeat(256) }],
      ['a description over 10,000 characters', 'description', /at most 10000/, { description: 'd'.repeat(10_001) }],
      ['content of the wrong shape for the type', 'content.text', /is required text/, { content: { steps: [] } }],
      ['content nested deeper than 64 levels', 'content', /nested deeper than 64/, { content: { text: 'x', extra: nested(70) } }],
      ['an unknown resource type', 'resourceType', /must be one of/, { resourceType: 'tool' }],
      ['an unknown field', 'input', /unknown field\(s\) nmae/, { nmae: 'typo' }],
      ['pinned (set with setPinned, not as an edit)', 'input', /unknown field\(s\) pinned/, { pinned: true }],
      ['counters and ownership', 'input', /unknown field\(s\) userId, forkCount/, { userId: randomId(), forkCount: 99 }],
    ];
    for (const [label, field, rule, patch] of cases) {
      it(`rejects ${label}`, () =>
        rejected(() => updateResource(client.db, owner, existing.id, patch as UpdateResourceInput), field, rule));
    }

    it('rejects an expectedUpdatedAt that is not a valid date', () =>
      rejected(
        () => updateResource(client.db, owner, existing.id, { name: 'x' }, { expectedUpdatedAt: new Date('nonsense') }),
        'expectedUpdatedAt',
        /date/i,
      ));
  });

  describe('forkResource', () => {
    it('rejects a fork name of 256 characters', async () => {
      const own = await createResource(client.db, owner, prompt('Forkable'));
      await rejected(() => forkResource(client.db, owner, own.id, { name: 'f'.repeat(256) }), 'name', /at most 255/);
    });
  });

  describe('createShare', () => {
    const cases: Case[] = [
      ['expiresInHours of 0', 'expiresInHours', /must be more than 0 hours/, { expiresInHours: 0 }],
      ['a negative expiresInHours', 'expiresInHours', /must be more than 0 hours/, { expiresInHours: -1 }],
      ['expiresInHours over 10 years', 'expiresInHours', /at most 10 years/, { expiresInHours: 24 * 366 * 11 }],
      ['expiresInHours that is not a number', 'expiresInHours', /must be a number of hours/, { expiresInHours: '24' }],
      ['an infinite expiresInHours', 'expiresInHours', /must be a number of hours|at most 10 years/, { expiresInHours: Infinity }],
      ['maxAccesses of 0', 'maxAccesses', /must be at least 1/, { maxAccesses: 0 }],
      ['a negative maxAccesses', 'maxAccesses', /must be at least 1/, { maxAccesses: -3 }],
      ['a fractional maxAccesses', 'maxAccesses', /must be a whole number/, { maxAccesses: 2.5 }],
      ['maxAccesses that is not a number', 'maxAccesses', /must be a whole number/, { maxAccesses: '10' }],
      ['maxAccesses over a million', 'maxAccesses', /at most 1000000/, { maxAccesses: 1_000_001 }],
      ['an unknown option', 'input', /unknown field\(s\) maxUses/, { maxUses: 3 }],
    ];
    for (const [label, field, rule, input] of cases) {
      it(`rejects ${label}`, () => rejected(() => createShare(client.db, owner, existing.id, input as ShareInput), field, rule));
    }
  });

  describe('names that hide characters (bidi controls, zero-width and other invisible characters)', () => {
    // Each range issue 11 names, one character from each end, and other format characters.
    const hidden: [codePoint: number, name?: string][] = [
      [0x202a, 'left-to-right embedding'],
      [0x202e, 'right-to-left override'],
      [0x2066, 'left-to-right isolate'],
      [0x2069, 'pop directional isolate'],
      [0x200b, 'zero-width space'],
      [0x200d, 'zero-width joiner'],
      [0x200f, 'right-to-left mark'],
      [0x2060, 'word joiner'],
      [0x2064, 'invisible plus'],
      [0xfeff, 'zero-width no-break space'],
      [0x00ad, 'soft hyphen'],
      [0x061c, 'Arabic letter mark'],
      [0x2028, 'line separator'],
      [0x3164, 'Hangul filler'],
      [0xe0041],
    ];
    for (const [codePoint, known] of hidden) {
      const label = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
      const rule = new RegExp(
        `^must not contain ${label.replace('+', '\\+')}${known ? ` \\(${known}\\)` : ''}, an invisible character .*: delete it`,
      );
      const name = `invoice${String.fromCodePoint(codePoint)}gpj.exe`;
      it(`refuses ${label} in a new name, a rename and a fork's name, naming it`, async () => {
        await rejected(() => createResource(client.db, owner, prompt(name)), 'name', rule);
        await rejected(() => updateResource(client.db, owner, existing.id, { name }), 'name', rule);
        await rejected(() => forkResource(client.db, owner, existing.id, { name }), 'name', rule);
      });
    }

    it('keeps emoji that are made with joiners and tags (👩‍👩‍👧, 🏴 flags), and right-to-left text', async () => {
      for (const name of [
        '👩\u200d👩\u200d👧 family',
        '🏳\ufe0f\u200d🌈 pride',
        '👍🏽\u200d👍 ok',
        '🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f} Scotland',
        'שלום עולם',
      ]) {
        assert.equal((await createResource(client.db, owner, prompt(name))).name, name);
      }
    });

    it('an import skips each entry whose name hides a character, with the reason, and imports the rest', async () => {
      const importer = await newUser(client, 'hidden-import');
      const report = await importLibrary(client.db, importer, {
        format: exportFormat,
        version: 1,
        resources: [
          { name: 'Fine', resourceType: 'prompt', content: { text: 'a' } },
          { name: 'pay\u202elpx.exe', resourceType: 'prompt', content: { text: 'b' } },
          { name: 'Also fine', resourceType: 'prompt', content: { text: 'c' } },
          { name: 'ad\u200bmin', resourceType: 'prompt', content: { text: 'd' } },
        ],
      });
      assert.equal(report.imported, 2);
      assert.deepEqual(
        report.skipped.map((s) => [s.index, s.reason.replace(/,.*/, '')]),
        [
          [1, 'name: must not contain U+202E (right-to-left override)'],
          [3, 'name: must not contain U+200B (zero-width space)'],
        ],
      );
      const names = (await client.sql`select name from resource where user_id = ${importer} order by name`).map((r) => r.name);
      assert.deepEqual(names, ['Also fine', 'Fine']);
    });
  });

  describe('malformed ids', () => {
    const bad = ['not-a-uuid', '', '00000000-0000-0000-0000-00000000000g', "' or 1=1 --"];
    const calls: [string, string, (db: DatabaseClient['db'], id: string) => Promise<unknown>][] = [
      ['getResourceById', 'id', (db, id) => getResourceById(db, owner, id)],
      ['getResourceById (user)', 'userId', (db, id) => getResourceById(db, id, existing.id)],
      ['getUserResources (user)', 'userId', (db, id) => getUserResources(db, id)],
      ['getPublicResources (user)', 'userId', (db, id) => getPublicResources(db, id)],
      ['createResource (user)', 'userId', (db, id) => createResource(db, id, prompt('x'))],
      ['updateResource', 'id', (db, id) => updateResource(db, owner, id, { name: 'x' })],
      ['deleteResource', 'id', (db, id) => deleteResource(db, owner, id)],
      ['forkResource', 'id', (db, id) => forkResource(db, owner, id)],
      ['recordExecution', 'id', (db, id) => recordExecution(db, owner, id)],
      ['setPinned', 'id', (db, id) => setPinned(db, owner, id, true)],
      ['createShare', 'resourceId', (db, id) => createShare(db, owner, id)],
      ['listShares', 'resourceId', (db, id) => listShares(db, owner, id)],
      ['revokeShare', 'shareId', (db, id) => revokeShare(db, owner, id)],
      ['getShareById', 'shareId', (db, id) => getShareById(db, owner, id)],
      ['redeemShare (user)', 'userId', (db, id) => redeemShare(db, id, 'A'.repeat(32))],
      ['createMessage (user)', 'userId', (db, id) => createMessage(db, { userId: id, role: 'user', content: 'hi' })],
    ];
    for (const [name, field, call] of calls) {
      it(`${name} rejects a malformed ${field}`, async () => {
        for (const id of bad) await rejected(() => call(client.db, id), field, /must be a UUID/);
      });
    }
  });
});
