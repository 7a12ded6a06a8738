import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { createDatabaseClient } from '../../src/db/client';
import { createResource, ensureUser } from '../../src/db/queries';
import { startTeamServer, type TeamServer } from '../support/teamServer';
import { api, extensionId, killLocalServer, resourceLabels, session, stubPrompts, unique, waitFor } from './helpers';

/** Every settings file and log under the VS Code user data folder. */
function settingsAndLogs(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(path);
      else if (stat && (name === 'settings.json' || name.endsWith('.log'))) found.push(path);
    }
  };
  walk(root);
  return found;
}

const teamEmail = 'team-member@example.com';

describe('storage: team database and back', () => {
  let team: TeamServer;
  let teamUrl: string;
  let localName: string;

  before(async function () {
    this.timeout(60_000);
    const extensionPath = vscode.extensions.getExtension(extensionId)!.extensionPath;
    // A second real Postgres plays the team's server; the member's email is set, as the README says.
    team = await startTeamServer(extensionPath);
    teamUrl = team.url;
    await vscode.workspace.getConfiguration('agentResources').update('userEmail', teamEmail, vscode.ConfigurationTarget.Global);
    const s = await session();
    localName = unique('Local only');
    await createResource(s.db, s.userId, { name: localName, resourceType: 'prompt', content: { text: 'local' } });
  });

  after(async function () {
    this.timeout(30_000);
    await vscode.commands.executeCommand('agentResources.useLocalLibrary');
    await vscode.workspace.getConfiguration('agentResources').update('userEmail', undefined, vscode.ConfigurationTarget.Global);
    await team?.stop();
  });

  it('refuses a wrong password with a clear message, keeps nothing, and names no password', async () => {
    const wrong = teamUrl.replace(encodeURIComponent(team.password), 'wrong-password-123');
    const prompts = stubPrompts();
    try {
      assert.equal(await vscode.commands.executeCommand('agentResources.connect', { connectionString: wrong }), undefined);
      const error = prompts.messages.find((m) => m.kind === 'error')!;
      assert.match(error.text, /rejected the user name or password/);
      assert.match(error.text, /Nothing was saved/);
      assert.ok(!error.text.includes('wrong-password-123'));
      assert.deepEqual(error.actions.slice(0, 1), ['Retry']);
    } finally {
      prompts.restore();
    }
    assert.equal((await api()).storage.state.mode, 'local');
  });

  it('says a refused connection is refused', async () => {
    const prompts = stubPrompts();
    try {
      await vscode.commands.executeCommand('agentResources.connect', { connectionString: 'postgres://u:secretpw@127.0.0.1:1/db' });
      assert.match(prompts.messages.find((m) => m.kind === 'error')!.text, /127\.0\.0\.1:1 \(connection refused\)/);
    } finally {
      prompts.restore();
    }
  });

  it('connects to the team database, offers to create the tables, lists the team’s resources, and switches back', async function () {
    this.timeout(60_000);
    const { storage } = await api();
    const email = teamEmail;
    const prompts = stubPrompts();
    try {
      await vscode.commands.executeCommand('agentResources.connect', { connectionString: teamUrl, label: 'team-test' });
    } finally {
      prompts.restore();
    }
    assert.equal(storage.state.kind, 'setup', 'the tables are missing');
    const tables = async () => {
      const probe = createDatabaseClient(teamUrl, { max: 1 });
      try {
        return (await probe.sql<{ name: string }[]>`select tablename as name from pg_tables where schemaname = 'public'`).map(
          (t) => t.name,
        );
      } finally {
        await probe.close();
      }
    };
    assert.deepEqual(await tables(), [], 'nothing was created without a yes');
    assert.deepEqual(await resourceLabels(), []);
    await vscode.commands.executeCommand('agentResources.createTeamSchema', { confirm: true });
    assert.equal(storage.state.kind, 'noUser', `no user ${email} in the team database yet`);
    const admin = createDatabaseClient(teamUrl, { max: 1 });
    try {
      const user = await ensureUser(admin.db, email);
      await createResource(admin.db, user.id, { name: 'Team playbook', resourceType: 'workflow', content: { steps: [{ text: 'plan' }] } });
    } finally {
      await admin.close();
    }
    // Retry reads the connection string again: from SecretStorage, the only place it is kept.
    await vscode.commands.executeCommand('agentResources.retry');
    const state = storage.state as { kind: string; mode: string; label: string };
    assert.equal(state.kind, 'ready');
    assert.equal(state.mode, 'team');
    assert.equal(state.label, 'team-test');
    assert.deepEqual(await resourceLabels(), ['Team playbook']);

    await vscode.commands.executeCommand('agentResources.useLocalLibrary');
    assert.equal((storage.state as { mode: string }).mode, 'local');
    assert.ok((await resourceLabels()).includes(localName));
    assert.ok(!(await resourceLabels()).includes('Team playbook'));
  });

  it('wrote the team password to no settings file and no log', async () => {
    // The host's run folder: VS Code's user data, our library folder and their logs are all in it.
    const userDataDir = dirname(process.env.XDG_DATA_HOME!);
    const files = settingsAndLogs(userDataDir);
    assert.ok(
      files.some((f) => f.endsWith('settings.json')),
      `settings files found under ${userDataDir}`,
    );
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      assert.ok(!text.includes(team.password), `${file} holds the password`);
    }
  });
});

describe('storage: faults', () => {
  it('restarts a local server killed with SIGKILL, by itself, with every committed row there', async function () {
    this.timeout(60_000);
    const { storage } = await api();
    const s = await session();
    const name = unique('Survives a crash');
    await createResource(s.db, s.userId, { name, resourceType: 'prompt', content: { text: 'durable' } });
    await killLocalServer(s);
    const prompts = stubPrompts();
    try {
      await vscode.commands.executeCommand('agentResources.refresh');
      await resourceLabels();
      await waitFor(
        'the storage to notice and reconnect',
        () => (storage.state.kind === 'ready' && storage.state.session !== s) || undefined,
        30_000,
      );
    } finally {
      prompts.restore();
    }
    await vscode.commands.executeCommand('agentResources.search', { text: name });
    try {
      assert.deepEqual(await resourceLabels(), [name]);
    } finally {
      await vscode.commands.executeCommand('agentResources.clearSearch');
    }
  });
});
