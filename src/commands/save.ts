import { relative } from 'node:path';
import { UserFacingError } from '../common/userError';
import * as vscode from 'vscode';
import { notify } from '../common/notify';
import { resourceTypes, type Resource, type ResourceType } from '../db/schema';
import { nameSchema } from '../db/validation';
import { contentFromSelection, suggestedName } from '../editor/selectionContent';
import { typeNames } from '../views/presentation';
import type { CommandContext } from './context';
import { withCancellableProgress } from './progress';

interface SaveArgs {
  type?: ResourceType;
  name?: string;
  description?: string;
}

const typePicks: (vscode.QuickPickItem & { type: ResourceType })[] = [
  { type: 'prompt', label: '$(comment-discussion) Prompt', detail: 'Text to insert or copy; {{variables}} are asked for when used.' },
  { type: 'workflow', label: '$(list-ordered) Workflow', detail: 'Steps, one per list item or paragraph (or JSON { "steps": [...] }).' },
  { type: 'agent_config', label: '$(settings-gear) Agent Config', detail: 'A JSON object.' },
];

/** Live validation with the data layer's own rule, so the input box and the database agree. */
export function validateName(value: string): string | undefined {
  const result = nameSchema.safeParse(value);
  return result.success ? undefined : `The name ${result.error.issues[0]?.message}.`;
}

/**
 * The editor context menu passes the document's URI (not options): its editor's selection is
 * saved, with every prompt shown. A script or keybinding passes options, or nothing.
 */
function saveTarget(arg: SaveArgs | vscode.Uri | undefined): { editor: vscode.TextEditor | undefined; args: SaveArgs } {
  const active = vscode.window.activeTextEditor;
  if (!(arg instanceof vscode.Uri)) return { editor: active, args: arg ?? {} };
  const uri = arg.toString();
  const editor =
    active?.document.uri.toString() === uri ? active : vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri);
  return { editor, args: {} };
}

async function saveSelection(ctx: CommandContext, arg?: SaveArgs | vscode.Uri): Promise<Resource | undefined> {
  const { editor, args } = saveTarget(arg);
  if (!editor || editor.selections.every((s) => s.isEmpty)) {
    throw new UserFacingError('Select the text to save in an editor first, then run Save as Resource.');
  }
  const type = args.type ?? (await vscode.window.showQuickPick(typePicks, { placeHolder: 'Save the selection as…' }))?.type;
  if (!type) return undefined;
  if (!resourceTypes.includes(type)) throw new UserFacingError(`The type must be one of ${resourceTypes.join(', ')}.`);
  const { document } = editor;
  const text = editor.selections
    .filter((s) => !s.isEmpty)
    .map((s) => document.getText(s))
    .join('\n');
  const selection = editor.selection;
  const workspaceFolder = vscode.workspace.getWorkspaceFolder(document.uri);
  // Checked before asking for a name: an invalid agent config is reported while the selection is still in view.
  const content = contentFromSelection(type, text, {
    language: document.languageId,
    file:
      document.uri.scheme === 'file'
        ? workspaceFolder
          ? relative(workspaceFolder.uri.fsPath, document.uri.fsPath)
          : document.uri.fsPath
        : undefined,
    range: { startLine: selection.start.line, endLine: selection.end.line },
  });
  const name =
    args.name ??
    (await vscode.window.showInputBox({
      title: `Save as ${typeNames[type]}`,
      prompt: 'Name of the resource',
      value: suggestedName(text),
      validateInput: validateName,
    }));
  if (name === undefined) return undefined;
  const description =
    args.name !== undefined
      ? args.description
      : await vscode.window.showInputBox({
          title: `Save as ${typeNames[type]}`,
          prompt: 'Description (optional)',
          placeHolder: 'What it is for',
        });
  if (description === undefined && args.name === undefined) return undefined;
  const resource = await withCancellableProgress(`Saving “${name.trim()}”…`, (token) =>
    ctx.library.save({ name, description: description || null, resourceType: type, content }, token),
  );
  // The row first, then the toast: the window draws both on one thread, and the row is what the user looks for.
  ctx.view.reveal(resource.id, () =>
    notify(
      'info',
      `Saved “${resource.name}” as ${type === 'agent_config' ? 'an' : 'a'} ${typeNames[type]}.`,
      { title: 'Open', command: 'agentResources.open', args: [resource.id] },
      { title: 'Share', command: 'agentResources.share', args: [resource.id] },
    ),
  );
  return resource;
}

const saveAs =
  (type: ResourceType) =>
  (ctx: CommandContext, args: Omit<SaveArgs, 'type'> = {}) =>
    saveSelection(ctx, { ...args, type });

export const saveCommands = {
  saveSelection,
  saveSelectionAsPrompt: saveAs('prompt'),
  saveSelectionAsWorkflow: saveAs('workflow'),
  saveSelectionAsAgentConfig: saveAs('agent_config'),
};
