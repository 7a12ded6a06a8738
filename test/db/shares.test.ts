import assert from 'node:assert/strict';
import type { DatabaseClient } from '../../src/db/client';
import { createResource, createShare, deleteResource, getShareById, listShares, redeemShare, revokeShare } from '../../src/db/queries';
import { shareTokenPattern } from '../../src/db/tokens';
import { rejectsNotFound, rejectsValidation } from './support/expect';
import { newUser, sharedDatabase } from './support/database';
import { prompt, randomId, rawShare, unchangedBy } from './support/rows';

describe('shares', () => {
  let client: DatabaseClient;
  let owner: string;
  let guest: string;
  before(async () => {
    ({ client } = await sharedDatabase());
    owner = await newUser(client, 'sharer');
    guest = await newUser(client, 'guest');
  });

  /** Makes a share look as if it expired a minute ago. */
  const expire = (id: string) => client.sql`update resource_share set expires_at = localtimestamp - interval '1 minute' where id = ${id}`;

  describe('createShare', () => {
    it('makes a 32-character token with no expiry, no limit and no accesses by default', async () => {
      const r = await createResource(client.db, owner, prompt('Share me'));
      const share = await createShare(client.db, owner, r.id);
      assert.match(share.shareToken, shareTokenPattern);
      const row = await rawShare(client.sql, share.id);
      assert.deepEqual(
        [row!.resource_id, row!.share_token, row!.expires_at, row!.access_count, row!.max_accesses],
        [r.id, share.shareToken, null, 0, null],
      );
    });

    it('expiresInHours sets expires_at that many hours after creation; maxAccesses sets the limit', async () => {
      const r = await createResource(client.db, owner, prompt('Limited'));
      const share = await createShare(client.db, owner, r.id, { expiresInHours: 24, maxAccesses: 5 });
      const half = await createShare(client.db, owner, r.id, { expiresInHours: 0.5 });
      const [row] = await client.sql`select extract(epoch from expires_at - created_at)::int as seconds, max_accesses
        from resource_share where id = ${share.id}`;
      assert.deepEqual({ ...row }, { seconds: 24 * 3600, max_accesses: 5 });
      const [halfRow] =
        await client.sql`select extract(epoch from expires_at - created_at)::int as seconds from resource_share where id = ${half.id}`;
      assert.equal(halfRow!.seconds, 1800);
      assert.equal(share.expiresAt!.getTime() - share.createdAt.getTime(), 24 * 3600 * 1000);
    });

    it('every share of a resource gets its own token', async () => {
      const r = await createResource(client.db, owner, prompt('Many shares'));
      const tokens = new Set<string>();
      for (let i = 0; i < 5; i++) tokens.add((await createShare(client.db, owner, r.id)).shareToken);
      assert.equal(tokens.size, 5);
    });
  });

  describe('listShares, getShareById, revokeShare', () => {
    it('lists the shares of my resource, newest first, with their counts', async () => {
      const r = await createResource(client.db, owner, prompt('Listed'));
      const other = await createResource(client.db, owner, prompt('Not listed'));
      const first = await createShare(client.db, owner, r.id, { maxAccesses: 3 });
      const second = await createShare(client.db, owner, r.id);
      await createShare(client.db, owner, other.id);
      await client.sql`update resource_share set created_at = created_at - interval '1 minute' where id = ${first.id}`;
      await redeemShare(client.db, guest, first.shareToken);
      const shares = await listShares(client.db, owner, r.id);
      assert.deepEqual(
        shares.map((s) => s.id),
        [second.id, first.id],
      );
      assert.equal(shares[1]!.accessCount, 1);
      assert.equal(shares[1]!.maxAccesses, 3);
      assert.deepEqual(await listShares(client.db, owner, (await createResource(client.db, owner, prompt('None'))).id), []);
    });

    it('getShareById returns my share, and null for an unknown id', async () => {
      const r = await createResource(client.db, owner, prompt('By id'));
      const share = await createShare(client.db, owner, r.id);
      assert.deepEqual(await getShareById(client.db, owner, share.id), share);
      assert.equal(await getShareById(client.db, owner, randomId()), null);
    });

    it('revoking a share deletes it and the token stops working at once; revoking again is NotFoundError', async () => {
      const r = await createResource(client.db, owner, prompt('Revoked'));
      const share = await createShare(client.db, owner, r.id);
      const kept = await createShare(client.db, owner, r.id);
      assert.equal((await redeemShare(client.db, guest, share.shareToken)).ok, true);
      await revokeShare(client.db, owner, share.id);
      assert.equal(await rawShare(client.sql, share.id), undefined);
      assert.deepEqual(await redeemShare(client.db, guest, share.shareToken), { ok: false, reason: 'unknown' });
      assert.equal((await redeemShare(client.db, guest, kept.shareToken)).ok, true, 'other shares keep working');
      await rejectsNotFound(revokeShare(client.db, owner, share.id), 'share');
      await rejectsNotFound(revokeShare(client.db, owner, randomId()), 'share');
    });

    it('listShares and createShare of a resource that does not exist are NotFoundError', async () => {
      await rejectsNotFound(listShares(client.db, owner, randomId()), 'resource');
      await unchangedBy(client.sql, [owner], () => rejectsNotFound(createShare(client.db, owner, randomId()), 'resource'));
    });
  });

  describe('redeemShare', () => {
    it('returns the shared (private) resource with its content and counts the access', async () => {
      const r = await createResource(client.db, owner, prompt('Secret recipe', { content: { text: 'the secret' } }));
      const share = await createShare(client.db, owner, r.id);
      const first = await redeemShare(client.db, guest, share.shareToken);
      assert.ok(first.ok);
      assert.deepEqual(first.resource, r);
      assert.equal(first.share.id, share.id);
      assert.equal(first.share.accessCount, 1);
      const second = await redeemShare(client.db, guest, share.shareToken);
      assert.ok(second.ok);
      assert.equal(second.share.accessCount, 2);
      assert.equal((await rawShare(client.sql, share.id))!.access_count, 2);
    });

    it('an unknown token says "unknown" and counts nothing', async () => {
      await unchangedBy(client.sql, [owner], async () =>
        assert.deepEqual(await redeemShare(client.db, guest, 'A'.repeat(32)), { ok: false, reason: 'unknown' }),
      );
    });

    it('tokens are case-sensitive; surrounding whitespace from a copy-paste is ignored', async () => {
      const r = await createResource(client.db, owner, prompt('Pasted'));
      const share = await createShare(client.db, owner, r.id);
      const swapped = [...share.shareToken].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
      assert.notEqual(swapped, share.shareToken);
      assert.deepEqual(await redeemShare(client.db, guest, swapped), { ok: false, reason: 'unknown' });
      assert.equal((await redeemShare(client.db, guest, `  ${share.shareToken}\n`)).ok, true);
    });

    it('an expired token says "expired" and counts nothing', async () => {
      const r = await createResource(client.db, owner, prompt('Expiring'));
      const share = await createShare(client.db, owner, r.id, { expiresInHours: 1 });
      assert.equal((await redeemShare(client.db, guest, share.shareToken)).ok, true, 'works before it expires');
      await expire(share.id);
      await unchangedBy(client.sql, [owner], async () =>
        assert.deepEqual(await redeemShare(client.db, guest, share.shareToken), { ok: false, reason: 'expired' }),
      );
      assert.equal((await rawShare(client.sql, share.id))!.access_count, 1);
    });

    it('a token used max_accesses times says "exhausted" and stays at max_accesses', async () => {
      const r = await createResource(client.db, owner, prompt('Twice'));
      const share = await createShare(client.db, owner, r.id, { maxAccesses: 2 });
      assert.equal((await redeemShare(client.db, guest, share.shareToken)).ok, true);
      assert.equal((await redeemShare(client.db, owner, share.shareToken)).ok, true);
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await redeemShare(client.db, guest, share.shareToken), { ok: false, reason: 'exhausted' });
      }
      assert.equal((await rawShare(client.sql, share.id))!.access_count, 2);
    });

    it('an expired token that is also used up says "expired"', async () => {
      const r = await createResource(client.db, owner, prompt('Both'));
      const share = await createShare(client.db, owner, r.id, { maxAccesses: 1, expiresInHours: 1 });
      await redeemShare(client.db, guest, share.shareToken);
      await expire(share.id);
      assert.deepEqual(await redeemShare(client.db, guest, share.shareToken), { ok: false, reason: 'expired' });
    });

    it('deleting the resource makes its tokens unknown', async () => {
      const r = await createResource(client.db, owner, prompt('Deleted later'));
      const share = await createShare(client.db, owner, r.id);
      await deleteResource(client.db, owner, r.id);
      assert.deepEqual(await redeemShare(client.db, guest, share.shareToken), { ok: false, reason: 'unknown' });
    });

    it('a malformed token is a ValidationError naming the token, and counts nothing', async () => {
      for (const token of [
        '',
        'short',
        'A'.repeat(31),
        'A'.repeat(33),
        `${'A'.repeat(31)}-`,
        `${'A'.repeat(16)} ${'A'.repeat(15)}`,
        "' or 1=1 --",
      ]) {
        await unchangedBy(client.sql, [owner], () =>
          rejectsValidation(redeemShare(client.db, guest, token), 'token', /32 letters and digits/),
        );
      }
    });
  });
});
