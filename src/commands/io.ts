import * as vscode from 'vscode';
import { notify } from '../common/notify';
import type { ImportReport } from '../db/transfer';
import type { CommandContext } from './context';
import { withCancellableProgress } from './progress';
import { readImportFolder, toUri } from './agentFiles';
import { UserFacingError } from '../common/userError';

async function exportLibrary(ctx: CommandContext, args?: { uri?: vscode.Uri | string }): Promise<{ exported: number } | undefined> {
  const uri =
    toUri(args?.uri) ??
    (await vscode.window.showSaveDialog({
      title: 'Export Library',
      filters: { JSON: ['json'] },
      defaultUri: vscode.Uri.file('agent-resources.json'),
    }));
  if (!uri) return undefined;
  const data = await withCancellableProgress('Exporting the library…', (token) => ctx.library.export(token));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(`${JSON.stringify(data, null, 2)}\n`));
  if (!args?.uri) notify('info', `Exported ${data.resources.length} resources to ${uri.fsPath}.`);
  return { exported: data.resources.length };
}

/**
 * Imports a file written by Export Library, a prompts.chat CSV, an agent file (.prompt.md,
 * .instructions.md, SKILL.md, .mdc, AGENTS.md, a Claude Code command) or a folder of them,
 * recursively; the importer is chosen by name and content.
 */
async function importLibrary(ctx: CommandContext, args?: { uri?: vscode.Uri | string }): Promise<ImportReport | undefined> {
  const uri =
    toUri(args?.uri) ??
    (
      await vscode.window.showOpenDialog({
        title: 'Import a library file, or a folder of agent files',
        canSelectFiles: true,
        canSelectFolders: true,
        canSelectMany: false,
        filters: {
          'Libraries, prompts and agent files': ['json', 'csv', 'md', 'mdc'],
          JSON: ['json'],
          CSV: ['csv'],
          'Agent files': ['md', 'mdc'],
        },
      })
    )?.[0];
  if (!uri) return undefined;
  const folder = ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
  const report = await withCancellableProgress(folder ? 'Importing the folder…' : 'Importing…', async (cancellation, progress) => {
    const files = folder
      ? await readImportFolder(uri, progress, cancellation)
      : [{ path: uri.path.slice(uri.path.lastIndexOf('/') + 1), text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)) }];
    if (folder && files.length === 0) {
      throw new UserFacingError(
        `${uri.fsPath} holds no file to import (.prompt.md, .instructions.md, SKILL.md, .mdc, AGENTS.md, commands/*.md, .csv).`,
      );
    }
    return ctx.library.importFiles(files, { cancellation, onProgress: (done, total) => progress.report(done, total) });
  });
  tellReport(ctx, report);
  return report;
}

/** The summary as a notification; each skipped entry and why, in the log. */
function tellReport(ctx: CommandContext, report: ImportReport): void {
  const summary = `Imported ${report.imported} resources${report.updated ? `, updated ${report.updated}` : ''}${report.unchanged ? `, ${report.unchanged} already in your library` : ''}${report.skipped.length ? `, skipped ${report.skipped.length} invalid` : ''}.`;
  if (report.skipped.length) {
    for (const s of report.skipped) ctx.log.warn(`Import skipped ${s.source ?? `entry ${s.index + 1}`} (“${s.name}”): ${s.reason}`);
    notify('warning', `${summary} The log says why each was skipped.`, { title: 'Show Log', command: 'agentResources.showLog' });
  } else {
    notify('info', summary);
  }
}

export const ioCommands = { exportLibrary, importLibrary };
