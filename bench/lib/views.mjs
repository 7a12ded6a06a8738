/* global window, document, performance, MutationObserver -- page functions run in the workbench page */
// Time from opening the Agent Resources view to its rows on screen, in a real VS Code workbench
// (code-server + headless chromium): on a warm local server (running, started by another process)
// and on a cold one (stopped, data kept). Each sample is a fresh extension host (page reload), so
// it includes the extension's activation, attaching, the first pages and the rendering.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { children } from './processes.mjs';

const ITEM = '.activitybar .action-label[aria-label^="Agent Resources"]';
const EXPLORER = '.activitybar .action-label[aria-label^="Explorer"]';
const CONTAINER = '[id="workbench.view.extension.agentResources"]';
// Resource rows inside the type groups (level 1 is a group).
const ROWS = `${CONTAINER} .monaco-list-row[aria-level="2"]`;
const EMAIL = 'bench-view@example.com';
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Clicks the activity-bar item and resolves with the milliseconds from the click (mousedown, in
 * the page's clock) to the first resource rows in the view's DOM.
 * @param {import('playwright-core').Page} page
 */
async function viewToRows(page) {
  await page.locator(ITEM).waitFor({ timeout: 60_000 });
  await page.evaluate(
    ({ item, rows }) => {
      const w = /** @type {any} */ (window);
      w.__benchRows = new Promise((resolve, reject) => {
        /** @type {number | undefined} */
        let t0;
        const el = document.querySelector(item);
        if (!el) return reject(new Error('no activity bar item'));
        const down = () => {
          if (t0 !== undefined) return;
          t0 = performance.now();
          w.__benchClickWall = Date.now();
        };
        el.addEventListener('pointerdown', down, { capture: true });
        el.addEventListener('mousedown', down, { capture: true });
        const check = () => {
          if (t0 === undefined) return;
          const found = document.querySelectorAll(rows).length;
          if (found === 0) return;
          const ms = performance.now() - t0;
          observer.disconnect();
          clearTimeout(timer);
          resolve({ ms, rows: found });
        };
        const observer = new MutationObserver(check);
        observer.observe(document.body, { childList: true, subtree: true, attributes: true });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error('no rows within 60 s'));
        }, 60_000);
      });
    },
    { item: ITEM, rows: ROWS },
  );
  await page.click(ITEM);
  const result = /** @type {{ ms: number, rows: number }} */ (await page.evaluate(() => /** @type {any} */ (window).__benchRows));
  const clickWall = /** @type {number} */ (await page.evaluate(() => /** @type {any} */ (window).__benchClickWall));
  return { ...result, clickWall };
}

/**
 * Where a view-to-rows sample went, from the logs of the window's extension host: the click to
 * VS Code activating the extension (log line), and the extension's own "Local library ready in N ms"
 * (attach, migrations check, user). Log times are wall-clock milliseconds of the same machine.
 * @param {string} logsDir @param {number} clickWall @param {number} total @param {string} [extensionId]
 */
function breakdown(logsDir, clickWall, total, extensionId = 'agent-resources.agent-resources') {
  const logs = extensionHostLogs(logsDir);
  const host = logs[logs.length - 1];
  if (!host) return undefined;
  const stamp = (/** @type {string} */ line) => new Date(line.slice(0, 23).replace(' ', 'T')).getTime();
  const activated = readFileSync(host, 'utf8')
    .split('\n')
    .find((l) => l.includes(`_doActivateExtension ${extensionId}`));
  let ready;
  try {
    const own = join(host, '..', 'agent-resources.agent-resources', 'Agent Resources.log');
    ready = readFileSync(own, 'utf8')
      .split('\n')
      .filter((l) => /Local library ready in \d+ ms/.test(l))
      .pop();
  } catch {
    // no log
  }
  const toActivation = activated ? stamp(activated) - clickWall : undefined;
  const connect = ready ? Number(/ready in (\d+) ms/.exec(ready)?.[1]) : undefined;
  return {
    total,
    clickToActivation: toActivation,
    activationToConnected: ready && activated ? stamp(ready) - stamp(activated) : undefined,
    connect,
    connectedToRows: ready ? clickWall + total - stamp(ready) : undefined,
  };
}

/**
 * Save as Resource the way a person does it (keybinding, type, name, description), timed from
 * the last Enter to the new row in the view's DOM (the extension reveals and selects it).
 * @param {import('playwright-core').Page} page @param {number} runs
 */
