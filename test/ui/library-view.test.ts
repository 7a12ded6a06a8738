import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { createDatabaseClient } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { createResource, ensureUser, setPinned } from '../../src/db/queries';
import { startTeamServer, type TeamServer } from '../support/teamServer';
// @ts-expect-error -- the harness is plain JavaScript (ESM) with JSDoc types
import { openWorkbench } from '../host/run.mjs';

const root = resolve(__dirname, '..', '..');
const screenshots = join(root, 'test-results');

async function openLibrary(page: Page): Promise<string[]> {
  await page.locator('.activitybar .action-label[aria-label^="Agent Resources"]').click();
  const pane = page.locator('.pane-body').filter({ has: page.locator('.monaco-list-row, .welcome-view-content') });
  await pane.first().waitFor({ timeout: 60_000 });
  return pane.first().locator('.monaco-list-row .label-name').allInnerTexts();
}

describe('the library view, as a person sees it in the browser', () => {
  let team: TeamServer;

  before(async () => {
    team = await startTeamServer(root);
    await migrateDatabase(team.url, join(root, 'migrations'));
    const client = createDatabaseClient(team.url);
    try {
      const user = await ensureUser(client.db, 'ui-tester@example.com');
      await createResource(client.db, user.id, {
        name: 'Release checklist',
        resourceType: 'workflow',
        content: { steps: [{ text: 'tag' }, { text: 'publish' }] },
      });
      const pinned = await createResource(client.db, user.id, {
        name: 'Code reviewer',
        description: 'Reviews a diff',
        resourceType: 'prompt',
        content: { text: 'Review {{diff}}' },
      });
      await setPinned(client.db, user.id, pinned.id, true);
      await createResource(client.db, user.id, {
        name: 'Support agent',
        resourceType: 'agent_config',
        content: { config: { model: 'small' } },
      });
    } finally {
      await client.close();
    }
    mkdirSync(screenshots, { recursive: true });
  });

  after(async () => {
    await team?.stop();
  });

  it('shows the resources grouped by type, with the status bar naming the database, and saves a screenshot', async () => {
    // The team mode reads PG* variables when no connection string is stored.
    const { page, close } = await openWorkbench({
      extensionPath: root,
      settings: {
        'agentResources.storage.mode': 'team',
        'agentResources.userEmail': 'ui-tester@example.com',
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
      const labels = await openLibrary(page);
      await page.locator('.monaco-list-row .label-name', { hasText: 'Support agent' }).waitFor({ timeout: 30_000 });
      const rows = await page.locator('.pane-body .monaco-list-row .label-name').allInnerTexts();
      assert.deepEqual(
        rows,
        ['Workflows', 'Release checklist', 'Prompts', 'Code reviewer', 'Agent Configs', 'Support agent'],
        `rows were ${JSON.stringify(rows)} (first read ${JSON.stringify(labels)})`,
      );
      assert.match(await page.locator('.statusbar').innerText(), /Team: ui-team/);
      const file = join(screenshots, 'library-view.png');
      await page.screenshot({ path: file });
      console.log(`      screenshot: ${file}`);
      ok = true;
    } finally {
      await close(!ok);
    }
  });

  it('shows the welcome view of an empty local library', async () => {
    const { page, close } = await openWorkbench({ extensionPath: root });
    let ok = false;
    try {
      await page.locator('.activitybar .action-label[aria-label^="Agent Resources"]').click();
      const welcome = page.locator('.welcome-view-content', { hasText: 'Your library is empty' });
      await welcome.waitFor({ timeout: 60_000 });
      assert.ok(await welcome.locator('a', { hasText: 'Save Selection as Resource' }).count(), 'a button to save the first resource');
      await page.screenshot({ path: join(screenshots, 'library-empty.png') });
      ok = true;
    } finally {
      await close(!ok);
    }
  });
});
