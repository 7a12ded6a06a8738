import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createResource } from '../../src/db/queries';
import { startTeamServer, type TeamServer } from '../support/teamServer';
import { drove } from './support/coverage';
import { titleOf } from './support/manifest';
import { startRelay, type Relay } from './support/proxy';
import { startTeam, type Team } from './support/team';
import { root, useWorkbench } from './support/workbench';

const title = (command: string) => titleOf(`agentResources.${command}`);
const email = 'ui-storage@example.com';

/** The settings files of this test's window (its user-data folder is the one whose settings name its email). */
function settingsFiles(): { path: string; text: string }[] {
  const found: { path: string; text: string }[] = [];
  for (const run of readdirSync(tmpdir()).filter((n) => n.startsWith('agent-resources-host-'))) {
    for (const scope of ['User', 'Machine']) {
      const path = join(tmpdir(), run, 'user-data', scope, 'settings.json');
      if (!existsSync(path)) continue;
      const text = readFileSync(path, 'utf8');
      if (text.includes(email)) found.push({ path, text });
    }
  }
  return found;
}

describe('the team database: Connect to Postgres… through its input boxes, kept across a reload, Retry, Create Resource Tables', () => {
  let team: Team;
  let relay: Relay;
  let empty: TeamServer;
  let label: string;

  before(async () => {
    team = await startTeam(email);
    await createResource(team.client.db, team.userId, {
      name: 'Team checklist',
      resourceType: 'workflow',
      content: { steps: [{ text: 'check' }] },
    });
    // The window reaches the team database through a relay the tests can cut.
    relay = await startRelay(team.server.port);
    label = `127.0.0.1:${relay.port}/postgres`;
    empty = await startTeamServer(root);
  });
  // A local library at first; no PG* variables: only what is typed into the input boxes connects.
  // TLS off, as for a development server on this machine (the test servers have none).
  const wb = useWorkbench({ settings: { 'agentResources.userEmail': email, 'agentResources.team.tlsMode': 'disable' } });
  after(async () => {
    await relay?.stop();
    await team?.stop();
    await empty?.stop();
  });

  it('Connect to Postgres… (the view’s "..." menu): the pasted connection string is checked, connects, and no settings file holds its password', async () => {
    const w = wb();
    await w.showLibrary();
    await w.welcome('Your library is empty').waitFor({ timeout: 60_000 });
    await w.chooseMoreAction(title('connect'));
    await w.waitForPrompt('How do you want to connect?');
    await w.shot('connect-how');
    await w.pick('Paste a connection string');
    await w.waitForPrompt('Connection string');
    assert.equal(await w.quickInput().locator('input.input').first().getAttribute('type'), 'password', 'the string is typed unseen');
    await w.typeInput('mysql://somewhere');
    await w.validationMessage(/postgres/i);
    await w.shot('connect-validation');
    const password = team.server.password;
    await w.typeInput(`postgres://${team.server.user}:${password}@127.0.0.1:${relay.port}/postgres`);
    await w.page.keyboard.press('Enter');
    await w.expectToast(`Connected to the team database ${label}.`);
    await w.row('Team checklist').waitFor({ timeout: 60_000 });
    assert.match(await w.statusBarItem().innerText(), new RegExp(`Team: ${label}`));
    await w.shot('connected');
    drove('agentResources.connect', 'the view’s "..." menu, a pasted connection string');
    await w.dismissToasts();

    const files = settingsFiles();
    assert.ok(files.length > 0, 'the window’s settings files');
    assert.ok(
      files.some((f) => /"agentResources\.storage\.mode":\s*"team"/.test(f.text)),
      'the team mode is in the settings',
    );
    for (const f of files) assert.ok(!f.text.includes(password), `${f.path} holds the password`);
  });

  it('the window reloaded is still connected: the connection string came back from SecretStorage', async () => {
    const w = wb();
    await w.reload();
    await w.showLibrary();
    await w.row('Team checklist').waitFor({ timeout: 60_000 });
    assert.match(await w.statusBarItem().innerText(), new RegExp(`Team: ${label}`));
    await w.shot('reloaded-connected');
    // The Output panel at its full width: a narrow one moves its filter box.
    await w.hideSecondarySideBar();
    await w.palette(title('showLog'));
    await w.logLine('Connected to the team database', new RegExp(`Connected\\sto\\sthe\\steam\\sdatabase\\s${label}\\sas\\s${email}`));
  });

  it('with the database unreachable the view says so; once it is back, Retry Connection (the status bar’s storage actions) reconnects', async () => {
    const w = wb();
    await relay.down();
    await w.clickTitle(title('refresh'));
    await w.welcome('The database cannot be reached').waitFor({ timeout: 60_000 });
    assert.match(await w.statusBarItem().innerText(), new RegExp(`Team: ${label} \\(offline\\)`));
    await w.shot('offline');
    await w.dismissToasts();
    // The extension keeps trying, each time later: once its next try is half a minute away, a
    // reconnect within that time is the Retry's.
    await w.hideSecondarySideBar();
    await w.palette(title('showLog'));
    await w.logLine('Next try in 30 s', /Next\stry\sin\s30\ss/);
    await relay.up();
    await w.statusBarItem().click();
    await w.waitForPrompt('(offline)');
    assert.ok((await w.pickItems()).includes('Retry Connection'), 'offered while offline');
    await w.shot('storage-actions-offline');
    const asked = Date.now();
    await w.pick('Retry Connection');
    await w.row('Team checklist').waitFor({ timeout: 20_000 });
    assert.ok(Date.now() - asked < 25_000, 'reconnected before the next automatic try');
    await w.until('the status bar to say connected', async () => {
      const said = await w.statusBarItem().innerText();
      return !said.includes('offline') || said;
    });
    drove('agentResources.retry', 'the status bar’s storage actions (Retry Connection)');
    drove('agentResources.storageActions', 'the status bar item (offline)');
  });

  it('Create Resource Tables… on an empty team database (connected with host, port, … typed in): the view offers it, the dialog asks, after yes the tables exist', async () => {
    const w = wb();
    await w.palette(title('connect'));
    await w.waitForPrompt('How do you want to connect?');
    await w.pick('Enter host, port, database, user and password');
    await w.answer('Host', '127.0.0.1');
    await w.waitForPrompt('Port');
    await w.typeInput('port');
    await w.validationMessage(/A port is a number from 1 to 65535/);
    await w.typeInput(String(empty.port));
    await w.page.keyboard.press('Enter');
    await w.answer('Database', empty.database);
    await w.answer('User', empty.user);
    await w.answer('Password', empty.password);
    const emptyLabel = `127.0.0.1:${empty.port}/postgres`;
    // Connected, to a database without the tables: the view says what is missing and offers to create them.
    await w.welcome('The team database has no resource tables yet').waitFor({ timeout: 60_000 });
    assert.match(await w.statusBarItem().innerText(), new RegExp(`Team: ${emptyLabel}`));
    assert.deepEqual(await w.welcomeButtons('The team database has no resource tables yet'), [
      'Create Resource Tables…',
      'Use Local Library',
      'Show Log',
    ]);
    await w.shot('setup-needed');
    drove('agentResources.connect', 'the command palette, host, port, database, user and password');
    const tables = async () => {
      const [row] = await postgresRows(empty.url, `select to_regclass('public.resource') is not null as made`);
      return row?.made === true;
    };
    assert.equal(await tables(), false, 'nothing is created without a yes');
    await w.dismissToasts();
    await w.clickWelcomeButton('The team database has no resource tables yet', 'Create Resource Tables…');
    const said = await w.answerDialog(`Create the resource tables in the team database ${emptyLabel}?`, 'Create Tables');
    assert.match(said, /chat app’s own tables, columns and rows are left as they are/);
    await w.until('the resource tables', async () => (await tables()) || 'not there yet', 60_000);
    // The tables are there; this email has no user in them yet, and the view says so.
    await w.welcome('No user with your email exists in the team database').waitFor({ timeout: 60_000 });
    await w.shot('setup-done');
    drove('agentResources.createTeamSchema', 'the setup welcome view’s button, its dialog’s Create Tables');
  });
});

async function postgresRows(url: string, query: string): Promise<Record<string, unknown>[]> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    return [...(await sql.unsafe(query))];
  } finally {
    await sql.end();
  }
}
