import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createResource, getResourceById, updateResource } from '../../src/db/queries';
import { getHistoryPolicy, type ResourceVersion } from '../../src/db/versions';
import { closeAllEditors, findNode, resourceLabels, session, stubPrompts, treeRows, unique, waitFor } from './helpers';

const text = (content: unknown) => (content as { text: string }).text;

async function openResource(id: string): Promise<vscode.TextEditor> {
  const uri = await vscode.commands.executeCommand<vscode.Uri>('agentResources.open', id);
  return waitFor('the opened editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()));
}

async function replaceAll(editor: vscode.TextEditor, value: string): Promise<void> {
  const doc = editor.document;
  await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), value));
}

/** The quick pick the next createQuickPick() makes, as the extension shows it (the workbench is real). */
function nextQuickPick(): { shown: Promise<vscode.QuickPick<vscode.QuickPickItem>>; restore(): void } {
  const window = vscode.window as unknown as { createQuickPick: typeof vscode.window.createQuickPick };
  const original = window.createQuickPick;
  let resolve!: (pick: vscode.QuickPick<vscode.QuickPickItem>) => void;
  const shown = new Promise<vscode.QuickPick<vscode.QuickPickItem>>((r) => (resolve = r));
  window.createQuickPick = (<T extends vscode.QuickPickItem>() => {
    window.createQuickPick = original;
    const pick = original<T>();
    resolve(pick as unknown as vscode.QuickPick<vscode.QuickPickItem>);
    return pick;
  }) as typeof original;
  return { shown, restore: () => (window.createQuickPick = original) };
}

const activeDiff = () => {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputTextDiff ? input : undefined;
};

describe('versions: history, compare and restore in the editor', () => {
  afterEach(closeAllEditors);

  it('edit and save twice: history shows three versions, compare opens a diff, restore brings the first text back', async () => {
    const s = await session();
    const r = await createResource(s.db, s.userId, {
      name: unique('Versioned prompt'),
      resourceType: 'prompt',
      content: { text: 'first text' },
    });
    const editor = await openResource(r.id);
    await replaceAll(editor, 'second text');
    assert.equal(await editor.document.save(), true);
    await replaceAll(editor, 'third text');
    assert.equal(await vscode.commands.executeCommand('agentResources.saveWithNote', { note: 'Third, with a note' }), true);

    const versions = await vscode.commands.executeCommand<ResourceVersion[]>('agentResources.history', r.id);
    assert.deepEqual(
      versions.map((v) => [v.version, text(v.content), v.note]),
      [
        [3, 'third text', 'Third, with a note'],
        [2, 'second text', null],
        [1, 'first text', null],
      ],
    );

    // From the tree's menu: the quick pick lists them with their notes; Enter on version 1 compares it with the current text.
    await vscode.commands.executeCommand('agentResources.refresh');
    const quickPick = nextQuickPick();
    try {
      const done = vscode.commands.executeCommand('agentResources.history', await findNode(`own:${r.id}`));
      const pick = await quickPick.shown;
      await waitFor('the versions in the pick', () => pick.items.length === 3 || undefined);
      assert.deepEqual(
        pick.items.map((i) => [i.label, i.description]),
        [
          ['Version 3 (current)', 'Third, with a note'],
          ['Version 2', ''],
          ['Version 1', ''],
        ],
      );
      pick.activeItems = [pick.items[2]!];
      // The extension host sends quick pick changes to the workbench on its next turn (a 0 ms timer): let it arrive.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await done;
    } finally {
      quickPick.restore();
    }
    const diff = await waitFor('the diff editor', activeDiff);
    assert.equal(diff.original.scheme, 'agent-resource-version');
    assert.equal(diff.modified.toString(), editor.document.uri.toString());
    const old = await vscode.workspace.openTextDocument(diff.original);
    assert.equal(old.getText(), 'first text');

    const restored = await vscode.commands.executeCommand<{ restored: number; version: number }>('agentResources.restoreVersion', r.id, {
      version: 1,
    });
    assert.deepEqual([restored.restored, restored.version], [1, 4]);
    assert.equal(text((await getResourceById(s.db, s.userId, r.id))!.content), 'first text');
    await waitFor('the open document to show the restored text', () => editor.document.getText() === 'first text' || undefined);
    assert.equal(editor.document.isDirty, false);
  });

  it('a document with unsaved edits keeps them through a restore, and its save is refused as a conflict', async () => {
    const s = await session();
    const r = await createResource(s.db, s.userId, {
      name: unique('Restored under an edit'),
      resourceType: 'prompt',
      content: { text: 'v1' },
    });
    const editor = await openResource(r.id);
    await replaceAll(editor, 'v2');
    assert.equal(await editor.document.save(), true);
    await replaceAll(editor, 'my unsaved edit');
    await vscode.commands.executeCommand('agentResources.restoreVersion', r.id, { version: 1 });
    assert.equal(editor.document.getText(), 'my unsaved edit', 'the edit is kept');
    const prompts = stubPrompts({ warning: [undefined] });
    try {
      assert.equal(await editor.document.save(), false, 'the stale save is refused');
      await waitFor('the conflict choices', () => prompts.messages.find((m) => m.kind === 'warning'));
    } finally {
      prompts.restore();
    }
    assert.equal(text((await getResourceById(s.db, s.userId, r.id))!.content), 'v1', 'the restored text stays');
    assert.equal(editor.document.getText(), 'my unsaved edit');
  });
});

