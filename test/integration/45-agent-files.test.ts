import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ImportReport } from '../../src/db/transfer';
import type { ExportToResult } from '../../src/commands/agentFiles';
import { extensionId, findNode, pick, resourceLabels, session, stubPrompts } from './helpers';

/** Answers the next open dialogs with these folders, and records what they were shown with. */
function stubOpenDialog(answers: (vscode.Uri | undefined)[]) {
  const window = vscode.window as unknown as Record<string, unknown>;
  const saved = window.showOpenDialog;
  const shown: vscode.OpenDialogOptions[] = [];
  window.showOpenDialog = (options: vscode.OpenDialogOptions = {}) => {
    shown.push(options);
    assert.ok(answers.length > 0, `an unexpected open dialog was shown: ${options.title}`);
    const answer = answers.shift();
    return Promise.resolve(answer ? [answer] : undefined);
  };
  return { shown, restore: () => (window.showOpenDialog = saved) };
}

describe('agent files: import a folder, export to a tool', () => {
  const fixtures = join(vscode.extensions.getExtension(extensionId)!.extensionPath, 'test', 'library', 'fixtures', 'agent-files');
  let folder: string;
  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'agent-resources-agent-files-'));
    cpSync(fixtures, join(folder, 'repo'), { recursive: true });
  });
  afterEach(() => vscode.commands.executeCommand('agentResources.clearSearch'));

  it('imports a folder picked in the dialog, recursively, with one report', async () => {
    const dialog = stubOpenDialog([vscode.Uri.file(join(folder, 'repo'))]);
    const prompts = stubPrompts();
    let report: ImportReport;
    try {
      report = await vscode.commands.executeCommand<ImportReport>('agentResources.importLibrary');
    } finally {
      dialog.restore();
      prompts.restore();
    }
    assert.equal(dialog.shown[0]!.canSelectFolders, true);
    assert.deepEqual([report.imported, report.skipped], [9, []]);
    assert.match(prompts.messages.at(-1)!.text, /^Imported 9 resources/);
    await vscode.commands.executeCommand('agentResources.search', { text: 'review-api' });
    assert.deepEqual(await resourceLabels(), ['review-api']);
  });

  it('exports from a resource’s context menu: asks the format and the folder, writes the file; importing it again adds nothing', async () => {
    const s = await session();
    const [row] = (await s.client
      .sql`select id from resource where user_id = ${s.userId} and name = 'fix-issue' order by created_at desc limit 1`) as unknown as [
      { id: string },
    ];
    await vscode.commands.executeCommand('agentResources.refresh');
    const out = join(folder, 'out', '.claude', 'commands');
    const dialog = stubOpenDialog([vscode.Uri.file(out)]);
    const prompts = stubPrompts({ quickPick: [pick('Claude Code command')] });
    let result: ExportToResult;
    try {
      result = await vscode.commands.executeCommand<ExportToResult>('agentResources.exportTo', await findNode(`own:${row.id}`));
    } finally {
      dialog.restore();
      prompts.restore();
    }
    assert.deepEqual(result.files, [join(out, 'fix-issue.md')]);
    const written = readFileSync(join(out, 'fix-issue.md'), 'utf8');
    assert.match(written, /^Fix GitHub issue \$ARGUMENTS following/m);
    assert.match(written, new RegExp(`^agent-resources-id: ${row.id}$`, 'm'));
    const workspace = vscode.workspace.workspaceFolders?.[0];
    if (workspace) assert.equal(dialog.shown[0]!.defaultUri?.path, vscode.Uri.joinPath(workspace.uri, '.claude/commands').path);

    const again = await vscode.commands.executeCommand<ImportReport>('agentResources.importLibrary', {
      uri: vscode.Uri.file(join(out, 'fix-issue.md')),
    });
    assert.deepEqual([again.imported, again.updated, again.unchanged], [0, 0, 1]);
  });

  it('exportTo { ids, format, folder } returns the files; a name that collides with a file of someone else gets a number', async () => {
    const s = await session();
    const [row] = (await s.client
      .sql`select id from resource where user_id = ${s.userId} and name = 'typescript' order by created_at desc limit 1`) as unknown as [
      { id: string },
    ];
    const out = join(folder, 'rules');
    cpSync(join(fixtures, '.cursor', 'rules'), out, { recursive: true }); // typescript.mdc, not from the library
    const result = await vscode.commands.executeCommand<ExportToResult>('agentResources.exportTo', {
      ids: [row.id],
      format: 'cursor-rule',
      folder: out,
    });
    assert.deepEqual(result.files, [join(out, 'typescript-2.mdc')]);
    assert.equal(
      readFileSync(join(out, 'typescript.mdc'), 'utf8'),
      readFileSync(join(fixtures, '.cursor', 'rules', 'typescript.mdc'), 'utf8'),
      'untouched',
    );
    assert.match(readFileSync(join(out, 'typescript-2.mdc'), 'utf8'), /^alwaysApply: true$/m);
  });

  it('a folder that cannot be written says so and what to do', async () => {
    const notAFolder = join(folder, 'plain-file');
    writeFileSync(notAFolder, 'x');
    const prompts = stubPrompts();
    try {
      const result = await vscode.commands.executeCommand('agentResources.exportTo', {
        format: 'vscode-prompt',
        folder: join(notAFolder, 'inside'),
      });
      assert.equal(result, undefined);
    } finally {
      prompts.restore();
    }
    const error = prompts.messages.find((m) => m.kind === 'error');
    assert.match(error?.text ?? '', /Could not write \d+ of \d+ files in .*Choose a folder you can write to\./);
    assert.ok(!existsSync(join(notAFolder, 'inside')));
  });
});
