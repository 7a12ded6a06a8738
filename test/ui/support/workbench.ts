// What a person does in the workbench, in one place: the tree's rows, inline buttons and context
// menus, the view's title bar, the command palette and its input boxes and quick picks, the
// notifications and dialogs, the editor, and the browser's own clipboard. Every UI test drives
// VS Code through these (playwright-core on code-server's workbench in headless Chromium).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
// @ts-expect-error -- the harness is plain JavaScript (ESM) with JSDoc types
import { openWorkbench, removeRunLibrary } from '../../host/run.mjs';

export const root = resolve(__dirname, '..', '..', '..');
const results = join(root, 'test-results');

const SIDEBAR = '.part.sidebar';
const QUICK_INPUT = '.quick-input-widget';
const TOAST = '.notifications-toasts .notification-toast';
const MENU = '.context-view.monaco-menu-container';
const DIALOG = '.monaco-dialog-box';
const EDITOR = '.part.editor .editor-group-container.active .editor-instance .monaco-editor';
// A quick pick item's label (its first line; the detail below it is a label too).
const PICK_LABEL = '.quick-input-list-row:first-child .label-name';
const timeout = 30_000;

export interface WorkbenchOptions {
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  workspacePath?: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exactly = (text: string) => new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`);
const visibleText = (text: string) => text.replace(/\u00a0/g, ' ');

/**
 * Opens a workbench for a describe block (before), keeps its logs when a test failed and closes it
 * (after). The browser may read and write its clipboard, as a person's browser that allowed it.
 */
export function useWorkbench(options: WorkbenchOptions | (() => WorkbenchOptions)): () => Workbench {
  let workbench: Workbench | undefined;
  let failed = false;
  before(async () => {
    workbench = await Workbench.open(typeof options === 'function' ? options() : options);
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    failed = true;
    // What the person saw when it failed.
    const name = (this.currentTest.title.match(/[a-z0-9]+/gi) ?? []).join('-').slice(0, 60).toLowerCase();
    await workbench?.shot(`failed-${name}`).catch(() => {});
  });
  after(async () => {
    await workbench?.close(failed);
  });
  return () => {
    if (!workbench) throw new Error('the workbench did not open');
    return workbench;
  };
}

/** Stops the server of a local library a test made itself (AGENT_RESOURCES_HOME) and removes its cluster. */
export const removeLibrary = removeRunLibrary as (home: string) => Promise<void>;

export class Workbench {
  private constructor(
    readonly page: Page,
    private readonly closeHost: (keepLogs: boolean) => Promise<void>,
  ) {}

  static async open(options: WorkbenchOptions): Promise<Workbench> {
    const { page, close } = (await openWorkbench({ extensionPath: root, ...options })) as {
      page: Page;
      close: (keepLogs?: boolean) => Promise<void>;
    };
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin });
    mkdirSync(results, { recursive: true });
    return new Workbench(page, close);
  }

  close(keepLogs = false): Promise<void> {
    return this.closeHost(keepLogs);
  }

  /** A screenshot of the whole window in test-results/ui-<name>.png. */
  async shot(name: string): Promise<void> {
    await this.page.screenshot({ path: join(results, `ui-${name}.png`) });
  }

  /** Reloads the window (Developer: Reload Window, as the browser's reload): the same user data, a new extension host. */
  async reload(): Promise<void> {
    await this.page.reload();
    await this.page.locator('.monaco-workbench .activitybar').waitFor({ timeout: 60_000 });
  }

  /** Hides the secondary side bar (VS Code's chat may open it at startup, taking half the window) with View: Hide Secondary Side Bar. */
  async hideSecondarySideBar(): Promise<void> {
    const bar = this.page.locator('.part.auxiliarybar');
    if (!(await bar.isVisible())) return;
    await this.palette('Hide Secondary Side Bar', 'View');
    await bar.waitFor({ state: 'hidden', timeout });
  }

  // --- the Agent Resources view

  async showLibrary(): Promise<void> {
    const item = this.page.locator('.activitybar .action-label[aria-label^="Agent Resources"]');
    const title = this.page.locator(`${SIDEBAR} .composite.title`, { hasText: 'Agent Resources' });
    const body = this.page.locator(`${SIDEBAR} .pane-body`).first();
    // A click on the item of the view already shown hides the side bar, and a window just loaded
    // (or reloaded) may still be restoring it: click only while it is not shown, and look again.
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!(await title.isVisible())) await item.click();
      try {
        await body.waitFor({ timeout: 3_000 });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  }

  /** The tree's row with exactly this label. */
  row(label: string): Locator {
    return this.page.locator(`${SIDEBAR} .monaco-list-row`).filter({ has: this.page.locator('.label-name', { hasText: exactly(label) }) });
  }

  async rowLabels(): Promise<string[]> {
    return (await this.page.locator(`${SIDEBAR} .monaco-list-row .label-name`).allInnerTexts()).map(visibleText);
  }

  /** Waits until the tree shows exactly these rows (labels, top to bottom). */
  async expectRows(labels: string[]): Promise<void> {
    await this.until(`the tree to show ${JSON.stringify(labels)}`, async () => {
      const shown = await this.rowLabels();
      return JSON.stringify(shown) === JSON.stringify(labels) ? true : `it shows ${JSON.stringify(shown)}`;
    });
  }

  async rowDescription(label: string): Promise<string> {
    return visibleText(await this.row(label).locator('.label-description').innerText());
  }

  welcome(text: string): Locator {
    return this.page.locator(`${SIDEBAR} .welcome-view-content`, { hasText: text });
  }

  /** Clicks a button (a command link) of the welcome view that shows `text`. */
  async clickWelcomeButton(text: string, button: string): Promise<void> {
    await this.welcome(text).getByRole('button', { name: button, exact: true }).click({ timeout });
  }

  async welcomeButtons(text: string): Promise<string[]> {
    await this.welcome(text).waitFor({ timeout: 60_000 });
    return (await this.welcome(text).getByRole('button').allInnerTexts()).map((t) => t.trim());
  }

  /** The inline buttons of a row, as VS Code shows them on hover. */
  async inlineActions(label: string): Promise<string[]> {
    const row = this.row(label);
    await row.hover();
    return row.locator('.actions .action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  }

  async clickInline(label: string, action: string): Promise<void> {
    const row = this.row(label);
    await row.hover();
    await row.locator(`.actions .action-label[aria-label="${action}"]`).click({ timeout });
  }

  /** Right-clicks the row and returns the context menu's items; the menu stays open. */
  async contextMenu(label: string): Promise<string[]> {
    await this.row(label).click({ button: 'right' });
    return this.menuItems();
  }

  async chooseFromContextMenu(label: string, item: string): Promise<void> {
    await this.contextMenu(label);
    await this.chooseMenuItem(item);
  }

  /** The buttons in the view's title bar (the navigation group), by their titles. */
  async titleActions(): Promise<string[]> {
    const labels = await this.page
      .locator(`${SIDEBAR} .composite.title .title-actions .action-label`)
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    return labels.filter((l) => !/More Actions/.test(l));
  }

  async clickTitle(action: string): Promise<void> {
    await this.page.locator(`${SIDEBAR} .composite.title .title-actions .action-label[aria-label="${action}"]`).click({ timeout });
  }

  /** The items of the view's "..." menu; the menu stays open. */
  async moreActions(): Promise<string[]> {
    await this.page.locator(`${SIDEBAR} .composite.title .action-label[aria-label$="More Actions..."]`).click({ timeout });
    return this.menuItems();
  }

  async chooseMoreAction(item: string): Promise<void> {
    await this.moreActions();
    await this.chooseMenuItem(item);
  }

  /** The items of the active editor's "..." menu (its title bar); the menu stays open. */
  async editorMoreActions(): Promise<string[]> {
    await this.page
      .locator('.part.editor .editor-group-container.active .editor-actions .action-label[aria-label$="More Actions..."]')
      .click({ timeout });
    return this.menuItems();
  }

  // --- menus, the palette, input boxes and quick picks

  async menuItems(): Promise<string[]> {
    const menu = this.page.locator(MENU).last();
    await menu.locator('.action-label').first().waitFor({ timeout });
    return (await menu.locator('.action-menu-item .action-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  }

  /**
   * Clicks a menu item. A menu ignores mouse-ups for its first 100 ms (so the right-click that
   * opened it selects nothing): a click it ignored leaves it open, and is made again.
   */
  async chooseMenuItem(item: string): Promise<void> {
    const entry = this.page.locator(`${MENU} .action-menu-item`, { has: this.page.locator(`.action-label[aria-label="${item}"]`) });
    await this.clickUntilGone(entry, entry, `the menu item "${item}" to run`);
  }

  async closeMenu(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.locator(MENU).last().waitFor({ state: 'hidden', timeout });
  }

  /** Runs `Agent Resources: <title>` from the command palette (F1), as typed by a person. */
  async palette(title: string, category = 'Agent Resources'): Promise<void> {
    const full = category ? `${category}: ${title}` : title;
    await this.openPalette(full);
    await this.pickRow(full).click({ timeout });
  }

  /** The palette's commands that match the typed text (the palette stays open). */
  async paletteMatches(text: string): Promise<string[]> {
    await this.openPalette(text);
    const list = this.page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row .label-name`);
    const none = this.page.locator(`${QUICK_INPUT} .quick-input-message`, { hasText: 'No matching commands' });
    await list.first().or(none).waitFor({ timeout });
    return (await list.allInnerTexts()).map(visibleText);
  }

  private async openPalette(text: string): Promise<void> {
    await this.page.keyboard.press('F1');
    await this.quickInput().waitFor({ timeout });
    await this.page.keyboard.type(text);
  }

  quickInput(): Locator {
    return this.page.locator(QUICK_INPUT).filter({ visible: true });
  }

  /** Waits for the input box or quick pick that says `prompt` (its prompt, title, placeholder or message). */
  async waitForPrompt(prompt: string): Promise<void> {
    await this.until(`an input that says "${prompt}"`, async () => {
      const widget = this.page.locator(QUICK_INPUT);
      if (!(await widget.isVisible())) return 'no input is shown';
      const input = widget.locator('input.input').first();
      const texts = [await widget.innerText(), await input.getAttribute('placeholder'), await input.getAttribute('aria-label')];
      return texts.some((t) => (t ?? '').includes(prompt)) || `it says ${JSON.stringify(texts)}`;
    });
  }

  /** Replaces the input's text with `text` (as typed), leaving it open. */
  async typeInput(text: string): Promise<void> {
    await this.page.keyboard.press('Control+A');
    if (text) await this.page.keyboard.type(text);
    else await this.page.keyboard.press('Backspace');
  }

  /** Answers the input box that says `prompt` with `text` and Enter. */
  async answer(prompt: string, text: string): Promise<void> {
    await this.waitForPrompt(prompt);
    await this.typeInput(text);
    await this.page.keyboard.press('Enter');
  }

  /** The validation message the input box shows for what was typed. */
  async validationMessage(expected: RegExp): Promise<string> {
    const message = this.page.locator(`${QUICK_INPUT} .quick-input-message`, { hasText: expected });
    await message.waitFor({ timeout });
    return message.innerText();
  }

  /** The quick pick's items (labels, without icons). */
  async pickItems(): Promise<string[]> {
    const rows = this.page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row ${PICK_LABEL}`);
    await rows.first().waitFor({ timeout });
    return (await rows.allInnerTexts()).map((t) => visibleText(t).trim());
  }

  /** Picks the item whose label is `label`, with the mouse. */
  async pick(label: string): Promise<void> {
    await this.pickRow(label).click({ timeout });
  }

  pickRow(label: string): Locator {
    return this.page
      .locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`)
      .filter({ has: this.page.locator(PICK_LABEL, { hasText: exactly(label) }) });
  }

  /** Clicks the button (`tooltip`) of a quick pick item. */
  async pickButton(label: string, tooltip: string): Promise<void> {
    const row = this.pickRow(label);
    await row.hover();
    await row.locator(`.action-label[aria-label="${tooltip}"]`).click({ timeout });
  }

  async escape(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout });
  }

  /**
   * Answers VS Code's own file dialog (in the browser, a path in the quick input): a file to
   * open or to save as, or a folder, pasted and taken with the dialog's OK button.
   */
  async chooseFile(path: string): Promise<void> {
    await this.fileDialog();
    await this.acceptFileDialog(path);
  }

  async chooseFolder(path: string): Promise<void> {
    await this.fileDialog();
    await this.acceptFileDialog(`${path.replace(/\/+$/, '')}/`);
  }

  /**
   * Puts `path` in the dialog and clicks OK until it closes (OK before the dialog has taken the
   * path in does nothing). The path is pasted, and again whenever the input holds anything else:
   * the dialog sets its own value while it lists the folder, and keys typed then were mixed into
   * it ("…-ePOTG6/ent-resources-…" in CI's UI run).
   */
  private async acceptFileDialog(path: string): Promise<void> {
    const dialog = this.page.locator(QUICK_INPUT);
    const input = dialog.locator('input.input').first();
    const ok = dialog.locator('.quick-input-action .monaco-button').first();
    await this.clickUntilGone(ok, dialog, `the file dialog to take ${path}`, async () => {
      const value = await input.inputValue().catch(() => path);
      if (value === path) return undefined;
      await input.fill(path).catch(() => undefined);
      return `it held ${JSON.stringify(value)}`;
    });
  }

  /**
   * Clicks `target` until `container` closes; `prepare`, when given, runs first and returns what
   * it had to put right (then no click this round). A click may start as the container closes (the
   * click before did it): it would wait its whole timeout for a target that is gone, so each click
   * gets a few seconds and the loop looks again (CI's UI run failed so once, on the file dialog's OK).
   */
  private async clickUntilGone(
    target: Locator,
    container: Locator,
    what: string,
    prepare: () => Promise<string | undefined> = async () => undefined,
  ): Promise<void> {
    await this.until(what, async () => {
      if (!(await container.isVisible())) return true;
      const putRight = await prepare();
      if (putRight) return putRight;
      const failure = await target.click({ timeout: 3_000 }).then(
        () => undefined,
        (err: Error) => err.message.split('\n')[0],
      );
      return failure ? `it is still open (the click: ${failure})` : 'it is still open';
    });
  }

  private async fileDialog(): Promise<void> {
    // Its input holds a path: the current folder.
    await this.until('the file dialog', async () => {
      const value = await this.page
        .locator(`${QUICK_INPUT} input.input`)
        .first()
        .inputValue()
        .catch(() => '');
      return value.startsWith('/') || `the input holds ${JSON.stringify(value)}`;
    });
  }

  // --- notifications and dialogs

  toast(text: string | RegExp): Locator {
    return this.page.locator(TOAST, { hasText: text });
  }

  /** Waits for a notification that says `text`; returns all it says. */
  async expectToast(text: string | RegExp): Promise<string> {
    const toast = this.toast(text).first();
    await toast.waitFor({ timeout });
    return visibleText(await toast.innerText());
  }

  async clickToastButton(text: string | RegExp, button: string): Promise<void> {
    await this.toast(text).first().getByRole('button', { name: button, exact: true }).click({ timeout });
  }

  /** Closes the notification that says `text` (its X), leaving the others. */
  async dismissToast(text: string | RegExp): Promise<void> {
    const toast = this.toast(text).first();
    await toast.hover();
    await toast.locator('.codicon-notifications-clear').click({ timeout });
    await toast.waitFor({ state: 'detached', timeout });
  }

  /** Closes every notification on screen, so the next one is told apart. */
  async dismissToasts(): Promise<void> {
    for (let n = await this.page.locator(TOAST).count(); n > 0; n = await this.page.locator(TOAST).count()) {
      const toast = this.page.locator(TOAST).first();
      await toast.hover();
      await toast.locator('.codicon-notifications-clear').click({ timeout });
      await toast.waitFor({ state: 'detached', timeout });
    }
  }

  /** The modal dialog that says `text`: its message, then a click on `button`. */
  async answerDialog(text: string | RegExp, button: string): Promise<string> {
    const dialog = this.page.locator(DIALOG, { hasText: text });
    await dialog.waitFor({ timeout });
    const said = visibleText(await dialog.innerText());
    await dialog.getByRole('button', { name: button, exact: true }).click({ timeout });
    await dialog.waitFor({ state: 'detached', timeout });
    return said;
  }

  /**
   * The Output panel's line that matches `line` (spaces in the pattern as \\s: the editor shows
   * no-break spaces), found with the panel's own filter (`filter`), as a person would.
   */
  async logLine(filter: string, line: RegExp): Promise<string> {
    await this.page.locator('.part.panel input[placeholder="Filter"]').fill(filter);
    const output = this.page.locator('.part.panel .monaco-editor .view-lines').filter({ hasText: line });
    await output.waitFor({ timeout });
    return visibleText(await output.innerText());
  }

  statusBarItem(): Locator {
    return this.page.locator('[id="agent-resources.agent-resources.agentResources.storage"]');
  }

  // --- editors

  /** Opens a workspace file with Quick Open (Ctrl+P). */
  async quickOpen(fileName: string): Promise<void> {
    await this.page.keyboard.press('Control+P');
    await this.quickInput().waitFor({ timeout });
    await this.page.keyboard.type(fileName);
    // The workspace's files come from a search (ripgrep): slower than the palette on a busy machine.
    await this.pickRow(fileName).first().click({ timeout: 60_000 });
    await this.activeTab(fileName).waitFor({ timeout });
  }

  activeTab(title: string | RegExp): Locator {
    return this.page.locator('.part.editor .tab.active', { hasText: title });
  }

  /** The active editor (the text area a click focuses). */
  editor(): Locator {
    return this.page.locator(EDITOR).first();
  }

  /**
   * Waits until the active editor has the keyboard: an editor opened from the tree takes it a
   * moment later, and would close a quick input opened meanwhile.
   */
  async expectEditorFocus(): Promise<void> {
    await this.page.locator(`${EDITOR}.focused`).waitFor({ timeout });
  }

  /** Clicks into the active editor and selects all of its text (Ctrl+A). */
  async selectAll(): Promise<void> {
    await this.editor().locator('.view-lines').click();
    await this.page.keyboard.press('Control+A');
    await this.editor().locator('.selected-text').first().waitFor({ state: 'attached', timeout });
  }

  /** Drags a tree row into the active editor, holding Shift as VS Code asks for a drop into the text. */
  async dragRowIntoEditor(label: string): Promise<void> {
    const from = await this.row(label).boundingBox();
    const to = await this.editor().boundingBox();
    if (!from || !to) throw new Error('the row or the editor is not on screen');
    const { mouse, keyboard } = this.page;
    await mouse.move(from.x + from.width / 3, from.y + from.height / 2);
    await mouse.down();
    await mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 10 });
    await keyboard.down('Shift');
    await mouse.move(to.x + to.width / 2 + 5, to.y + to.height / 2 + 5, { steps: 5 });
    await mouse.up();
    await keyboard.up('Shift');
  }

  /** The text the active editor shows (its visible lines). */
  async editorText(): Promise<string> {
    return visibleText(await this.editor().locator('.view-lines').innerText());
  }

  async expectEditorText(expected: string | RegExp): Promise<void> {
    await this.until(`the editor to show ${String(expected)}`, async () => {
      const text = await this.editorText();
      const ok = typeof expected === 'string' ? text.includes(expected) : expected.test(text);
      return ok || `it shows ${JSON.stringify(text)}`;
    });
  }

  // --- the browser's clipboard

  async clipboard(): Promise<string> {
    return String(await this.page.evaluate('navigator.clipboard.readText()'));
  }

  async setClipboard(text: string): Promise<void> {
    await this.page.evaluate(`navigator.clipboard.writeText(${JSON.stringify(text)})`);
  }

  /** Waits until the clipboard holds something other than `before`; returns it. */
  async clipboardChangedFrom(before: string): Promise<string> {
    let now = before;
    await this.until('the clipboard to change', async () => {
      now = await this.clipboard();
      return now !== before || 'it still holds what it held';
    });
    return now;
  }

  /**
   * Polls `probe` until it returns true; otherwise fails with its last answer. A notification
   * with an error shown meanwhile fails at once, with its text.
   */
  async until(what: string, probe: () => Promise<true | string>, ms = timeout): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const answer = await probe();
      if (answer === true) return;
      const error = this.page.locator(TOAST).filter({ has: this.page.locator('.codicon-error') });
      if (!this.page.isClosed() && (await error.count()))
        throw new Error(`waiting for ${what}, an error was shown: ${visibleText(await error.first().innerText())}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${answer}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
