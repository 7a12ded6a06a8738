import * as vscode from 'vscode';
import { ConflictError } from '../db/errors';
import type { Resource, ResourceType } from '../db/schema';
import { Disposable } from '../common/disposable';
import { notify } from '../common/notify';
import { userMessage } from '../library/errors';
import type { Library } from '../library/library';
import { documentText } from '../library/text';
import { contentFromDocument, documentExtension, safeFileName } from './documentFormat';

export const resourceScheme = 'agent-resource';

/** agent-resource:/<id>/<name>.<ext>: the name and extension are for the tab and the language only. */
export function resourceUri(resource: Pick<Resource, 'id' | 'name' | 'resourceType' | 'content'>): vscode.Uri {
  return vscode.Uri.from({
    scheme: resourceScheme,
    path: `/${resource.id}/${safeFileName(resource.name)}.${documentExtension(resource.resourceType, resource.content)}`,
  });
}

export function resourceIdOf(uri: vscode.Uri): string {
  return uri.path.split('/')[1] ?? '';
}

interface LoadedVersion {
  updatedAt: Date;
  createdAt: Date;
  type: ResourceType;
  content: unknown;
  size: number;
  readonly: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Resources as editor documents. A save writes back only if the row is still the version
 * the editor loaded; otherwise the save is refused, the user's text stays in the editor,
 * and Compare / Overwrite / Reload are offered.
 */
export class ResourceFileSystem extends Disposable implements vscode.FileSystemProvider {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.changeEmitter.event;
  private readonly loaded = new Map<string, LoadedVersion>();
  private readonly overwriteNext = new Set<string>();
  /** The change note of a resource's next save (Save with Note…). */
  private readonly noteNext = new Map<string, string>();
  /** Resources whose next stat reads the database: their clean documents are being reloaded. */
  private readonly statFresh = new Set<string>();

  constructor(private readonly library: Library) {
    super();
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => {});
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    // The version the editor holds, so VS Code's own check sees no change until we decide.
    const id = resourceIdOf(uri);
    const version = (!this.statFresh.delete(id) && this.loaded.get(id)) || (await this.load(uri, false));
    return {
      type: vscode.FileType.File,
      ctime: version.createdAt.getTime(),
      mtime: version.updatedAt.getTime(),
      size: version.size,
      // The database's side of a comparison (`?current`) is read-only, whatever the editor's document is.
      permissions: version.readonly || uri.query === 'current' ? vscode.FilePermission.Readonly : undefined,
    };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const version = await this.load(uri);
    return encoder.encode(documentText(version.type, version.content));
  }

  async writeFile(uri: vscode.Uri, bytes: Uint8Array): Promise<void> {
    const id = resourceIdOf(uri);
    if (uri.query === 'current')
      throw vscode.FileSystemError.NoPermissions('The database’s side of the comparison is read-only: edit and save your side.');
    const version = this.loaded.get(id) ?? (await this.load(uri));
    if (version.readonly)
      throw vscode.FileSystemError.NoPermissions('This resource belongs to someone else: fork it to edit your own copy.');
    // Taken before anything can fail: a refused Overwrite must not leave the next save unchecked.
    const overwrite = this.overwriteNext.delete(id);
    const note = this.noteNext.get(id);
    this.noteNext.delete(id);
    let content: unknown;
    try {
      content = contentFromDocument(version.type, decoder.decode(bytes), version.content);
    } catch (err) {
      throw new Error(userMessage(err), { cause: err });
    }
    try {
      const saved = await this.library.update(id, { content }, overwrite ? undefined : version.updatedAt, { note });
      this.remember(saved, false);
    } catch (err) {
      if (err instanceof ConflictError) {
        // Nobody waits for the choice: what fails in it (the database gone meanwhile) is shown, not left unhandled.
        this.offerConflictResolution(uri).catch((failure: unknown) =>
          notify('error', `${conflictFailure(failure)} Your text is still in the editor.`),
        );
        throw new Error(
          `“${decodeURIComponent(uri.path.split('/')[2] ?? '')}” was changed in the database since you opened it. Your text is still in the editor: choose Compare, Overwrite or Reload.`,
          { cause: err },
        );
      }
      throw new Error(`${userMessage(err)} Your text is still in the editor.`, { cause: err });
    }
  }

