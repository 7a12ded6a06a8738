import * as vscode from 'vscode';
import { notify } from '../common/notify';
import { UserFacingError } from '../common/userError';
import { exportFormats, exportPath, type ExportFormat } from '../library/agentExport';
import { importSizeProblem, isImportablePath, type ImportFile } from '../library/importFiles';
import { ResourceNode } from '../views/nodes';
import { isProgrammatic } from './arguments';
import type { CommandContext } from './context';
import type { CountProgress } from './progress';
import { withCancellableProgress } from './progress';
import { requireTrustFor } from './trust';

// The files agents read, in and out of the library: a folder of them to import, and Export To.

/** Folders a folder import never walks into. */
const skippedFolders = new Set(['.git', 'node_modules', 'dist', 'out']);

/**
 * Every importable file under a folder, recursively (see isImportablePath), with paths relative
 * to the folder's parent (so `.claude/commands/x.md` keeps the folder that names its format).
 */
export async function readImportFolder(
  folder: vscode.Uri,
  progress: CountProgress,
  cancellation: vscode.CancellationToken,
): Promise<ImportFile[]> {
  const base = folder.path.slice(folder.path.lastIndexOf('/') + 1);
  const found: { uri: vscode.Uri; path: string }[] = [];
  const walk = async (dir: vscode.Uri, relative: string) => {
    for (const [name, type] of await vscode.workspace.fs.readDirectory(dir)) {
      if (cancellation.isCancellationRequested) return;
      const path = `${relative}/${name}`;
      if (type & vscode.FileType.Directory) {
        if (!skippedFolders.has(name)) await walk(vscode.Uri.joinPath(dir, name), path);
      } else if (isImportablePath(path)) {
        found.push({ uri: vscode.Uri.joinPath(dir, name), path });
      }
    }
  };
  await walk(folder, base);
  const files: ImportFile[] = [];
  for (const [i, file] of found.entries()) {
    // Sized first: a file too large to import is reported as skipped, never read into memory.
    const problem = importSizeProblem(file.path, (await vscode.workspace.fs.stat(file.uri)).size);
    files.push(problem ? { path: file.path, text: '', problem } : await readImportFile(file.uri, file.path));
    progress.report(i + 1, found.length);
  }
  return files;
}

/** One file's text, for Import. */
export async function readImportFile(uri: vscode.Uri, path: string): Promise<ImportFile> {
  return { path, text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)) };
}

export interface ExportToOptions {
  ids?: string[];
  format?: ExportFormat;
  folder?: vscode.Uri | string;
}

export interface ExportToResult {
  files: string[];
  skipped: { resourceId: string; name: string; reason: string }[];
  lost: { file: string; lost: string[] }[];
}

const formatPicks: (vscode.QuickPickItem & { format: ExportFormat; folder: string })[] = [
  { label: 'VS Code prompt file', description: '.github/prompts/*.prompt.md', format: 'vscode-prompt', folder: '.github/prompts' },
  { label: 'Claude Code command', description: '.claude/commands/*.md', format: 'claude-command', folder: '.claude/commands' },
  { label: 'Claude Code skill', description: '.claude/skills/<name>/SKILL.md', format: 'claude-skill', folder: '.claude/skills' },
  { label: 'Cursor rule', description: '.cursor/rules/*.mdc', format: 'cursor-rule', folder: '.cursor/rules' },
];

/**
 * Writes resources as the files a tool reads: `{ ids?, format, folder }` (every resource the format
 * fits without ids); from a resource's menu it asks the format and the folder (the workspace's
 * usual one preselected). Never overwrites a file that did not come from the same resource.
 */
async function exportTo(ctx: CommandContext, arg?: ResourceNode | ExportToOptions): Promise<ExportToResult | undefined> {
  const programmatic = isProgrammatic(arg);
  const options: ExportToOptions = arg instanceof ResourceNode ? { ids: [arg.resource.id] } : (arg ?? {});
  const format = await chooseFormat(options.format, programmatic);
  if (!format) return undefined;
  const target = await chooseFolder(options.folder, format, programmatic);
  if (!target) return undefined;
  requireTrustFor(target, 'export');
  const existing = await existingFiles(target, format);
  const plan = await withCancellableProgress('Exporting…', (token) =>
    ctx.library.exportFiles(format, { ids: options.ids, existing }, token),
  );
  const { written, failed } = await writeFiles(target, plan.files);
  const lost = plan.files.filter((f) => f.lost.length).map((f) => ({ file: f.path, lost: f.lost }));
  for (const l of lost) ctx.log.warn(`Export to ${format}: ${l.file} cannot carry ${l.lost.join('; ')}`);
  for (const s of plan.skipped) ctx.log.warn(`Export to ${format}: skipped “${s.name}”: ${s.reason}`);
  if (failed.length) {
    throw new UserFacingError(
      `Could not write ${failed.length} of ${plan.files.length} files in ${target.fsPath}: ${failed.slice(0, 3).join(', ')}. Choose a folder you can write to.`,
    );
  }
  if (!programmatic) reportExport(written.length, target, plan.skipped.length, lost.length);
  return { files: written, skipped: plan.skipped, lost };
}

