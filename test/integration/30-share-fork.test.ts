import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createResource, createShare, ensureUser, getResourceById } from '../../src/db/queries';
import type { Resource, ResourceShare } from '../../src/db/schema';
import { closeAllEditors, findNode, pick, session, stubPrompts, treeRows, unique, waitFor } from './helpers';

describe('fork and share', () => {
  let original: Resource;

  beforeEach(async () => {
    const s = await session();
    original = await createResource(s.db, s.userId, {
      name: unique('Reviewer'),
      resourceType: 'prompt',
      content: { text: 'Review this diff' },
    });
    await vscode.commands.executeCommand('agentResources.refresh');
  });
  afterEach(async () => {
    await vscode.workspace.getConfiguration('agentResources').update('shareBaseUrl', undefined, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
  });

  it('forks with the default name through its prompt, and the parent shows its fork count', async () => {
    // From the tree's menu: the name is asked, with "<name> (fork)" offered.
    const prompts = stubPrompts({ inputBox: [`${original.name} (fork)`] });
    let forked: Resource;
    try {
      forked = await vscode.commands.executeCommand<Resource>('agentResources.fork', await findNode(`own:${original.id}`));
      assert.equal(prompts.inputBoxes[0]!.value, `${original.name} (fork)`);
    } finally {
      prompts.restore();
    }
    assert.equal(forked.name, `${original.name} (fork)`);
    assert.equal(forked.parentResourceId, original.id);
    const programmatic = await vscode.commands.executeCommand<Resource>('agentResources.fork', original.id, {
      name: unique('Scripted fork'),
    });
    assert.equal(programmatic.parentResourceId, original.id);
    const rows = await treeRows();
    assert.ok(rows.some((r) => r.label === forked.name));
    assert.match(rows.find((r) => r.label === original.name)!.description, /2 forks/);
  });

  it('shares with expiry and uses from quick picks, copies the token, and lists the share under the resource', async () => {
    const prompts = stubPrompts({ quickPick: [pick('7 days'), pick('10 uses')] });
    let share: ResourceShare;
    try {
      share = await vscode.commands.executeCommand<ResourceShare>('agentResources.share', await findNode(`own:${original.id}`));
    } finally {
      prompts.restore();
    }
    assert.equal(share.maxAccesses, 10);
    assert.ok(share.expiresAt && share.expiresAt.getTime() - Date.now() > 6.9 * 86_400_000);
    assert.equal(await vscode.env.clipboard.readText(), share.shareToken);
    const rows = await treeRows({ expandShares: true });
    const shareRow = rows.find((r) => r.contextValue === 'share' && r.id === `share:${share.id}`);
    assert.ok(shareRow, 'the share is a child of the resource');
    assert.ok(!shareRow.label.includes(share.shareToken), 'the token is masked in the tree');
    assert.match(shareRow.description, /10 of 10 uses left/);
  });

  it('copies a link when shareBaseUrl is set, copies again, and revokes with confirmation', async () => {
    await vscode.workspace
      .getConfiguration('agentResources')
      .update('shareBaseUrl', 'https://chat.example.com/s/', vscode.ConfigurationTarget.Global);
    const share = await vscode.commands.executeCommand<ResourceShare>('agentResources.share', original.id, {});
    assert.equal(await vscode.env.clipboard.readText(), `https://chat.example.com/s/${share.shareToken}`);
    await vscode.env.clipboard.writeText('something else');
    const copied = await vscode.commands.executeCommand<string>('agentResources.copyShareToken', share.id);
    assert.equal(copied, `https://chat.example.com/s/${share.shareToken}`);
    assert.equal(await vscode.env.clipboard.readText(), copied);
    const prompts = stubPrompts({ warning: ['Revoke'] });
    try {
      const rows = await treeRows({ expandShares: true });
      assert.ok(rows.some((r) => r.id === `share:${share.id}`));
      await vscode.commands.executeCommand('agentResources.revokeShare', await findNode(`share:${share.id}`));
      assert.match(prompts.messages.find((m) => m.kind === 'warning')!.text, /Revoke share/);
    } finally {
      prompts.restore();
    }
    assert.ok(!(await treeRows({ expandShares: true })).some((r) => r.id === `share:${share.id}`), 'the share is gone');
    const errors = stubPrompts();
    try {
      await vscode.commands.executeCommand('agentResources.openShared', share.shareToken);
      assert.match(errors.messages.find((m) => m.kind === 'error')!.text, /No share has this token/);
    } finally {
      errors.restore();
    }
  });

  it('opens what another user shared as a read-only preview, and forks it into my library', async () => {
    const s = await session();
    const other = await ensureUser(s.db, `${unique('colleague').replace(/\s/g, '')}@example.com`);
    const theirs = await createResource(s.db, other.id, {
      name: unique('Their agent'),
      resourceType: 'agent_config',
      content: { config: { model: 'x' } },
    });
    const share = await createShare(s.db, other.id, theirs.id, { maxAccesses: 1 });
    const prompts = stubPrompts({ inputBox: [`https://chat.example.com/s/${share.shareToken}`] });
    let opened: Resource;
    try {
      opened = await vscode.commands.executeCommand<Resource>('agentResources.openShared');
      assert.equal(opened.id, theirs.id);
      const info = await waitFor('the preview notification', () => prompts.messages.find((m) => m.kind === 'info'));
      assert.deepEqual(info.actions, ['Fork to My Library', 'Use']);
    } finally {
      prompts.restore();
    }
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.scheme, 'agent-resource-shared');
    assert.deepEqual(JSON.parse(editor.document.getText()), { config: { model: 'x' } });
    const fork = await vscode.commands.executeCommand<Resource>('agentResources.fork', theirs.id, { name: 'My copy of their agent' });
    assert.equal(fork.userId, s.userId);
    assert.equal(fork.parentResourceId, theirs.id);
    assert.equal((await getResourceById(s.db, other.id, theirs.id))!.forkCount, 1);
    // The one allowed use is spent: a second open says so.
    const again = stubPrompts();
    try {
      await vscode.commands.executeCommand('agentResources.openShared', share.shareToken);
      assert.match(again.messages.find((m) => m.kind === 'error')!.text, /used as many times as its owner allowed/);
    } finally {
      again.restore();
    }
  });

  it('says an expired token has expired and a malformed one is not a token', async () => {
    const s = await session();
    const share = await createShare(s.db, s.userId, original.id, { expiresInHours: 1 });
    await s.client.sql`update resource_share set expires_at = localtimestamp - interval '1 minute' where id = ${share.id}`;
    const prompts = stubPrompts();
    try {
      await vscode.commands.executeCommand('agentResources.openShared', share.shareToken);
      await vscode.commands.executeCommand('agentResources.openShared', 'not-a-token');
      const errors = prompts.messages.filter((m) => m.kind === 'error').map((m) => m.text);
      assert.match(errors[0]!, /has expired/);
      assert.match(errors[1]!, /not a share token/);
    } finally {
      prompts.restore();
    }
  });
});
