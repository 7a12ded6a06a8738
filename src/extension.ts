import * as vscode from 'vscode';
import { LibraryMcpServers, mcpProviderId } from './agents/mcpServerProvider';
import { registerCommands } from './commands/registry';
import { Log } from './common/log';
import { ResourceFileSystem, resourceScheme } from './editor/resourceFileSystem';
import { SharedPreviews, sharedScheme } from './editor/sharedPreviews';
import { VersionDocuments, versionScheme } from './editor/versionDocuments';
import { Library } from './library/library';
import { LibraryModel } from './model/libraryModel';
import { HistoryPolicySync } from './storage/historyPolicy';
import { TeamSecrets } from './storage/secrets';
import { onDidChangeViewSettings, readViewSettings } from './storage/settings';
import { LiveChanges } from './storage/liveChanges';
import { StorageService } from './storage/storageService';
import { LibraryView } from './views/libraryView';
import { StorageStatusBar } from './views/statusBar';

let storage: StorageService | undefined;

/** What activate() returns: the parts scripts and tests read (the tree as a user sees it, the storage state). */
export interface AgentResourcesApi {
  storage: StorageService;
  tree: vscode.TreeDataProvider<unknown>;
  treeView: vscode.TreeView<unknown>;
  /** The library's MCP server as VS Code's chat gets it. */
  mcpServers: vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition>;
}

/** Builds the parts and wires them; nothing here waits for the database (it starts on first need). */
export function activate(context: vscode.ExtensionContext): AgentResourcesApi {
  const log = new Log();
  const secrets = new TeamSecrets(context.secrets);
  storage = new StorageService({ extensionPath: context.extensionPath }, secrets, log);
  const library = new Library(storage);
  const model = new LibraryModel({
    library,
    onDidChangeSession: storage.onDidChangeState,
    settings: readViewSettings,
    onDidChangeSettings: onDidChangeViewSettings,
  });
  const view = new LibraryView(model, library, storage);
  const files = new ResourceFileSystem(library);
  const previews = new SharedPreviews();
  const mcpServers = new LibraryMcpServers(context.extension, secrets);
  context.subscriptions.push(
    log,
    storage,
    model,
    view,
    files,
    previews,
    new StorageStatusBar(storage),
    new LiveChanges(storage, view.treeView, () => model.invalidate(), log),
    mcpServers,
    vscode.lm.registerMcpServerDefinitionProvider(mcpProviderId, mcpServers),
    vscode.workspace.registerFileSystemProvider(resourceScheme, files, { isCaseSensitive: true }),
    vscode.workspace.registerTextDocumentContentProvider(sharedScheme, previews),
    vscode.workspace.registerTextDocumentContentProvider(versionScheme, new VersionDocuments(library)),
    new HistoryPolicySync(storage, library, log),
    { dispose: () => library.dispose() },
    ...registerCommands({ extensionPath: context.extensionPath, storage, library, model, view, previews, files, secrets, log }),
  );
  return {
    storage,
    tree: view.provider as vscode.TreeDataProvider<unknown>,
    treeView: view.treeView as vscode.TreeView<unknown>,
    mcpServers,
  };
}

/** Closes the pool and releases the local server (the last window to go stops it). */
export async function deactivate(): Promise<void> {
  await storage?.shutdown();
  storage = undefined;
}
