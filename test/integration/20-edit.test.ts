import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createResource, getResourceById, updateResource } from '../../src/db/queries';
import type { Resource } from '../../src/db/schema';
import { closeAllEditors, session, stubPrompts, unique, waitFor } from './helpers';

async function openResource(id: string): Promise<vscode.TextEditor> {
  const uri = await vscode.commands.executeCommand<vscode.Uri>('agentResources.open', id);
  assert.equal(uri.scheme, 'agent-resource');
  return waitFor('the opened editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()));
}

async function replaceAll(editor: vscode.TextEditor, text: string): Promise<void> {
  const doc = editor.document;
  await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text));
}

describe('edit in place', () => {
  let workflow: Resource;
  let prompt: Resource;

  beforeEach(async () => {
    const s = await session();
    workflow = await createResource(s.db, s.userId, {
      name: unique('Deploy'),
      resourceType: 'workflow',
      content: { steps: [{ text: 'build' }, { text: 'ship' }] },
    });
    prompt = await createResource(s.db, s.userId, {
      name: unique('Greeting'),
      resourceType: 'prompt',
      content: { text: 'Hello {{name}}', language: 'markdown' },
    });
  });
  afterEach(closeAllEditors);

  it('opens a workflow as formatted JSON and a prompt as its text in its language', async () => {
    const json = await openResource(workflow.id);
    assert.deepEqual(JSON.parse(json.document.getText()), { steps: [{ text: 'build' }, { text: 'ship' }] });
    assert.match(json.document.getText(), /\n {2}"steps"/, 'formatted with two-space indentation');
    assert.equal(json.document.languageId, 'json');
    const text = await openResource(prompt.id);
    assert.equal(text.document.getText(), 'Hello {{name}}');
    assert.equal(text.document.languageId, 'markdown');
  });

  it('writes a save back to Postgres', async () => {
    const editor = await openResource(workflow.id);
    await replaceAll(editor, JSON.stringify({ steps: [{ text: 'build' }, { text: 'test' }, { text: 'ship' }] }, null, 2));
    assert.equal(await editor.document.save(), true);
    const s = await session();
    const stored = await getResourceById(s.db, s.userId, workflow.id);
    assert.deepEqual(
      (stored!.content as { steps: { text: string }[] }).steps.map((x) => x.text),
      ['build', 'test', 'ship'],
    );
    assert.ok(stored!.updatedAt > workflow.updatedAt);
  });

  it('refuses invalid JSON with its position and keeps the document dirty', async () => {
    const editor = await openResource(workflow.id);
    const broken = '{\n  "steps": [\n    { "text": "build" }\n    { "text": "ship" }\n  ]\n}\n';
    await replaceAll(editor, broken);
    assert.equal(await editor.document.save(), false, 'the save is refused');
    assert.equal(editor.document.isDirty, true);
    assert.equal(editor.document.getText(), broken, "the user's text is kept");
    const s = await session();
    const stored = await getResourceById(s.db, s.userId, workflow.id);
    assert.deepEqual(stored!.content, workflow.content, 'nothing was written');
  });

  it('refuses a stale save with Compare / Overwrite / Reload, loses nothing, and Overwrite then wins', async () => {
    const editor = await openResource(prompt.id);
    const s = await session();
    // Someone else (another window, the chat app) changes it meanwhile.
    await updateResource(s.db, s.userId, prompt.id, { content: { text: 'Changed elsewhere' } });
    await replaceAll(editor, 'My careful edit');
    const prompts = stubPrompts({ warning: ['Overwrite'] });
    try {
      assert.equal(await editor.document.save(), false, 'the stale save is refused');
      assert.equal(editor.document.getText(), 'My careful edit');
      const warning = await waitFor('the conflict choices', () => prompts.messages.find((m) => m.kind === 'warning'));
      assert.deepEqual(warning.actions, ['Compare', 'Overwrite', 'Reload']);
      await waitFor('the overwrite', async () => {
        const stored = await getResourceById(s.db, s.userId, prompt.id);
        return (stored!.content as { text: string }).text === 'My careful edit' || undefined;
      });
      await waitFor('the saved document', () => !editor.document.isDirty || undefined);
    } finally {
      prompts.restore();
    }
  });

  it('Overwrite chosen while the JSON is invalid writes nothing, and leaves no flag: the next save is checked again', async () => {
    const editor = await openResource(workflow.id);
    const s = await session();
    const theirs = { steps: [{ text: 'their change' }] };
    await updateResource(s.db, s.userId, workflow.id, { content: theirs });
    await replaceAll(editor, JSON.stringify({ steps: [{ text: 'mine' }] }, null, 2));
    const window = vscode.window as unknown as Record<string, unknown>;
    const showWarning = window.showWarningMessage;
    const shown: string[] = [];
    // The user breaks the JSON while the conflict dialog is open, then chooses Overwrite.
    window.showWarningMessage = async (text: string) => {
      shown.push(text);
      if (shown.length > 1) return undefined;
      await replaceAll(editor, '{ "steps": [ { "text": "mine" } ');
      return 'Overwrite';
    };
    const errors = stubErrors();
    try {
      assert.equal(await editor.document.save(), false, 'the stale save is refused');
      const failure = await waitFor('the failed overwrite', () => errors.find((e) => /JSON|line|position/i.test(e)));
      assert.match(failure, /line \d+/, `the overwrite says where the JSON is broken: ${failure}`);
      assert.deepEqual((await getResourceById(s.db, s.userId, workflow.id))!.content, theirs, 'nothing was overwritten');
      // The user fixes the JSON and saves again: the database still has the other change, so this is a conflict again.
      await replaceAll(editor, JSON.stringify({ steps: [{ text: 'mine, fixed' }] }, null, 2));
      assert.equal(await editor.document.save(), false, 'the save after the failed Overwrite is checked, and refused');
      await waitFor('the conflict dialog again', () => shown.length > 1 || undefined);
      assert.match(shown[1]!, /changed in the database since you opened it/);
      assert.deepEqual((await getResourceById(s.db, s.userId, workflow.id))!.content, theirs, 'the other change survives');
      assert.equal(editor.document.isDirty, true, "the user's text is kept");
    } finally {
      window.showWarningMessage = showWarning;
      errors.restore();
    }
  });

  it('Reload takes the database version after a conflict', async () => {
    const editor = await openResource(prompt.id);
    const s = await session();
    await updateResource(s.db, s.userId, prompt.id, { content: { text: 'The newer text' } });
    await replaceAll(editor, 'Stale edit');
    const prompts = stubPrompts({ warning: ['Reload'] });
    try {
      assert.equal(await editor.document.save(), false);
      await waitFor('the reloaded text', () => (editor.document.getText() === 'The newer text' && !editor.document.isDirty) || undefined);
    } finally {
      prompts.restore();
    }
  });
});

/** Records the error notifications shown meanwhile (and shows none). */
function stubErrors(): string[] & { restore(): void } {
  const window = vscode.window as unknown as Record<string, unknown>;
  const saved = window.showErrorMessage;
  const errors = Object.assign([] as string[], { restore: () => (window.showErrorMessage = saved) });
  window.showErrorMessage = (text: string) => {
    errors.push(text);
    return Promise.resolve(undefined);
  };
  return errors;
}
