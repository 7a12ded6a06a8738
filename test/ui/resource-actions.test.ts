import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createResource, getResourceById } from '../../src/db/queries';
import type { Resource } from '../../src/db/schema';
import { maskToken } from '../../src/views/presentation';
import { titleOf } from './support/manifest';
import { drove } from './support/coverage';
import { startTeam, type Team } from './support/team';
import { useWorkbench } from './support/workbench';

const title = (command: string) => titleOf(`agentResources.${command}`);

describe('a resource’s inline buttons and context menu, as a person uses them', () => {
  let team: Team;
  let reviewer: Resource;
  let triage: Resource;

  before(async () => {
    team = await startTeam('ui-actions@example.com');
    const { db } = team.client;
    reviewer = await createResource(db, team.userId, {
      name: 'Code reviewer',
      resourceType: 'prompt',
      content: { text: 'Review {{diff}}' },
    });
    triage = await createResource(db, team.userId, { name: 'Bug triage', resourceType: 'prompt', content: { text: 'Triage the bug.' } });
    await createResource(db, team.userId, {
      name: 'Release checklist',
      resourceType: 'workflow',
      content: { steps: [{ text: 'Tag the release' }, { text: 'Publish the notes' }] },
    });
  });
  const wb = useWorkbench(() => team.workbench());
  after(async () => {
    await team?.stop();
  });

  const shares = async (resourceId: string) => [
    ...(await team.client.sql<{ share_token: string }[]>`select share_token from resource_share where resource_id = ${resourceId}`),
  ];

  it('Pin and Unpin (inline): the pinned prompt goes first, its button turns into Unpin, and back', async () => {
    const w = wb();
    await w.showLibrary();
    await w.expectRows(['Workflows', 'Release checklist', 'Prompts', 'Bug triage', 'Code reviewer']);
    // The shared login's message goes above the rows a moment after them, moving them down: read it first, as a person would.
    await w.page.locator('.part.sidebar').getByText('Shared database login:').waitFor({ timeout: 30_000 });
    await w.clickInline('Code reviewer', title('pin'));
    await w.expectRows(['Workflows', 'Release checklist', 'Prompts', 'Code reviewer', 'Bug triage']);
    assert.ok((await w.inlineActions('Code reviewer')).includes(title('unpin')));
    assert.equal((await getResourceById(team.client.db, team.userId, reviewer.id))!.pinned, true);
    drove('agentResources.pin', 'a row’s inline button');
    await w.shot('pinned');
    await w.clickInline('Code reviewer', title('unpin'));
    await w.expectRows(['Workflows', 'Release checklist', 'Prompts', 'Bug triage', 'Code reviewer']);
    assert.equal((await getResourceById(team.client.db, team.userId, reviewer.id))!.pinned, false);
    drove('agentResources.unpin', 'a row’s inline button');
  });

  it('Use (inline) asks for {{diff}}, then copies the filled prompt to the browser’s clipboard', async () => {
    const w = wb();
    await w.setClipboard('before');
    await w.clickInline('Code reviewer', title('use'));
    await w.answer('Value for “diff”', 'my change');
    await w.waitForPrompt('Use it how?');
    await w.shot('use-target');
    await w.pick('Copy to Clipboard');
    assert.equal(await w.clipboardChangedFrom('before'), 'Review my change');
    assert.match(await w.rowDescription('Code reviewer'), /1 use/);
    drove('agentResources.use', 'a row’s inline button (a prompt)');
  });

  it('Share (menu) with a custom expiry and one use: the token is on the clipboard, the share under the resource', async () => {
    const w = wb();
    await w.setClipboard('before');
    await w.chooseFromContextMenu('Code reviewer', title('share'));
    await w.waitForPrompt('How long may the token be used?');
    await w.pick('Custom…');
    await w.waitForPrompt('Hours until the token expires');
    await w.typeInput('0');
    await w.validationMessage(/Enter a number of hours from 1 to 87840/);
    await w.shot('share-validation');
    await w.typeInput('48');
    await w.page.keyboard.press('Enter');
    await w.waitForPrompt('How many times may it be opened?');
    await w.pick('1 use');
    const toast = await w.expectToast('Share token copied to the clipboard');
    const token = await w.clipboardChangedFrom('before');
    assert.match(token, /^[A-Za-z0-9]{32}$/);
    assert.deepEqual(
      (await shares(reviewer.id)).map((s) => s.share_token),
      [token],
    );
    assert.ok(!toast.includes(token), 'the notification does not show the token');
    drove('agentResources.share', 'a resource’s context menu');
    await w.dismissToasts();
    await w.row('Code reviewer').locator('.monaco-tl-twistie').click();
    await w.row(maskToken(token)).waitFor();
    await w.shot('share-row');
  });

  it('Copy Share Token (inline on the share) puts the same token on the clipboard; Revoke (menu) asks, then removes it', async () => {
    const w = wb();
    const [share] = await shares(reviewer.id);
    const label = maskToken(share!.share_token);
    await w.setClipboard('before');
    await w.clickInline(label, title('copyShareToken'));
    assert.equal(await w.clipboardChangedFrom('before'), share!.share_token);
    await w.expectToast('Share token copied to the clipboard.');
    drove('agentResources.copyShareToken', 'a share row’s inline button');
    await w.dismissToasts();
    await w.chooseFromContextMenu(label, title('revokeShare'));
    const said = await w.answerDialog(/Revoke share/, 'Revoke');
    assert.match(said, /stops working at once/);
    assert.ok(!said.includes(share!.share_token), 'the dialog shows the token masked');
    await w.row(label).waitFor({ state: 'detached' });
    assert.deepEqual(await shares(reviewer.id), []);
    drove('agentResources.revokeShare', 'a share row’s context menu');
  });

  it('Fork, Rename, Toggle Public, Set Tags and Delete (menu), with the input boxes’ validation', async () => {
    const w = wb();
    await w.chooseFromContextMenu('Code reviewer', title('fork'));
    await w.waitForPrompt('Name of your copy');
    await w.typeInput('   ');
    await w.validationMessage(/^The name /);
    await w.typeInput('My reviewer');
    await w.page.keyboard.press('Enter');
    await w.expectToast('Forked into your library as “My reviewer”.');
    await w.row('My reviewer').waitFor();
    assert.match(await w.rowDescription('Code reviewer'), /1 fork/);
    drove('agentResources.fork', 'a resource’s context menu');

    await w.chooseFromContextMenu('My reviewer', title('rename'));
    await w.answer('New name', 'Careful reviewer');
    await w.row('Careful reviewer').waitFor();
    drove('agentResources.rename', 'a resource’s context menu');

    await w.chooseFromContextMenu('Careful reviewer', title('togglePublic'));
    await w.expectToast('“Careful reviewer” is now public');
    await w.until('the row to say public', async () => /public/.test(await w.rowDescription('Careful reviewer')) || 'not yet');
    drove('agentResources.togglePublic', 'a resource’s context menu');

    await w.chooseFromContextMenu('Careful reviewer', title('setTags'));
    await w.waitForPrompt('Tags separated by commas or spaces');
    await w.typeInput('fine, no!');
    await w.validationMessage(/^Tags /);
    await w.typeInput('review, python');
    await w.page.keyboard.press('Enter');
    await w.until('the row to show its tags', async () => /#python #review/.test(await w.rowDescription('Careful reviewer')) || 'not yet');
    drove('agentResources.setTags', 'a resource’s context menu');
    await w.shot('tags');

    await w.chooseFromContextMenu('Careful reviewer', title('delete'));
    await w.answerDialog('Delete “Careful reviewer”?', 'Cancel');
    assert.ok(await w.row('Careful reviewer').isVisible(), 'Cancel keeps it');
    await w.chooseFromContextMenu('Careful reviewer', title('delete'));
    await w.answerDialog('Delete “Careful reviewer”?', 'Delete');
    await w.row('Careful reviewer').waitFor({ state: 'detached' });
    const [left] = await team.client.sql<{ n: number }[]>`select count(*)::int as n from resource where name = 'Careful reviewer'`;
    assert.equal(left!.n, 0);
    drove('agentResources.delete', 'a resource’s context menu, its dialog’s Delete');
    await w.dismissToasts();
  });

  it('Open (a click, and the menu) shows the text; Export to Agent Files (menu) writes the prompt file', async () => {
    const w = wb();
    await w.row('Bug triage').click();
    await w.activeTab('Bug triage').waitFor();
    await w.expectEditorText('Triage the bug.');
    drove('agentResources.open', 'a click on a row');
    await w.chooseFromContextMenu('Code reviewer', title('open'));
    await w.activeTab('Code reviewer').waitFor();
    await w.expectEditorText('Review {{diff}}');
    drove('agentResources.open', 'a resource’s context menu');

    const folder = mkdtempSync(join(tmpdir(), 'agent-resources-ui-export-'));
    await w.chooseFromContextMenu('Bug triage', title('exportTo'));
    await w.waitForPrompt('Export as which kind of file?');
    await w.pick('VS Code prompt file');
    await w.chooseFolder(folder);
    await w.expectToast(`Exported 1 files to ${folder}`);
    assert.deepEqual(readdirSync(folder), ['bug-triage.prompt.md']);
    assert.match(
      readFileSync(join(folder, 'bug-triage.prompt.md'), 'utf8'),
      /agent-resources-id: ["']?[0-9a-f-]{36}[\s\S]*Triage the bug\./,
    );
    drove('agentResources.exportTo', 'a resource’s context menu, the folder dialog');
    await w.dismissToasts();
  });

  it('Use on a workflow (menu): the step picker inserts a step at the cursor, its button copies another, Escape closes it', async () => {
    const w = wb();
    await w.showLibrary();
    await w.palette('New Untitled Text File', 'File');
    await w.activeTab('Untitled-1').waitFor();
    await w.setClipboard('before');
    await w.chooseFromContextMenu('Release checklist', title('use'));
    await w.waitForPrompt('Enter inserts a step');
    assert.deepEqual(await w.pickItems(), ['1. Tag the release', '2. Publish the notes']);
    await w.shot('workflow-steps');
    await w.page.keyboard.press('Enter');
    await w.expectEditorText('Tag the release');
    drove('agentResources.use', 'a resource’s context menu (a workflow’s step picker)');
    await w.pickButton('2. Publish the notes', 'Copy');
    assert.equal(await w.clipboardChangedFrom('before'), 'Publish the notes');
    await w.escape();
    await w.until('the use to be counted', async () => /1 use/.test(await w.rowDescription('Release checklist')) || 'not yet');
  });

  it('a resource dragged from the tree into an editor drops its text there', async () => {
    const w = wb();
    await w.showLibrary();
    await w.palette('New Untitled Text File', 'File');
    await w.activeTab('Untitled-2').waitFor();
    await w.dragRowIntoEditor('Bug triage');
    await w.expectEditorText('Triage the bug.');
    await w.shot('dropped-into-editor');
    assert.ok(triage.id);
  });
});
