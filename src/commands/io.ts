import * as vscode from 'vscode';
import { UserFacingError } from '../common/userError';
import { notify } from '../common/notify';
import type { ImportReport } from '../db/transfer';
import type { CommandContext } from './context';
import { withCancellableProgress } from './progress';

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

async function importLibrary(ctx: CommandContext, args?: { uri?: vscode.Uri | string }): Promise<ImportReport | undefined> {
  const uri =
    toUri(args?.uri) ??
    (await vscode.window.showOpenDialog({ title: 'Import Library', filters: { JSON: ['json'] }, canSelectMany: false }))?.[0];
  if (!uri) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
  } catch (err) {
    throw new UserFacingError(`Could not read ${uri.fsPath} as JSON (${(err as Error).message}). Choose a file written by Export Library.`);
  }
  const report = await withCancellableProgress('Importing…', (token) => ctx.library.import(data, token));
  const summary = `Imported ${report.imported} resources${report.unchanged ? `, ${report.unchanged} already in your library` : ''}${report.skipped.length ? `, skipped ${report.skipped.length} invalid` : ''}.`;
  if (report.skipped.length) {
    for (const s of report.skipped) ctx.log.warn(`Import skipped entry ${s.index + 1} (“${s.name}”): ${s.reason}`);
    notify('warning', `${summary} The log says why each was skipped.`, { title: 'Show Log', command: 'agentResources.showLog' });
  } else {
    notify('info', summary);
  }
  return report;
}

function toUri(value: vscode.Uri | string | undefined): vscode.Uri | undefined {
  if (!value) return undefined;
  return typeof value === 'string' ? (value.includes('://') ? vscode.Uri.parse(value) : vscode.Uri.file(value)) : value;
}

export const ioCommands = { exportLibrary, importLibrary };
