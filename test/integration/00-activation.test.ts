import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { defaultLibraryHome } from '../../src/storage/local/libraryPaths';
import { api, extensionId, treeRows } from './helpers';

interface Manifest {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    keybindings: { command: string }[];
    viewsWelcome: { view: string; when: string; contents: string }[];
  };
}

const manifest = (): Manifest => {
  const extension = vscode.extensions.getExtension(extensionId)!;
  return JSON.parse(readFileSync(join(extension.extensionPath, 'package.json'), 'utf8')) as Manifest;
};

describe('activation and contributions', () => {
  it('activates without starting the database, then opens an empty local library on first need', async () => {
    const { storage } = await api();
    assert.equal(storage.state.mode, 'local');
    // Activated, and still idle: no server started, not even the library's folder made.
    assert.equal(storage.state.kind, 'idle', 'nothing connected during activation');
    assert.ok(!existsSync(defaultLibraryHome()), `${defaultLibraryHome()} does not exist before the first need`);
    const rows = await treeRows();
    assert.equal(storage.state.kind, 'ready', 'asking for the tree started the local library');
    assert.deepEqual(rows, [], 'a fresh install has an empty library (the welcome view shows)');
  });

  it('registers exactly the commands package.json contributes', async () => {
    const declared = manifest()
      .contributes.commands.map((c) => c.command)
      .sort();
    // VS Code adds agentResources.library.* for the view itself (focus, toggle...): not ours.
    const registered = (await vscode.commands.getCommands(true))
      .filter((c) => c.startsWith('agentResources.') && !c.startsWith('agentResources.library.'))
      .sort();
    assert.deepEqual(registered, declared);
  });

  it('has no menu entry, keybinding or welcome link to an undeclared command', () => {
    const m = manifest();
    const declared = new Set(m.contributes.commands.map((c) => c.command));
    const used = [
      ...Object.values(m.contributes.menus)
        .flat()
        .map((e) => e.command),
      ...m.contributes.keybindings.map((k) => k.command),
      ...m.contributes.viewsWelcome.flatMap((w) => [...w.contents.matchAll(/command:(agentResources\.\w+)/g)].map((x) => x[1]!)),
    ];
    assert.deepEqual(
      used.filter((c) => !declared.has(c)),
      [],
    );
    const states = m.contributes.viewsWelcome.map((w) => w.when);
    assert.ok(
      states.includes('agentResources.state == empty') && states.includes('agentResources.state == offline'),
      'welcome views for an empty library and an unreachable database',
    );
  });
});