async function saveThroughUi(page, runs) {
  /** @param {string} text */
  const waitPrompt = (text) =>
    page.waitForFunction(
      (t) => {
        const widget = /** @type {any} */ (document.querySelector('.quick-input-widget'));
        if (!widget || widget.style.display === 'none') return false;
        const input = widget.querySelector('input');
        return [widget.innerText, input?.placeholder, input?.getAttribute('aria-label')].some((x) => (x ?? '').includes(t));
      },
      text,
      { timeout: 10_000 },
    );
  await page.keyboard.press('Control+P');
  await waitPrompt('notes.md').catch(() => {});
  await page.keyboard.type('notes.md');
  await sleep(700);
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor.focused').waitFor({ timeout: 10_000 });
  /** @type {number[]} */
  const times = [];
  for (let run = 0; run <= runs; run++) {
    const name = `UI save ${Date.now().toString(36)} ${run}`;
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+Alt+S');
    await waitPrompt('Save the selection as');
    await page.keyboard.type('Prompt');
    await sleep(200);
    await page.keyboard.press('Enter');
    await waitPrompt('Name of the resource');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(name);
    await page.keyboard.press('Enter');
    await waitPrompt('Description (optional)');
    await page.evaluate(
      ({ rows, name }) => {
        const w = /** @type {any} */ (window);
        w.__benchSave = new Promise((resolve, reject) => {
          /** @type {number | undefined} */
          let t0;
          const key = (/** @type {any} */ e) => {
            if (e.key === 'Enter' && t0 === undefined) t0 = performance.now();
          };
          document.addEventListener('keydown', key, { capture: true });
          const check = () => {
            if (t0 === undefined) return;
            const row = [...document.querySelectorAll(rows)].find((r) => (r.getAttribute('aria-label') ?? '').startsWith(name));
            if (!row) return;
            const ms = performance.now() - t0;
            observer.disconnect();
            document.removeEventListener('keydown', key, { capture: true });
            clearTimeout(timer);
            resolve(ms);
          };
          const observer = new MutationObserver(check);
          observer.observe(document.body, { childList: true, subtree: true, attributes: true });
          const timer = setTimeout(() => {
            observer.disconnect();
            reject(new Error('the saved resource did not appear in the view within 20 s'));
          }, 20_000);
        });
      },
      { rows: `${CONTAINER} .monaco-list-row`, name },
    );
    await page.keyboard.press('Enter');
    const ms = /** @type {number} */ (await page.evaluate(() => /** @type {any} */ (window).__benchSave));
    // The first run warms the paths up.
    if (run > 0) times.push(ms);
  }
  return times;
}

/**
 * The extension hosts' logs of the run, oldest first: code-server starts one per window, and logs
 * "Eager extensions activated" when it has started up.
 * @param {string} logsDir
 */
function extensionHostLogs(logsDir) {
  /** @type {string[]} */
  const found = [];
  if (!existsSync(logsDir)) return found;
  for (const session of readdirSync(logsDir).sort()) {
    const dir = join(logsDir, session);
    for (const name of readdirSync(dir)
      .filter((n) => /^exthost\d+$/.test(n))
      .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)))) {
      found.push(join(dir, name, 'remoteexthost.log'));
    }
  }
  return found;
}

/** @param {string} file */
const started = (file) => {
  try {
    return readFileSync(file, 'utf8').includes('Eager extensions activated');
  } catch {
    return false;
  }
};

/**
 * Waits until a window's extension host (one not in `known`) has started: the view is timed from
 * the click in a running window, not the window's own startup.
 * @param {string} logsDir @param {Set<string>} known
 */
async function waitForExtensionHost(logsDir, known) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const fresh = extensionHostLogs(logsDir).filter((f) => !known.has(f));
    if (fresh.some(started)) {
      for (const f of fresh) known.add(f);
      break;
    }
    if (Date.now() > deadline) throw new Error("the window's extension host did not start within 90 s");
    await sleep(100);
  }
  await sleep(500);
}

/**
 * A fresh extension host: the view is left hidden (Explorer shown), the page reloads, and the new
 * window's extension host starts (the old one lingers: code-server keeps it for a reconnection).
 * @param {import('playwright-core').Page} page @param {string} logsDir @param {Set<string>} known
 */
