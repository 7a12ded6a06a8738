import * as vscode from 'vscode';
import { UserFacingError } from '../common/userError';

/**
 * In Restricted Mode (a window that has not trusted its folder), nothing reads the workspace's files
 * into the library or writes into them: a repository's files are not the user's until they trust it.
 * The library itself, and files outside the workspace, stay usable.
 */
export function requireTrustFor(uri: vscode.Uri, what: 'import' | 'export'): void {
  if (vscode.workspace.isTrusted) return;
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return;
  const doing = what === 'import' ? `import from ${folder.name}` : `export into ${folder.name}`;
  throw new UserFacingError(
    `This window is in Restricted Mode: Agent Resources does not ${doing}, a folder you have not trusted. Trust it (Workspaces: Manage Workspace Trust) and try again, or choose a file or folder outside it. Nothing was ${what === 'import' ? 'imported' : 'written'}.`,
  );
}
