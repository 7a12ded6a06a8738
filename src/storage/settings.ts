import * as vscode from 'vscode';
import { expandEnv, type TeamSettings, type TlsMode } from './teamConnection';

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
