import assert from 'node:assert/strict';
import { freePort } from '../support/freePort';
import { runToExit, teamDatabase } from './support';

describe('MCP server start: bad settings end the process with a message that says what to do, and no password', function () {
  this.timeout(60_000);

  it('--help prints the options and their environment variables', async () => {
    const { code, stdout } = await runToExit({}, ['--help']);
    assert.equal(code, 0);
    for (const name of [
      '--database-url',
      'AGENT_RESOURCES_DATABASE_URL',
      '--user-email',
      'AGENT_RESOURCES_USER_EMAIL',
      'AGENT_RESOURCES_TLS_MODE',
      'AGENT_RESOURCES_CA_FILE',
      '--password-command',
      'AGENT_RESOURCES_PASSWORD_COMMAND',
    ]) {
      assert.ok(stdout.includes(name), name);
    }
  });

  it('an unknown option or a bad TLS mode exits 2', async () => {
    const unknown = await runToExit({}, ['--databse-url', 'x']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option --databse-url\. Run with --help/);
    const tls = await runToExit({ AGENT_RESOURCES_TLS_MODE: 'sometimes' });
    assert.equal(tls.code, 2);
    assert.match(tls.stderr, /The TLS mode "sometimes" is not one of/);
  });

  it('a server that is not there: the host and port, what to check, never the password', async () => {
    const port = await freePort();
    const password = 'pa$$-word-never-shown';
    const { code, stderr } = await runToExit({
      AGENT_RESOURCES_DATABASE_URL: `postgres://someone:${encodeURIComponent(password)}@127.0.0.1:${port}/db`,
      AGENT_RESOURCES_USER_EMAIL: 'a@example.com',
      AGENT_RESOURCES_TLS_MODE: 'disable',
    });
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`Could not reach the database at 127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
    assert.ok(!stderr.includes(password) && !stderr.includes(encodeURIComponent(password)), stderr);
  });

  it('a URL on the command line is warned about (the process list shows it), and a wrong password is said so', async () => {
    const team = await teamDatabase();
    const url = new URL(team.server.url);
    url.password = 'wrong-password-here';
    const { code, stderr } = await runToExit({ AGENT_RESOURCES_TLS_MODE: 'disable' }, [
      '--database-url',
      url.toString(),
      '--user-email',
      'x@example.com',
    ]);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /holds a password, which other users of this machine can read in the process list: set AGENT_RESOURCES_DATABASE_URL/,
    );
    assert.match(stderr, /rejected the user name or password for user "postgres"/);
    assert.ok(!stderr.includes('wrong-password-here'), stderr);
  });

  it('a password command that fails: its exit and error line, what to do, nothing of its output', async () => {
    const team = await teamDatabase();
    const url = new URL(team.server.url);
    url.password = '';
    const { code, stderr } = await runToExit({
      ...team.env('x@example.com'),
      AGENT_RESOURCES_DATABASE_URL: url.toString(),
      AGENT_RESOURCES_PASSWORD_COMMAND: "echo printed-token-never-shown; echo 'token expired' >&2; exit 4",
    });
    assert.equal(code, 1);
    assert.match(stderr, /The password command failed \(exit code 4\): token expired\. Run it in a terminal/);
    assert.ok(!stderr.includes('printed-token-never-shown'), stderr);
  });

  it('the password a command prints is the one the server connects with', async () => {
    const team = await teamDatabase();
    const url = new URL(team.server.url);
    url.password = '';
    const { code, stderr } = await runToExit({
      ...team.env('nobody-here@example.com'),
      AGENT_RESOURCES_DATABASE_URL: url.toString(),
      AGENT_RESOURCES_PASSWORD_COMMAND: `printf '%s' '${team.server.password}'`,
    });
    // Connected and asked who the user is: the login worked.
    assert.equal(code, 1);
    assert.match(stderr, /No user with the email nobody-here@example\.com exists/);
    assert.ok(!stderr.includes(team.server.password));
  });

  it('an email that is no user of the team database names the flag and the variable to set', async () => {
    const team = await teamDatabase();
    const { code, stderr } = await runToExit(team.env('nobody-here@example.com'));
    assert.equal(code, 1);
    assert.match(
      stderr,
      /No user with the email nobody-here@example\.com exists in the team database .*--user-email \(or AGENT_RESOURCES_USER_EMAIL\)/,
    );
    assert.ok(!stderr.includes(team.server.password));
  });
});
