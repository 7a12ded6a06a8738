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
}
