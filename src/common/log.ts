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
    this.channel.info(this.clean(message));
  }

  warn(message: string): void {
    this.channel.warn(this.clean(message));
  }

  error(message: string, err?: unknown): void {
    // Never an error's raw message: drizzle's carries the statement's parameters.
    const detail = err === undefined ? '' : `: ${errorMessage(err)}`;
    this.channel.error(this.clean(message + detail));
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
