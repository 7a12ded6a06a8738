import assert from 'node:assert/strict';
import type { DatabaseClient } from '../../src/db/client';
import { createMessage } from '../../src/db/messages';
import { ensureUser, findUserByEmail, getUserById } from '../../src/db/users';
import type { Attachment } from '../../src/db/validation';
import { rejectsValidation } from './support/expect';
import { newUser, sharedDatabase } from './support/database';
import { countOf, randomId, unchangedBy } from './support/rows';

const image = (extra: Partial<Record<keyof Attachment, unknown>> = {}) => ({
  type: 'image',
  url: '/uploads/2024/05/cat_1.png',
  mimeType: 'image/png',
  ...extra,
});

describe('users', () => {
  let client: DatabaseClient;
  before(async () => {
    ({ client } = await sharedDatabase());
  });

  it('ensureUser creates the user once and returns the same row afterwards, whatever the case or spacing of the email', async () => {
    const email = `Local.${randomId().slice(0, 8)}@Example.com`;
    const first = await ensureUser(client.db, email);
    assert.equal(first.email, email);
    const again = await ensureUser(client.db, `  ${email.toLowerCase()} `);
    assert.deepEqual(again, first);
    const count = await countOf(client.sql`select count(*)::int as count from "user" where lower(email) = lower(${email})`);
    assert.equal(count, 1);
  });

  it('findUserByEmail finds case-insensitively and returns null for an unknown address', async () => {
    const email = `finder-${randomId().slice(0, 8)}@example.com`;
    const created = await ensureUser(client.db, email);
    assert.deepEqual(await findUserByEmail(client.db, email.toUpperCase()), created);
    assert.equal(await findUserByEmail(client.db, `nobody-${randomId()}@example.com`), null);
    assert.deepEqual(await getUserById(client.db, created.id), created);
    assert.equal(await getUserById(client.db, randomId()), null);
  });

  it('an invalid email is a ValidationError naming the email, and creates nothing', async () => {
    for (const email of ['', 'not an email', 'a@', `${'x'.repeat(250)}@example.com`]) {
      await unchangedBy(client.sql, [], () => rejectsValidation(ensureUser(client.db, email), 'email', /email address/));
      await rejectsValidation(findUserByEmail(client.db, email), 'email', /email address/);
    }
  });
});

describe('messages', () => {
  let client: DatabaseClient;
  let author: string;
  before(async () => {
    ({ client } = await sharedDatabase());
    author = await newUser(client, 'chatter');
  });

  const rawMessage = async (id: string) => (await client.sql`select * from message where id = ${id}`)[0];

  it('stores a message with valid image attachments exactly as given', async () => {
    const attachments = [
      image(),
      image({ url: '/uploads/a/b-c.d/photo.jpeg', mimeType: 'image/jpeg' }),
      image({ mimeType: 'image/webp' }),
      image({ mimeType: 'image/gif' }),
    ];
    const created = await createMessage(client.db, {
      userId: author,
      role: 'user',
      content: { text: 'look' },
      attachments: attachments as Attachment[],
    });
    const row = await rawMessage(created.id);
    assert.deepEqual([row!.user_id, row!.role, row!.content, row!.attachments], [author, 'user', { text: 'look' }, attachments]);
  });

  it('no attachments, or null, is stored as null; an empty list as an empty list', async () => {
    const none = await createMessage(client.db, { userId: author, role: 'assistant', content: 'hi' });
    const nulled = await createMessage(client.db, { userId: author, role: 'system', content: 'hi', attachments: null });
    const empty = await createMessage(client.db, { userId: author, role: 'user', content: 'hi', attachments: [] });
    assert.equal((await rawMessage(none.id))!.attachments, null);
    assert.equal((await rawMessage(nulled.id))!.attachments, null);
    assert.deepEqual((await rawMessage(empty.id))!.attachments, []);
  });

  const rejectedCases: [label: string, field: string, rule: RegExp, input: Record<string, unknown>][] = [
    ['an attachment that is not an image', 'attachments.0.type', /must be "image"/, { attachments: [image({ type: 'file' })] }],
    [
      'a url outside /uploads/',
      'attachments.0.url',
      /must be a path under \/uploads\//,
      { attachments: [image({ url: 'https://example.com/cat.png' })] },
    ],
    [
      'an absolute path elsewhere',
      'attachments.0.url',
      /must be a path under \/uploads\//,
      { attachments: [image({ url: '/etc/passwd' })] },
    ],
    [
      'a url climbing out with ..',
      'attachments.1.url',
      /must not contain "\.\."/,
      { attachments: [image(), image({ url: '/uploads/../secrets.png' })] },
    ],
    [
      'a url with a query or odd characters',
      'attachments.0.url',
      /under \/uploads\//,
      { attachments: [image({ url: '/uploads/x.png?download=1' })] },
    ],
    [
      'an svg (not an allowed image type)',
      'attachments.0.mimeType',
      /must be image\/png, image\/jpeg, image\/gif or image\/webp/,
      { attachments: [image({ mimeType: 'image/svg+xml' })] },
    ],
    ['a missing mimeType', 'attachments.0.mimeType', /must be image\/png/, { attachments: [{ type: 'image', url: '/uploads/x.png' }] }],
    ['attachments that are not a list', 'attachments', /must be a list of attachments/, { attachments: image() }],
    ['more than 20 attachments', 'attachments', /at most 20 attachments/, { attachments: Array.from({ length: 21 }, () => image()) }],
    ['an unknown role', 'role', /must be one of user, assistant, system/, { role: 'robot' }],
    ['no content', 'content', /is required/, { content: undefined }],
    ['content with a NUL character', 'content', /NUL/, { content: 'a\u0000b' }],
  ];
  for (const [label, field, rule, input] of rejectedCases) {
    it(`rejects ${label}, and writes nothing`, async () => {
      await unchangedBy(client.sql, [author], () =>
        rejectsValidation(
          createMessage(client.db, { userId: author, role: 'user', content: 'hi', ...input } as Parameters<typeof createMessage>[1]),
          field,
          rule,
        ),
      );
    });
  }
});
