import * as vscode from 'vscode';
import { notify } from '../common/notify';
import type { ImportReport } from '../db/transfer';
import type { CommandContext } from './context';
import { withCancellableProgress } from './progress';
import { requireTrustFor } from './trust';
import { readImportFile, readImportFolder, toUri } from './agentFiles';
import { importSizeProblem, publicEntryCount, type ImportFile } from '../library/importFiles';
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
interface ImportArgs {
  uri?: vscode.Uri | string;
  /** In a team database: publish the entries marked public (true) or import them private (false) without asking. */
  keepPublic?: boolean;
}

async function importLibrary(ctx: CommandContext, args?: ImportArgs): Promise<ImportReport | undefined> {
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
  requireTrustFor(uri, 'import');
  const stat = await vscode.workspace.fs.stat(uri);
  const folder = (stat.type & vscode.FileType.Directory) !== 0;
  const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
  const tooLarge = folder ? undefined : importSizeProblem(name, stat.size);
  if (tooLarge) throw new UserFacingError(`${tooLarge} Nothing was imported.`);
  const files = await withCancellableProgress(folder ? 'Reading the folder…' : 'Reading…', (cancellation, progress) =>
    folder ? readImportFolder(uri, progress, cancellation) : readImportFile(uri, name).then((file) => [file]),
  );
  if (folder && files.length === 0) {
    throw new UserFacingError(
      `${uri.fsPath} holds no file to import (.prompt.md, .instructions.md, SKILL.md, .mdc, AGENTS.md, commands/*.md, .csv).`,
    );
  }
  const keepPublic = await askToPublish(ctx, files, args);
  if (keepPublic === undefined) return undefined;
  const report = await withCancellableProgress(folder ? 'Importing the folder…' : 'Importing…', (cancellation, progress) =>
    ctx.library.importFiles(files, { cancellation, keepPublic, onProgress: (done, total) => progress.report(done, total) }),
  );
  tellReport(ctx, report);
  return report;
}

/**
 * Whether public entries stay public: in the local library yes; in a team database only when the
 * user says so (a modal), since publishing shows them to every member. Undefined: the user cancelled.
 */
async function askToPublish(ctx: CommandContext, files: readonly ImportFile[], args?: ImportArgs): Promise<boolean | undefined> {
  if (ctx.storage.state.mode !== 'team') return true;
  if (args?.keepPublic !== undefined) return args.keepPublic;
  const count = publicEntryCount(files);
  if (count === 0) return false;
  const publish = `Publish ${count === 1 ? 'It' : `All ${count}`}`;
  const choice = await vscode.window.showWarningMessage(
    `${count === 1 ? 'One resource in this import is' : `${count} resources in this import are`} marked public. Publish ${count === 1 ? 'it' : 'them'} to every member of the team database ${ctx.storage.state.label}?`,
    {
      modal: true,
      detail: 'Import as Private keeps every imported resource to yourself; you can make one public later from its context menu.',
    },
    'Import as Private',
    publish,
  );
  return choice === undefined ? undefined : choice === publish;
}

/** The summary as a notification; each skipped entry and why, in the log. */
function tellReport(ctx: CommandContext, report: ImportReport): void {
  const summary = `Imported ${report.imported} resources${report.madePrivate ? ` (${report.madePrivate} marked public, kept private)` : ''}${report.updated ? `, updated ${report.updated}` : ''}${report.unchanged ? `, ${report.unchanged} already in your library` : ''}${report.skipped.length ? `, skipped ${report.skipped.length} invalid` : ''}.`;
  if (report.skipped.length) {
    for (const s of report.skipped) ctx.log.warn(`Import skipped ${s.source ?? `entry ${s.index + 1}`} (“${s.name}”): ${s.reason}`);
    notify('warning', `${summary} The log says why each was skipped.`, { title: 'Show Log', command: 'agentResources.showLog' });
  } else {
    notify('info', summary);
  }
}

export const ioCommands = { exportLibrary, importLibrary };
