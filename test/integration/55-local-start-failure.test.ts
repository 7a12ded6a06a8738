import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a local library that cannot start', () => {
  it('is tried again after seconds, not once per request, says why and what to do, and recovers', async function () {
    this.timeout(60_000);
    const { storage } = await api();
    const attempts: number[] = [];
    const watching = storage.onDidChangeState((s) => s.kind === 'connecting' && attempts.push(Date.now()));
    const previous = process.env.AGENT_RESOURCES_HOME;
    // A library folder that cannot be made: /dev/null is not a folder.
    process.env.AGENT_RESOURCES_HOME = '/dev/null/agent-resources';
    try {
      await storage.reconnect().catch(() => {});
      const state = storage.state;
      assert.equal(state.kind, 'offline');
      assert.match(state.kind === 'offline' ? state.error.message : '', /\/dev\/null.*cannot be written \(ENOTDIR\).*AGENT_RESOURCES_HOME/);
      // A person clicking around meanwhile: every refresh and every tree request.
      for (let i = 0; i < 10; i++) {
        await vscode.commands.executeCommand('agentResources.refresh');
        await storage.session().catch(() => {});
        await sleep(100);
      }
      assert.equal(attempts.length, 1, 'one attempt, not one per request');
      await waitFor('the retry after the backoff', () => attempts.length >= 2 || undefined, 15_000);
      assert.ok(attempts[1]! - attempts[0]! >= 1500, `the retry came ${attempts[1]! - attempts[0]!} ms later, not at once`);
    } finally {
      if (previous === undefined) delete process.env.AGENT_RESOURCES_HOME;
      else process.env.AGENT_RESOURCES_HOME = previous;
      watching.dispose();
    }
    await vscode.commands.executeCommand('agentResources.retry');
    assert.equal(storage.state.kind, 'ready');
  });
});
