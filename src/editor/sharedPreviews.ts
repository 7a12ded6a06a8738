import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import type { Resource } from '../db/schema';
import { documentText } from '../library/text';
import { documentExtension, safeFileName } from './documentFormat';

export const sharedScheme = 'agent-resource-shared';

/** Said by a preview, and by a command on it, once its resource is gone or no longer shared. */
export const noLongerSharedMessage =
  'This resource no longer exists or is no longer shared with you: its owner deleted it, or revoked the share or let it expire. Ask its owner for a new share link, then open it with "Open Shared Resource…".';

const unknownPreviewMessage =
  'This shared preview was opened in an earlier window. Open the share token or link again with "Open Shared Resource…".';

/** Reads the resource as the database has it now, through the share token; null when the user may no longer read it. */
export type SharedResourceReader = (resourceId: string, shareToken: string) => Promise<Resource | null>;

interface Preview {
  token: string;
  uri: vscode.Uri;
  read: SharedResourceReader;
}

/**
 * Read-only documents of resources opened from a share token, and the token each came through
 * (reading or forking a private shared resource needs it). The text is read from the database
 * whenever VS Code asks for it, never kept: a resource that is gone says so.
 */
export class SharedPreviews extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changeEmitter.event;
  private readonly opened = new Map<string, Preview>();

  /** A failed read (the database is unreachable) rejects: VS Code then keeps what the document showed. */
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const id = uri.path.split('/')[1] ?? '';
    const preview = this.opened.get(id);
    if (!preview) return `${unknownPreviewMessage}\n`;
    const resource = await preview.read(id, preview.token);
    return resource ? documentText(resource.resourceType, resource.content) : `${noLongerSharedMessage}\n`;
  }

  /** Remembers the token the resource was opened through; returns the URI of its preview. */
  add(token: string, resource: Resource, read: SharedResourceReader): vscode.Uri {
    const uri = vscode.Uri.from({
      scheme: sharedScheme,
      path: `/${resource.id}/${safeFileName(resource.name)} (shared).${documentExtension(resource.resourceType, resource.content)}`,
    });
    this.opened.set(resource.id, { token, uri, read });
    // A preview already open shows the database's version, not the one it was opened with.
    this.changeEmitter.fire(uri);
    return uri;
  }

  tokenFor(resourceId: string): string | undefined {
    return this.opened.get(resourceId)?.token;
  }

  /** Makes the open preview of this resource (or every open preview) read the database again. */
  refresh(resourceId?: string): void {
    const previews = resourceId === undefined ? [...this.opened.values()] : [this.opened.get(resourceId)];
    for (const preview of previews) if (preview) this.changeEmitter.fire(preview.uri);
  }
}
