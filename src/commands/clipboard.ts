import * as vscode from 'vscode';
import { UserFacingError } from '../common/userError';
import { errorMessage, redact } from '../common/redact';

/**
 * Writes the text to the clipboard, or throws a message that says it was not copied and what to
 * do instead (`instead`); the caller says "copied" only after this returns. The reason never
 * carries the text itself (a share token, a prompt).
 *
 * What this can see is the host refusing the write. VS Code in a browser cannot tell: its
 * clipboard service falls back to document.execCommand('copy') when the browser refuses, and
 * resolves whatever that did.
 */
export async function copyToClipboard(text: string, what: string, instead: string): Promise<void> {
  try {
    await vscode.env.clipboard.writeText(text);
  } catch (err) {
    const reason = redact(errorMessage(err), [text]);
    throw new UserFacingError(`Could not copy ${what} to the clipboard (${reason}). ${instead}`);
  }
}
