import * as vscode from 'vscode';
import { registerCommands } from './commands/registry';
import { Log } from './common/log';
import { ResourceFileSystem, resourceScheme } from './editor/resourceFileSystem';
import { SharedPreviews, sharedScheme } from './editor/sharedPreviews';
import { LibraryModel } from './model/libraryModel';
import { TeamSecrets } from './storage/secrets';
import { StorageService } from './storage/storageService';
import { LibraryView } from './views/libraryView';
import { StorageStatusBar } from './views/statusBar';

let storage: StorageService | undefined;

/** What activate() returns: the parts scripts and tests read (the tree as a user sees it, the storage state). */
export interface AgentResourcesApi {
  storage: StorageService;
  tree: vscode.TreeDataProvider<unknown>;
  treeView: vscode.TreeView<unknown>;
}

/** Builds the parts and wires them; nothing here waits for the database (it starts on first need). */
export function activate(context: vscode.ExtensionContext): AgentResourcesApi {
  const log = new Log();
  const secrets = new TeamSecrets(context.secrets);
  storage = new StorageService({ extensionPath: context.extensionPath }, secrets, log);
  const model = new LibraryModel(storage);
  const view = new LibraryView(model, storage);
  const files = new ResourceFileSystem(storage, () => model.invalidate());
  const previews = new SharedPreviews();
  context.subscriptions.push(
    log,
    storage,
    model,
    view,
    files,
    previews,
    new StorageStatusBar(storage),
    vscode.workspace.registerFileSystemProvider(resourceScheme, files, { isCaseSensitive: true }),
    vscode.workspace.registerTextDocumentContentProvider(sharedScheme, previews),
    ...registerCommands({ storage, model, view, previews, secrets, log }),
  );
  return { storage, tree: view.provider as vscode.TreeDataProvider<unknown>, treeView: view.treeView as vscode.TreeView<unknown> };
}

/** Closes the pool and releases the local server (the last window to go stops it). */
export async function deactivate(): Promise<void> {
  await storage?.shutdown();
  storage = undefined;
}
