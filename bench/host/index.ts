// Runs inside a real VS Code extension host (runTestsInHost's run() module), first thing after the
// host started: activate() of the extension, save-selection-to-visible, and, against the bench's
// seeded server as a team database, browsing a 100,000-resource library page by page: extension
// host memory before and after, and the queries the tree sent (pg_stat_statements).
// Results go to the JSON file named by BENCH_HOST_RESULTS. It never throws: a figure that cannot
// be measured is reported with the reason.
import { writeFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import postgres from 'postgres';
import * as vscode from 'vscode';
import { figure, ms, notMeasured, type Figure } from '../lib/stats';

const extensionId = 'agent-resources.agent-resources';

interface Api {
  storage: { state: { kind: string; mode: string }; session(): Promise<{ userId: string; mode: string }> };
  tree: vscode.TreeDataProvider<unknown>;
  treeView: vscode.TreeView<unknown>;
}

const results: { figures: Figure[]; notes: string[]; details: Record<string, unknown> } = { figures: [], notes: [], details: {} };
const note = (text: string) => {
  results.notes.push(text);
  console.log(`[bench host] ${text}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Every row id the provider gives, expanding the groups as the view shows them. */
async function rowIds(tree: vscode.TreeDataProvider<unknown>): Promise<string[]> {
  const ids: string[] = [];
  const walk = async (element: unknown, depth: number) => {
    for (const child of ((await tree.getChildren(element as never)) ?? []) as unknown[]) {
      const item = await tree.getTreeItem(child as never);
      ids.push(item.id ?? '');
      if (depth === 0 && item.collapsibleState === vscode.TreeItemCollapsibleState.Expanded) await walk(child, 1);
    }
  };
  await walk(undefined, 0);
  return ids;
}

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function memory(gc: () => void) {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(50);
  }
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heapUsed: m.heapUsed / 2 ** 20 };
}

async function editorWithSelection(text: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ content: text, language: 'markdown' });
  const editor = await vscode.window.showTextDocument(document);
  editor.selection = new vscode.Selection(document.positionAt(0), document.positionAt(text.length));
  await waitFor('the editor to be active', () => vscode.window.activeTextEditor?.document === document || undefined);
  return editor;
}

async function closeEditors(): Promise<void> {
  for (let i = 0; i < 20 && vscode.window.tabGroups.all.some((g) => g.tabs.length > 0); i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
}

/**
 * Save as Resource on a selected editor, until the new row is on screen: the command's result,
 * then the view revealing and selecting it (the row rendered in the visible tree), and the row in
 * the provider's children (what any refresh of the view shows).
 */
async function saveToVisible(api: Api, runs: number, label: string): Promise<{ selected: number[]; provided: number[] }> {
  const selected: number[] = [];
  const provided: number[] = [];
  await vscode.commands.executeCommand('workbench.view.extension.agentResources');
  await rowIds(api.tree);
  for (let run = 0; run < runs + 2; run++) {
    await editorWithSelection(`Summarise {{topic}} for a new teammate (${label} ${run}).`);
    const name = `Bench save ${label} ${Date.now().toString(36)} ${run}`;
    let selectedAt: number | undefined;
    let wanted: string | undefined;
    const sub = api.treeView.onDidChangeSelection((e) => {
      if (wanted && selectedAt === undefined && e.selection.some((n) => (n as { id?: string }).id === wanted))
        selectedAt = performance.now();
    });
    try {
      const start = performance.now();
      const saved = (await vscode.commands.executeCommand('agentResources.saveSelection', { type: 'prompt', name })) as
        { id: string } | undefined;
      if (!saved) throw new Error('the command returned no resource (see the extension log)');
      wanted = `own:${saved.id}`;
      if (api.treeView.selection.some((n) => (n as { id?: string }).id === wanted)) selectedAt ??= performance.now();
      await waitFor('the saved resource in the tree', async () => ((await rowIds(api.tree)).includes(wanted!) ? true : undefined));
      const providedAt = performance.now();
      await waitFor('the view to select the saved resource', () => selectedAt, 5_000).catch(() => undefined);
      // The first two runs warm the paths up.
      if (run >= 2) {
        provided.push(providedAt - start);
        if (selectedAt !== undefined) selected.push(selectedAt - start);
      }
    } finally {
      sub.dispose();
      await closeEditors();
    }
  }
  return { selected, provided };
}

async function statements(
  admin: postgres.Sql,
): Promise<{ calls: number; maxRows: number; queries: { query: string; calls: number; rows: number }[] }> {
  const rows = await admin<{ query: string; calls: number; rows: number }[]>`
    select query, calls::int, rows::int from pg_stat_statements
    where dbid = (select oid from pg_database where datname = current_database())
      and query not ilike '%pg_stat_statements%' and query not ilike 'select pg_backend_pid()%'`;
  return {
    calls: rows.reduce((n, r) => n + r.calls, 0),
    maxRows: Math.max(0, ...rows.map((r) => (r.calls ? r.rows / r.calls : 0))),
    queries: rows.map((r) => ({ query: r.query.replace(/\s+/g, ' ').slice(0, 160), calls: r.calls, rows: r.rows })),
  };
}

async function teamLibrary(api: Api, url: string, gc: () => void): Promise<void> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const connected = await vscode.commands.executeCommand('agentResources.connect', { connectionString: url, label: 'bench' });
    if (!connected || api.storage.state.kind !== 'ready' || api.storage.state.mode !== 'team') {
      throw new Error(`connecting to the bench database failed (state ${api.storage.state.kind}, mode ${api.storage.state.mode})`);
    }
    // Save-to-visible against the 100,000-resource library.
    const team = await saveToVisible(api, Number(process.env.BENCH_SAVE_RUNS_TEAM ?? 10), 'team');
    results.figures.push(
      figure(
        'ext.saveToProvidedTeam',
        "save-selection-to-visible, 100k library (team): command to the row in the tree's children",
        'ms',
        team.provided,
        ms(150),
      ),
    );
    results.figures.push(
      figure('ext.saveToSelectedTeam', '  same, until the view reports the row revealed and selected', 'ms', team.selected),
    );

    // The grouped tree as first shown: one page per type group, nothing per row.
    await vscode.commands.executeCommand('workbench.view.explorer');
    await admin`select pg_stat_statements_reset()`;
    await vscode.commands.executeCommand('agentResources.refresh');
    const groupedRows = (await rowIds(api.tree)).length;
    const grouped = await statements(admin);

    // Browsing: the flat list, page by page, with the view hidden (as a script would; a visible
    // tree would re-render the whole list after every page).
    await vscode.commands.executeCommand('agentResources.toggleGrouping');
    await rowIds(api.tree);
    const before = await memory(gc);
    await admin`select pg_stat_statements_reset()`;
    const pageMs: number[] = [];
    // The model fires a change for each page it adds, and none once the list is complete.
    let changes = 0;
    const sub = api.tree.onDidChangeTreeData?.(() => changes++);
    let pages = 1;
    const browseStart = performance.now();
    const deadline = Date.now() + Number(process.env.BENCH_BROWSE_MS ?? 120_000);
    try {
      for (;;) {
        const seen = changes;
        const t = performance.now();
        await vscode.commands.executeCommand('agentResources.loadMore', 'all');
        if (changes === seen) break;
        pageMs.push(performance.now() - t);
        pages++;
        if (Date.now() > deadline) {
          note(`browsing stopped after ${pages} pages: BENCH_BROWSE_MS reached`);
          break;
        }
      }
    } finally {
      sub?.dispose();
    }
    const browseMs = performance.now() - browseStart;
    const during = await statements(admin);
    // Every row as the view would show it: a TreeItem per node.
    await admin`select pg_stat_statements_reset()`;
    const nodes = ((await api.tree.getChildren(undefined)) ?? []) as { kind?: string }[];
    for (const node of nodes) await api.tree.getTreeItem(node as never);
    const rows = nodes.filter((n) => n.kind === 'resource').length;
    const walk = await statements(admin);
    const after = await memory(gc);
    results.details.browse = {
      pages,
      rows,
      browseMs,
      queriesWhileBrowsing: during,
      queriesForAllTreeItems: walk,
      groupedFirstView: { rows: groupedRows, queries: grouped },
      before,
      after,
    };
    note(
      `browsed ${rows} rows in ${pages} pages (${(browseMs / 1000).toFixed(1)} s): ${during.calls} queries, at most ${during.maxRows} rows each; a TreeItem for every row: ${walk.calls} queries`,
    );
    results.figures.push(figure('ext.loadMore', 'load more (one page of 50) in the extension, 100k library', 'ms', pageMs));
    results.figures.push(
      figure(
        'ext.memoryBefore',
        'extension host RSS before browsing',
        'MiB',
        [before.rss],
        undefined,
        `heap ${before.heapUsed.toFixed(0)} MiB`,
      ),
    );
    results.figures.push(
      figure(
        'ext.memoryAfter',
        `extension host RSS after browsing ${rows.toLocaleString('en')} rows page by page`,
        'MiB',
        [after.rss],
        undefined,
        `heap ${after.heapUsed.toFixed(0)} MiB; +${(after.rss - before.rss).toFixed(0)} MiB RSS, +${(after.heapUsed - before.heapUsed).toFixed(0)} MiB heap`,
      ),
    );
    const listQueries = pages - 1;
    results.figures.push({
      key: 'ext.queriesPerPage',
      label: 'queries per "load more" (and for a TreeItem per row)',
      unit: 'count',
      median: listQueries ? during.calls / listQueries : null,
      min: null,
      max: during.maxRows,
      n: listQueries,
      target: { max: 1, text: '1 page per request, 0 per item' },
      holds: listQueries > 0 && during.calls === listQueries && during.maxRows <= 201 && walk.calls === 0 && grouped.calls <= 3,
      note: `${during.calls} queries for ${listQueries} pages, at most ${during.maxRows.toFixed(0)} rows each; ${walk.calls} queries for ${nodes.length} TreeItems; the grouped view's ${groupedRows} rows: ${grouped.calls} queries (one page per type group)`,
    });
  } finally {
    await admin.end({ timeout: 2 }).catch(() => {});
  }
}