async function freshWindow(page, logsDir, known) {
  if (
    await page
      .locator(CONTAINER)
      .isVisible()
      .catch(() => false)
  ) {
    await page.click(EXPLORER);
    await sleep(300);
  }
  await page.reload();
  await page.locator('.monaco-workbench .activitybar').waitFor({ timeout: 60_000 });
  await page.locator(ITEM).waitFor({ timeout: 60_000 });
  // VS Code restored the view: hide it again so the next click opens it.
  if (
    await page
      .locator(CONTAINER)
      .isVisible()
      .catch(() => false)
  ) {
    await page.click(EXPLORER);
    await sleep(300);
  }
  await waitForExtensionHost(logsDir, known);
}

/** @param {string} pgdata */
function serverPid(pgdata) {
  try {
    const pid = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Stops the local server (fast shutdown; data kept) if it runs: the windows that reloaded still
 * have their old extension hosts attached, so it would not stop by itself.
 * @param {string} pgdata
 */
async function stopServer(pgdata) {
  const pid = serverPid(pgdata);
  if (!pid) return true;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    // gone already
  }
  return waitServerStopped(pgdata, 15_000);
}

/** @param {string} pgdata @param {number} ms */
async function waitServerStopped(pgdata, ms) {
  const deadline = Date.now() + ms;
  while (serverPid(pgdata) && Date.now() < deadline) await sleep(100);
  return !serverPid(pgdata);
}

/**
 * Keeps the local library's server running from a process of the bench (as another VS Code
 * window would), with `count` resources for the view's user.
 * @param {string} root @param {string} storageDir @param {number} count
 */
function holdServer(root, storageDir, count) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'local.ts'), 'hold', storageDir, EMAIL, String(count)], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.add(child);
    const exited = new Promise((done) =>
      child.once('exit', () => {
        children.delete(child);
        done(undefined);
      }),
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('"ready":true'))
        resolve({
          release: async () => {
            child.stdin.end();
            await exited;
          },
        });
    });
    child.once('exit', (code) => reject(new Error(`the process holding the local server exited (${code}): ${out.slice(-300)}`)));
  });
}

/** The workbench run folder openWorkbench made: the one agent-resources-host-* folder not in `existing`. @param {Set<string>} existing */
function newRunFolder(existing) {
  const hostRoot = readdirSync(tmpdir()).find((n) => n.startsWith('agent-resources-host-') && !existing.has(n));
  if (!hostRoot) throw new Error('could not find the workbench run folder');
  return join(tmpdir(), hostRoot);
}

/**
 * The floor: bench/floor-extension (the same view and rows from memory, a save that adds the row
 * and reveals it) in its own workbench of the same VS Code, timed by the same steps as ours.
 * @param {{ root: string, workspace: string, runs: number, saveRuns: number, libraryRows: number }} options
 */
async function measureFloor({ root, workspace, runs, saveRuns, libraryRows }) {
  const { openWorkbench } = await import('../../test/host/run.mjs');
  const existing = new Set(readdirSync(tmpdir()));
  const wb = await openWorkbench({
    extensionPath: join(root, 'bench', 'floor-extension'),
    workspacePath: workspace,
    env: { AGENT_RESOURCES_FLOOR_ROWS: String(libraryRows) },
  });
  const out = { warm: /** @type {number[]} */ ([]), save: /** @type {number[]} */ ([]), breakdown: /** @type {unknown[]} */ ([]) };
  try {
    const logsDir = join(newRunFolder(existing), 'user-data', 'logs');
    /** @type {Set<string>} */
    const known = new Set();
    await waitForExtensionHost(logsDir, known);
    for (let run = 0; run < runs; run++) {
      if (run > 0) await freshWindow(wb.page, logsDir, known);
      const r = await viewToRows(wb.page);
      out.warm.push(r.ms);
      await sleep(300);
      out.breakdown.push(breakdown(logsDir, r.clickWall, r.ms, 'agent-resources-bench.agent-resources-floor'));
    }
    if (saveRuns > 0) out.save = await saveThroughUi(wb.page, saveRuns);
    return out;
  } finally {
    await wb.close();
  }
}

/**
 * @param {{ root: string, warmRuns: number, coldRuns: number, saveRuns: number, libraryRows: number, log: (s: string) => void }} options
 */
