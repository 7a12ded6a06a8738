import assert from 'node:assert/strict';
import { createResource, createShare, ensureUser, setPinned } from '../../src/db/queries';
import type { Resource, ResourceShare } from '../../src/db/schema';
import { groupContextValue, resourceContextValue, shareContextValue } from '../../src/views/contextValues';
import { maskToken } from '../../src/views/presentation';
import { menu, shownTitles, titleOf, when, type Context, type MenuEntry } from './support/manifest';
import { drove } from './support/coverage';
import { startTeam, type Team } from './support/team';
import { useWorkbench } from './support/workbench';

const view = 'agentResources.library';
const sorted = (list: string[]) => [...list].sort();

describe('menus: every item of package.json shows where its when clause puts it, on real rows', () => {
  let team: Team;
  let reviewer: Resource;
  let checklist: Resource;
  let agent: Resource;
  let theirs: Resource;
  let share: ResourceShare;

  before(async () => {
    team = await startTeam('ui-menus@example.com');
    const { db } = team.client;
    reviewer = await createResource(db, team.userId, {
      name: 'Code reviewer',
      resourceType: 'prompt',
      content: { text: 'Review {{diff}}' },
    });
    share = await createShare(db, team.userId, reviewer.id, {});
    checklist = await createResource(db, team.userId, {
      name: 'Release checklist',
      resourceType: 'workflow',
      content: { steps: [{ text: 'tag' }, { text: 'publish' }] },
      isPublic: true,
    });
    checklist = await setPinned(db, team.userId, checklist.id, true);
    agent = await createResource(db, team.userId, {
      name: 'Support agent',
      resourceType: 'agent_config',
      content: { config: { model: 'small' } },
    });
    const other = await ensureUser(db, 'ui-menus-colleague@example.com');
    theirs = await createResource(db, other.id, {
      name: 'Style guide',
      resourceType: 'prompt',
      content: { text: 'Be brief.' },
      isPublic: true,
    });
  });
  const wb = useWorkbench(() => team.workbench());
  after(async () => {
    await team?.stop();
  });

  /** Entries of a menu shown at least once, by their index in package.json. */
  const shown = new Map<string, Set<number>>();
  const record = (menuId: string, context: Context) => {
    const seen = shown.get(menuId) ?? new Set<number>();
    menu(menuId).forEach((entry, i) => when(entry.when, context) && seen.add(i));
    shown.set(menuId, seen);
  };
  const neverShown = (menuId: string): MenuEntry[] => menu(menuId).filter((_, i) => !shown.get(menuId)?.has(i));

  /** The row's inline buttons and context menu, as the browser shows them, against package.json's. */
  async function expectMenusOf(label: string, viewItem: string, screenshot?: string) {
    const w = wb();
    const context = { view, viewItem };
    assert.deepEqual(
      sorted(await w.inlineActions(label)),
      sorted(shownTitles('view/item/context', context, true)),
      `the inline buttons of "${label}" (${viewItem})`,
    );
    assert.deepEqual(
      sorted(await w.contextMenu(label)),
      sorted(shownTitles('view/item/context', context, false)),
      `the context menu of "${label}" (${viewItem})`,
    );
    if (screenshot) await w.shot(screenshot);
    await w.closeMenu();
    record('view/item/context', context);
  }

  it('the tree: own resources (pinned and not, each type), a share and a public resource of someone else', async () => {
    const w = wb();
    await w.showLibrary();
    await w.row('Code reviewer').locator('.monaco-tl-twistie').click();
    const shareLabel = maskToken(share.shareToken);
    await w.row(shareLabel).waitFor();
    await expectMenusOf('Code reviewer', resourceContextValue(reviewer, true), 'menu-own-resource');
    await expectMenusOf('Release checklist', resourceContextValue(checklist, true));
    await expectMenusOf('Support agent', resourceContextValue(agent, true));
    await expectMenusOf(shareLabel, shareContextValue, 'menu-share');

    await w.chooseMoreAction(titleOf('agentResources.browsePublic'));
    await w.row('Style guide').waitFor();
    drove('agentResources.browsePublic', 'the view’s "..." menu');
    await expectMenusOf('Style guide', resourceContextValue(theirs, false), 'menu-foreign-resource');
    await w.chooseMoreAction(titleOf('agentResources.browsePublic'));
    await w.row('Code reviewer').waitFor();

    // Group rows and "Load more…" carry no item: no entry may match them.
    for (const viewItem of ['prompt', 'workflow', 'agent_config', 'tag', 'untagged'].map(groupContextValue).concat([''])) {
      assert.deepEqual(shownTitles('view/item/context', { view, viewItem }, false), [], `nothing on ${viewItem || 'Load more…'}`);
    }
    assert.deepEqual(neverShown('view/item/context'), [], 'entries of view/item/context that no real row shows');
  });

  it('the view title: its buttons and its "..." menu, before and after a search', async () => {
    const w = wb();
    const ours = new Set(menu('view/title').map((e) => titleOf(e.command)));
    const navigation = (e: MenuEntry) => e.group?.startsWith('navigation') ?? false;
    const expectTitle = async (context: Context) => {
      const expected = menu('view/title').filter((e) => when(e.when, context));
      assert.deepEqual(
        sorted((await w.titleActions()).filter((t) => ours.has(t))),
        sorted(expected.filter(navigation).map((e) => titleOf(e.command))),
        `title buttons in ${JSON.stringify(context)}`,
      );
      assert.deepEqual(
        sorted((await w.moreActions()).filter((t) => ours.has(t))),
        sorted(expected.filter((e) => !navigation(e)).map((e) => titleOf(e.command))),
        `the "..." menu in ${JSON.stringify(context)}`,
      );
      await w.shot(`title-menu${context['agentResources.filtered'] ? '-filtered' : ''}`);
      await w.closeMenu();
      record('view/title', context);
    };
    await expectTitle({ view, 'agentResources.filtered': false, 'agentResources.mode': 'team' });
    await w.clickTitle(titleOf('agentResources.search'));
    await w.answer('Matches names and descriptions', 'checklist');
    await w.expectRows(['Workflows', 'Release checklist']);
    drove('agentResources.search', 'the view’s title bar');
    await expectTitle({ view, 'agentResources.filtered': true, 'agentResources.mode': 'team' });
    await w.clickTitle(titleOf('agentResources.clearSearch'));
    await w.row('Code reviewer').waitFor();
    drove('agentResources.clearSearch', 'the view’s title bar');
    assert.deepEqual(neverShown('view/title'), [], 'entries of view/title that never show');
  });

  it('the editor title of a resource’s document, and the command palette’s conditions', async () => {
    const w = wb();
    await w.row('Code reviewer').click();
    await w.activeTab('Code reviewer').waitFor();
    const context = { resourceScheme: 'agent-resource', 'agentResources.mode': 'team' };
    assert.deepEqual(
      sorted((await w.editorMoreActions()).filter((t) => menu('editor/title').some((e) => titleOf(e.command) === t))),
      sorted(shownTitles('editor/title', context, false)),
      'the editor title menu of a resource',
    );
    await w.shot('editor-title-menu');
    await w.closeMenu();
    record('editor/title', context);
    assert.deepEqual(neverShown('editor/title'), []);

    // The palette lists a command only where its condition holds; `false` hides it for good.
    for (const entry of menu('commandPalette')) {
      const title = `Agent Resources: ${titleOf(entry.command)}`;
      const listed = (await w.paletteMatches(title)).includes(title);
      assert.equal(listed, when(entry.when, context), `${entry.command} in the palette (when ${entry.when})`);
      await w.escape();
    }
  });
});
