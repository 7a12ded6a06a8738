import * as vscode from 'vscode';
import { NotFoundError, ValidationError } from '../db/errors';
import { userMessage } from '../library/errors';
import type { Library } from '../library/library';
import { documentText } from '../library/text';
import type { ResourceVersion } from '../db/versions';
import { documentExtension, safeFileName } from './documentFormat';

export const versionScheme = 'agent-resource-version';

/** agent-resource-version:/<id>/<version>/<name> (version N).<ext>: a read-only document of an old version. */
export function versionUri(version: Pick<ResourceVersion, 'resourceId' | 'version' | 'name' | 'resourceType' | 'content'>): vscode.Uri {
  const file = `${safeFileName(version.name)} (version ${version.version}).${documentExtension(version.resourceType, version.content)}`;
  return vscode.Uri.from({ scheme: versionScheme, path: `/${version.resourceId}/${version.version}/${file}` });
}

/**
 * Old versions as read-only documents (the left side of Compare with Current), read from the
 * database when VS Code asks: a version pruned meanwhile says so instead of showing stale text.
 */
export class VersionDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly library: Library) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, id = '', number = ''] = uri.path.split('/');
    try {
      const version = await this.library.version(id, Number(number));
      return documentText(version.resourceType, version.content);
    } catch (err) {
      // A failed read (the database unreachable) rejects: VS Code keeps what the document showed.
      if (err instanceof ValidationError || err instanceof NotFoundError) return `${userMessage(err)}\n`;
      throw err;
    }
  }
}
