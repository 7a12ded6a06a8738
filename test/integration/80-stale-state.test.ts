import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createResource, createShare, deleteResource, ensureUser, revokeShare } from '../../src/db/queries';
import type { Resource, ResourceShare } from '../../src/db/schema';
import { closeAllEditors, session, stubPrompts, unique, waitFor } from './helpers';

const noLongerShared = /no longer exists or is no longer shared with you/;

/** Runs a command with prompts stubbed; returns what it resolved to and the error it showed. */
async function run(command: string, ...args: unknown[]): Promise<{ result: unknown; error: string | undefined }> {
  const prompts = stubPrompts();
  try {
    const result = await vscode.commands.executeCommand(command, ...args);
    return { result, error: prompts.messages.find((m) => m.kind === 'error')?.text };
  } finally {
    prompts.restore();
  }
}

const previewDocument = (id: string) =>
  vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'agent-resource-shared' && d.uri.path.startsWith(`/${id}/`));

describe('stale state: a shared resource its owner deleted or stopped sharing', () => {
  let owner: string;
  let theirs: Resource;
  let share: ResourceShare;

  beforeEach(async () => {
    const s = await session();
    owner = (await ensureUser(s.db, `${unique('owner').replace(/\s/g, '')}@example.com`)).id;
    theirs = await createResource(s.db, owner, {
      name: unique('Their prompt'),
      resourceType: 'prompt',
      content: { text: 'The shared text' },
    });
    share = await createShare(s.db, owner, theirs.id, {});
    // Opened once through the token: the extension now knows the resource and its token.
    const opened = await run('agentResources.openShared', share.shareToken);
    assert.equal((opened.result as Resource).id, theirs.id, `openShared worked (${opened.error})`);
    assert.equal(previewDocument(theirs.id)?.getText(), 'The shared text');
  });
  afterEach(closeAllEditors);

  it('opens through the share while it lasts, read-only', async () => {
    const { result, error } = await run('agentResources.open', theirs.id);
    assert.equal(error, undefined);
    assert.equal((result as vscode.Uri).scheme, 'agent-resource-shared');
    assert.equal(vscode.window.activeTextEditor?.document.getText(), 'The shared text');
  });

  it('once deleted, cannot be opened, used or forked, and its open preview says so', async () => {
    const s = await session();
    await deleteResource(s.db, owner, theirs.id);
    await vscode.env.clipboard.writeText('untouched');

    const used = await run('agentResources.use', theirs.id, { target: 'clipboard' });
    assert.equal(used.result, undefined);
    assert.match(used.error ?? '', noLongerShared);
    assert.equal(await vscode.env.clipboard.readText(), 'untouched', 'the old text was not used');
    const open = await run('agentResources.open', theirs.id);
    assert.equal(open.result, undefined, 'open resolves to nothing');
    assert.match(open.error ?? '', noLongerShared);
    assert.match(open.error ?? '', /Ask its owner for a new share/);
    const forkName = unique('Too late');
    const forked = await run('agentResources.fork', theirs.id, { name: forkName });
    assert.equal(forked.result, undefined);
    assert.match(forked.error ?? '', noLongerShared);
    const [copies] = await s.client.sql<{ n: number }[]>`select count(*)::int as n from resource where name = ${forkName}`;
    assert.equal(copies!.n, 0, 'nothing was forked');

    // The preview that is still open shows the notice instead of the old text...
    await waitFor(
      'the open preview to say the resource is gone',
      () => noLongerShared.test(previewDocument(theirs.id)?.getText() ?? '') || undefined,
    );
    // ...and so does the preview read again after it was closed.
    const uri = previewDocument(theirs.id)!.uri;
    await closeAllEditors();
    const reread = await vscode.workspace.openTextDocument(uri);
    assert.match(reread.getText(), noLongerShared);
    assert.ok(!reread.getText().includes('The shared text'));
  });

  it('once the share is revoked, cannot be opened, and Refresh updates its open preview', async () => {
    const s = await session();
    await revokeShare(s.db, owner, share.id);
    await vscode.commands.executeCommand('agentResources.refresh');
    await waitFor(
      'the open preview to say the resource is no longer shared',
      () => noLongerShared.test(previewDocument(theirs.id)?.getText() ?? '') || undefined,
    );
    const open = await run('agentResources.open', theirs.id);
    assert.equal(open.result, undefined);
    assert.match(open.error ?? '', noLongerShared);
  });
});
