import * as vscode from 'vscode';

/**
 * A long operation with a cancellable notification: the work gets the token, and a
 * cancelled one rejects with CancelledError (see StorageService.run).
 */
export function withCancellableProgress<T>(title: string, work: (token: vscode.CancellationToken) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => work(token));
}
