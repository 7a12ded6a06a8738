/* global document -- page functions run in the workbench page */
// What a person does in the workbench: open Agent Resources, open a file, select its text, save it
// as a prompt through the command palette, and look for it in the tree. Every wait also watches
// for an error notification, so a failure says what the person saw.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../host/run.mjs';
import { sleep } from './newcomer.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ACTIVITY_ITEM = '.activitybar .action-label[aria-label^="Agent Resources"]';
const SIDEBAR = '.part.sidebar';
const QUICK_INPUT = '.quick-input-widget';
const TOAST = '.notifications-toasts .notification-toast';
const ERROR_WORDS = /cannot|failed|error/i;

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('./newcomer.mjs').Newcomer} Newcomer */

/** The test's own Chromium, as root, with its own temp profile: a person's browser. */
export async function openBrowser() {
  const dir = mkdtempSync(join(tmpdir(), 'ar-newcomer-chromium-'));
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    headless: true,
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    env: {
      ...process.env,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_CACHE_HOME: join(dir, 'cache'),
      XDG_DATA_HOME: join(dir, 'data'),
    },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  return { page, close };
}

/**
 * From the address `npm start` printed to the saved prompt in the tree. A library that is not
 * shown empty is reported, and the person goes on to save, as a person would.
 * @param {Newcomer} nc @param {Page} page @param {string} address @param {string} name
 */
export async function saveAPromptAsAPerson(nc, page, address, name) {
  await nc.act('open the address in the browser', () => page.goto(address));
  await nc.act('wait for the workbench', () => page.locator('.monaco-workbench .activitybar').waitFor({ timeout: 120_000 }));
  await nc.act('click Agent Resources in the activity bar', () => page.locator(ACTIVITY_ITEM).click({ timeout: 60_000 }));
  const shown = await nc.act('wait for the empty library', () => libraryWelcome(page));
  const problems = shown === EMPTY ? [] : [`the library did not show "${EMPTY}" but: "${shown}"`];
  try {
    await nc.act('open README.md with Quick Open (Ctrl+P)', () => quickOpen(page, 'README.md'));
    await nc.act('select its text (Ctrl+A)', () => selectAll(page));
    await nc.act('run Save Selection as Prompt from the command palette (F1)', () => runCommand(page, 'Save Selection as Prompt'));
    await nc.act(`type the name "${name}"`, () => answer(page, 'Name of the resource', name));
    await nc.act('leave the description empty', () => answer(page, 'Description (optional)', ''));
    await nc.act('wait for the prompt in the Agent Resources tree', () =>
      untilVisible(page, page.locator(`${SIDEBAR} .monaco-list-row`, { hasText: name }), 60_000),
    );
    await nc.act('see the "Saved" notification', () => untilVisible(page, page.locator(TOAST, { hasText: `Saved “${name}”` }), 10_000));
    await nc.act('check that no error notification is shown', () => expectNoErrorToast(page));
  } catch (err) {
    const error = /** @type {Error} */ (err);
    if (problems.length) error.message = `${problems.join('; ')}; then: ${error.message}`;
    throw error;
  }
  if (problems.length) throw new Error(problems.join('; '));
}

const EMPTY = 'Your library is empty';
const LOADING = 'Opening your library';

/**
 * The text of the library's welcome view once it settles: the empty library, or any other state
 * that stays 30 s (a person would not wait longer), or what the side bar shows after 90 s.
 * @param {Page} page @returns {Promise<string>}
 */
async function libraryWelcome(page) {
  const welcome = page.locator(`${SIDEBAR} .welcome-view-content`).first();
  const deadline = Date.now() + 90_000;
  let last = '';
  let since = Date.now();
  while (Date.now() < deadline) {
    await expectNoErrorToast(page);
    const text = oneLine(await welcome.innerText({ timeout: 1000 }).catch(() => ''));
    if (text.includes(EMPTY)) return EMPTY;
    if (text !== last) [last, since] = [text, Date.now()];
    if (text && !text.includes(LOADING) && Date.now() - since > 30_000) return text;
    await sleep(250);
  }
  return last || `nothing after 90 s; the side bar shows ${await sideBarText(page)}`;
}

/** @param {Page} page @param {string} fileName */
async function quickOpen(page, fileName) {
  await page.keyboard.press('Control+P');
  await page.locator(QUICK_INPUT).waitFor({ timeout: 10_000 });
  await page.keyboard.type(fileName);
  await page.locator(`${QUICK_INPUT} .monaco-list-row.focused`, { hasText: fileName }).waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator('.part.editor .tab.active', { hasText: fileName }).waitFor({ timeout: 30_000 });
}

/** @param {Page} page */
async function selectAll(page) {
  await page.locator('.part.editor .editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
  await page.locator('.part.editor .monaco-editor .selected-text').first().waitFor({ state: 'attached', timeout: 10_000 });
}

/** @param {Page} page @param {string} title */
async function runCommand(page, title) {
  await page.keyboard.press('F1');
  await page.locator(QUICK_INPUT).waitFor({ timeout: 10_000 });
  await page.keyboard.type(title);
  await page.locator(`${QUICK_INPUT} .monaco-list-row.focused`, { hasText: title }).waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

/**
 * Answers an input box once it shows `prompt`; an empty answer just presses Enter.
 * @param {Page} page @param {string} prompt @param {string} text
 */
async function answer(page, prompt, text) {
  await page.waitForFunction(
    ({ selector, prompt }) => {
      const widget = /** @type {HTMLElement | null} */ (document.querySelector(selector));
      if (!widget || widget.style.display === 'none') return false;
      const input = widget.querySelector('input');
      return [widget.innerText, input?.placeholder, input?.getAttribute('aria-label')].some((x) => (x ?? '').includes(prompt));
    },
    { selector: QUICK_INPUT, prompt },
    { timeout: 30_000 },
  );
  if (text) {
    await page.keyboard.press('Control+A'); // replaces the suggested name
    await page.keyboard.type(text);
  }
  await page.keyboard.press('Enter');
}

/**
 * Waits until the locator is visible; fails at once when an error notification shows up.
 * @param {Page} page @param {import('playwright-core').Locator} locator @param {number} timeoutMs
 */
async function untilVisible(page, locator, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await locator.first().isVisible()) return;
    await expectNoErrorToast(page);
    if (Date.now() > deadline) throw new Error(`not visible within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** @param {Page} page */
async function expectNoErrorToast(page) {
  const errors = (await toasts(page)).filter((t) => t.error).map((t) => `"${t.text}"`);
  if (errors.length) throw new Error(`an error notification is shown: ${errors.join(', ')}`);
}

/**
 * The notifications on screen, each marked as an error by its icon or its words.
 * @param {Page} page @returns {Promise<{ text: string, error: boolean }[]>}
 */
export async function toasts(page) {
  const found = [];
  for (const toast of await page.locator(TOAST).all()) {
    const text = oneLine(await toast.innerText({ timeout: 1000 }).catch(() => ''));
    const icon = await toast
      .locator('.codicon-error')
      .count()
      .catch(() => 0);
    if (text || icon) found.push({ text, error: icon > 0 || ERROR_WORDS.test(text) });
  }
  return found;
}

/** @param {Page} page */
async function sideBarText(page) {
  const text = await page
    .locator(SIDEBAR)
    .innerText({ timeout: 2000 })
    .catch(() => '(no side bar)');
  return `"${oneLine(text).slice(0, 300)}"`;
}

/** @param {string} text */
const oneLine = (text) => text.replace(/\s+/g, ' ').trim();