export async function run(): Promise<void> {
  const out = process.env.BENCH_HOST_RESULTS;
  const save = () => out && writeFileSync(out, JSON.stringify(results, null, 2));
  try {
    // 1. activate(), before anything else activated the extension. The window's own startup
    // (built-in extensions activating on '*') settles first: it is not the extension's cost.
    await sleep(Number(process.env.BENCH_SETTLE_MS ?? 2000));
    const extension = vscode.extensions.getExtension<Api>(extensionId);
    if (!extension) throw new Error(`extension ${extensionId} is not installed in the host`);
    const wasActive = extension.isActive;
    // How much of it is loading the bundle (compiling and running its top level): timed around
    // Node's loader for that one file.
    const main = join(extension.extensionPath, 'dist', 'extension.js');
    const loaders = (Module as unknown as { _extensions: Record<string, (m: unknown, f: string) => void> })._extensions;
    const jsLoader = loaders['.js']!;
    let loadMs: number | undefined;
    loaders['.js'] = function (this: unknown, m: unknown, filename: string) {
      if (filename !== main) return jsLoader.call(this, m, filename);
      const t = performance.now();
      try {
        return jsLoader.call(this, m, filename);
      } finally {
        loadMs = performance.now() - t;
      }
    };
    let api: Api;
    let activateMs: number;
    try {
      const start = performance.now();
      api = await extension.activate();
      activateMs = performance.now() - start;
    } finally {
      loaders['.js'] = jsLoader;
    }
    results.figures.push(
      wasActive
        ? notMeasured('ext.activate', 'activate() in a fresh extension host', 'ms', 'the extension was already active', ms(50))
        : figure('ext.activate', 'activate() in a fresh extension host', 'ms', [activateMs], ms(50)),
    );
    if (loadMs !== undefined) results.figures.push(figure('ext.activateLoad', 'of which loading dist/extension.js', 'ms', [loadMs]));
    save();
    if (process.env.BENCH_HOST_MODE === 'activate') return;
    const gc = collectGarbage();

    // 2. The local library as a user first opens it, then save-to-visible on it.
    try {
      const t = performance.now();
      await api.storage.session();
      results.figures.push(
        figure('ext.firstLocalSession', 'first-ever local library in VS Code (storage.session())', 'ms', [performance.now() - t], ms(3000)),
      );
      const local = await saveToVisible(api, Number(process.env.BENCH_SAVE_RUNS ?? 20), 'local');
      results.figures.push(
        figure(
          'ext.saveToProvided',
          "save-selection-to-visible (local): command to the row in the tree's children",
          'ms',
          local.provided,
          ms(150),
        ),
      );
      results.figures.push(
        figure('ext.saveToSelected', '  same, until the view reports the row revealed and selected', 'ms', local.selected),
      );
    } catch (err) {
      results.figures.push(
        notMeasured('ext.saveToProvided', 'save-selection-to-visible (local library)', 'ms', (err as Error).message, ms(150)),
      );
    }
    save();

    // 3. The 100,000-resource library of the seeded server, as a team database.
    const url = process.env.BENCH_TEAM_URL;
    if (!url) {
      results.figures.push(
        notMeasured('ext.memoryAfter', 'extension host memory browsing a 100k library', 'MiB', 'no seeded server (BENCH_TEAM_URL unset)'),
      );
    } else {
      try {
        await teamLibrary(api, url, gc);
      } catch (err) {
        results.figures.push(
          notMeasured('ext.memoryAfter', 'extension host memory browsing a 100k library', 'MiB', (err as Error).message),
        );
      }
    }
  } catch (err) {
    note(`failed: ${(err as Error).stack ?? err}`);
  } finally {
    save();
  }
}
