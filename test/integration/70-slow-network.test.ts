import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { createDatabaseClient, type DatabaseClient } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { createResource, ensureUser } from '../../src/db/queries';
import type { Resource } from '../../src/db/schema';
import { startTeamServer, type TeamServer } from '../support/teamServer';
import { TcpProxy } from '../db/support/proxy';
import { api, extensionId, resourceLabels, stubPrompts, unique, waitFor } from './helpers';

/** Replaces window.withProgress: records each progress shown and cancels it after `cancelAfterMs`. */
function cancellingProgress(cancelAfterMs: number) {
  const window = vscode.window as unknown as Record<string, unknown>;
  const original = window.withProgress;
  const shown: vscode.ProgressOptions[] = [];
  window.withProgress = (
    options: vscode.ProgressOptions,
    task: (p: vscode.Progress<unknown>, t: vscode.CancellationToken) => Thenable<unknown>,
  ) => {
    shown.push(options);
    const source = new vscode.CancellationTokenSource();
    setTimeout(() => source.cancel(), cancelAfterMs);
    return task({ report: () => {} }, source.token);
  };
  return { shown, restore: () => (window.withProgress = original) };
}

const teamEmail = 'slow-network@example.com';

describe('a slow or cut connection (through a TCP proxy on 127.0.0.1)', () => {
  let team: TeamServer;
  let direct: DatabaseClient;
  let proxy: TcpProxy;
  let parent: Resource;

  const children = async () =>
    [...(await direct.sql<{ n: number }[]>`select count(*)::int as n from resource where parent_resource_id = ${parent.id}`)][0]!.n;
  const forkCount = async () =>
    [...(await direct.sql<{ n: number }[]>`select fork_count as n from resource where id = ${parent.id}`)][0]!.n;

  before(async function () {
    this.timeout(60_000);
    const extensionPath = vscode.extensions.getExtension(extensionId)!.extensionPath;
    team = await startTeamServer(extensionPath);
    const url = team.url;
    await vscode.workspace.getConfiguration('agentResources').update('userEmail', teamEmail, vscode.ConfigurationTarget.Global);
    await migrateDatabase(url, join(extensionPath, 'migrations'));
    direct = createDatabaseClient(url, { max: 2 });
    const user = await ensureUser(direct.db, teamEmail);
    parent = await createResource(direct.db, user.id, { name: unique('Slow parent'), resourceType: 'prompt', content: { text: 'p' } });
    proxy = await TcpProxy.start(url);
    const prompts = stubPrompts();
    try {
      await vscode.commands.executeCommand('agentResources.connect', { connectionString: proxy.urlFor(url), label: 'through-proxy' });
    } finally {
      prompts.restore();
    }
    assert.equal((await api()).storage.state.kind, 'ready');
    assert.deepEqual(await resourceLabels(), [parent.name]);
  });

  after(async function () {
    this.timeout(30_000);
    await vscode.commands.executeCommand('agentResources.useLocalLibrary');
    await proxy?.close();
    await direct?.close();
    await vscode.workspace.getConfiguration('agentResources').update('userEmail', undefined, vscode.ConfigurationTarget.Global);
    await team?.stop();
  });

  it('shows cancellable progress on a slow server, stays responsive, and a cancelled fork writes nothing', async function () {
    this.timeout(60_000);
    proxy.latency = { up: 0, down: 1500 };
    const progress = cancellingProgress(300);
    const prompts = stubPrompts();
    let settled = false;
    try {
      const forking = vscode.commands.executeCommand('agentResources.fork', parent.id, { name: 'cancelled fork' }).then((r) => {
        settled = true;
        return r;
      });
      // The extension host keeps serving other commands while the fork waits on the network.
      await vscode.commands.executeCommand('agentResources.showLog');
      assert.equal(settled, false, 'another command completed while the slow fork was still pending');
      assert.equal(await forking, undefined, 'the cancelled command resolves to nothing');
      // ...as a failed one would: a cancel is told apart by saying nothing, where a failure shows an error.
      assert.deepEqual(
        prompts.messages.filter((m) => m.kind === 'error'),
        [],
        'no error for a cancel',
      );
      assert.deepEqual(
        progress.shown.map((p) => [p.title, p.cancellable]),
        [['Forking…', true]],
      );
    } finally {
      prompts.restore();
      progress.restore();
      proxy.latency = { up: 0, down: 0 };
    }
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await children(), 0, 'no fork was written');
    assert.equal(await forkCount(), 0, "the parent's fork count is unchanged");
  });

  it('reports a connection cut in the middle of a fork clearly, writes nothing, and the retry succeeds', async function () {
    this.timeout(60_000);
    const { storage } = await api();
    await vscode.commands.executeCommand('agentResources.retry');
    const cut = proxy.cutWhen({ direction: 'up', match: (chunk) => chunk.includes('insert into "resource"') });
    const prompts = stubPrompts();
    try {
      assert.equal(await vscode.commands.executeCommand('agentResources.fork', parent.id, { name: 'cut fork' }), undefined);
      await cut;
      const error = await waitFor('the error message', () => prompts.messages.find((m) => m.kind === 'error'));
      assert.match(error.text, /connection to the database at 127\.0\.0\.1:\d+ was lost/);
      assert.deepEqual(error.actions.slice(0, 2), ['Retry', 'Use Local Library']);
    } finally {
      prompts.restore();
    }
    assert.equal(await children(), 0, 'nothing half-written');
    assert.equal(await forkCount(), 0);
    await waitFor('the reconnect', () => (storage.state.kind === 'ready' ? true : undefined), 30_000);
    const fork = await vscode.commands.executeCommand<Resource>('agentResources.fork', parent.id, { name: 'retried fork' });
    assert.equal(fork.parentResourceId, parent.id);
    assert.equal(await children(), 1);
    assert.equal(await forkCount(), 1);
  });
});
