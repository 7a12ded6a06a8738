import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import fc from 'fast-check';
import postgres from 'postgres';
import { createDatabaseClient } from '../../src/db/client';
import { connectionStringFromParts, connectionStringProblem, resolveTeamConnection } from '../../src/library/teamConnection';
import { startTeamServer, type TeamServer } from '../support/teamServer';
import { failOnUnhandledRejection } from '../db/support/unhandled';

// Every answer connectionStringProblem may give; none of them quotes the input.
const problems = [
  /^Enter a connection string such as postgres:\/\/user:password@host:5432\/database$/,
  /^A connection string starts with postgres:\/\/ or postgresql:\/\/$/,
  /^The port must be a number from 1 to 65535$/,
  /^The connection string has no host: postgres:\/\/user:password@HOST:5432\/database$/,
  /^The connection string is not a valid URL \(special characters in the password must be percent-encoded, e\.g\. @ as %40\)$/,
  /^The connection string has a % that does not start a valid escape such as %40 \(write a % itself as %25\)$/,
  /^The connection string must not contain a NUL character \(%00\)$/,
];

/** Passwords distinctive enough that finding one in a message can only be a leak. */
const secretPasswords = ['s3cr3t-Pa55', 'p@ss:w/rd!', 'p%40ss%3Aword', 'pa ss wörd', '😀-sëcret', "it's-Q", 'p%zzword', 'hunter2%'];

/** Mostly well-formed parts, sometimes a broken one. */
const part = (good: string[], bad: string[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });

const connectionString = fc
  .record({
    pad: part(['', ' ', '\n'], ['\t ', '\u3000']),
    scheme: part(['postgres://', 'postgresql://', 'POSTGRES://'], ['mysql://', 'postgres:/', '', 'http://', 'postgres:']),
    user: part(['', 'app', 'a%40b', 'ü'], ['u%', 'a:b', 'u%0']),
    password: fc.oneof(fc.constantFrom('', ...secretPasswords), fc.string({ unit: 'binary', maxLength: 8 })),
    host: part(
      ['db.example.com', '127.0.0.1', '[::1]', 'höst', 'a,b'],
      ['', 'h ost', 'ho%st', '[::1', '%5B::1%5D', 'db\u0000x', 'x\u202ey'],
    ),
    port: part(['', ':5432', ':1', ':65535'], [':0', ':65536', ':-1', ':abc', ':', ':5432:1', ':1e3']),
    path: part(
      ['/db', '', '/', '/db?sslmode=require', '/db?sslmode=verify-full&x=1', '/%2Fx'],
      ['/d%b', '/%ZZ', '/db#frag', '/\ud800', '/d%00b'],
    ),
  })
  .map((p) => ({
    ...p,
    text: `${p.pad}${p.scheme}${p.user}${p.password ? `:${p.password}` : ''}${p.user || p.password ? '@' : ''}${p.host}${p.port}${p.path}${p.pad}`,
  }));

const anyText = fc.string({ unit: 'binary', maxLength: 60 }).map((text) => ({ text, password: '' }));