async function chooseFormat(given: ExportFormat | undefined, programmatic: boolean): Promise<ExportFormat | undefined> {
  if (given !== undefined && !exportFormats.includes(given)) {
    throw new UserFacingError(`There is no export format “${String(given)}”. Use one of ${exportFormats.join(', ')}.`);
  }
  if (given) return given;
  if (programmatic) throw new UserFacingError(`Say which format to export to: ${exportFormats.join(', ')}.`);
  return (await vscode.window.showQuickPick(formatPicks, { placeHolder: 'Export as which kind of file?' }))?.format;
}

/** The folder given, or the one the user picks, starting at the workspace's usual folder for the format. */
async function chooseFolder(
  given: ExportToOptions['folder'],
  format: ExportFormat,
  programmatic: boolean,
): Promise<vscode.Uri | undefined> {
  const folder = toUri(given);
  if (folder) return folder;
  if (programmatic) throw new UserFacingError('Say which folder to export to ({ folder }).');
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
  const usual = formatPicks.find((p) => p.format === format)!.folder;
  const picked = await vscode.window.showOpenDialog({
    title: 'Export to Folder',
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Export Here',
    defaultUri: workspace ? vscode.Uri.joinPath(workspace, usual) : undefined,
  });
  return picked?.[0];
}

async function writeFiles(
  target: vscode.Uri,
  files: readonly { path: string; text: string }[],
): Promise<{ written: string[]; failed: string[] }> {
  const written: string[] = [];
  const failed: string[] = [];
  for (const file of files) {
    const uri = vscode.Uri.joinPath(target, ...file.path.split('/'));
    try {
      await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(file.text));
      written.push(uri.fsPath);
    } catch (err) {
      failed.push(`${file.path} (${(err as Error).message})`);
    }
  }
  return { written, failed };
}

function reportExport(written: number, target: vscode.Uri, skipped: number, lost: number): void {
  const notes = [skipped ? `${skipped} skipped` : '', lost ? `${lost} could not carry everything` : ''].filter(Boolean);
  const summary = `Exported ${written} files to ${target.fsPath}${notes.length ? ` (${notes.join(', ')}: the log says what)` : ''}.`;
  if (notes.length) notify('warning', summary, { title: 'Show Log', command: 'agentResources.showLog' });
  else notify('info', summary);
}

/** The files in the folder that an export may meet (so it never overwrites someone else's). */
async function existingFiles(folder: vscode.Uri, format: ExportFormat): Promise<{ path: string; text: string }[]> {
  let entries: [string, vscode.FileType][];
  try {
    // stat first: a folder that is not there yet is the usual case, and readDirectory logs a warning for it.
    if (!((await vscode.workspace.fs.stat(folder)).type & vscode.FileType.Directory)) return [];
    entries = await vscode.workspace.fs.readDirectory(folder);
  } catch {
    return []; // not there yet: it is created
  }
  const suffix = exportPath(format, '');
  const paths =
    format === 'claude-skill'
      ? entries.filter(([, t]) => t & vscode.FileType.Directory).map(([name]) => `${name}/SKILL.md`)
      : entries.filter(([name, t]) => t & vscode.FileType.File && name.endsWith(suffix)).map(([name]) => name);
  const files: { path: string; text: string }[] = [];
  for (const path of paths) {
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, ...path.split('/'))));
      files.push({ path, text });
    } catch {
      // A skill folder without SKILL.md: nothing to protect there.
    }
  }
  return files;
}

export function toUri(value: vscode.Uri | string | undefined): vscode.Uri | undefined {
  if (!value) return undefined;
  return typeof value === 'string' ? (value.includes('://') ? vscode.Uri.parse(value) : vscode.Uri.file(value)) : value;
}

/**
 * Every resource the format fits, from the view's title menu: a title action gets the tree's
 * focused row as its argument, which exportTo would take for the one resource to export.
 */
const exportAllTo = (ctx: CommandContext) => exportTo(ctx);

export const agentFileCommands = { exportTo, exportAllTo };
