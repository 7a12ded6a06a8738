import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ImportReport } from '../../src/db/transfer';
import { session, stubPrompts, treeRows, unique, waitFor } from './helpers';

// Run by run.mjs in a second window, with Workspace Trust on and the folder never trusted.

describe('Restricted Mode: a window that has not trusted its folder', () => {
  const folder = () => {
    const f = vscode.workspace.workspaceFolders?.[0];
    assert.ok(f, 'the host opened a workspace folder');
    return f.uri;
  };
  const myCount = async () => {
    const s = await session();
    const [row] = await s.client.sql<{ n: number }[]>`select count(*)::int as n from resource where user_id = ${s.userId}`;
    return row!.n;
  };

  it('is untrusted, and the extension is active there with its library', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the window has not trusted its folder');
    const name = unique('Untrusted save');
    const s = await session();
    await s.client
      .sql`insert into resource (user_id, name, resource_type, content) values (${s.userId}, ${name}, 'prompt', '{"text":"x"}'::jsonb)`;
    await vscode.commands.executeCommand('agentResources.refresh');
    await waitFor('the library in the tree', async () => (await treeRows()).some((r) => r.label === name) || undefined);
  });

  it('does not import from the workspace’s files: it says why and what to do, and imports nothing', async () => {
    const file = vscode.Uri.joinPath(folder(), 'review.prompt.md');
    writeFileSync(file.fsPath, '---\ndescription: planted by the repository\n---\nReview {{code}}\n');
    const before = await myCount();
    const prompts = stubPrompts();
    try {
      const report = await vscode.commands.executeCommand<ImportReport | undefined>('agentResources.importLibrary', { uri: file });
      assert.equal(report, undefined);
      const error = await waitFor('the message', () => prompts.messages.find((m) => m.kind === 'error'));
      assert.match(error.text, /Restricted Mode: Agent Resources does not import from .*Trust it \(Workspaces: Manage Workspace Trust\)/);
    } finally {
      prompts.restore();
    }
    assert.equal(await myCount(), before, 'nothing was imported');
  });

  it('imports a file from outside the workspace as usual', async () => {
    const outside = join(mkdtempSync(join(tmpdir(), 'agent-resources-outside-')), 'mine.prompt.md');
    writeFileSync(outside, `Summarise ${unique('outside')}\n`);
    const report = await vscode.commands.executeCommand<ImportReport>('agentResources.importLibrary', { uri: vscode.Uri.file(outside) });
    assert.equal(report?.imported, 1);
  });

  it('does not export agent files into the workspace, and writes none', async () => {
    const target = vscode.Uri.joinPath(folder(), '.github', 'prompts');
    const prompts = stubPrompts();
    try {
      const result = await vscode.commands.executeCommand('agentResources.exportTo', { format: 'vscode-prompt', folder: target });
      assert.equal(result, undefined);
      const error = await waitFor('the message', () => prompts.messages.find((m) => m.kind === 'error'));
      assert.match(error.text, /Restricted Mode: Agent Resources does not export into .*Nothing was written/);
    } finally {
      prompts.restore();
    }
    assert.equal(existsSync(target.fsPath), false, 'no folder or file was written into the workspace');
  });
});