describe('malformed connection strings: a clear reason, never a crash, never the password', () => {
  failOnUnhandledRejection();
  const runs = 400;

  it(`${runs} generated connection strings: connectionStringProblem and resolveTeamConnection agree and never throw anything else`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: connectionString }, { weight: 1, arbitrary: anyText }), ({ text, password }) => {
        const problem = connectionStringProblem(text);
        const leaked = secretPasswords.includes(password) ? password : undefined;
        if (problem !== undefined) {
          assert.ok(
            problems.some((p) => p.test(problem)),
            `an unexpected reason: ${problem}`,
          );
          // No connection string at all means "use the PG* environment variables".
          if (text === '') assert.equal(resolveTeamConnection(text, { tlsMode: 'verify-full' }, {}).url, undefined);
          else
            assert.throws(
              () => resolveTeamConnection(text, { tlsMode: 'verify-full' }, {}),
              (err: Error) => err.message === problem,
            );
          if (leaked) assert.ok(!problem.includes(leaked));
          return;
        }
        accepted++;
        const resolved = resolveTeamConnection(text, { tlsMode: 'verify-full' }, {});
        const url = new URL(text.trim());
        assert.ok(resolved.target.host.length > 0, 'a host');
        assert.ok(
          Number.isInteger(resolved.target.port) && resolved.target.port >= 1 && resolved.target.port <= 65535,
          `port ${resolved.target.port}`,
        );
        assert.equal(resolved.password, decodeURIComponent(url.password) || undefined, 'the password is the decoded one');
        assert.ok(!resolved.url!.includes('sslmode='), 'sslmode is taken out of the URL (it becomes the ssl option)');
        if (leaked) {
          assert.ok(
            !resolved.label.includes(leaked) && !resolved.label.includes(encodeURIComponent(leaked)),
            `the label shows no password: ${resolved.label}`,
          );
          assert.ok(!resolved.target.host.includes(leaked), 'nor does the host');
        }
      }),
      { numRuns: runs },
    );
    console.log(
      `      connection strings: ${runs} generated, ${accepted} accepted as well-formed, ${runs - accepted} refused with a reason`,
    );
  });

  const cases: [text: string, reason: RegExp | undefined][] = [
    ['', /Enter a connection string/],
    ['   \n', /Enter a connection string/],
    ['db.example.com:5432', /starts with postgres:\/\//],
    ['mysql://u:p@db/x', /starts with postgres:\/\//],
    ['postgres://', /no host/],
    ['postgres:///chat', /no host/],
    ['postgres://u:p@:5432/db', /not a valid URL/],
    ['postgres://u:p@db:0/x', /port must be a number from 1 to 65535/],
    ['postgres://u:p@db:65536/x', /port must be a number from 1 to 65535/],
    ['postgres://u:p@db:/x', /port must be a number from 1 to 65535/],
    ['postgres://u:p@db:abc/x', /not a valid URL/],
    ['postgres://u:p@db:5432:6543/x', /not a valid URL/],
    ['postgres://u:p@[::1/x', /not a valid URL/],
    ['postgres://u:p@d b/x', /not a valid URL/],
    ['postgres://u:p%zz@db/x', /a % that does not start a valid escape/],
    ['postgres://u%@db/x', /a % that does not start a valid escape/],
    ['postgres://u:p@db/%ZZ', /a % that does not start a valid escape/],
    ['postgres://u:p%00@db/x', /NUL character/],
    ['postgres://u:p@ss@db/x', undefined],
    ['postgres://u:pa ss@db/x', undefined],
    ['postgres://u:p%40ss%3Aw%2Frd@[::1]:6543/x?sslmode=require', undefined],
    ['  postgresql://u:p@db/x\n', undefined],
  ];
  for (const [text, reason] of cases) {
    it(`${JSON.stringify(text)}: ${reason ? `refused (${reason.source})` : 'accepted'}`, () => {
      const problem = connectionStringProblem(text);
      if (reason) {
        assert.match(problem ?? '(accepted)', reason);
        if (text !== '') assert.throws(() => resolveTeamConnection(text, { tlsMode: 'verify-full' }, {}), reason);
      } else {
        assert.equal(problem, undefined);
        const resolved = resolveTeamConnection(text, { tlsMode: 'verify-full' }, {});
        assert.equal(resolved.password, decodeURIComponent(new URL(text.trim()).password));
        assert.ok(!resolved.label.includes(resolved.password!));
      }
    });
  }
});

