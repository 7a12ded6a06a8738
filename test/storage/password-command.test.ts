import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { createDatabaseClient } from '../../src/db/client';
import { neverRejecting, passwordFromCommand } from '../../src/library/passwordCommand';
import { resolveTeamConnection } from '../../src/library/teamConnection';
import { failOnUnhandledRejection } from '../db/support/unhandled';
import { startTeamServer, type TeamServer } from '../support/teamServer';

// A member who signs in with their cloud's IAM token: no password is stored anywhere, a command
// prints one for each new connection, and the token changes while the window stays open.
describe('a password command (cloud IAM database auth, a secret manager) gives each new connection its password', function () {
  this.timeout(60_000);
  failOnUnhandledRejection();
  let team: TeamServer;
  let admin: postgres.Sql;
  let dir: string;
  const login = 'iam_alice';
  const urlOf = (password = '') => `postgres://${login}${password ? `:${password}` : ''}@127.0.0.1:${team.port}/${team.database}`;
  /** Prints the token file's content, and counts its runs in another file. */
  const printToken = () => `echo run >> '${join(dir, 'runs')}'; cat '${join(dir, 'token')}'`;
  const runs = () => readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n').length;
  const rotate = async (token: string) => {
    await admin.unsafe(`alter role ${login} password '${token}'`);
    writeFileSync(join(dir, 'token'), `${token}\n`);
  };

  before(async () => {
    team = await startTeamServer(resolve(__dirname, '..', '..'));
    admin = postgres(team.url, { max: 1, onnotice: () => {}, fetch_types: false });
    await admin.unsafe(`create role ${login} login password 'unused'`);
  });
  after(async () => {
    await admin?.end({ timeout: 5 });
    await team?.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-resources-password-command-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("connects with the printed password, not the connection string's; a pool opening four connections at once runs the command once", async () => {
    await rotate('token-one-7f3a');
    const printed: string[] = [];
    const resolved = resolveTeamConnection(urlOf('stale-password'), { tlsMode: 'disable', passwordCommand: printToken() }, {}, (p) =>
      printed.push(p),
    );
    assert.equal(resolved.password, undefined, 'no password kept from the connection string');
    assert.ok(!resolved.url?.includes('stale-password'), 'the URL the driver gets carries no password');
    await resolved.checkPassword();
    const client = createDatabaseClient(resolved.url, { ...resolved.options, max: 4 });
    try {
      const users = await Promise.all([1, 2, 3, 4].map(() => client.sql<{ who: string }[]>`select current_user as who, pg_sleep(0.2)`));
      assert.deepEqual(
        users.map(([row]) => row?.who),
        [login, login, login, login],
      );
      const [{ n } = { n: 0 }] = await admin<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where usename = ${login}`;
      assert.equal(n, 4, 'four connections were opened');
      assert.equal(runs(), 1, 'the command ran once for all of them');
      assert.deepEqual(printed, ['token-one-7f3a'], 'the printed password was handed over to be kept out of logs');
    } finally {
      await client.close();
    }
  });

  it('a rotated token: connections opened after the reuse time get the new one; the old one no longer works', async () => {
    await rotate('token-two-91c2');
    const source = passwordFromCommand(printToken(), { reuseMs: 300 });
    const first = createDatabaseClient(urlOf(), { pass: neverRejecting(source), max: 1 });
    await first.sql`select 1`;
    await first.close();
    await rotate('token-three-c05e');
    const stale = createDatabaseClient(urlOf('token-two-91c2'), { max: 1 });
    await assert.rejects(stale.sql`select 1`, (err: { code?: string }) => err.code === '28P01');
    await stale.close();
    await new Promise((r) => setTimeout(r, 400));
    const second = createDatabaseClient(urlOf(), { pass: neverRejecting(source), max: 1 });
    try {
      const [row] = await second.sql<{ who: string }[]>`select current_user as who`;
      assert.equal(row?.who, login);
      assert.equal(runs(), 2, 'the command ran again after the reuse time');
    } finally {
      await second.close();
    }
  });

  it('a failing command: the message names the exit and its error line, never its output; the driver is refused at once, nothing unhandled', async () => {
    const failing = `echo leaked-output-5d1; echo 'ExpiredTokenException: the SSO session has expired' >&2; exit 3`;
    const resolved = resolveTeamConnection(urlOf(), { tlsMode: 'disable', passwordCommand: failing }, {});
    await assert.rejects(resolved.checkPassword(), (err: Error) => {
      assert.match(
        err.message,
        /The password command failed \(exit code 3\): ExpiredTokenException: the SSO session has expired\. Run it in a terminal/,
      );
      assert.ok(!err.message.includes('leaked-output-5d1'), err.message);
      return true;
    });
    const client = createDatabaseClient(resolved.url, { ...resolved.options, max: 1, connect_timeout: 10 });
    const started = Date.now();
    try {
      await assert.rejects(client.sql`select 1`, (err: { code?: string }) => err.code === '28P01');
      assert.ok(Date.now() - started < 5_000, 'refused at once, not after the connect timeout');
    } finally {
      await client.close();
    }
  });

  it('a command that prints nothing says so, and the next connection runs it again', async () => {
    writeFileSync(join(dir, 'token'), '');
    const source = passwordFromCommand(printToken());
    await assert.rejects(source(), /printed no password/);
    await rotate('token-four-2b8e');
    assert.equal(await source(), 'token-four-2b8e', 'a failure is not reused');
    assert.equal(runs(), 2);
  });
});
