import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { getResourceById } from '../../src/db/queries';
import type { Resource } from '../../src/db/schema';
import { closeAllEditors, editorWithSelection, pick, session, stubPrompts, treeRows, unique, waitFor } from './helpers';

describe('save the selection', () => {
  afterEach(closeAllEditors);

  it('saves a prompt programmatically, keeps its language, and shows it in the tree with Open and Share offered', async () => {
    await editorWithSelection('Summarise {{topic}} in three bullet points.', 'markdown');
    const name = unique('Summariser');
    const prompts = stubPrompts();
    try {
      const saved = await vscode.commands.executeCommand<Resource>('agentResources.saveSelection', {
        type: 'prompt',
        name,
        description: 'Short summaries',
      });
      assert.equal(saved.name, name);
      const s = await session();
      const stored = await getResourceById(s.db, s.userId, saved.id);
      assert.deepEqual((stored!.content as { text: string; language: string; variables: string[] }).variables, ['topic']);
      assert.equal((stored!.content as { language: string }).language, 'markdown');
      const rows = await treeRows();
      const group = rows.find((r) => r.label === 'Prompts');
      assert.ok(group, 'the Prompts group is shown');
      assert.ok(rows.some((r) => r.label === name && r.depth === 1 && r.contextValue === 'resource.prompt.unpinned.private.own'));
      await waitFor('the saved notification', () => prompts.messages.find((m) => m.text.includes(name)));
      assert.deepEqual(prompts.messages.find((m) => m.text.includes(name))!.actions, ['Open', 'Share']);
    } finally {
      prompts.restore();
    }
  });

  it('asks for type, name and description through its prompts, with live name validation', async () => {
    await editorWithSelection('1. Read the issue\n2. Write a failing test\n3. Fix it', 'markdown');
    const name = unique('Bug fix flow');
    const prompts = stubPrompts({ quickPick: [pick('Workflow')], inputBox: [name, 'How we fix bugs'] });
    try {
      const saved = await vscode.commands.executeCommand<Resource>('agentResources.saveSelection');
      assert.equal(saved.resourceType, 'workflow');
      assert.deepEqual(
        (saved.content as { steps: { text: string }[] }).steps.map((s) => s.text),
        ['Read the issue', 'Write a failing test', 'Fix it'],
      );
      const validate = prompts.inputBoxes[0]!.validateInput!;
      assert.match(String(await validate('   ')), /empty or blank/);
      assert.match(String(await validate('x'.repeat(256))), /at most 255/);
      assert.equal(await validate('A fine name'), undefined);
      assert.ok((await treeRows()).some((r) => r.label === name));
    } finally {
      prompts.restore();
    }
  });

  it('refuses an agent config that is not valid JSON, says where, and writes nothing', async () => {
    await editorWithSelection('{\n  "model": "gpt",\n  "temperature": 0.2,\n}', 'json');
    const name = unique('Broken config');
    const prompts = stubPrompts();
    try {
      const result = await vscode.commands.executeCommand('agentResources.saveSelectionAsAgentConfig', { name });
      assert.equal(result, undefined);
      const error = prompts.messages.find((m) => m.kind === 'error');
      assert.ok(error, 'an error message is shown');
      assert.match(error.text, /valid JSON/);
      assert.match(error.text, /line 4, column 1/);
      const s = await session();
      const [saved] = await s.client.sql<{ n: number }[]>`select count(*)::int as n from resource where name = ${name}`;
      assert.equal(saved!.n, 0, 'nothing was saved');
      assert.equal(vscode.window.activeTextEditor?.document.getText().includes('"temperature"'), true, 'the text is still in the editor');
    } finally {
      prompts.restore();
    }
  });

  it('tells the user to select text first when nothing is selected', async () => {
    const editor = await editorWithSelection('nothing selected', 'plaintext');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const prompts = stubPrompts();
    try {
      await vscode.commands.executeCommand('agentResources.saveSelectionAsPrompt', { name: 'x' });
      assert.match(prompts.messages.find((m) => m.kind === 'error')?.text ?? '', /Select the text to save/);
    } finally {
      prompts.restore();
    }
  });
});
