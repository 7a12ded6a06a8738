import * as vscode from 'vscode';

/** Below this, an operation finishes before a progress notification could be read: none is shown. */
const showProgressAfterMs = 400;

/**
 * A long operation with a cancellable notification: the work gets the token, and a
 * cancelled one rejects with CancelledError (see StorageService.run). The notification only
 * appears when the work is still running after a moment, so a quick save leaves no toast behind.
 */
export async function withCancellableProgress<T>(
  title: string,
  work: (token: vscode.CancellationToken, progress: CountProgress) => Promise<T>,
): Promise<T> {
  const cancellation = new vscode.CancellationTokenSource();
  // Counts told before the notification shows are kept, so it starts at the right figure.
  let shown: vscode.Progress<{ message?: string; increment?: number }> | undefined;
  let reported = 0;
  let latest: [number, number] | undefined;
  const tell = () => {
    if (!shown || !latest) return;
    const [done, total] = latest;
    const percent = total > 0 ? (done / total) * 100 : 0;
    if (percent - reported < 1 && done < total) return;
    shown.report({ message: `${done} of ${total}`, increment: percent - reported });
    reported = percent;
  };
  const progress: CountProgress = {
    report(done, total) {
      latest = [done, total];
      tell();
    },
  };
  const running = work(cancellation.token, progress);
  const timer = setTimeout(() => {
    vscode.window
      .withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (notification, token) => {
        token.onCancellationRequested(() => cancellation.cancel());
        shown = notification;
        tell();
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

/** How far a long operation is: `done` of `total` items. */
export interface CountProgress {
  report(done: number, total: number): void;
}
