import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createResource, updateResource } from '../../src/db/queries';
import { api, closeAllEditors, session, stubPrompts, unique, waitFor } from './helpers';

/** Points the extension at a team database that refuses connections (one stored by an earlier test is gone by now too). */
async function loseTheDatabase(): Promise<void> {
  process.env.PGHOST = '127.0.0.1';
  process.env.PGPORT = '1';
  await vscode.workspace.getConfiguration('agentResources').update('storage.mode', 'team', vscode.ConfigurationTarget.Global);
  const { storage } = await api();
  await waitFor('the storage to be offline', () => storage.state.kind === 'offline' || undefined);
}

// Failures in work that no command awaits: each one must reach the user, and none may be left as an
// unhandled rejection (index.ts fails the run on those).
describe('failures nobody waits for', () => {
  const saved = { PGHOST: process.env.PGHOST, PGPORT: process.env.PGPORT };

  afterEach(async function () {
    this.timeout(60_000);
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await vscode.commands.executeCommand('agentResources.useLocalLibrary');
    await closeAllEditors();
  });

  it('a conflict’s Reload while the database cannot be reached says so and keeps the text', async function () {
    this.timeout(60_000);
    const s = await session();
    const resource = await createResource(s.db, s.userId, {
      name: unique('Conflicted'),
      resourceType: 'prompt',
      content: { text: 'first' },
    });
    const uri = await vscode.commands.executeCommand<vscode.Uri>('agentResources.open', resource.id);
    const editor = await waitFor('the editor', () =>
      vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()),
    );
    await updateResource(s.db, s.userId, resource.id, { content: { text: 'changed elsewhere' } });
    await editor.edit((e) => e.replace(new vscode.Range(0, 0, 0, 5), 'my edit'));

    const prompts = stubPrompts();
    const window = vscode.window as unknown as Record<string, unknown>;
    const stubbedWarning = window.showWarningMessage;
    // The database goes away while the conflict's choices are shown; then the user picks Reload.
    window.showWarningMessage = async () => {
      await loseTheDatabase();
      return 'Reload';
    };
    try {
      assert.equal(await editor.document.save(), false, 'the stale save is refused');
      const error = await waitFor('the error message', () => prompts.messages.find((m) => m.kind === 'error'), 30_000);
      assert.match(error.text, /Could not reach the database at .*\(connection refused\)/);
      assert.match(error.text, /Your text is still in the editor/);
    } finally {
      window.showWarningMessage = stubbedWarning;
      prompts.restore();
    }
    assert.equal(editor.document.getText(), 'my edit');
    assert.equal(editor.document.isDirty, true);
  });
});
