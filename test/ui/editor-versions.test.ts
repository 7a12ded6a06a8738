import assert from 'node:assert/strict';
import { createResource, getResourceById, updateResource } from '../../src/db/queries';
import type { Resource } from '../../src/db/schema';
import { drove } from './support/coverage';
import { titleOf } from './support/manifest';
import { startTeam, type Team } from './support/team';
import { useWorkbench } from './support/workbench';

const title = (command: string) => titleOf(`agentResources.${command}`);
const conflict = 'This resource was changed in the database since you opened it. Nothing was overwritten.';
// VS Code's own notification of the refused save, beside the one that offers the choices.
const saveFailed = /was changed in the database since you opened it\. Your text is still in the editor/;

describe('a resource’s document: a save over a change in the database, Save with Note, and its versions from the palette', () => {
  let team: Team;
  let greeting: Resource;

  before(async () => {
    team = await startTeam('ui-editor@example.com');
    greeting = await createResource(team.client.db, team.userId, {
      name: 'Greeting',
      resourceType: 'prompt',
      content: { text: 'Say hello to {{name}}.' },
    });
  });
  // Both sides of a comparison side by side, as on a wider screen (the browser's window is small).
  const wb = useWorkbench(() => team.workbench({ settings: { 'diffEditor.useInlineViewWhenSpaceIsLimited': false } }));
  after(async () => {
    await team?.stop();
  });

  const stored = async () => ((await getResourceById(team.client.db, team.userId, greeting.id))!.content as { text: string }).text;
  /** What the chat app (or another window) saves meanwhile. */
  const changeInDatabase = (text: string) => updateResource(team.client.db, team.userId, greeting.id, { content: { text } });
  const diff = () => wb().page.locator('.part.editor .editor-group-container.active .monaco-diff-editor');
  const dirtyTab = () => wb().page.locator('.part.editor .tab.active.dirty');

  /** Types at the end of the active editor's text. */
  const typeAtEnd = async (text: string) => {
    const w = wb();
    await w.editor().locator('.view-lines').click();
    await w.page.keyboard.press('Control+End');
    await w.page.keyboard.type(text);
    await w.expectEditorText(text);
  };

  /** Ctrl+S on an edit the database changed under: refused, and the choices offered. */
  const saveIntoConflict = async () => {
    const w = wb();
    await w.page.keyboard.press('Control+S');
    await w.expectToast(conflict);
    await w.expectToast(saveFailed);
    await w.dismissToast(saveFailed);
  };

  it('Ctrl+S over a change made in the database is refused; Compare shows both sides, the database’s read-only; Overwrite saves the editor’s text', async () => {
    const w = wb();
    await w.showLibrary();
    await w.hideSecondarySideBar();
    await w.row('Greeting').click();
    await w.activeTab('Greeting').waitFor();
    await w.expectEditorText('Say hello to {{name}}.');
    await w.expectEditorFocus();

    await changeInDatabase('Say hello to {{name}}, from the app.');
    await typeAtEnd(' Be warm.');
    await saveIntoConflict();
    await w.shot('conflict-notification');
    assert.equal(await stored(), 'Say hello to {{name}}, from the app.', 'nothing was overwritten');
    assert.equal(await dirtyTab().count(), 1, 'the edit stays unsaved in the editor');

    await w.clickToastButton(conflict, 'Compare');
    await diff().waitFor({ timeout: 30_000 });
    const original = diff().locator('.editor.original');
    await original.locator('.view-lines', { hasText: 'from the app.' }).waitFor({ timeout: 30_000 });
    await diff().locator('.editor.modified .view-lines', { hasText: 'Be warm.' }).waitFor({ timeout: 30_000 });
    await w.activeTab('(database ↔ yours)').waitFor();
    // The database's side: what a person types there changes nothing, and the editor says why.
    await original.locator('.view-lines').click();
    await w.page.keyboard.type('mine ');
    await w.page.locator('.monaco-editor-overlaymessage', { hasText: /read-only/i }).waitFor({ timeout: 30_000 });
    // (The narrow side wraps its line: the words are compared, not the breaks.)
    assert.equal((await original.locator('.view-lines').innerText()).replace(/\s+/g, ' ').trim(), 'Say hello to {{name}}, from the app.');
    await w.shot('conflict-compare');

    // The choices come back after Compare.
    await w.clickToastButton(conflict, 'Overwrite');
    await w.until('the editor’s text in the database', async () => (await stored()) === 'Say hello to {{name}}. Be warm.' || 'not yet');
    await w.until('the document to be saved', async () => (await dirtyTab().count()) === 0 || 'still unsaved');
  });

  it('Reload (the conflict’s notification) brings the database’s text into the editor', async () => {
    const w = wb();
    await w.row('Greeting').click();
    await w.activeTab(/^\s*Greeting/).waitFor();
    await w.expectEditorFocus();
    await changeInDatabase('Say hi to {{name}}.');
    await typeAtEnd(' Mine.');
    await saveIntoConflict();
    await w.clickToastButton(conflict, 'Reload');
    await w.expectEditorText(/^Say hi to \{\{name\}\}\.$/);
    await w.until('the document to be clean', async () => (await dirtyTab().count()) === 0 || 'still unsaved');
    assert.equal(await stored(), 'Say hi to {{name}}.');
    await w.shot('conflict-reloaded');
  });

  it('Save with Note… (the editor’s "..." menu) saves the edit with its note, which the history lists', async () => {
    const w = wb();
    await typeAtEnd(' Briefly.');
    await w.editorMoreActions();
    await w.chooseMenuItem(title('saveWithNote'));
    await w.waitForPrompt('What changed? Kept with this version in the history.');
    await w.shot('save-with-note');
    await w.typeInput('Ask for brevity');
    await w.page.keyboard.press('Enter');
    await w.until('the edit in the database', async () => (await stored()) === 'Say hi to {{name}}. Briefly.' || 'not yet');
    await w.until('the document to be saved', async () => (await dirtyTab().count()) === 0 || 'still unsaved');
    const [latest] = await team.client.sql<{ change_note: string | null }[]>`
      select change_note from resource_version where resource_id = ${greeting.id} order by version desc limit 1`;
    assert.equal(latest?.change_note, 'Ask for brevity');
    drove('agentResources.saveWithNote', 'the editor title’s "..." menu');

    await w.editorMoreActions();
    await w.chooseMenuItem(title('history'));
    await w.waitForPrompt('History of “Greeting”');
    assert.match((await w.pickItems())[0]!, /^Version \d+ \(current\)$/);
    assert.match(await w.quickInput().innerText(), /Ask for brevity/);
    drove('agentResources.history', 'the editor title’s "..." menu');
    await w.escape();
  });

  it('Compare Version with Current… (palette) asks which resource and which version, then shows version 1 beside the current text', async () => {
    const w = wb();
    await w.palette(title('compareVersion'));
    await w.waitForPrompt('Compare a version of which resource?');
    await w.pick('Greeting');
    await w.waitForPrompt('Enter compares a version with the current one');
    await w.pick('Version 1');
    await diff().locator('.editor.original .view-lines', { hasText: 'Say hello to {{name}}.' }).waitFor({ timeout: 30_000 });
    await diff().locator('.editor.modified .view-lines', { hasText: 'Briefly.' }).waitFor({ timeout: 30_000 });
    await w.activeTab('Greeting: version 1 ↔ current').waitFor();
    await w.shot('compare-version');
    drove('agentResources.compareVersion', 'the command palette, the resource and version pickers');
  });

  it('Restore Version… (palette): the history’s Restore button makes version 1 current again, and the open editor shows it', async () => {
    const w = wb();
    await w.palette(title('restoreVersion'));
    await w.waitForPrompt('Restore a version of which resource?');
    await w.pick('Greeting');
    await w.waitForPrompt('History of “Greeting”');
    await w.shot('restore-version-history');
    await w.pickButton('Version 1', 'Restore This Version');
    const said = await w.expectToast(/Restored version 1 of “Greeting” as version \d+/);
    assert.match(said, /The version it replaced stays in the history/);
    assert.equal(await stored(), 'Say hello to {{name}}.');
    drove('agentResources.restoreVersion', 'the command palette, the history’s Restore This Version button');
    await w.dismissToasts();
    await w.row('Greeting').click();
    await w.activeTab(/^\s*Greeting/).waitFor();
    await w.expectEditorText(/^Say hello to \{\{name\}\}\.$/);
  });
});
