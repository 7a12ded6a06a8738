import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createDatabaseClient } from '../../src/db/client';
import { redact } from '../../src/common/redact';
import { classifyConnectionError, describeConnectionError } from '../../src/library/connectionErrors';
import { connectionStringProblem, expandEnv, resolveTeamConnection } from '../../src/library/teamConnection';
import { freePort, startEmbeddedPostgres, type TestServer } from '../support/embedded-postgres';

async function failureOf(url: string, options = {}): Promise<unknown> {
  const client = createDatabaseClient(url, { max: 1, connect_timeout: 2, ...options });
  try {
    await client.sql`select 1`;
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await client.close().catch(() => {});
  }
}

describe('connection errors become messages that say what to do', () => {
  let server: TestServer;
  before(async () => {
    server = await startEmbeddedPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  it('a refused connection', async () => {
    const port = await freePort();
    const err = await failureOf(`postgres://u:hunter22@127.0.0.1:${port}/db`);
    const described = describeConnectionError(err, { host: '127.0.0.1', port }, ['hunter22']);
    assert.equal(described.problem, 'refused');
    assert.match(described.message, new RegExp(`127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
  });

  it('a wrong password, without the password in the message', async () => {
    const url = new URL(server.adminUrl);
    url.password = 'not-the-password';
    const err = await failureOf(url.toString());
    const described = describeConnectionError(err, { host: url.hostname, port: Number(url.port), user: 'postgres' }, ['not-the-password']);
    assert.equal(described.problem, 'auth');
    assert.match(described.message, /rejected the user name or password for user "postgres"/);
    assert.ok(!described.message.includes('not-the-password'));
  });

  it('a database that does not exist', async () => {
    const url = new URL(server.adminUrl);
    url.pathname = '/no_such_db';
    const described = describeConnectionError(await failureOf(url.toString()), {
      host: url.hostname,
      port: Number(url.port),
      database: 'no_such_db',
    });
    assert.equal(described.problem, 'database-missing');
    assert.match(described.message, /"no_such_db" does not exist/);
  });

  it('a host name that does not resolve', async () => {
    const err = await failureOf('postgres://u:p@no-such-host.invalid:5432/db');
    assert.equal(classifyConnectionError(err), 'dns');
    assert.match(describeConnectionError(err, { host: 'no-such-host.invalid', port: 5432 }).message, /DNS lookup failed/);
  });

  it('a server that accepts the connection and never answers: a timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const err = await failureOf(`postgres://u:p@127.0.0.1:${port}/db`, { connect_timeout: 1 });
      assert.equal(classifyConnectionError(err), 'timeout');
      assert.match(describeConnectionError(err, { host: '127.0.0.1', port }).message, /Timed out connecting/);
    } finally {
      silent.close();
    }
  });

  it('a server restarted mid-session: the connection is lost, and a new connection works', async () => {
    const client = createDatabaseClient(server.adminUrl, { max: 1 });
    const admin = createDatabaseClient(server.adminUrl, { max: 1 });
    try {
      // Terminate the backend while its query runs, as a restart or failover does.
      const terminate = async () => {
        for (;;) {
          const rows = await admin.sql<
            { pid: number }[]
          >`select pid from pg_stat_activity where query like 'select pg_sleep%' and pid <> pg_backend_pid()`;
          if (rows[0]) return admin.sql`select pg_terminate_backend(${rows[0].pid})`;
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const [sleeping] = await Promise.allSettled([client.sql`select pg_sleep(10)`, terminate()]);
      const err = sleeping.status === 'rejected' ? sleeping.reason : undefined;
      assert.ok(err, 'the query on the killed connection fails');
      assert.equal(classifyConnectionError(err), 'lost');
      assert.match(describeConnectionError(err, undefined).message, /was lost/);
      // The storage service drops a client whose connection was lost (postgres.js can hang on
      // a connection terminated mid-query) and connects anew.
      const fresh = createDatabaseClient(server.adminUrl, { max: 1 });
      assert.deepEqual([...(await fresh.sql`select 1 as ok`)], [{ ok: 1 }]);
      await fresh.close();
    } finally {
      await client.close().catch(() => {});
      await admin.close();
    }
  });

  it('redacts passwords in URLs, key=value pairs and known secrets', () => {
    assert.equal(redact('postgres://me:s3cr%40t@db:5432/x failed'), 'postgres://me:***@db:5432/x failed');
    assert.equal(redact('password=abc123 host=db'), 'password=*** host=db');
    assert.equal(redact('auth failed for s3cr@t', ['s3cr@t']), 'auth failed for ***');
  });
});

describe('team connection settings', () => {
  it('expands ${env:NAME} and reads PG* variables when there is no connection string', () => {
    assert.equal(expandEnv('${env:HOME_DIR}/ca.pem', { HOME_DIR: '/home/me' }), '/home/me/ca.pem');
    const resolved = resolveTeamConnection(
      undefined,
      { tlsMode: 'verify-full' },
      { PGHOST: 'db.internal', PGPORT: '6543', PGUSER: 'app', PGDATABASE: 'chat', PGPASSWORD: 'pw' },
    );
    assert.equal(resolved.url, undefined);
    assert.equal(resolved.label, 'db.internal:6543/chat');
    assert.equal(resolved.password, 'pw');
  });

  it('labels a connection string by host and database, never the password', () => {
    const resolved = resolveTeamConnection('postgres://app:topsecret@db.example.com:5432/chat?sslmode=require', { tlsMode: 'verify-full' });
    assert.equal(resolved.label, 'db.example.com/chat');
    assert.deepEqual(resolved.options.ssl, { rejectUnauthorized: false }, 'the connection string’s sslmode=require wins over the setting');
    assert.ok(!resolved.label.includes('topsecret'));
  });

  it('explains malformed connection strings', () => {
    assert.match(connectionStringProblem('')!, /Enter a connection string/);
    assert.match(connectionStringProblem('mysql://x')!, /starts with postgres:\/\//);
    assert.match(connectionStringProblem('postgres://u:p@host:99999/db')!, /port/);
    assert.equal(connectionStringProblem('postgres://u:p@host:5432/db'), undefined);
  });
});