  /** Kept with the version the next save of this resource makes (and forgotten if that save fails). */
  setNextNote(resourceId: string, note: string): void {
    this.noteNext.set(resourceId, note);
  }

  /**
   * Makes the open documents of this resource that have no unsaved edits show the database's
   * version (after a restore). An edited one keeps its text and its loaded version, so its save
   * is still checked against what it loaded: a conflict, never an overwrite.
   */
  reloadClean(resourceId: string): void {
    const clean = vscode.workspace.textDocuments.filter(
      (d) => d.uri.scheme === resourceScheme && resourceIdOf(d.uri) === resourceId && !d.isDirty && d.uri.query === '',
    );
    if (clean.length === 0) return;
    this.statFresh.add(resourceId);
    this.changeEmitter.fire(clean.map((d) => ({ type: vscode.FileChangeType.Changed, uri: d.uri })));
  }

  /** Refused save: let the user compare, keep theirs, or take the database's version. */
  private async offerConflictResolution(uri: vscode.Uri): Promise<void> {
    for (;;) {
      const choice = await vscode.window.showWarningMessage(
        'This resource was changed in the database since you opened it. Nothing was overwritten.',
        'Compare',
        'Overwrite',
        'Reload',
      );
      if (choice === 'Compare') {
        await vscode.commands.executeCommand(
          'vscode.diff',
          uri.with({ query: 'current' }),
          uri,
          `${uri.path.split('/')[2]} (database ↔ yours)`,
        );
        continue;
      }
      if (choice === 'Overwrite') {
        await this.overwrite(uri);
      } else if (choice === 'Reload') {
        // Read it first: VS Code's revert fails with an obscure error of its own when the read fails.
        await this.load(uri);
        await vscode.window.showTextDocument(uri, { preview: false });
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
      return;
    }
  }

  /** Writes the editor's text over the database's version, then marks the document saved. */
  private async overwrite(uri: vscode.Uri): Promise<void> {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!document) return;
    this.overwriteNext.add(resourceIdOf(uri));
    try {
      await this.writeFile(uri, encoder.encode(document.getText()));
    } catch (err) {
      notify('error', err instanceof Error ? err.message : String(err));
      return;
    }
    // The document now equals what is stored: reverting reloads the same text and clears the dirty state.
    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }

  /**
   * Reads the row; `?current` (the Compare view's left side) reads without changing the loaded
   * version, and so does `remember: false` (a stat: only a read of the text changes what a save is checked against).
   */
  private async load(uri: vscode.Uri, remember = true): Promise<LoadedVersion> {
    const id = resourceIdOf(uri);
    const resource = await this.library.get(id).catch((err) => {
      throw vscode.FileSystemError.Unavailable(userMessage(err));
    });
    if (!resource) throw vscode.FileSystemError.FileNotFound(uri);
    const session = await this.library.session();
    const readonly = resource.userId !== session.userId || uri.query === 'current';
    return uri.query === 'current' || !remember ? versionOf(resource, readonly) : this.remember(resource, readonly);
  }

  private remember(resource: Resource, readonly: boolean): LoadedVersion {
    const version = versionOf(resource, readonly);
    this.loaded.set(resource.id, version);
    return version;
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }
  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions('Resources are saved from the Agent Resources view.');
  }
  delete(): void {
    throw vscode.FileSystemError.NoPermissions('Delete resources from the Agent Resources view.');
  }
  rename(): void {
    throw vscode.FileSystemError.NoPermissions('Rename resources from the Agent Resources view.');
  }
}

/** Why resolving a conflict failed, for the user: a missing file is a resource deleted meanwhile. */
function conflictFailure(err: unknown): string {
  return err instanceof vscode.FileSystemError && err.code === 'FileNotFound'
    ? 'The resource was deleted in the database meanwhile.'
    : userMessage(err);
}

function versionOf(resource: Resource, readonly: boolean): LoadedVersion {
  return {
    updatedAt: resource.updatedAt,
    createdAt: resource.createdAt,
    type: resource.resourceType,
    content: resource.content,
    size: encoder.encode(documentText(resource.resourceType, resource.content)).byteLength,
    readonly,
  };
}
