import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createDatabaseClient, type DatabaseClient } from '../../src/db/client';
import { createResource, createShare, forkResource, redeemShare, revokeShare } from '../../src/db/queries';
import { rejectsNotFound } from './support/expect';
import { resourceShare } from '../../src/db/schema';
import { generateShareToken, shareTokenPattern } from '../../src/db/tokens';
import { newUser, sharedDatabase } from './support/database';
import { prompt } from './support/rows';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

describe('share tokens', function () {
  this.timeout(120_000);

  it('10,000 tokens are unique and each is 32 letters and digits', () => {
    const tokens = Array.from({ length: 10_000 }, generateShareToken);
    for (const token of tokens) assert.match(token, /^[A-Za-z0-9]{32}$/);
    assert.equal(new Set(tokens).size, 10_000);
    assert.ok(tokens.every((t) => shareTokenPattern.test(t)));
  });

  it('every one of the 62 characters is about equally likely (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) for (const c of generateShareToken()) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort(), [...alphabet].sort());
    const mean = (10_000 * 32) / 62;
    // A biased byte-to-character mapping makes some characters ~25% more frequent; chance alone stays within ~3%.
    for (const [c, n] of counts) assert.ok(Math.abs(n - mean) / mean < 0.1, `${c}: ${n} vs ${Math.round(mean)}`);
  });

  it('100,000 tokens: no duplicate, 32 characters each, exactly the 62-letter alphabet, every letter within ±25% of its expected count', () => {
    const total = 100_000;
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    for (let i = 0; i < total; i++) {
      const token = generateShareToken();
      assert.equal(token.length, 32);
      seen.add(token);
      for (const c of token) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    assert.equal(seen.size, total, 'no duplicate');
    assert.deepEqual([...counts.keys()].sort(), [...alphabet].sort(), 'exactly the base62 alphabet');
    const expected = (total * 32) / alphabet.length;
    let chiSquare = 0;
    for (const [c, n] of counts) {
      assert.ok(Math.abs(n - expected) <= 0.25 * expected, `${c}: ${n} vs ${Math.round(expected)}`);
      chiSquare += (n - expected) ** 2 / expected;
    }
    // 61 degrees of freedom: about 61 ± 11 by chance, and 250 is beyond any fluke (p < 1e-20); the modulo bias
    // of byte % 62 (8 letters a fifth more frequent, still within ±25%) would give about 21,000.
    console.log(`      100,000 tokens: chi-square ${chiSquare.toFixed(1)} over 61 degrees of freedom`);
    assert.ok(chiSquare < 250, `chi-square ${chiSquare}`);
  });

  it('comes from crypto.randomBytes, never Math.random', () => {
    const original = { randomBytes: crypto.randomBytes, random: Math.random };
    try {
      Math.random = () => assert.fail('Math.random was used');
      (crypto as { randomBytes: unknown }).randomBytes = (size: number) => Buffer.alloc(size, 0);
      assert.equal(generateShareToken(), 'A'.repeat(32), 'byte 0 maps to the first letter');
      // Bytes at or above 248 (the largest multiple of 62 below 256) are skipped, not folded onto a letter.
      (crypto as { randomBytes: unknown }).randomBytes = (size: number) =>
        Buffer.from(Array.from({ length: size }, (_, i) => (i % 2 ? 255 : 61)));
      assert.equal(generateShareToken(), '9'.repeat(32));
    } finally {
      crypto.randomBytes = original.randomBytes;
      Math.random = original.random;
    }
    assert.notEqual(generateShareToken(), 'A'.repeat(32));
  });

  describe('in the database', () => {
    let client: DatabaseClient;
    before(async () => {
      const { url } = await sharedDatabase();
      client = createDatabaseClient(url, { max: 20 });
    });
    after(() => client.close());

    const tokenStats = (ids: string[]) => client.sql`select count(*)::int as shares, count(distinct share_token)::int as tokens,
        count(*) filter (where share_token ~ '^[A-Za-z0-9]{32}$')::int as well_formed
      from resource_share where resource_id = any(string_to_array(${ids.join(',')}, ',')::uuid[])`;

    it('10,000 shares with generated tokens insert cleanly: 10,000 distinct well-formed tokens in the table', async () => {
      const owner = await newUser(client, 'sharer10k');
      const ids = (await Promise.all(Array.from({ length: 10 }, (_, i) => createResource(client.db, owner, prompt(`Shared ${i}`))))).map(
        (r) => r.id,
      );
      for (let chunk = 0; chunk < 5; chunk++) {
        await client.db
          .insert(resourceShare)
          .values(Array.from({ length: 2_000 }, (_, i) => ({ resourceId: ids[i % ids.length]!, shareToken: generateShareToken() })));
      }
      const [row] = await tokenStats(ids);
      assert.deepEqual({ ...row }, { shares: 10_000, tokens: 10_000, well_formed: 10_000 });
    });

    it('1,000 shares made through createShare, 20 at a time, all land with distinct tokens', async () => {
      const owner = await newUser(client, 'sharer1k');
      const ids = (await Promise.all(Array.from({ length: 4 }, (_, i) => createResource(client.db, owner, prompt(`Shared ${i}`))))).map(
        (r) => r.id,
      );
      let next = 0;
      const worker = async () => {
        while (next < 1_000) {
          const i = next++;
          await createShare(client.db, owner, ids[i % ids.length]!);
        }
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      const [row] = await tokenStats(ids);
      assert.deepEqual({ ...row }, { shares: 1_000, tokens: 1_000, well_formed: 1_000 });
    });

    it('a revoked token stops working at once: redemptions in flight succeed or say "unknown", and every one started after the revoke says "unknown"', async () => {
      const owner = await newUser(client, 'revoker');
      const guest = await newUser(client, 'revoked-guest');
      const r = await createResource(client.db, owner, prompt('Revoked while in use'));
      const share = await createShare(client.db, owner, r.id);
      let revokedAt = Infinity;
      const outcomes: { startedAt: number; outcome: string }[] = [];
      const deadline = Date.now() + 10_000;
      // Ten callers redeem in a loop (bounded in count and time) until the token stops working.
      const worker = async () => {
        for (let i = 0; i < 200 && Date.now() < deadline; i++) {
          const startedAt = performance.now();
          const result = await redeemShare(client.db, guest, share.shareToken);
          const outcome = result.ok ? 'ok' : result.reason;
          outcomes.push({ startedAt, outcome });
          if (outcome === 'unknown') return;
        }
      };
      const workers = Promise.all(Array.from({ length: 10 }, worker));
      while (outcomes.filter((o) => o.outcome === 'ok').length < 20 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 5));
      await revokeShare(client.db, owner, share.id);
      revokedAt = performance.now();
      assert.deepEqual(await redeemShare(client.db, guest, share.shareToken), { ok: false, reason: 'unknown' }, 'right after the revoke');
      await rejectsNotFound(forkResource(client.db, guest, r.id, { viaShareToken: share.shareToken }), 'resource');
      await workers;
      assert.ok(
        outcomes.every((o) => o.outcome === 'ok' || o.outcome === 'unknown'),
        [...new Set(outcomes.map((o) => o.outcome))].join(', '),
      );
      const late = outcomes.filter((o) => o.startedAt > revokedAt);
      assert.ok(
        late.every((o) => o.outcome === 'unknown'),
        'nothing started after the revoke succeeded',
      );
      assert.ok(outcomes.filter((o) => o.outcome === 'ok').length >= 20);
      console.log(
        `      revoke race: ${outcomes.filter((o) => o.outcome === 'ok').length} redemptions before the revoke, ${outcomes.filter((o) => o.outcome === 'unknown').length} "unknown" after`,
      );
    });
  });
});
