import assert from 'node:assert/strict';
import { drove } from './support/coverage';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDatabaseClient } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { createResource, ensureUser, updateResource } from '../../src/db/queries';
import { startTeamServer, type TeamServer } from '../support/teamServer';
// @ts-expect-error -- the harness is plain JavaScript (ESM) with JSDoc types
import { openWorkbench } from '../host/run.mjs';

const root = resolve(__dirname, '..', '..');
const screenshots = join(root, 'test-results');
const name = 'Release notes writer';

describe('history and compare, as a person sees them in the browser', () => {
  let team: TeamServer;

  before(async () => {
    team = await startTeamServer(root);
    await migrateDatabase(team.url, join(root, 'migrations'));
    const client = createDatabaseClient(team.url);
    try {
      const user = await ensureUser(client.db, 'ui-history@example.com');
      const r = await createResource(client.db, user.id, {
        name,
        resourceType: 'prompt',
        content: { text: 'Write release notes for {{version}}.' },
      });
      await updateResource(
        client.db,
        user.id,
        r.id,
        { content: { text: 'Write release notes for {{version}}, grouped by feature.' } },
        { note: 'Group by feature' },
      );
      await updateResource(
        client.db,
        user.id,
        r.id,
        { content: { text: 'Write short release notes for {{version}}, grouped by feature, with links.' } },
        { note: 'Shorter, with links' },
      );
    } finally {
      await client.close();
    }
    mkdirSync(screenshots, { recursive: true });
  });

  after(async () => {
    await team?.stop();
  });

  it('Show History lists the versions with their notes; Enter on version 1 opens the diff with the current text; screenshots of both', async () => {
    const { page, close } = await openWorkbench({
      extensionPath: root,
      settings: {
        'agentResources.storage.mode': 'team',
        'agentResources.userEmail': 'ui-history@example.com',
        'agentResources.team.label': 'ui-team',
      },
      env: {
        PGHOST: team.host,
        PGPORT: String(team.port),
        PGUSER: team.user,
        PGPASSWORD: team.password,
        PGDATABASE: team.database,
        PGSSLMODE: 'disable',
      },
    });
    let ok = false;
    try {
      await page.locator('.activitybar .action-label[aria-label^="Agent Resources"]').click();
      const row = page.locator('.pane-body .monaco-list-row', { hasText: name });
      await row.waitFor({ timeout: 60_000 });
      await row.click({ button: 'right' });
      // Hovered, then Enter: the menu ignores a click that comes right after it opened.
      await page.locator('.context-view .action-label', { hasText: 'Show History…' }).hover();
      await page.keyboard.press('Enter');

      const widget = page.locator('.quick-input-widget');
      await widget.locator('.quick-input-list .monaco-list-row', { hasText: 'Version 1' }).waitFor({ timeout: 30_000 });
      // A row's detail line is a label too: the versions' own labels are the ones that name them.
      const labels = (await widget.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts()).filter((l: string) =>
        l.startsWith('Version'),
      );
      assert.deepEqual(labels, ['Version 3 (current)', 'Version 2', 'Version 1'], `rows were ${JSON.stringify(labels)}`);
      const text = await widget.innerText();
      assert.match(text, /Shorter, with links/);
      assert.match(text, /Group by feature/);
      assert.match(text, new RegExp(`History of “${name}”`));
      await page.screenshot({ path: join(screenshots, 'history-quick-pick.png') });

      await page.keyboard.type('Version 1');
      await widget.locator('.quick-input-list .monaco-list-row', { hasText: 'Version 2' }).waitFor({ state: 'detached' });
      await page.keyboard.press('Enter');
      const diff = page.locator('.monaco-diff-editor');
      await diff.waitFor({ timeout: 30_000 });
      await diff.locator('.editor.original .view-lines', { hasText: 'Write release notes for {{version}}.' }).waitFor({ timeout: 30_000 });
      await diff.locator('.editor.modified .view-lines', { hasText: 'with links' }).waitFor({ timeout: 30_000 });
      assert.match(await page.locator('.tabs-container .tab.active').innerText(), /version 1 ↔ current/);
      drove('agentResources.history', 'a resource’s context menu (Show History…), then Enter on a version');
      await page.screenshot({ path: join(screenshots, 'history-diff.png') });
      ok = true;
    } finally {
      if (!ok) await page.screenshot({ path: join(screenshots, 'history-failed.png') }).catch(() => {});
      await close(!ok);
    }
  });
});
