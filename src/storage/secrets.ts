import type * as vscode from 'vscode';

const teamConnectionKey = 'agentResources.team.connectionString';

/** The team connection string lives in SecretStorage (the OS keychain), never in settings. */
export class TeamSecrets {
  constructor(private readonly storage: vscode.SecretStorage) {}

  get(): Thenable<string | undefined> {
    return this.storage.get(teamConnectionKey);
  }

  store(connectionString: string): Thenable<void> {
    return this.storage.store(teamConnectionKey, connectionString);
  }

  delete(): Thenable<void> {
    return this.storage.delete(teamConnectionKey);
  }

  /** Fires when the connection string is stored or deleted, by this window or another. */
  onDidChange(listener: () => void): vscode.Disposable {
    return this.storage.onDidChange((e) => e.key === teamConnectionKey && listener());
  }
}
