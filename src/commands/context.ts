import type { Log } from '../common/log';
import type { ResourceFileSystem } from '../editor/resourceFileSystem';
import type { SharedPreviews } from '../editor/sharedPreviews';
import type { Library } from '../library/library';
import type { LibraryModel } from '../model/libraryModel';
import type { TeamSecrets } from '../storage/secrets';
import type { StorageService } from '../storage/storageService';
import type { LibraryView } from '../views/libraryView';

/** What every command may use: the parts built once in activate(). */
export interface CommandContext {
  /** The installed extension's folder (the MCP server script is in it). */
  extensionPath: string;
  storage: StorageService;
  /** The library's operations: every read and write of a command goes through it. */
  library: Library;
  model: LibraryModel;
  view: LibraryView;
  previews: SharedPreviews;
  /** The resources' documents: a restore reloads the clean ones, Save with Note passes its note. */
  files: ResourceFileSystem;
  secrets: TeamSecrets;
  log: Log;
}
