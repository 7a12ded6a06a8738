import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentResourcesApi } from '../../src/extension';
import type { Session } from '../../src/storage/storageService';

export const extensionId = 'agent-resources.agent-resources';

export async function api(): Promise<AgentResourcesApi> {
  const extension = vscode.extensions.getExtension<AgentResourcesApi>(extensionId);
  assert.ok(extension, `extension ${extensionId} is installed`);
  return extension.activate();
}

export async function session(): Promise<Session> {
  return (await api()).storage.session();
}

export interface Row {
  label: string;
  description: string;
  contextValue: string;
  depth: number;
  id: string;
}

/** The tree as a user sees it: every row, groups expanded, resources' shares expanded when asked. */
export async function treeRows(options: { expandShares?: boolean } = {}): Promise<Row[]> {
  const { tree } = await api();
  const rows: Row[] = [];
  const walk = async (element: unknown, depth: number) => {
    const children = ((await tree.getChildren(element as never)) ?? []) as unknown[];
    for (const child of children) {
      const item = await tree.getTreeItem(child as never);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      rows.push({ label, description: String(item.description ?? ''), contextValue: item.contextValue ?? '', depth, id: item.id ?? '' });
      const expand =
        item.collapsibleState === vscode.TreeItemCollapsibleState.Expanded ||
        (options.expandShares && item.collapsibleState === vscode.TreeItemCollapsibleState.Collapsed);
      if (expand) await walk(child, depth + 1);
    }
  };
  await walk(undefined, 0);
  return rows;
}

/** The tree element whose TreeItem id is `id` (as a menu passes it to a command), searching expanded and collapsed nodes. */
export async function findNode(id: string): Promise<unknown> {
  const { tree } = await api();
  const walk = async (element: unknown): Promise<unknown> => {
    for (const child of ((await tree.getChildren(element as never)) ?? []) as unknown[]) {
      const item = await tree.getTreeItem(child as never);
      if (item.id === id) return child;
      if (item.collapsibleState !== vscode.TreeItemCollapsibleState.None) {
        const found = await walk(child);
        if (found) return found;
      }
    }
    return undefined;
  };
  const found = await walk(undefined);
  assert.ok(found, `the tree shows ${id}`);
  return found;
}

export const resourceLabels = async () => (await treeRows()).filter((r) => r.contextValue.startsWith('resource.')).map((r) => r.label);

type Answers = {
  quickPick?: ((items: readonly vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined)[];
  inputBox?: (string | undefined)[];
  warning?: (string | undefined)[];
};

export interface Prompts {
  /** Messages shown, in order: [kind, text, actions]. */
  messages: { kind: 'info' | 'warning' | 'error'; text: string; actions: string[] }[];
  inputBoxes: vscode.InputBoxOptions[];
  restore(): void;
}

/**
 * Answers the prompts that commands show, in order (the data layer stays real). Messages
 * are recorded; a non-modal message resolves to undefined unless a warning answer is queued.
 */
export function stubPrompts(answers: Answers = {}): Prompts {
  const window = vscode.window as unknown as Record<string, unknown>;
  const saved = Object.fromEntries(
    ['showQuickPick', 'showInputBox', 'showInformationMessage', 'showWarningMessage', 'showErrorMessage'].map((k) => [k, window[k]]),
  );
  const quickPicks = [...(answers.quickPick ?? [])];
  const inputs = [...(answers.inputBox ?? [])];
  const warnings = [...(answers.warning ?? [])];
  const prompts: Prompts = {
    messages: [],
    inputBoxes: [],
    restore: () => Object.assign(window, saved),
  };
  const record =
    (kind: 'info' | 'warning' | 'error') =>
    (text: string, ...rest: unknown[]) => {
      const actions = rest.filter((r): r is string => typeof r === 'string');
      prompts.messages.push({ kind, text, actions });
      return Promise.resolve(kind === 'warning' ? warnings.shift() : undefined);
    };
  window.showQuickPick = async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) => {
    const answer = quickPicks.shift();
    // Awaited first, as VS Code does: items that fail to load reject the pick, never go unhandled.
    const loaded = await items;
    assert.ok(answer, 'an unexpected quick pick was shown');
    return answer(loaded);
  };
  window.showInputBox = async (options: vscode.InputBoxOptions = {}) => {
    prompts.inputBoxes.push(options);
    assert.ok(inputs.length > 0, `an unexpected input box was shown: ${options.prompt}`);
    const value = inputs.shift();
    if (value !== undefined && options.validateInput) {
      const problem = await options.validateInput(value);
      assert.equal(problem ?? undefined, undefined, `the input box rejected "${value}": ${JSON.stringify(problem)}`);
    }
    return value;
  };
  window.showInformationMessage = record('info');
  window.showWarningMessage = record('warning');
  window.showErrorMessage = record('error');
  return prompts;
}

/** Picks the quick pick item whose label contains the text. */
export const pick = (text: string) => (items: readonly vscode.QuickPickItem[]) => {
  const found = items.find((i) => i.label.includes(text));
  assert.ok(found, `no quick pick item contains "${text}" in ${items.map((i) => i.label).join(', ')}`);
  return found;
};

const extensions: Record<string, string> = { markdown: 'md', json: 'json', plaintext: 'txt' };

/**
 * An editor on a new file holding the text, with all of it selected. A file, not an untitled
 * document: VS Code may hand back a just-closed untitled model with its old text.
 */
export async function editorWithSelection(text: string, language = 'markdown'): Promise<vscode.TextEditor> {
  const file = join(mkdtempSync(join(tmpdir(), 'agent-resources-editor-')), `selection.${extensions[language] ?? 'txt'}`);
  writeFileSync(file, text);
  const document = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(file), language);
  const editor = await vscode.window.showTextDocument(document);
  editor.selection = new vscode.Selection(document.positionAt(0), document.positionAt(text.length));
  // Commands read window.activeTextEditor: wait until the workbench reports this one.
  await waitFor('the editor to be active', () => vscode.window.activeTextEditor?.document === document || undefined);
  return editor;
}

/** Closes every editor without a save prompt (untitled test documents are reverted first). */
export async function closeAllEditors(): Promise<void> {
  for (let i = 0; i < 50 && vscode.window.tabGroups.all.some((g) => g.tabs.length > 0); i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const unique = (label: string) => `${label} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** SIGKILLs the local library's postmaster and waits until the session's connections fail (its backends outlive it a moment). */
export async function killLocalServer(s: Session): Promise<void> {
  const [setting] = await s.client.sql<{ dir: string }[]>`select current_setting('data_directory') as dir`;
  process.kill(Number(readFileSync(join(setting!.dir, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGKILL');
  await waitFor(
    'the server to be gone',
    async () =>
      (await s.client.sql`select 1`.then(
        () => false,
        () => true,
      )) || undefined,
    10_000,
  );
}
