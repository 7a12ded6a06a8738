// Searches that do not flip: the tree's search for a spread of terms, from none of the big user's
// 100,000 rows to half of them (single words, phrases of common words, words of their own
// trigrams, a word only other users have), in the user's own list and in public browsing; each
// again after fresh ANALYZE samples, since a new sample is what made the plan flip. Then (row-level
// security on) as the member's own login. Run by bench/db.ts on its seeded server.
import postgres from 'postgres';
import { createDatabaseClient, type Database } from '../src/db/client';
import { getPublicResources, getUserResources } from '../src/db/queries';
import { addTeamMember, enableMemberIsolation } from '../src/library/teamAdmin';
import { explain } from './plans';
import { figure, ms, type Figure } from './lib/stats';
import { spreadTerms, terms } from './seed';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const ANALYZE_SAMPLES = Number(process.env.BENCH_ANALYZE_SAMPLES ?? 5);
const SAMPLE_RUNS = 7;
const TARGET = 10;

/** From no match to half the user's rows; phrases of common words are the trigram index's worst case. */
const spread = [
  terms.none,
  terms.rare,
  'agent alert',
  spreadTerms.tenth,
  'refactor code',
  'code review',
  spreadTerms.one,
  'svelte',
  terms.medium,
  'database',
  'code',
  terms.common,
  spreadTerms.othersOnly,
];
const publicSpread = [terms.rare, 'agent alert', 'refactor code', 'code review', spreadTerms.one, terms.medium, terms.common];
const memberSpread = [terms.rare, 'refactor code', terms.medium, terms.common];

const keyOf = (term: string) => term.replace(/ (\w)/g, (_, c: string) => c.toUpperCase());
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

type List = typeof getUserResources;

async function timed(runs: number, run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await run();
    samples.push(performance.now() - t);
  }
  return samples;
}

export interface SpreadEntry {
  term: string;
  bigUserMatches: number;
  otherMatches: number;
  publicMatches: number;
  medianMs?: number;
  /** The median after each fresh ANALYZE sample. */
  afterAnalyzeMs?: number[];
  indexes?: string[][];
}

