import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { createResource, createShare, ensureUser, getResourceById } from '../../src/db/queries';
import type { Resource, ResourceShare } from '../../src/db/schema';
import { api, closeAllEditors, killLocalServer, session, stubPrompts, unique, waitFor } from './helpers';

/** Runs a command and returns the error message it showed (commands never throw at the caller). */
async function errorOf(command: string, ...args: unknown[]): Promise<string | undefined> {
  const prompts = stubPrompts();
  try {
    await vscode.commands.executeCommand(command, ...args);
    return prompts.messages.find((m) => m.kind === 'error')?.text;
  } finally {
    prompts.restore();
  }
}

describe('isolation: commands on another user’s resources', () => {
  let theirs: Resource;
  let theirShare: ResourceShare;

  before(async () => {
    const s = await session();
    const other = await ensureUser(s.db, `${unique('stranger').replace(/\s/g, '')}@example.com`);
    theirs = await createResource(s.db, other.id, {
      name: unique('Their private prompt'),
      resourceType: 'prompt',
      content: { text: 'secret' },
    });
    theirShare = await createShare(s.db, other.id, theirs.id, {});
  });
  afterEach(closeAllEditors);

  const snapshot = async () => {
    const s = await session();
    const [resource] = await s.client.sql`select * from resource where id = ${theirs.id}`;
    const shares = await s.client.sql`select * from resource_share where resource_id = ${theirs.id} order by id`;
    return JSON.stringify({ resource, shares: [...shares] });
  };

  const cases: [string, (id: string, shareId: string) => unknown[]][] = [
    ['agentResources.open', (id) => [id]],
    ['agentResources.use', (id) => [id, { target: 'clipboard' }]],
    ['agentResources.fork', (id) => [id, { name: 'stolen' }]],
    ['agentResources.share', (id) => [id, {}]],
    ['agentResources.rename', (id) => [id, { name: 'renamed' }]],
    ['agentResources.delete', (id) => [id]],
    ['agentResources.pin', (id) => [id]],
    ['agentResources.unpin', (id) => [id]],
    ['agentResources.togglePublic', (id) => [id]],
    ['agentResources.copyShareToken', (_, shareId) => [shareId]],
    ['agentResources.revokeShare', (_, shareId) => [shareId]],
  ];

  for (const [command, args] of cases) {
    it(`${command} changes nothing, reveals nothing, and says what it says for a missing id`, async () => {
      const before = await snapshot();
      await vscode.env.clipboard.writeText('untouched');
      const onTheirs = await errorOf(command, ...args(theirs.id, theirShare.id));
      const onMissing = await errorOf(command, ...args(randomUUID(), randomUUID()));
      assert.ok(onTheirs, 'an error is shown');
      assert.equal(onTheirs, onMissing, 'the same message as for an id that does not exist');
      assert.equal(await snapshot(), before, 'their rows are unchanged');
      assert.equal(await vscode.env.clipboard.readText(), 'untouched', 'nothing of theirs reached the clipboard');
    });
  }
});

describe('faults: the database stops in the middle of an edit', () => {
  it('refuses the save with a clear error, keeps the text, and the save after the restart succeeds', async function () {
    this.timeout(60_000);
    const s = await session();
    const resource = await createResource(s.db, s.userId, { name: unique('Fragile'), resourceType: 'prompt', content: { text: 'before' } });
    const uri = await vscode.commands.executeCommand<vscode.Uri>('agentResources.open', resource.id);
    const editor = await waitFor('the editor', () =>
      vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()),
    );
    await editor.edit((e) => e.replace(new vscode.Range(0, 0, 0, 6), 'after the crash'));
    await killLocalServer(s);
    const { storage } = await api();
    assert.equal(await editor.document.save(), false, 'the save fails while the database is down');
    assert.match(
      storage.state.kind === 'offline' ? storage.state.error.message : `state ${storage.state.kind}`,
      /stopped unexpectedly; it is being restarted/,
    );
    assert.equal(editor.document.getText(), 'after the crash', "the user's text is still in the editor");
    assert.equal(editor.document.isDirty, true);
    await waitFor(
      'the local library to come back',
      () => (storage.state.kind === 'ready' && storage.state.session !== s) || undefined,
      30_000,
    );
    assert.equal(await editor.document.save(), true, 'the retry succeeds');
    const fresh = await session();
    assert.equal(((await getResourceById(fresh.db, fresh.userId, resource.id))!.content as { text: string }).text, 'after the crash');
    await closeAllEditors();
  });
});
