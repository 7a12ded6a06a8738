import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createResource, createShare, ensureUser } from '../../src/db/queries';
import { setResourceTags } from '../../src/db/tags';
import type { ResourceShare } from '../../src/db/schema';
import { titleOf } from './support/manifest';
import { drove } from './support/coverage';
import { startTeam, type Team } from './support/team';
import { useWorkbench } from './support/workbench';

const title = (command: string) => titleOf(`agentResources.${command}`);
const notes = Array.from({ length: 11 }, (_, i) => `Note ${String(i + 1).padStart(2, '0')}`);

describe('the view’s title bar, its "..." menu, the status bar and the palette’s team commands', () => {
  let team: Team;
  let theirShare: ResourceShare;

  before(async () => {
    team = await startTeam('ui-title@example.com');
    const { db } = team.client;
    for (const name of notes) await createResource(db, team.userId, { name, resourceType: 'prompt', content: { text: name } });
    const reviewer = await createResource(db, team.userId, {
      name: 'Code reviewer',
      resourceType: 'prompt',
      content: { text: 'Review it.' },
    });
    await setResourceTags(db, team.userId, reviewer.id, ['review']);
    const checklist = await createResource(db, team.userId, {
      name: 'Release checklist',
      resourceType: 'workflow',
      content: { steps: [{ text: 'tag' }] },
    });
    await setResourceTags(db, team.userId, checklist.id, ['release']);
    await createResource(db, team.userId, { name: 'Support agent', resourceType: 'agent_config', content: { config: { model: 'small' } } });
    const colleague = await ensureUser(db, 'ui-title-colleague@example.com');
    const theirs = await createResource(db, colleague.id, { name: 'Style guide', resourceType: 'prompt', content: { text: 'Be brief.' } });
    theirShare = await createShare(db, colleague.id, theirs.id, {});
    await ensureUser(db, 'alice@example.com');
  });
  const wb = useWorkbench(() => team.workbench({ settings: { 'agentResources.view.pageSize': 10 } }));
  after(async () => {
    await team?.stop();
  });

  /** Runs Search Resources from the title bar with this text. */
  const search = async (text: string) => {
    await wb().clickTitle(title('search'));
    await wb().answer('Matches names and descriptions', text);
  };
  const clear = async () => {
    await wb().clickTitle(title('clearSearch'));
    await wb().row('Support agent').waitFor();
  };

  it('Search (title) checks what is typed, shows the matches and names the filter; Clear Search (title) shows all again', async () => {
    const w = wb();
    await w.showLibrary();
    await w.row('Support agent').waitFor();
    await w.clickTitle(title('search'));
    await w.waitForPrompt('Matches names and descriptions');
    await w.typeInput('tag:a tag:b');
    await w.validationMessage(/Search one tag at a time/);
    await w.typeInput('review');
    await w.page.keyboard.press('Enter');
    await w.expectRows(['Prompts', 'Code reviewer']);
    assert.ok((await w.titleActions()).includes(title('clearSearch')), 'a filtered view offers Clear Search');
    drove('agentResources.search', 'the view’s title bar');
    await w.shot('search');
    await clear();
    drove('agentResources.clearSearch', 'the view’s title bar');
  });

  it('a search that finds nothing shows the no-match welcome view, whose button clears it', async () => {
    const w = wb();
    await search('nothing like this');
    assert.deepEqual(await w.welcomeButtons('No resources match'), ['Clear Search and Filters']);
    await w.clickWelcomeButton('No resources match', 'Clear Search and Filters');
    await w.row('Support agent').waitFor();
    drove('agentResources.clearSearch', 'the no-match welcome view’s button');
  });

  it('Filter by Type and Filter by Tag (title) offer the types, and the tags with their counts', async () => {
    const w = wb();
    await w.clickTitle(title('filterByType'));
    await w.waitForPrompt('Show which type?');
    assert.deepEqual(await w.pickItems(), ['All types', 'Workflows', 'Prompts', 'Agent Configs']);
    await w.pick('Workflows');
    await w.expectRows(['Workflows', 'Release checklist']);
    drove('agentResources.filterByType', 'the view’s title bar');
    await clear();

    await w.clickTitle(title('filterByTag'));
    await w.waitForPrompt('Show which tag?');
    assert.deepEqual(await w.pickItems(), ['All tags', 'release', 'review']);
    await w.shot('filter-by-tag');
    await w.pick('review');
    await w.expectRows(['Prompts', 'Code reviewer']);
    drove('agentResources.filterByTag', 'the view’s title bar');
    await clear();
  });

  it('Sort By, Toggle Grouping by Type and Toggle Grouping by Tag (the "..." menu) reorder and regroup the tree', async () => {
    const w = wb();
    await search('Note 0');
    const oneToNine = notes.slice(0, 9);
    await w.expectRows(['Prompts', ...[...oneToNine].reverse()]);
    await w.chooseMoreAction(title('sortBy'));
    await w.waitForPrompt('Sort by (pinned always first)');
    await w.pick('Name');
    await w.expectRows(['Prompts', ...oneToNine]);
    drove('agentResources.sortBy', 'the view’s "..." menu');
    await w.chooseMoreAction(title('toggleGrouping'));
    await w.expectRows(oneToNine);
    drove('agentResources.toggleGrouping', 'the view’s "..." menu');
    await w.chooseMoreAction(title('toggleGrouping'));
    await w.chooseMoreAction(title('sortBy'));
    await w.pick('Recently updated');
    await clear();

    await w.chooseMoreAction(title('toggleTagGrouping'));
    await w.expectRows(['release', 'review', 'Untagged']);
    drove('agentResources.toggleTagGrouping', 'the view’s "..." menu');
    await w.shot('grouped-by-tag');
    await w.chooseMoreAction(title('toggleTagGrouping'));
    await w.row('Support agent').waitFor();
  });

  it('“Load more…” (a row) loads the next page of a long list', async () => {
    const w = wb();
    await search('Note');
    const newestTen = [...notes].reverse().slice(0, 10);
    await w.expectRows(['Prompts', ...newestTen, 'Load more…']);
    await w.row('Load more…').click();
    await w.expectRows(['Prompts', ...[...notes].reverse()]);
    drove('agentResources.loadMore', 'the tree’s “Load more…” row');
    await clear();
  });

  it('Refresh (title) shows what the chat app wrote meanwhile', async () => {
    const w = wb();
    await createResource(team.client.db, team.userId, {
      name: 'Written by the app',
      resourceType: 'workflow',
      content: { steps: [{ text: 'x' }] },
    });
    await w.clickTitle(title('refresh'));
    await w.row('Written by the app').waitFor();
    drove('agentResources.refresh', 'the view’s title bar');
  });

  it('Open Shared Resource… (the "..." menu) checks the token, opens a read-only preview, and its notification forks it', async () => {
    const w = wb();
    await w.chooseMoreAction(title('openShared'));
    await w.waitForPrompt('Paste the share token or link you were sent');
    await w.typeInput('not a token');
    await w.validationMessage(/A share token is 32 letters and digits/);
    await w.typeInput(`https://chat.example.com/s/${theirShare.shareToken}`);
    await w.page.keyboard.press('Enter');
    await w.activeTab('Style guide (shared)').waitFor();
    await w.expectEditorText('Be brief.');
    // Read-only: what a person types changes nothing.
    await w.editor().locator('.view-lines').click();
    await w.page.keyboard.type('mine ');
    await w.expectEditorText(/^Be brief\.$/);
    drove('agentResources.openShared', 'the view’s "..." menu');
    await w.shot('shared-preview');
    // The button forks at once, under the default name, and shows the copy in the tree.
    await w.clickToastButton('Shared prompt “Style guide” (read-only preview).', 'Fork to My Library');
    await w.row('Style guide (fork)').waitFor();
    const [fork] = await team.client.sql<{ user_id: string }[]>`select user_id from resource where name = 'Style guide (fork)'`;
    assert.equal(fork?.user_id, team.userId);
    drove('agentResources.fork', 'the shared preview’s notification (Fork to My Library)');
    await w.dismissToasts();
  });

  it('Export Library to Agent Files… (the "..." menu) writes every resource the format fits, whichever row is focused', async () => {
    const w = wb();
    const folder = mkdtempSync(join(tmpdir(), 'agent-resources-ui-rules-'));
    // With a row focused, as it is now: the title's entry exports them all, not that row.
    await w.row('Support agent').click();
    await w.expectEditorFocus();
    await w.chooseMoreAction(title('exportAllTo'));
    await w.waitForPrompt('Export as which kind of file?');
    await w.pick('Cursor rule');
    await w.chooseFolder(folder);
    const said = await w.expectToast(/Exported \d+ files to/);
    const files = readdirSync(folder).sort();
    assert.match(said, new RegExp(`Exported ${files.length} files to ${folder}`));
    // Every prompt and workflow (an agent config is JSON settings, not a rule).
    assert.equal(files.length, notes.length + 4);
    assert.ok(files.includes('code-reviewer.mdc') && files.includes('style-guide-fork.mdc'), files.join(', '));
    drove('agentResources.exportAllTo', 'the view’s "..." menu, the folder dialog');
    await w.dismissToasts();
  });

  it('the status bar item opens the storage actions; Show Log there shows the log', async () => {
    const w = wb();
    assert.match(await w.statusBarItem().innerText(), /Team: ui-team/);
    await w.statusBarItem().click();
    await w.waitForPrompt('Storage: ui-team (ready)');
    assert.deepEqual(await w.pickItems(), ['Connect to Postgres…', 'Use Local Library', 'Show Log']);
    drove('agentResources.storageActions', 'the status bar item');
    await w.shot('storage-actions');
    await w.pick('Show Log');
    await w.logLine('Connected to the team database', /Connected\sto\sthe\steam\sdatabase\sui-team\sas\sui-title@example\.com/);
    drove('agentResources.showLog', 'the status bar’s storage actions');
  });

  it('Keep Team Members Apart… and Add Team Member… (palette, team mode) switch row-level security on and add a login', async () => {
    const w = wb();
    await w.palette(title('enableMemberIsolation'));
    await w.answerDialog('Keep team members apart in ui-team?', 'Turn On Isolation');
    await w.until('row-level security on the resource table', async () => {
      const [row] = await team.client.sql<{ on: boolean }[]>`select relrowsecurity as on from pg_class where relname = 'resource'`;
      return row?.on === true || 'still off';
    });
    drove('agentResources.enableMemberIsolation', 'the command palette, its dialog’s Turn On Isolation');

    await w.palette(title('addTeamMember'));
    await w.waitForPrompt('The member’s database login');
    await w.typeInput('1alice');
    await w.validationMessage(/Letters, digits/);
    await w.typeInput('alice');
    await w.page.keyboard.press('Enter');
    await w.waitForPrompt('Their email in the chat app');
    await w.typeInput('alice');
    await w.validationMessage(/An email address such as alice@example\.com/);
    await w.typeInput('alice@example.com');
    await w.page.keyboard.press('Enter');
    await w.answer('A password for a new login', 'correct horse');
    await w.expectToast('alice is now alice@example.com in ui-team (new login)');
    const [member] = await team.client.sql<{ email: string }[]>`
      select u.email from resource_member m join "user" u on u.id = m.user_id where m.login = 'alice'`;
    assert.equal(member?.email, 'alice@example.com');
    drove('agentResources.addTeamMember', 'the command palette');
    await w.dismissToasts();
  });

  it('Use Local Library (the "..." menu, team mode only) switches to the local library', async () => {
    const w = wb();
    await w.chooseMoreAction(title('useLocalLibrary'));
    await w.until('the status bar to say Local', async () => /Local/.test(await w.statusBarItem().innerText()) || 'not yet');
    await w.welcome('Your library is empty').waitFor({ timeout: 60_000 });
    drove('agentResources.useLocalLibrary', 'the view’s "..." menu');
    assert.ok(!(await w.moreActions()).includes(title('useLocalLibrary')), 'not offered in the local library');
    await w.closeMenu();
  });
});