export async function measureSearchSpread(
  url: string,
  bigId: string,
  log: (line: string) => void,
): Promise<{ figures: Figure[]; spread: SpreadEntry[]; publicSpread: Record<string, number>; member: Record<string, number> }> {
  const client = createDatabaseClient(url, { max: 1 });
  const { db, sql } = client;
  // The list statement each search sends (to explain it), as bench/db.ts captures it.
  let captured: { text: string; params: unknown[] } | undefined;
  const unsafe = sql.unsafe.bind(sql);
  sql.unsafe = ((text: string, params?: unknown[], options?: object) => {
    if (/from "resource"/.test(text) && /order by/i.test(text)) captured = { text, params: params ?? [] };
    return unsafe(text, params as never[], options);
  }) as typeof sql.unsafe;
  try {
    const counts = await sql.unsafe<Record<string, number>[]>(
      `select ${[...new Set([...spread, ...publicSpread])]
        .map((t, i) => {
          const m = `(name ilike $${i + 2} or description ilike $${i + 2})`;
          return `count(*) filter (where user_id = $1 and ${m})::int as "b${i}", count(*) filter (where user_id <> $1 and ${m})::int as "o${i}", count(*) filter (where is_public and user_id <> $1 and ${m})::int as "p${i}"`;
        })
        .join(', ')} from resource`,
      [bigId, ...[...new Set([...spread, ...publicSpread])].map((t) => `%${t}%`)],
    );
    const all = [...new Set([...spread, ...publicSpread])];
    const entries: SpreadEntry[] = spread.map((term) => {
      const i = all.indexOf(term);
      return { term, bigUserMatches: counts[0]![`b${i}`]!, otherMatches: counts[0]![`o${i}`]!, publicMatches: counts[0]![`p${i}`]! };
    });
    const search = (list: List, term: string) => () => list(db as Database, bigId, { search: term });
    const indexesOf = async (list: List, term: string) => {
      captured = undefined;
      await search(list, term)();
      return (await explain(sql, captured!.text, captured!.params)).indexes.filter((i) => !/share|tag/.test(i));
    };

    for (const e of entries) {
      e.medianMs = median(await timed(RUNS, search(getUserResources, e.term)));
      e.indexes = [await indexesOf(getUserResources, e.term)];
      e.afterAnalyzeMs = [];
    }
    // A fresh random sample each time: the estimates (and so the plans) move with it.
    for (let k = 0; k < ANALYZE_SAMPLES; k++) {
      await sql.unsafe('analyze resource');
      for (const e of entries) {
        e.afterAnalyzeMs!.push(median(await timed(SAMPLE_RUNS, search(getUserResources, e.term))));
        const indexes = await indexesOf(getUserResources, e.term);
        if (!e.indexes!.some((seen) => seen.join() === indexes.join())) e.indexes!.push(indexes);
      }
    }
    const pct = (n: number) => `${((n / 100_000) * 100).toFixed(n && n < 100 ? 3 : n < 1000 ? 2 : 1)} %`;
    const figures: Figure[] = [];
    for (const e of entries) {
      const worst = Math.max(...e.afterAnalyzeMs!);
      const f = figure(
        `db.searchSpread.${keyOf(e.term)}`,
        `search "${e.term}": ${e.bigUserMatches.toLocaleString('en')} of the user's rows (${pct(e.bigUserMatches)}), ${e.otherMatches.toLocaleString('en')} of others'`,
        'ms',
        [e.medianMs!],
        ms(TARGET),
        `after ${ANALYZE_SAMPLES} fresh ANALYZE samples ${Math.min(...e.afterAnalyzeMs!).toFixed(2)}-${worst.toFixed(2)} ms; plans: ${e.indexes!.map((i) => i.join('+')).join(' | ')}`,
      );
      figures.push(f);
      log(
        `search spread "${e.term}" (${e.bigUserMatches} rows): ${e.medianMs!.toFixed(2)} ms, after re-ANALYZE up to ${worst.toFixed(2)} ms; ${e.indexes!.map((i) => i.join('+')).join(' | ')}`,
      );
    }
    const worst = entries.reduce((w, e) => (Math.max(...e.afterAnalyzeMs!) > Math.max(...w.afterAnalyzeMs!) ? e : w));
    figures.push(
      figure(
        'db.searchSpread.worst',
        `search, the slowest of ${entries.length} terms over ${ANALYZE_SAMPLES} fresh ANALYZE samples ("${worst.term}")`,
        'ms',
        [Math.max(...worst.afterAnalyzeMs!)],
        ms(TARGET),
      ),
    );

    const publicMs: Record<string, number> = {};
    for (const term of publicSpread) {
      const i = all.indexOf(term);
      const m = median(await timed(RUNS, search(getPublicResources, term)));
      publicMs[term] = m;
      const indexes = await indexesOf(getPublicResources, term);
      figures.push(
        figure(
          `db.searchPublic.${keyOf(term)}`,
          `public browsing, search "${term}": ${counts[0]![`p${i}`]!.toLocaleString('en')} public rows of other users`,
          'ms',
          [m],
          ms(TARGET),
          `plan: ${indexes.join('+')}`,
        ),
      );
      log(`public search "${term}": ${m.toFixed(2)} ms; ${indexes.join('+')}`);
    }
    return { figures, spread: entries, publicSpread: publicMs, member: await memberSearch(url, bigId, sql, figures, log) };
  } finally {
    await client.close();
  }
}

/**
 * The same searches as the user's own login with row-level security on (the administrator's
 * script): Postgres then may not use the trigram indexes for ILIKE, which is not leakproof.
 * Last, since it switches row-level security on in the seeded database (superusers, as the later
 * parts connect, are not subject to it).
 */
async function memberSearch(url: string, bigId: string, sql: postgres.Sql, figures: Figure[], log: (line: string) => void) {
  const { join } = await import('node:path');
  const migrations = join(__dirname, '..', 'migrations');
  await enableMemberIsolation(sql, migrations);
  const [user] = await sql<{ email: string }[]>`select email from "user" where id = ${bigId}`;
  const password = 'bench member pässword';
  await addTeamMember(sql, { login: 'bench_big_member', email: user!.email, password });
  const memberUrl = new URL(url);
  memberUrl.username = 'bench_big_member';
  memberUrl.password = encodeURIComponent(password);
  const member = createDatabaseClient(memberUrl.toString(), { max: 1 });
  const out: Record<string, number> = {};
  try {
    for (const term of memberSpread) {
      const m = median(await timed(Math.min(RUNS, 10), () => getUserResources(member.db, bigId, { search: term })));
      out[term] = m;
      figures.push(
        figure(
          `db.searchMember.${keyOf(term)}`,
          `search "${term}" as the member's own login (row-level security on)`,
          'ms',
          [m],
          ms(TARGET),
        ),
      );
      log(`member search "${term}": ${m.toFixed(2)} ms`);
    }
  } finally {
    await member.close();
  }
  return out;
}
