import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DatabaseClient } from '../../src/db/client';
import { NotFoundError, ValidationError } from '../../src/db/errors';
import { createMessage } from '../../src/db/messages';
import {
  createResource,
  createShare,
  deleteResource,
  forkResource,
  getUserResources,
  redeemShare,
  revokeShare,
  updateResource,
} from '../../src/db/queries';
import type { Resource } from '../../src/db/schema';
import { shareTokenPattern } from '../../src/db/tokens';
import { exportFormat, importLibrary } from '../../src/db/transfer';
import { limits, type CreateResourceInput, type UpdateResourceInput } from '../../src/db/validation';
import { rejection } from './support/expect';
import { newUser, sharedDatabase } from './support/database';
import {
  aroundLimit,
  descriptionVerdict,
  jsonProblems,
  jsonRule,
  nameVerdict,
  nastyText,
  nestedArrays,
  nestedObjects,
  notQuiteJson,
  type Verdict,
} from './support/nasty';
import { agentConfig, fingerprint, prompt, rawResource, rawShare, tableCounts, workflow } from './support/rows';
import { failOnUnhandledRejection } from './support/unhandled';

/** How many cases went through the real query functions on the real database. */
const tally = { generated: 0, handPicked: 0, accepted: 0, rejected: 0 };
type Source = 'generated' | 'handPicked';
type Fingerprint = Awaited<ReturnType<typeof fingerprint>>;
/** A field and the rules it breaks: all of them in order, or ('any') exactly one issue stating one of them. */
type Broken = [field: string, rules: RegExp[], mode?: 'all' | 'any'];
type Expectation<R> = { accept: (result: R, before: Fingerprint) => Promise<void> } | { reject: Broken[] };

