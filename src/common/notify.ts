import * as vscode from 'vscode';

/** A button of a notification: its label, and the command it runs (the command runner reports its failures). */
export interface NotificationAction {
  title: string;
  command: `agentResources.${string}`;
  args?: unknown[];
}

/**
 * Shows a message that nobody waits for, with buttons that run commands. It never rejects (a
 * floating rejection is an "unhandled rejection" in the host's log): showing a message fails only
 * while the window closes, and then there is no one left to tell.
 */
export function notify(kind: 'info' | 'warning' | 'error', message: string, ...actions: NotificationAction[]): void {
  const titles = actions.map((a) => a.title);
  const shown =
    kind === 'error'
      ? vscode.window.showErrorMessage(message, ...titles)
      : kind === 'warning'
        ? vscode.window.showWarningMessage(message, ...titles)
        : vscode.window.showInformationMessage(message, ...titles);
  shown
    .then((choice) => {
      const action = actions.find((a) => a.title === choice);
      return action && vscode.commands.executeCommand(action.command, ...(action.args ?? []));
    })
    .then(undefined, () => undefined);
}