export async function measureViews({ root, warmRuns, coldRuns, saveRuns, libraryRows, log }) {
  const { openWorkbench } = await import('../../test/host/run.mjs');
  const workspace = mkdtempSync(join(tmpdir(), 'agent-resources-bench-workspace-'));
  writeFileSync(join(workspace, 'notes.md'), '# Notes\n');
  const existing = new Set(readdirSync(tmpdir()));
  // No email setting: the local library's user is the one who owns the seeded resources.
  const wb = await openWorkbench({ extensionPath: root, workspacePath: workspace });
  /** @type {{ release(): Promise<void> } | undefined} */
  let hold;
  const out = {
    warm: /** @type {number[]} */ ([]),
    cold: /** @type {number[]} */ ([]),
    rows: /** @type {number[]} */ ([]),
    save: /** @type {number[]} */ ([]),
    breakdown: /** @type {{ warm: unknown[], cold: unknown[], floor: unknown[] }} */ ({ warm: [], cold: [], floor: [] }),
    floor: { warm: /** @type {number[]} */ ([]), save: /** @type {number[]} */ ([]) },
    notes: /** @type {string[]} */ ([]),
  };
  try {
    const runFolder = newRunFolder(existing);
    // The extension's local library in that run: the run's XDG data folder (the harness sets it).
    const storageDir = join(runFolder, 'xdg-data', 'agent-resources');
    hold = /** @type {{ release(): Promise<void> }} */ (await holdServer(root, storageDir, libraryRows));
    // As root the cluster lives under /var/lib/agent-resources; the library folder names it.
    const location = join(storageDir, 'cluster-location');
    const pgdata = join(existsSync(location) ? readFileSync(location, 'utf8').trim() : storageDir, 'pgdata');
    log(`local library with ${libraryRows} resources running (held by the bench, as by another window)`);
    await sleep(1500);

    const logsDir = join(runFolder, 'user-data', 'logs');
    /** @type {Set<string>} */
    const known = new Set();
    await waitForExtensionHost(logsDir, known);
    for (let run = 0; run < warmRuns; run++) {
      if (run > 0) await freshWindow(wb.page, logsDir, known);
      if (!serverPid(pgdata)) throw new Error('the held local server is not running');
      const r = await viewToRows(wb.page);
      out.warm.push(r.ms);
      out.rows.push(r.rows);
      await sleep(300);
      out.breakdown.warm.push(breakdown(logsDir, r.clickWall, r.ms));
    }
    log(`warm view-to-rows: ${out.warm.map((m) => m.toFixed(0)).join(', ')} ms`);

    // Save-to-visible as a person does it, in this window (view open, warm server).
    if (saveRuns > 0) {
      try {
        out.save = await saveThroughUi(wb.page, saveRuns);
        log(`save-to-visible through the UI: ${out.save.map((m) => m.toFixed(0)).join(', ')} ms`);
      } catch (err) {
        out.notes.push(`save through the UI: ${/** @type {Error} */ (err).message.split('\n')[0]}`);
      }
    }

    // Cold: the server is stopped (data kept) before each window opens the view.
    await hold.release();
    hold = undefined;
    for (let run = 0; run < coldRuns; run++) {
      await freshWindow(wb.page, logsDir, known);
      if (!(await stopServer(pgdata))) {
        out.notes.push('cold view: the local server did not stop; that sample was skipped');
        continue;
      }
      if (!existsSync(join(pgdata, 'PG_VERSION'))) throw new Error('the local library lost its data folder');
      const r = await viewToRows(wb.page);
      out.cold.push(r.ms);
      await sleep(300);
      out.breakdown.cold.push(breakdown(logsDir, r.clickWall, r.ms));
    }
    log(`cold view-to-rows: ${out.cold.map((m) => m.toFixed(0)).join(', ')} ms`);
  } finally {
    await hold?.release().catch(() => {});
    await wb.close();
  }
  // After ours, with our workbench closed: one VS Code running at a time, as for ours.
  try {
    const floor = await measureFloor({ root, workspace, runs: warmRuns, saveRuns, libraryRows });
    out.floor = { warm: floor.warm, save: floor.save };
    out.breakdown.floor = floor.breakdown;
    log(
      `floor view-to-rows: ${floor.warm.map((m) => m.toFixed(0)).join(', ')} ms; save: ${floor.save.map((m) => m.toFixed(0)).join(', ')} ms`,
    );
  } catch (err) {
    out.notes.push(`floor: ${/** @type {Error} */ (err).message.split('\n')[0]}`);
  }
  return out;
}
