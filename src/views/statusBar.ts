import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import type { StorageService, StorageState } from '../storage/storageService';

/** Local / team (host label) / offline at a glance; a click opens the storage actions. */
export class StorageStatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('agentResources.storage', vscode.StatusBarAlignment.Left, 0));

  constructor(storage: StorageService) {
    super();
    this.item.name = 'Agent Resources Storage';
    this.item.command = 'agentResources.storageActions';
    this.register(storage.onDidChangeState((state) => this.show(state)));
    this.show(storage.state);
    this.item.show();
  }

  private show(state: StorageState): void {
    const where = state.mode === 'local' ? 'Local' : `Team: ${state.label}`;
    const looks: Record<StorageState['kind'], [string, string]> = {
      idle: ['$(database)', `Agent Resources: ${where} (not connected yet)`],
      connecting: ['$(sync~spin)', `Agent Resources: connecting to ${state.label}…`],
      ready: ['$(database)', `Agent Resources: ${where}${state.kind === 'ready' ? isolationNote(state.session.isolation) : ''}`],
      offline: ['$(warning)', `Agent Resources: offline — ${state.kind === 'offline' ? state.error.message : ''}`],
      setup: ['$(warning)', 'Agent Resources: the team database needs the resource tables'],
      noUser: [
        '$(warning)',
        state.kind === 'noUser' && state.login
          ? `Agent Resources: the database login "${state.login}" is not a member of the team library`
          : 'Agent Resources: no user with your email in the team database',
      ],
    };
    const [icon, tooltip] = looks[state.kind];
    const shared = state.kind === 'ready' && state.session.isolation === 'shared';
    this.item.text = `${shared ? '$(unlock)' : icon} ${state.kind === 'offline' ? `${where} (offline)` : shared ? `${where} (shared login)` : where}`;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = state.kind === 'offline' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }
}

/** The tooltip's word on who else can read the library. */
function isolationNote(isolation: 'single' | 'member' | 'shared'): string {
  if (isolation === 'member') return '. Your own database login: other members cannot read your resources that are not public.';
  if (isolation === 'shared') return ". A shared database login: members of this database can read each other's resources.";
  return '';
}
