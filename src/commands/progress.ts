import * as vscode from 'vscode';

/** Below this, an operation finishes before a progress notification could be read: none is shown. */
const showProgressAfterMs = 400;

/**
 * A long operation with a cancellable notification: the work gets the token, and a
 * cancelled one rejects with CancelledError (see StorageService.run). The notification only
 * appears when the work is still running after a moment, so a quick save leaves no toast behind.
 */
export async function withCancellableProgress<T>(title: string, work: (token: vscode.CancellationToken) => Promise<T>): Promise<T> {
  const cancellation = new vscode.CancellationTokenSource();
  const running = work(cancellation.token);
  const timer = setTimeout(() => {
    vscode.window
      .withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => {
        token.onCancellationRequested(() => cancellation.cancel());
        return running.then(
          () => undefined,
          () => undefined,
        );
      })
      .then(undefined, () => undefined);
  }, showProgressAfterMs);
  try {
    return await running;
  } finally {
    clearTimeout(timer);
    cancellation.dispose();
  }
}