describe('versions: the local library keeps what agentResources.history says', () => {
  it('a lower agentResources.history.maxVersions prunes the history at once; back to the default keeps the rest', async () => {
    const s = await session();
    const r = await createResource(s.db, s.userId, { name: unique('Capped in settings'), resourceType: 'prompt', content: { text: 'v1' } });
    for (const t of ['v2', 'v3', 'v4']) await updateResource(s.db, s.userId, r.id, { content: { text: t } });
    const config = vscode.workspace.getConfiguration('agentResources.history');
    await config.update('maxVersions', 2, vscode.ConfigurationTarget.Global);
    try {
      await waitFor('the policy in the database', async () => (await getHistoryPolicy(s.db)).maxVersions === 2 || undefined);
      const versions = await vscode.commands.executeCommand<ResourceVersion[]>('agentResources.history', r.id);
      assert.deepEqual(
        versions.map((v) => [v.version, text(v.content)]),
        [
          [4, 'v4'],
          [3, 'v3'],
        ],
      );
    } finally {
      await config.update('maxVersions', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor('the default policy again', async () => (await getHistoryPolicy(s.db)).maxVersions === 100 || undefined);
  });
});

describe('tags in the tree', () => {
  const tagA = `vt-${Date.now().toString(36)}`;
  const tagB = `${tagA}-b`;
  afterEach(async () => {
    await vscode.commands.executeCommand('agentResources.clearSearch');
    await closeAllEditors();
  });

  it('set from the menu and by script, shown in the description, filter the tree, and group it', async () => {
    const s = await session();
    const [first, second, untagged] = await Promise.all(
      ['Tagged one', 'Tagged two', 'Not tagged'].map((name) =>
        createResource(s.db, s.userId, { name: unique(name), resourceType: 'prompt', content: { text: name } }),
      ),
    );
    await vscode.commands.executeCommand('agentResources.refresh');
    const prompts = stubPrompts({ inputBox: [`${tagA.toUpperCase()}, ${tagB}`] });
    try {
      const stored = await vscode.commands.executeCommand<string[]>('agentResources.setTags', await findNode(`own:${first!.id}`));
      assert.deepEqual(stored, [tagA, tagB].sort());
      assert.match(prompts.inputBoxes[0]!.prompt ?? '', /commas or spaces/);
    } finally {
      prompts.restore();
    }
    assert.deepEqual(await vscode.commands.executeCommand('agentResources.setTags', second!.id, { tags: [tagA] }), [tagA]);
    const refused = await vscode.commands.executeCommand('agentResources.setTags', second!.id, { tags: ['two words'] });
    assert.equal(refused, undefined, 'a bad tag is refused with a message');

    await vscode.commands.executeCommand('agentResources.filterByTag', { tag: tagA });
    assert.deepEqual((await resourceLabels()).sort(), [first!.name, second!.name].sort());
    const row = (await treeRows()).find((x) => x.label === first!.name)!;
    assert.match(row.description, new RegExp(`#${tagA} #${tagB}`));
    const { treeView } = await (await import('./helpers')).api();
    assert.match(treeView.description ?? '', new RegExp(`#${tagA}`));

    await vscode.commands.executeCommand('agentResources.search', { text: `tag:${tagB}` });
    assert.deepEqual(await resourceLabels(), [first!.name]);
    await vscode.commands.executeCommand('agentResources.clearSearch');

    await vscode.commands.executeCommand('agentResources.toggleTagGrouping');
    try {
      const rows = await waitFor('the tag groups', async () => {
        const all = await treeRows({ expandShares: true });
        return all.some((x) => x.label === tagB && x.depth === 0) ? all : undefined;
      });
      const under = (group: string) => {
        const at = rows.findIndex((x) => x.label === group && x.depth === 0);
        const end = rows.findIndex((x, i) => i > at && x.depth === 0);
        return rows.slice(at + 1, end < 0 ? undefined : end).map((x) => x.label);
      };
      assert.deepEqual(under(tagA).sort(), [first!.name, second!.name].sort());
      assert.deepEqual(under(tagB), [first!.name]);
      assert.ok(under('Untagged').includes(untagged!.name));
      assert.ok(!under('Untagged').includes(first!.name));
    } finally {
      await vscode.commands.executeCommand('agentResources.toggleTagGrouping');
    }
  });
});
