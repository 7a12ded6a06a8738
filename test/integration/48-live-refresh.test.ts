import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createDatabaseClient, type ConnectionOptions } from '../../src/db/client';
import { createResource, updateResource } from '../../src/db/queries';
import { api, resourceLabels, session, unique, waitFor } from './helpers';

/** Resolves when the tree tells VS Code to redraw (what makes a visible view show new rows); rejects after `ms`. */
async function redrawWithin(ms: number): Promise<() => Promise<void>> {
  const { tree } = await api();
  let sub: vscode.Disposable | undefined;
  const redrawn = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the tree did not redraw within ${ms} ms`)), ms);
    sub = tree.onDidChangeTreeData!(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  return () => redrawn.finally(() => sub?.dispose());
}

describe('live refresh: the tree follows what others write to the library', () => {
  before(async () => {
    // Listening starts when the view shows.
    await vscode.commands.executeCommand('agentResources.library.focus');
    await waitFor('the view to show', async () => (await api()).treeView.visible || undefined);
    await resourceLabels();
  });

  it('redraws with a row written by another client (as another window, an agent or the chat app), without a refresh', async () => {
    const s = await session();
    // Another writer on the same server (the window's own connection options, its own login name):
    // only the database can tell the view.
    const options = s.client.sql.options as unknown as ConnectionOptions;
    const other = createDatabaseClient(undefined, {
      ...options,
      max: 1,
      connection: { ...options.connection, application_name: 'the chat app' },
    });
    try {
      const name = unique('Written elsewhere');
      const redrawn = await redrawWithin(10_000);
      const row = await createResource(other.db, s.userId, { name, resourceType: 'prompt', content: { text: 'from another writer' } });
      await redrawn();
      assert.ok((await resourceLabels()).includes(name));

      const renamed = unique('Renamed elsewhere');
      const again = await redrawWithin(10_000);
      await updateResource(other.db, s.userId, row.id, { name: renamed });
      await again();
      assert.ok((await resourceLabels()).includes(renamed));
    } finally {
      await other.close();
    }
  });

  it("does not redraw again for the echo of this window's own save (a redraw under the pointer loses a menu's row)", async () => {
    const s = await session();
    const redraws: number[] = [];
    const { tree } = await api();
    const sub = tree.onDidChangeTreeData!(() => redraws.push(Date.now()));
    try {
      await vscode.commands.executeCommand('agentResources.refresh');
      const r = await createResource(s.db, s.userId, { name: unique('Mine'), resourceType: 'prompt', content: { text: 'x' } });
      // Written on this window's own pool, past its library: the database's echo is the only signal.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const afterRefresh = redraws.length;
      assert.ok(afterRefresh >= 1, 'the Refresh redrew');
      await updateResource(s.db, s.userId, r.id, { name: unique('Mine, renamed') });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      assert.equal(redraws.length, afterRefresh, 'no redraw for an echo of its own connection');
    } finally {
      sub.dispose();
    }
  });
});