const runs = { create: 80, update: 40, fork: 25, content: 50, message: 20, token: 40, search: 50 };
const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MiB = limits.contentBytes;
const show = (s: unknown) =>
  JSON.stringify(s, (_k, v) =>
    typeof v === 'bigint' ? `${v}n` : typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length})` : v,
  );

/** The issues of a ValidationError for `field`: they name the field and state these rules. */
function assertIssues(err: ValidationError, [field, rules, mode = 'all']: Broken) {
  const messages = err.issues.filter((i) => i.field === field).map((i) => i.message);
  if (mode === 'any') {
    assert.equal(messages.length, 1, `one issue for ${field}: ${show(err.issues)}`);
    assert.ok(
      rules.some((r) => r.test(messages[0]!)),
      `${field}: "${messages[0]}" states none of ${rules.join(' ')}`,
    );
  } else {
    assert.equal(messages.length, rules.length, `issues for ${field}: ${show(err.issues)}, expected ${rules.join(' ')}`);
    rules.forEach((rule, i) => assert.match(messages[i]!, rule));
  }
  for (const message of messages) assert.ok(err.message.includes(`${field}: ${message}`), `the message names the field: ${err.message}`);
}

const verdictBroken = (field: string, verdict: Verdict<unknown>): Broken[] => (verdict.ok ? [] : [[field, verdict.rules]]);

describe('bad input: generated and hand-picked cases through the real query functions', function () {
  this.timeout(120_000);
  failOnUnhandledRejection();

  describe('cases', casesSuite);

  // Mocha runs a suite's own tests before its child suites: the count comes in a suite after the cases.
  describe('count', () => {
    it('at least 200 generated cases reached the database (the count is printed)', () => {
      console.log(
        `      bad input: ${tally.generated} generated + ${tally.handPicked} hand-picked cases through the query functions on the real database (${tally.accepted} accepted, ${tally.rejected} rejected with a ValidationError)`,
      );
      assert.ok(tally.generated >= 200, `only ${tally.generated} generated cases`);
    });
  });
});

function casesSuite() {
  let client: DatabaseClient;
  let owner: string;
  let other: string;
  before(async () => {
    ({ client } = await sharedDatabase());
    owner = await newUser(client, 'nasty');
    other = await newUser(client, 'nasty-other');
  });

  /**
   * One case: either accepted (then `accept` checks what was stored) or rejected with a
   * ValidationError naming exactly the broken fields and rules, and nothing written
   * (row counts of every table and a hash of the users' rows, before and after).
   */
  async function attempt<R>(source: Source, users: string[], work: () => Promise<R>, expected: Expectation<R>): Promise<void> {
    tally[source]++;
    const before = await fingerprint(client.sql, users);
    if ('accept' in expected) {
      const result = await work();
      tally.accepted++;
      await expected.accept(result, before);
      return;
    }
    const err = await rejection(work(), ValidationError);
    tally.rejected++;
    assert.deepEqual(new Set(err.issues.map((i) => i.field)), new Set(expected.reject.map(([field]) => field)), err.message);
    for (const broken of expected.reject) assertIssues(err, broken);
    assert.deepEqual(await fingerprint(client.sql, users), before, 'a rejected input wrote nothing');
  }

  /** The resource was stored as the rules say: name and description trimmed, one row more. */
  const storedAs = (name: string, description: string | null, content?: unknown) => async (row: Resource, before: Fingerprint) => {
    const raw = (await rawResource(client.sql, row.id))!;
    assert.equal(raw.name, name, 'the name read back is the trimmed input');
    assert.equal(raw.description, description, 'the description read back is the trimmed input');
    if (content !== undefined)
      assert.deepEqual(raw.content, JSON.parse(JSON.stringify(content)), 'the content read back is the input as JSON');
    assert.deepEqual(await tableCounts(client.sql), { ...before.counts, resource: before.counts.resource + 1 });
  };

  describe('names and descriptions', () => {
    const nameArb = fc.oneof({ weight: 3, arbitrary: nastyText }, { weight: 1, arbitrary: aroundLimit(limits.nameLength) });
    const descriptionArb = fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 4, arbitrary: nastyText },
      {
        weight: 1,
        arbitrary: fc.constantFrom('d'.repeat(10_000), ` ${'d'.repeat(10_000)}\n`, '😀'.repeat(10_001), 'é'.repeat(9_999) + '\u0000'),
      },
    );

    it(`createResource: ${runs.create} generated names and descriptions are stored trimmed or rejected naming the rule`, async () => {
      await fc.assert(
        fc.asyncProperty(nameArb, descriptionArb, async (name, description) => {
          const n = nameVerdict(name);
          const d = descriptionVerdict(description ?? null);
          const input = prompt(name, description === undefined ? {} : { description });
          await attempt(
            'generated',
            [owner],
            () => createResource(client.db, owner, input),
            n.ok && d.ok
              ? { accept: storedAs(n.value, d.value) }
              : { reject: [...verdictBroken('name', n), ...verdictBroken('description', d)] },
          );
        }),
        { numRuns: runs.create },
      );
    });

    it(`updateResource: ${runs.update} generated renames and descriptions change exactly those fields or nothing`, async () => {
      const target = await createResource(client.db, owner, prompt('Update target', { description: 'before' }));
      await fc.assert(
        fc.asyncProperty(fc.record({ name: nameArb, description: descriptionArb }, { requiredKeys: [] }), async (patch) => {
          const current = (await rawResource(client.sql, target.id))!;
          const n = patch.name === undefined ? ({ ok: true, value: current.name } as const) : nameVerdict(patch.name);
          const d =
            patch.description === undefined ? ({ ok: true, value: current.description } as const) : descriptionVerdict(patch.description);
          const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as UpdateResourceInput;
          await attempt(
            'generated',
            [owner],
            () => updateResource(client.db, owner, target.id, clean),
            n.ok && d.ok
              ? {
                  accept: async (row, before) => {
                    const raw = (await rawResource(client.sql, target.id))!;
                    assert.deepEqual([raw.name, raw.description], [n.value, d.value]);
                    assert.deepEqual(raw.content, current.content, 'the content is untouched');
                    assert.ok(raw.updated_at.getTime() > current.updated_at.getTime(), 'updated_at moved on');
                    assert.equal(row.name, n.value);
                    assert.deepEqual(await tableCounts(client.sql), before.counts);
                  },
                }
              : { reject: [...verdictBroken('name', n), ...verdictBroken('description', d)] },
          );
        }),
        { numRuns: runs.update },
      );
    });

    it(`forkResource: ${runs.fork} generated fork names make one child and count it, or nothing at all`, async () => {
      const parent = await createResource(client.db, other, workflow('Fork parent', { isPublic: true }));
      await fc.assert(
        fc.asyncProperty(nameArb, async (name) => {
          const n = nameVerdict(name);
          const forksBefore = (await rawResource(client.sql, parent.id))!.fork_count as number;
          await attempt(
            'generated',
            [owner, other],
            () => forkResource(client.db, owner, parent.id, { name }),
            n.ok
              ? {
                  accept: async (child, before) => {
                    await storedAs(n.value, null, parent.content)(child, before);
                    assert.equal((await rawResource(client.sql, parent.id))!.fork_count, forksBefore + 1);
                  },
                }
              : { reject: [['name', n.rules]] },
          );
        }),
        { numRuns: runs.fork },
      );
    });

    // Besides those in validation.test.ts (empty, blank, 256 characters or emoji, tab, line break, C1).
    const handPickedNames: [label: string, name: string][] = [
      ['only line breaks and tabs', '\n\t\r\n'],
      ['only ideographic space and BOM', '\u3000\ufeff'],
      ['255 characters', 'n'.repeat(255)],
      ['255 code points of e + combining acute', 'e\u0301'.repeat(127) + 'e'],
      ['256 code points of e + combining acute (128 letters on screen)', 'e\u0301'.repeat(128)],
      ['255 characters inside surrounding spaces', `  ${'n'.repeat(255)}  `],
      ['a right-to-left mark', '\u200fשלום'],
      ['a right-to-left override', 'invoice\u202egpj.exe'],
      ['a zero-width joiner family emoji', '👩\u200d👩\u200d👧 family'],
      ['a lone zero-width joiner', 'a\u200db'],
      ['combining marks only', '\u0301\u0308'],
      ['a flag and U+10FFFF', '🇫🇷 \udbff\udfff'],
      ['a NUL character', 'a\u0000b'],
      ['an escape character', 'red \u001b[31m'],
      ['a lone high surrogate', 'broken \ud83d'],
      ['a lone low surrogate', '\ude00 broken'],
      ['SQL', "x'); drop table resource; --"],
      ['LIKE metacharacters', '100%_\\'],
    ];
    for (const [label, name] of handPickedNames) {
      const verdict = nameVerdict(name);
      it(`a name with ${label}: ${verdict.ok ? 'stored trimmed' : `rejected (${verdict.rules.join(', ')})`}`, () =>
        attempt(
          'handPicked',
          [owner],
          () => createResource(client.db, owner, prompt(name)),
          verdict.ok ? { accept: storedAs(verdict.value, null) } : { reject: [['name', verdict.rules]] },
        ));
    }

    const handPickedDescriptions: [label: string, description: string][] = [
      ['10,000 emoji', '😀'.repeat(10_000)],
      ['tabs, line breaks and an escape (allowed: descriptions are multi-line)', 'line one\n\tline two \u001b end'],
      ['a lone surrogate', 'half \udbff'],
      ['only whitespace (stored as null)', ' \n\u3000 '],
    ];
    for (const [label, description] of handPickedDescriptions) {
      const verdict = descriptionVerdict(description);
      it(`a description with ${label}: ${verdict.ok ? 'stored trimmed' : 'rejected'}`, () =>
        attempt(
          'handPicked',
          [owner],
          () => createResource(client.db, owner, prompt('Described', { description })),
          verdict.ok ? { accept: storedAs('Described', verdict.value) } : { reject: [['description', verdict.rules]] },
        ));
    }
  });

  describe('content: JSON, not-quite-JSON, huge and deeply nested', () => {
    const shapes = {
      agent_config: (v: unknown) => ({ config: { v } }),
      prompt: (v: unknown) => ({ text: 'x', extra: v }),
      workflow: (v: unknown) => ({ steps: [{ text: 'step', extra: v }] }),
    };

    it(`createResource: ${runs.content} generated contents are stored as their JSON or rejected naming the rule`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom<keyof typeof shapes>('agent_config', 'prompt', 'workflow'), notQuiteJson, async (type, value) => {
          const content = shapes[type](value);
          const problems = jsonProblems(content);
          const input: CreateResourceInput = { name: 'Content case', resourceType: type, content };
          await attempt(
            'generated',
            [owner],
            () => createResource(client.db, owner, input),
            problems.size === 0
              ? { accept: storedAs('Content case', null, content) }
              : { reject: [['content', [...problems].map((p) => jsonRule[p]!), 'any']] },
          );
        }),
        { numRuns: runs.content },
      );
    });

    it(`createMessage: ${runs.message} generated message contents are stored as their JSON or rejected`, async () => {
      await fc.assert(
        fc.asyncProperty(notQuiteJson, async (content) => {
          const problems = jsonProblems(content);
          // A message must have content: JSON null would be SQL NULL in the NOT NULL column.
          const rules = content === null ? [/is required/] : [...problems].map((p) => jsonRule[p]!);
          await attempt(
            'generated',
            [owner],
            () => createMessage(client.db, { userId: owner, role: 'user', content }),
            rules.length === 0
              ? {
                  accept: async (row, before) => {
                    const [stored] = await client.sql`select content from message where id = ${row.id}`;
                    assert.deepEqual(stored!.content, JSON.parse(JSON.stringify(content)));
                    assert.deepEqual(await tableCounts(client.sql), { ...before.counts, message: before.counts.message + 1 });
                  },
                }
              : { reject: [['content', rules, 'any']] },
          );
        }),
        { numRuns: runs.message },
      );
    });

    describe('huge content (1 MiB of JSON is the limit)', () => {
      let bulk: string;
      before(async () => {
        bulk = await newUser(client, 'bulk');
      });
      // {"text":"…"} is 11 bytes around the text.
      const text = (t: string) => ({ text: t });
      const cases: [label: string, content: { text: string }, accepted: boolean][] = [
        ['exactly 1 MiB', text('x'.repeat(MiB - 11)), true],
        ['1 MiB and one byte', text('x'.repeat(MiB - 10)), false],
        ['just over 1 MiB in two-byte é (half as many characters)', text('é'.repeat((MiB - 10) / 2)), false],
        ['just over 1 MiB in four-byte emoji', text('😀'.repeat(Math.ceil((MiB - 10) / 4))), false],
        ['600,000 quotes, escaped to 1.2 MB of JSON', text('"'.repeat(600_000)), false],
      ];
      for (const [label, content, accepted] of cases) {
        it(`a prompt of ${label}: ${accepted ? 'stored whole' : 'rejected, with the size'}`, () =>
          attempt(
            'handPicked',
            [bulk],
            () => createResource(client.db, bulk, prompt('Big', { content })),
            accepted
              ? {
                  accept: async (row, before) => {
                    const [stored] =
                      await client.sql`select octet_length(content->>'text') as bytes, content->>'text' = ${content.text} as same from resource where id = ${row.id}`;
                    assert.deepEqual({ ...stored }, { bytes: Buffer.byteLength(content.text), same: true });
                    assert.deepEqual(await tableCounts(client.sql), { ...before.counts, resource: before.counts.resource + 1 });
                  },
                }
              : { reject: [['content', [/must be at most 1024 KiB as JSON \(is \d+ KiB\)/]]] },
          ));
      }

      it('an update to just over 1 MiB is rejected and the stored content stays', async () => {
        const r = await createResource(client.db, bulk, prompt('Grows'));
        await attempt('handPicked', [bulk], () => updateResource(client.db, bulk, r.id, { content: text('x'.repeat(MiB)) }), {
          reject: [['content', [/at most 1024 KiB/]]],
        });
        assert.deepEqual((await rawResource(client.sql, r.id))!.content, r.content);
      });
    });

    describe('deep nesting: rejected with the limit, and no stack overflow however deep', () => {
      const depthRule: Broken = ['content', [/must not be nested deeper than 64 levels/]];
      const deep: [label: string, make: () => unknown][] = [
        ['65 levels of objects', () => nestedObjects(64)],
        ['65 levels of arrays', () => nestedArrays(64)],
        ['10,000 levels of objects', () => nestedObjects(10_000)],
        ['10,000 levels of arrays', () => nestedArrays(10_000)],
        ['100,000 levels of arrays', () => nestedArrays(100_000)],
        ['10,000 levels parsed from JSON text', () => JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`)],
        [
          'a cycle (an object that contains itself)',
          () => {
            const loop: Record<string, unknown> = { name: 'loop' };
            loop.self = loop;
            return loop;
          },
        ],
      ];
      for (const [label, make] of deep) {
        it(`${label}: createResource (each type), updateResource, createMessage and importLibrary refuse it`, async () => {
          // The content itself is level 1, so { config: <64 levels> } is 65 levels deep.
          const value = make();
          await attempt(
            'handPicked',
            [owner],
            () => createResource(client.db, owner, agentConfig('Deep', { content: { config: value } })),
            { reject: [depthRule] },
          );
          await attempt(
            'handPicked',
            [owner],
            () => createResource(client.db, owner, prompt('Deep', { content: { text: 'x', extra: value } })),
            { reject: [depthRule] },
          );
          await attempt(
            'handPicked',
            [owner],
            () => createResource(client.db, owner, workflow('Deep', { content: { steps: [{ text: 'x', extra: value }] } })),
            { reject: [depthRule] },
          );
          const target = await createResource(client.db, owner, agentConfig('Deep target'));
          await attempt('handPicked', [owner], () => updateResource(client.db, owner, target.id, { content: { config: value } }), {
            reject: [depthRule],
          });
          await attempt('handPicked', [owner], () => createMessage(client.db, { userId: owner, role: 'user', content: [value] }), {
            reject: [depthRule],
          });
          const importer = await newUser(client, 'deep-import');
          tally.handPicked++;
          const report = await importLibrary(client.db, importer, {
            format: exportFormat,
            version: 1,
            resources: [
              { name: 'Deep', resourceType: 'agent_config', content: { config: value } },
              { name: 'Fine', resourceType: 'prompt', content: { text: 'ok' } },
            ],
          });
          assert.deepEqual(report, {
            imported: 1,
            updated: 0,
            unchanged: 0,
            skipped: [{ index: 0, name: 'Deep', reason: 'content: must not be nested deeper than 64 levels' }],
          });
        });
      }
    });

    const notJson: [label: string, value: unknown, rule: RegExp][] = [
      ['NaN (JSON.stringify would store null)', NaN, jsonRule.number!],
      ['Infinity', Infinity, jsonRule.number!],
      ['a BigInt (JSON.stringify would throw)', 10n, jsonRule.type!],
      ['a function', () => 'x', jsonRule.type!],
      ['a NUL in a string', 'a\u0000b', jsonRule.nul!],
      ['a NUL in a key', { 'k\u0000': 1 }, jsonRule.nul!],
      ['a lone surrogate in a string (jsonb refuses it)', 'half \ud83d', jsonRule.surrogate!],
      ['a lone surrogate in a key', { '\udc00': 1 }, jsonRule.surrogate!],
    ];
    for (const [label, value, rule] of notJson) {
      it(`content with ${label} is rejected naming the rule`, () =>
        attempt(
          'handPicked',
          [owner],
          () => createResource(client.db, owner, agentConfig('Not JSON', { content: { config: { value } } })),
          { reject: [['content', [rule]]] },
        ));
    }

    it('a message whose content is JSON null is rejected as missing content (not a NOT NULL violation from the database)', () =>
      attempt('handPicked', [owner], () => createMessage(client.db, { userId: owner, role: 'assistant', content: null }), {
        reject: [['content', [/is required/]]],
      }));

    it('an import file that is not a parsed library export is rejected as a whole and imports nothing', async () => {
      const importer = await newUser(client, 'bad-file');
      const files: [unknown, string, RegExp][] = [
        ['{"format": "agent-resources-library", "version": 1, "resources": [', 'input', /expected object, received string/],
        [null, 'input', /expected object, received null/],
        [{ format: exportFormat, version: 1, resources: 'all of them' }, 'resources', /must be a list/],
        [{ format: 'something-else', version: 1, resources: [] }, 'format', /Export Library/],
      ];
      for (const [file, field, rule] of files) {
        await attempt('handPicked', [importer], () => importLibrary(client.db, importer, file), { reject: [[field, [rule]]] });
      }
    });

    it('import entries with nasty names, huge or non-JSON content are skipped with the rule; the rest are imported', async () => {
      const importer = await newUser(client, 'nasty-import');
      tally.handPicked++;
      const report = await importLibrary(client.db, importer, {
        format: exportFormat,
        version: 1,
        resources: [
          { name: '  Fine  ', resourceType: 'prompt', content: { text: 'ok' } },
          { name: 'a\u0000b', resourceType: 'prompt', content: { text: 'ok' } },
          { name: 'n'.repeat(256), resourceType: 'prompt', content: { text: 'ok' } },
          { name: 'broken \ud83d', resourceType: 'prompt', content: { text: 'ok' } },
          { name: 'Big', resourceType: 'prompt', content: { text: 'x'.repeat(MiB) } },
          { name: 'NaN', resourceType: 'agent_config', content: { config: { t: NaN } } },
          { name: 'שלום 😀 Also fine', resourceType: 'workflow', content: { steps: [{ text: 's' }] } },
          { name: '\u200f😀 Hidden mark', resourceType: 'workflow', content: { steps: [{ text: 's' }] } },
        ],
      });
      assert.equal(report.imported, 2);
      assert.deepEqual(
        report.skipped.map((s) => [s.index, s.reason.replace(/ \(is \d+ KiB\)/, '').replace(/, an invisible character.*/, '')]),
        [
          [1, 'name: must not contain control characters such as tabs or line breaks'],
          [2, 'name: must be at most 255 characters after trimming'],
          [3, 'name: must not contain unpaired surrogates (half of an emoji or other broken character)'],
          [4, 'content: must be at most 1024 KiB as JSON'],
          [5, 'content: must be JSON: NaN and Infinity are not JSON numbers'],
          [7, 'name: must not contain U+200F (right-to-left mark)'],
        ],
      );
      const names = (await getUserResources(client.db, importer)).items.map((r) => r.name).sort();
      assert.deepEqual(names, ['Fine', 'שלום 😀 Also fine'].sort());
    });
  });

  describe('share tokens: malformed, expired, used up, revoked, unknown', () => {
    let secret: Resource;
    before(async () => {
      secret = await createResource(client.db, other, prompt('Token target'));
    });

    const validToken = fc.string({ unit: fc.constantFrom(...base62), minLength: 32, maxLength: 32 });
    const tokenArb = fc.oneof(
      validToken,
      fc.tuple(validToken, fc.constantFrom(' ', '\n', '\t', ' \r\n ', '\u3000')).map(([t, ws]) => `${ws}${t}${ws}`),
      fc.string({
        unit: fc.constantFrom('A', 'z', '0', '-', '_', '+', '/', '=', ' ', '\u0000', 'А', '０', '😀', '\u200b', "'", '%', '\ud800'),
        maxLength: 40,
      }),
      fc
        .tuple(validToken, fc.integer({ min: 0, max: 31 }), fc.constantFrom('-', '\u0000', 'А', '😀', '%', '_', '\u200f', 'é'))
        .map(([t, i, c]) => t.slice(0, i) + c + t.slice(i + 1)),
      fc.tuple(validToken, fc.constantFrom('A', '', 'AA')).map(([t, extra]) => (extra === '' ? t.slice(1) : t + extra)),
    );

    it(`redeemShare and forkResource via a token: ${runs.token} generated tokens are "unknown" / not found or a ValidationError, and count nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(tokenArb, async (token) => {
          const wellFormed = shareTokenPattern.test(token.trim());
          const malformed: Expectation<unknown> = { reject: [['token', [/must be 32 letters and digits, as copied from a share/]]] };
          await attempt(
            'generated',
            [owner, other],
            () => redeemShare(client.db, owner, token),
            wellFormed
              ? {
                  accept: async (result, before) => {
                    assert.deepEqual(result, { ok: false, reason: 'unknown' });
                    assert.deepEqual(await fingerprint(client.sql, [owner, other]), before);
                  },
                }
              : malformed,
          );
          // An empty viaShareToken is no token at all: a plain fork of a private resource, not found.
          await attempt(
            'generated',
            [owner, other],
            () =>
              forkResource(client.db, owner, secret.id, { viaShareToken: token }).then(
                () => assert.fail('forked with a token that is not a live share of this resource'),
                (err: unknown) => {
                  if (err instanceof NotFoundError) return 'not found';
                  throw err;
                },
              ),
            wellFormed || token === ''
              ? {
                  accept: async (result, before) => {
                    assert.equal(result, 'not found');
                    assert.deepEqual(await fingerprint(client.sql, [owner, other]), before);
                  },
                }
              : malformed,
          );
        }),
        { numRuns: runs.token },
      );
    });

    it('expired, used-up, revoked, deleted, case-changed and look-alike tokens: the right answer, nothing counted', async () => {
      const expired = await createShare(client.db, other, secret.id, { expiresInHours: 1 });
      await client.sql`update resource_share set expires_at = localtimestamp - interval '1 second' where id = ${expired.id}`;
      const usedUp = await createShare(client.db, other, secret.id, { maxAccesses: 1 });
      assert.equal((await redeemShare(client.db, owner, usedUp.shareToken)).ok, true);
      const revoked = await createShare(client.db, other, secret.id);
      await revokeShare(client.db, other, revoked.id);
      const doomed = await createResource(client.db, other, prompt('Deleted later'));
      const ofDeleted = await createShare(client.db, other, doomed.id);
      await deleteResource(client.db, other, doomed.id);
      const live = await createShare(client.db, other, secret.id);
      const swapped = [...live.shareToken].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
      const cases: [label: string, token: string, outcome: string][] = [
        ['expired', expired.shareToken, 'expired'],
        ['used up', usedUp.shareToken, 'exhausted'],
        ['revoked', revoked.shareToken, 'unknown'],
        ['of a deleted resource', ofDeleted.shareToken, 'unknown'],
        ['case-swapped', swapped === live.shareToken ? 'A'.repeat(32) : swapped, 'unknown'],
        ['never issued', 'Z'.repeat(32), 'unknown'],
      ];
      for (const [label, token, outcome] of cases) {
        await attempt('handPicked', [owner, other], () => redeemShare(client.db, owner, token), {
          accept: async (result, before) => {
            assert.deepEqual(result, { ok: false, reason: outcome }, label);
            assert.deepEqual(await fingerprint(client.sql, [owner, other]), before, `${label}: nothing counted`);
          },
        });
      }
      const lookAlikes: [label: string, token: string][] = [
        ['a Cyrillic А', `А${live.shareToken.slice(1)}`],
        ['fullwidth digits', `${live.shareToken.slice(0, 30)}０１`],
        ['a NUL at the end', `${live.shareToken.slice(0, 31)}\u0000`],
        ['an emoji in place of two characters', `${live.shareToken.slice(0, 30)}😀`],
        ['a zero-width space inside', `${live.shareToken.slice(0, 16)}\u200b${live.shareToken.slice(16)}`],
        ['SQL', `' or 1=1 --${'A'.repeat(21)}`],
      ];
      for (const [, token] of lookAlikes) {
        await attempt('handPicked', [owner, other], () => redeemShare(client.db, owner, token), {
          reject: [['token', [/32 letters and digits/]]],
        });
      }
      assert.equal((await rawShare(client.sql, live.id))!.access_count, 0, 'the live share was never counted');
      assert.equal(
        (await redeemShare(client.db, owner, ` ${live.shareToken}\n`)).ok,
        true,
        'the real token, pasted with whitespace, works',
      );
    });
  });

  describe('search terms with SQL and LIKE metacharacters', () => {
    let searcher: string;
    const rows: [name: string, description: string | null][] = [
      ['100% done', null],
      ['a_b', 'under_score'],
      ['a%b', 'per%cent'],
      ['C:\\path\\to', 'back\\slash'],
      ["O'Brien; --note", "it's -- fine"],
      ['/* block */', 'x/*y*/z'],
      ['UPPER lower', 'MiXeD'],
      ['Mixed_Case%', null],
      ['😀 emoji', 'smile 😀'],
      ['שלום RTL', '\u200fRTL mark'],
      ['plain', 'nothing special'],
      ['back\\\\double', '%_\\'],
    ];
    const stored: { id: string; name: string; description: string | null }[] = [];
    before(async () => {
      searcher = await newUser(client, 'metasearch');
      for (const [name, description] of rows) {
        const r = await createResource(client.db, searcher, prompt(name, { description }));
        stored.push({ id: r.id, name: r.name, description: r.description });
      }
    });

    /** The rows whose name or description contains the trimmed term, ignoring (ASCII) case, computed in JS. */
    const expectedIds = (term: string) => {
      const t = term.trim().toLowerCase();
      return stored
        .filter((r) => t === '' || r.name.toLowerCase().includes(t) || (r.description ?? '').toLowerCase().includes(t))
        .map((r) => r.id)
        .sort();
    };
    const searchIds = async (term: string) =>
      (await getUserResources(client.db, searcher, { search: term, limit: 200 })).items.map((r) => r.id).sort();

    const swapCase = (c: string) => (/[a-z]/.test(c) ? c.toUpperCase() : /[A-Z]/.test(c) ? c.toLowerCase() : c);
    const texts = rows.flatMap(([name, description]) => (description ? [name, description] : [name]));
    const fromData = fc
      .tuple(fc.constantFrom(...texts), fc.nat(), fc.nat(), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }))
      .map(([text, i, j, flips]) => {
        const chars = [...text];
        const start = i % (chars.length + 1);
        const end = start + (j % (chars.length - start + 1));
        return chars
          .slice(start, end)
          .map((c, k) => (flips[k % flips.length] ? swapCase(c) : c))
          .join('');
      });
    const meta = fc.string({
      unit: fc.constantFrom(
        'a',
        'A',
        'b',
        'x',
        '1',
        '0',
        ' ',
        '%',
        '_',
        '\\',
        "'",
        '"',
        ';',
        '--',
        '/*',
        '*/',
        '%%',
        '\\%',
        '😀',
        '\u200f',
      ),
      maxLength: 5,
    });

    it(`${runs.search} generated terms: getUserResources returns exactly the rows that contain the term, ignoring case`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fromData, meta), async (term) => {
          await attempt('generated', [searcher], () => searchIds(term), {
            accept: async (ids) => assert.deepEqual(ids, expectedIds(term), `search ${show(term)}`),
          });
        }),
        { numRuns: runs.search },
      );
    });

    it('hand-picked terms: metacharacters match themselves; NUL, lone surrogates and 256 characters are rejected', async () => {
      for (const term of [
        '%',
        '_',
        '\\',
        "'",
        ';',
        '--',
        '/*',
        '*/',
        '%%',
        '\\%',
        '_%_',
        "' or '1'='1",
        "'; drop table resource; --",
        '   ',
        '\\\\',
        'A_B',
        'a%B',
      ]) {
        await attempt('handPicked', [searcher], () => searchIds(term), {
          accept: async (ids) => assert.deepEqual(ids, expectedIds(term), `search ${show(term)}`),
        });
      }
      const rejected: [string, RegExp][] = [
        ['a\u0000', /must not contain NUL characters/],
        ['\ud800', /must not contain unpaired surrogates/],
        ['x'.repeat(256), /must be at most 255 characters/],
      ];
      for (const [term, rule] of rejected) await attempt('handPicked', [searcher], () => searchIds(term), { reject: [['search', [rule]]] });
    });
  });
}
