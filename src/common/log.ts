import * as vscode from 'vscode';
import { errorMessage, redact } from './redact';

/** The extension's log channel; every line passes through redaction of known secrets. */
export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Agent Resources', { log: true });
  private readonly secrets = new Set<string>();

  addSecret(secret: string | undefined): void {
    if (secret) this.secrets.add(secret);
  }

  info(message: string): void {
    this.write('info', message);
  }

  warn(message: string): void {
    this.write('warn', message);
  }

  error(message: string, err?: unknown): void {
    // Never an error's raw message: drizzle's carries the statement's parameters.
    const detail = err === undefined ? '' : `: ${errorMessage(err)}`;
    this.write('error', message + detail);
  }

  /**
   * A line that cannot be written is dropped: once the window closes, the channel throws
   * ("Channel has been closed"), and deactivate() must still release the local server.
   */
  private write(level: 'info' | 'warn' | 'error', message: string): void {
    try {
      this.channel[level](this.clean(message));
    } catch {
      // the window is closing: nobody is left to read it
    }
  }

  clean(text: string): string {
    return redact(text, [...this.secrets]);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
