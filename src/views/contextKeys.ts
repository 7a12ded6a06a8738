import * as vscode from 'vscode';

/** Context keys of the view, in one place: menus and welcome views read them. */
export const contextKeys = {
  /** loading | ready | empty | noMatch | offline | setup | noUser | notMember: drives the welcome views. */
  state: 'agentResources.state',
  /** A search, type filter or the public scope is active: shows "Clear Search and Filters". */
  filtered: 'agentResources.filtered',
  /** local | team */
  mode: 'agentResources.mode',
} as const;

export type ViewState = 'loading' | 'ready' | 'empty' | 'noMatch' | 'offline' | 'setup' | 'noUser' | 'notMember';

/** Sets a context key; nobody waits for it, and it fails only while the window closes. */
export function setContext(key: (typeof contextKeys)[keyof typeof contextKeys], value: unknown): void {
  vscode.commands.executeCommand('setContext', key, value).then(undefined, () => undefined);
}
