import * as vscode from 'vscode';
import { sortOrders, type SortOrder } from '../db/rules';
import type { ViewSettings } from '../model/libraryModel';
import { expandEnv, type TeamSettings } from '../library/teamConnection';
import { requestedTlsMode } from '../library/transport';

export type StorageMode = 'local' | 'team';

export interface StorageSettings extends TeamSettings {
  mode: StorageMode;
  userEmail: string | undefined;
  teamLabel: string | undefined;
  allowSchemaChanges: boolean;
}

/**
 * A setting that decides who the user is, where their library goes or how it travels: only the
 * user's own settings count. A repository's .vscode/settings.json is ignored, even on a VS Code
 * that would apply it to a `machine`-scoped setting (package.json declares them so).
 */
function userSetting<T>(key: string): T | undefined {
  const inspected = vscode.workspace.getConfiguration('agentResources').inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue;
}

/** The storage settings, with `${env:NAME}` expanded; none of them is secret. */
export function readStorageSettings(): StorageSettings {
  const config = { get: userSetting };
  const text = (key: string) => expandEnv(config.get<string>(key) ?? '').trim() || undefined;
  return {
    mode: config.get<string>('storage.mode') === 'team' ? 'team' : 'local',
    userEmail: text('userEmail'),
    teamLabel: text('team.label'),
    // An earlier version's `prefer` is no longer a mode: it becomes the default.
    tlsMode: requestedTlsMode(config.get<string>('team.tlsMode')) ?? 'verify-full',
    caFile: text('team.caFile'),
    passwordCommand: text('team.passwordCommand'),
    allowSchemaChanges: config.get<boolean>('team.allowSchemaChanges') === true,
  };
}

/** Where copied share links point (`<shareBaseUrl>/<token>`); undefined: copy the bare token. */
export function readShareBaseUrl(): string | undefined {
  return userSetting<string>('shareBaseUrl')?.trim() || undefined;
}

/** The view settings the library model follows. */
export function readViewSettings(): ViewSettings {
  const config = vscode.workspace.getConfiguration('agentResources.view');
  const sort = config.get<string>('sortBy', 'updated');
  return {
    grouped: config.get<boolean>('groupByType', true),
    groupByTag: config.get<boolean>('groupByTag', false),
    sort: (sortOrders as readonly string[]).includes(sort) ? (sort as SortOrder) : 'updated',
    pageSize: config.get<number>('pageSize', 50),
  };
}

/** Fires when a view setting changes, by the user or by Toggle Grouping and Sort By. */
export function onDidChangeViewSettings(listener: (change: unknown) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('agentResources.view') && listener(e));
}

/** Remembers a view preference for every window (Toggle Grouping, Sort By). */
export async function updateViewSetting(key: 'groupByType' | 'groupByTag' | 'sortBy', value: boolean | SortOrder): Promise<void> {
  await vscode.workspace.getConfiguration('agentResources.view').update(key, value, vscode.ConfigurationTarget.Global);
}

/**
 * The local library's history limits (agentResources.history.*). The user's own settings only: a
 * repository's settings must not prune their history. A team database keeps its own (see README).
 */
export function readHistorySettings(): { maxVersions: number; maxAgeDays: number | null } {
  const maxVersions = userSetting<number>('history.maxVersions');
  const maxAgeDays = userSetting<number>('history.maxAgeDays');
  return {
    maxVersions: typeof maxVersions === 'number' ? maxVersions : 100,
    maxAgeDays: typeof maxAgeDays === 'number' && maxAgeDays > 0 ? maxAgeDays : null,
  };
}

/** Fires when a history setting changes. */
export function onDidChangeHistorySettings(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('agentResources.history') && listener());
}
