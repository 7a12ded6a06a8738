import * as vscode from 'vscode';
import type { Resource } from '../db/schema';
import { documentExtension, documentText, safeFileName } from './documentFormat';

export const sharedScheme = 'agent-resource-shared';

/**
 * Read-only documents of resources opened from a share token, and the token each came
 * through (forking a private shared resource needs it).
 */
export class SharedPreviews implements vscode.TextDocumentContentProvider {
  private readonly opened = new Map<string, { token: string; resource: Resource }>();

  provideTextDocumentContent(uri: vscode.Uri): string {
    const entry = this.opened.get(uri.path.split('/')[1] ?? '');
    return entry ? documentText(entry.resource.resourceType, entry.resource.content) : '';
  }

  add(token: string, resource: Resource): vscode.Uri {
    this.opened.set(resource.id, { token, resource });
    return vscode.Uri.from({ scheme: sharedScheme, path: `/${resource.id}/${safeFileName(resource.name)} (shared).${documentExtension(resource.resourceType, resource.content)}` });
  }

  tokenFor(resourceId: string): string | undefined {
    return this.opened.get(resourceId)?.token;
  }

  resource(resourceId: string): Resource | undefined {
    return this.opened.get(resourceId)?.resource;
  }
}
