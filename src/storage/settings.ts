import * as vscode from 'vscode';
import { sortOrders, type SortOrder } from '../db/validation';
import type { ViewSettings } from '../model/libraryModel';
import { expandEnv, type TeamSettings, type TlsMode } from '../library/teamConnection';

export type StorageMode = 'local' | 'team';

export interface StorageSettings extends TeamSettings {
  mode: StorageMode;
  userEmail: string | undefined;
  teamLabel: string | undefined;
  allowSchemaChanges: boolean;
}

/** The storage settings, with `${env:NAME}` expanded; none of them is secret. */
export function readStorageSettings(): StorageSettings {
  const config = vscode.workspace.getConfiguration('agentResources');
  const text = (key: string) => expandEnv(config.get<string>(key) ?? '').trim() || undefined;
  return {
    mode: config.get<string>('storage.mode') === 'team' ? 'team' : 'local',
    userEmail: text('userEmail'),
    teamLabel: text('team.label'),
    tlsMode: config.get<TlsMode>('team.tlsMode', 'prefer'),
    caFile: text('team.caFile'),
    allowSchemaChanges: config.get<boolean>('team.allowSchemaChanges', false),
  };
}

/** The view settings the library model follows. */
export function readViewSettings(): ViewSettings {
  const config = vscode.workspace.getConfiguration('agentResources.view');
  const sort = config.get<string>('sortBy', 'updated');
  return {
    grouped: config.get<boolean>('groupByType', true),
    sort: (sortOrders as readonly string[]).includes(sort) ? (sort as SortOrder) : 'updated',
    pageSize: config.get<number>('pageSize', 50),
  };
}

/** Fires when a view setting changes, by the user or by Toggle Grouping and Sort By. */
export function onDidChangeViewSettings(listener: (change: unknown) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('agentResources.view') && listener(e));
}

/** Remembers a view preference for every window (Toggle Grouping, Sort By). */
export async function updateViewSetting(key: 'groupByType' | 'sortBy', value: boolean | SortOrder): Promise<void> {
  await vscode.workspace.getConfiguration('agentResources.view').update(key, value, vscode.ConfigurationTarget.Global);
}
