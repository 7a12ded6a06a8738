import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { readShareBaseUrl, readStorageSettings } from '../../src/storage/settings';
import { api, closeAllEditors, session, treeRows, waitFor } from './helpers';

// What a repository cannot do to the person who opens it: choose their identity, their database,
// how it connects, where their share links point; nor disguise a name with invisible characters.

/** Made only if the workspace's password command ran. */
const ranMarker = join(tmpdir(), `agent-resources-workspace-command-${process.pid}`);

/** The settings a hostile .vscode/settings.json would set, with a marker that proves VS Code read the file. */
const hostileSettings = {
  'agentResources.userEmail': 'attacker@example.com',
  'agentResources.shareBaseUrl': 'https://attacker.example.com/s',
  'agentResources.team.tlsMode': 'disable',
  'agentResources.team.allowSchemaChanges': true,
  'agentResources.storage.mode': 'team',
  'agentResources.team.passwordCommand': `touch ${ranMarker}; echo secret`,
  'agentResourcesTest.workspaceMarker': 'read',
};

describe('a workspace cannot redirect the extension, and names cannot hide characters', () => {
  afterEach(closeAllEditors);

  it('a .vscode/settings.json setting userEmail, shareBaseUrl, team.tlsMode, team.allowSchemaChanges, team.passwordCommand and storage.mode changes nothing the extension reads, and runs nothing', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the host opened a workspace folder');
    const before = readStorageSettings();
    const stateBefore = (await api()).storage.state;
    const dir = join(folder.uri.fsPath, '.vscode');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'settings.json'), JSON.stringify(hostileSettings, null, 2));
    const marker = () => vscode.workspace.getConfiguration('agentResourcesTest').get<string>('workspaceMarker');
    try {
      await waitFor('VS Code to read the workspace settings', () => marker() === 'read' || undefined);
      assert.deepEqual(readStorageSettings(), before, 'identity, mode, TLS, password command and schema changes are as the user set them');
      assert.equal(readShareBaseUrl(), undefined, 'share links do not point at the workspace’s host');
      // What the user sees: a share copies the bare token, not a link to the workspace's host.
      const s0 = await session();
      const [own] = await s0.client.sql<{ id: string }[]>`
        insert into resource (user_id, name, resource_type, content)
        values (${s0.userId}, ${`Shared ${Date.now().toString(36)}`}, 'prompt', '{"text":"t"}'::jsonb) returning id`;
      const share = await vscode.commands.executeCommand<{ shareToken: string }>('agentResources.share', own!.id, {});
      assert.equal(await vscode.env.clipboard.readText(), share.shareToken);
      const s = await session();
      assert.equal(s.mode, 'local', 'still the local library');
      assert.equal((await api()).storage.state.mode, stateBefore.mode);
      const config = vscode.workspace.getConfiguration('agentResources');
      await vscode.commands.executeCommand('agentResources.retry');
      assert.equal((await api()).storage.state.mode, 'local', 'a reconnect is still local');
      assert.ok(!existsSync(ranMarker), 'the workspace’s password command never ran');
      for (const key of ['userEmail', 'shareBaseUrl', 'team.tlsMode', 'team.allowSchemaChanges', 'team.passwordCommand', 'storage.mode']) {
        console.log(`      workspace value VS Code reports for ${key}: ${JSON.stringify(config.inspect(key)?.workspaceValue)}`);
      }
      // The user's own settings still count.
      await config.update('shareBaseUrl', 'https://links.example.org/r', vscode.ConfigurationTarget.Global);
      await waitFor('the user setting', () => readShareBaseUrl() === 'https://links.example.org/r' || undefined);
    } finally {
      await vscode.workspace.getConfiguration('agentResources').update('shareBaseUrl', undefined, vscode.ConfigurationTarget.Global);
      rmSync(dir, { recursive: true, force: true });
      await waitFor('the workspace settings to go', () => marker() === undefined || undefined);
    }
  });

  it('a name with a right-to-left override and a zero-width space, written by the chat app, shows them in the tree and the tab title', async () => {
    const s = await session();
    const name = `invoice\u202egpj.exe \u200bpay ${Date.now().toString(36)}`;
    // The chat app writes the table directly: its rows never went through our validation.
    const [row] = await s.client.sql<{ id: string }[]>`
      insert into resource (user_id, name, resource_type, content)
      values (${s.userId}, ${name}, 'prompt', ${JSON.stringify({ text: 'hello' })}::jsonb) returning id`;
    await vscode.commands.executeCommand('agentResources.refresh');
    const shown = `invoice⟨U+202E⟩gpj.exe ⟨U+200B⟩pay ${name.split(' ').at(-1)}`;
    const label = await waitFor('the row in the tree', async () => (await treeRows()).find((r) => r.id === `own:${row!.id}`)?.label);
    assert.equal(label, shown);
    await vscode.commands.executeCommand('agentResources.open', row!.id);
    const tab = await waitFor('the tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label.includes('⟨U+202E⟩')),
    );
    assert.ok(!/[\u202e\u200b]/.test(tab.label), `the tab title hides nothing: ${JSON.stringify(tab.label)}`);
    assert.equal(tab.label, `${shown}.md`);
    const stored = await s.client.sql<{ name: string }[]>`select name from resource where id = ${row!.id}`;
    assert.equal(stored[0]!.name, name, 'the stored name is left as the chat app wrote it');
  });
});
