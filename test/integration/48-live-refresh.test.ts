import assert from 'node:assert/strict';
import * as vscode from 'vscode';
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
    // Written past this window's library, on a connection of its pool: only the database can tell the view.
    const name = unique('Written elsewhere');
    const redrawn = await redrawWithin(10_000);
    const row = await createResource(s.db, s.userId, { name, resourceType: 'prompt', content: { text: 'from another writer' } });
    await redrawn();
    assert.ok((await resourceLabels()).includes(name));

    const renamed = unique('Renamed elsewhere');
    const again = await redrawWithin(10_000);
    await updateResource(s.db, s.userId, row.id, { name: renamed });
    await again();
    assert.ok((await resourceLabels()).includes(renamed));
  });
});