describe('passwords as people write them reach a real server intact: by URL, by parts, by PG* variables', () => {
  failOnUnhandledRejection();
  let team: TeamServer;
  let admin: postgres.Sql;
  const root = resolve(__dirname, '..', '..');

  // Set with ALTER ROLE, as an administrator (or psql's \password) sets them: Postgres keeps the
  // SCRAM verifier of the SASLprep'd password, so "the same password" is the prepared one.
  const passwords: [label: string, password: string][] = [
    ['@ : / in it', 'p@ss:w/rd@'],
    ['% signs, one before hex digits', '100%-%41-%zz'],
    ['spaces', ' pa ss wörd '],
    ['quotes, backslash, # ? & = +', `it's \\ "q" #?&=+`],
    ['non-ASCII, composed (ö as one character)', 'wörd-ñ-日本語'],
    ['non-ASCII, decomposed (o + combining diaeresis, as macOS file names)', 'wo\u0308rd'],
    ['a no-break space', 'pa\u00a0ss'],
    ['full-width letters', 'ｐａｓｓ１'],
    ['a ligature and a soft hyphen', 'ﬁle\u00adname'],
    ['an emoji', '😀-sëcret'],
    ['an emoji and a no-break space (Postgres leaves it as typed)', '😀\u00a0x'],
    ['right-to-left text', 'שלום'],
  ];
  const roles = passwords.map((_, i) => `member_${i}`);
  const port = () => String(team.port);

  before(async function () {
    this.timeout(120_000);
    team = await startTeamServer(root);
    admin = postgres(team.url, { max: 1, onnotice: () => {} });
    for (const [i, [, password]] of passwords.entries()) {
      await admin.unsafe(`create role ${roles[i]} login password '${password.replaceAll("'", "''")}'`);
    }
  });
  after(async () => {
    await admin?.end();
    await team?.stop();
  });

  /** Connects as the product does (resolveTeamConnection, then the pool) and asks who it is. */
  async function whoAmI(url: string | undefined, env: NodeJS.ProcessEnv = {}): Promise<string> {
    const resolved = resolveTeamConnection(url, { tlsMode: 'disable' }, env);
    const client = createDatabaseClient(resolved.url, { ...resolved.options, max: 1, connect_timeout: 5 });
    try {
      const [row] = await client.sql<{ user: string }[]>`select current_user as user`;
      return row!.user;
    } finally {
      await client.close(1);
    }
  }

  for (const [i, [label, password]] of passwords.entries()) {
    it(`${label}: by a percent-encoded URL, by parts and by PGPASSWORD`, async () => {
      const role = roles[i]!;
      const encoded = `postgres://${role}:${encodeURIComponent(password)}@127.0.0.1:${port()}/postgres`;
      assert.equal(await whoAmI(encoded), role, 'a URL with the password percent-encoded');
      const parts = connectionStringFromParts({ host: '127.0.0.1', port: port(), database: 'postgres', user: role, password });
      assert.equal(connectionStringProblem(parts), undefined);
      assert.equal(await whoAmI(parts), role, 'the parts the Connect command asks for');
      const env = { PGHOST: '127.0.0.1', PGPORT: port(), PGDATABASE: 'postgres', PGUSER: role, PGPASSWORD: password };
      assert.equal(await withEnv(env, () => whoAmI(undefined, env)), role, 'the PG* environment variables');
    });
  }

  it('a URL typed with the raw password works where it can be read (@, spaces, non-ASCII), and is refused with a reason where it cannot (a % that is no escape)', async () => {
    const typed = (i: number) => `postgres://${roles[i]}:${passwords[i]![1]}@127.0.0.1:${port()}/postgres`;
    assert.equal(await whoAmI(typed(0).replace('p@ss:w/rd@', 'p@ss:w%2Frd@')), roles[0], '@ and : typed as they are, / encoded');
    assert.equal(await whoAmI(typed(2)), roles[2], 'spaces and ö typed as they are');
    assert.equal(await whoAmI(typed(6)), roles[6], 'a no-break space typed as it is');
    assert.match(connectionStringProblem(typed(1)) ?? '', /a % that does not start a valid escape such as %40 \(write a % itself as %25\)/);
  });

  it('a user name and a database name with @, spaces and non-ASCII, by parts', async () => {
    await admin.unsafe(`create role "ana.maría@corp" login password 'x y@z'`);
    await admin.unsafe(`create database "team db ü" owner "ana.maría@corp"`);
    const url = connectionStringFromParts({
      host: '127.0.0.1',
      port: port(),
      database: 'team db ü',
      user: 'ana.maría@corp',
      password: 'x y@z',
    });
    const resolved = resolveTeamConnection(url, { tlsMode: 'disable' }, {});
    assert.deepEqual(resolved.target, { host: '127.0.0.1', port: team.port, user: 'ana.maría@corp', database: 'team db ü' });
    assert.equal(await whoAmI(url), 'ana.maría@corp');
  });
});

/** Runs with these PG* variables in process.env (postgres.js reads them there), then puts the old ones back. */
async function withEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
