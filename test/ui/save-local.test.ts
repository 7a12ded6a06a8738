import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { titleOf } from './support/manifest';
import { drove } from './support/coverage';
import { root, useWorkbench } from './support/workbench';

const title = (command: string) => titleOf(`agentResources.${command}`);
const saveAsResource = title('saveSelection');

/** A project folder as a person has one: notes, a list of steps, a JSON config, a library file. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-resources-ui-project-'));
  writeFileSync(join(dir, 'notes.md'), '# Notes\n\nSummarise {{topic}} for a new teammate.\n');
  writeFileSync(join(dir, 'steps.md'), '1. Build it\n2. Ship it\n');
  writeFileSync(join(dir, 'config.json'), '{ "model": "small", "temperature": 0.2 }\n');
  writeFileSync(
    join(dir, 'library.json'),
    JSON.stringify({
      format: 'agent-resources-library',
      version: 1,
      resources: [
        { name: 'Imported prompt', resourceType: 'prompt', content: { text: 'From a file.' } },
        { name: 'Imported checklist', resourceType: 'workflow', content: { steps: [{ text: 'one' }] } },
      ],
    }),
  );
  return dir;
}

describe('the local library: saving selections from the editor, the palette and a keybinding; files for agents; the window closing', () => {
  const folder = project();
  // The supervisor would stop an idle server after this long: far beyond the test, so only deactivate() can stop it.
  const wb = useWorkbench({ workspacePath: folder, env: { AGENT_RESOURCES_LOCAL_IDLE_SECONDS: '3600' } });

  /** Selects all of a workspace file's text in its editor. */
  const selectFile = async (name: string) => {
    await wb().quickOpen(name);
    await wb().selectAll();
  };

  it('an empty library shows its welcome view and buttons; Save Selection without one says what to do', async () => {
    const w = wb();
    await w.showLibrary();
    assert.deepEqual(await w.welcomeButtons('Your library is empty'), [
      'Save Selection as Resource',
      'Open Shared Resource…',
      'Import Library…',
    ]);
    await w.shot('welcome-empty');
    await w.clickWelcomeButton('Your library is empty', 'Save Selection as Resource');
    await w.expectToast('Select the text to save in an editor first');
    drove('agentResources.saveSelection', 'the empty library’s welcome button (no selection: it says what to do)');
    await w.dismissToasts();
  });

  it('Import Library… (welcome button) reads the file picked in the file dialog', async () => {
    const w = wb();
    await w.clickWelcomeButton('Your library is empty', 'Import Library…');
    await w.chooseFile(join(folder, 'library.json'));
    await w.expectToast('Imported 2 resources.');
    await w.expectRows(['Workflows', 'Imported checklist', 'Prompts', 'Imported prompt']);
    drove('agentResources.importLibrary', 'the empty library’s welcome button, the file dialog');
    await w.dismissToasts();
  });

  it('Save as Resource in the editor’s context menu: only with a selection; Escape cancels; the name is checked as typed', async () => {
    const w = wb();
    await w.quickOpen('notes.md');
    await w.editor().locator('.view-lines').click({ button: 'right' });
    assert.ok(!(await w.menuItems()).includes(saveAsResource), 'not offered without a selection');
    await w.closeMenu();

    await w.selectAll();
    // A right-click inside the selection keeps it.
    await w.editor().locator('.view-line').first().click({ button: 'right' });
    assert.ok((await w.menuItems()).includes(saveAsResource));
    await w.shot('editor-context-menu');
    await w.chooseMenuItem(saveAsResource);
    await w.waitForPrompt('Save the selection as…');
    await w.escape();

    await w.editor().locator('.view-line').first().click({ button: 'right' });
    await w.chooseMenuItem(saveAsResource);
    await w.waitForPrompt('Save the selection as…');
    assert.deepEqual(await w.pickItems(), ['Prompt', 'Workflow', 'Agent Config']);
    await w.pick('Prompt');
    await w.waitForPrompt('Name of the resource');
    await w.typeInput('   ');
    await w.validationMessage(/^The name /);
    await w.shot('save-name-validation');
    await w.typeInput('Notes summary');
    await w.page.keyboard.press('Enter');
    await w.answer('Description (optional)', 'For new teammates');
    await w.expectToast('Saved “Notes summary” as a prompt.');
    await w.expectRows(['Workflows', 'Imported checklist', 'Prompts', 'Notes summary', 'Imported prompt']);
    drove('agentResources.saveSelection', 'the editor’s context menu (Save as Resource)');
    await w.dismissToasts();
    await w.row('Notes summary').click();
    await w.expectEditorText('Summarise {{topic}} for a new teammate.');
    await w.expectEditorFocus();
  });

  it('Ctrl+Alt+S saves the selection: a numbered list becomes a workflow’s steps', async () => {
    const w = wb();
    await selectFile('steps.md');
    await w.page.keyboard.press('Control+Alt+S');
    await w.waitForPrompt('Save the selection as…');
    await w.pick('Workflow');
    await w.answer('Name of the resource', 'Ship steps');
    await w.answer('Description (optional)', '');
    await w.expectToast('Saved “Ship steps” as a workflow.');
    await w.row('Ship steps').click();
    await w.expectEditorText(/"steps":[\s\S]*"Build it"[\s\S]*"Ship it"/);
    drove('agentResources.saveSelection', 'the keybinding Ctrl+Alt+S');
    await w.expectEditorFocus();
    await w.dismissToasts();
  });

  it('the palette’s Save Selection as Agent Config refuses text that is not JSON, then saves JSON; as Prompt and as Workflow', async () => {
    const w = wb();
    await selectFile('notes.md');
    await w.palette(title('saveSelectionAsAgentConfig'));
    await w.expectToast('An agent config must be valid JSON');
    await w.shot('agent-config-not-json');
    await w.dismissToasts();

    await selectFile('config.json');
    await w.palette(title('saveSelectionAsAgentConfig'));
    await w.answer('Name of the resource', 'Small model');
    await w.answer('Description (optional)', '');
    await w.expectToast('Saved “Small model” as an agent config.');
    drove('agentResources.saveSelectionAsAgentConfig', 'the command palette');
    await w.dismissToasts();

    await selectFile('notes.md');
    await w.palette(title('saveSelectionAsPrompt'));
    await w.answer('Name of the resource', 'Notes again');
    await w.answer('Description (optional)', '');
    await w.expectToast('Saved “Notes again” as a prompt.');
    drove('agentResources.saveSelectionAsPrompt', 'the command palette');
    await w.dismissToasts();

    await selectFile('steps.md');
    await w.palette(title('saveSelectionAsWorkflow'));
    await w.answer('Name of the resource', 'Steps again');
    await w.answer('Description (optional)', '');
    await w.expectToast('Saved “Steps again” as a workflow.');
    drove('agentResources.saveSelectionAsWorkflow', 'the command palette');
    await w.dismissToasts();
    await w.expectRows([
      'Workflows',
      'Steps again',
      'Ship steps',
      'Imported checklist',
      'Prompts',
      'Notes again',
      'Notes summary',
      'Imported prompt',
      'Agent Configs',
      'Small model',
    ]);
  });

  it('Add Library to Claude Code, Cursor and VS Code (palette) write each tool’s file in the project', async () => {
    const w = wb();
    const files = { addToClaudeCode: '.mcp.json', addToCursor: '.cursor/mcp.json', addToVSCode: '.vscode/mcp.json' };
    for (const [command, file] of Object.entries(files)) {
      await w.palette(title(command));
      await w.expectToast(`in ${file}`);
      await w.dismissToasts();
      const config = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Record<string, Record<string, { args: string[] }>>;
      const servers = config.mcpServers ?? config.servers;
      assert.deepEqual(servers?.['agent-resources']?.args, [join(root, 'dist', 'mcp.js')], `${file} runs this extension's MCP server`);
      drove(`agentResources.${command}`, 'the command palette');
    }
  });

  it('Export Library… (view menu) writes every resource to the file named in the save dialog', async () => {
    const w = wb();
    const file = join(mkdtempSync(join(tmpdir(), 'agent-resources-ui-library-')), 'backup.json');
    await w.chooseMoreAction(title('exportLibrary'));
    await w.chooseFile(file);
    await w.expectToast(`Exported 7 resources to ${file}`);
    const written = JSON.parse(readFileSync(file, 'utf8')) as { resources: { name: string }[] };
    assert.deepEqual(written.resources.map((r) => r.name).sort(), [
      'Imported checklist',
      'Imported prompt',
      'Notes again',
      'Notes summary',
      'Ship steps',
      'Small model',
      'Steps again',
    ]);
    drove('agentResources.exportLibrary', 'the view’s "..." menu, the save dialog');
    await w.dismissToasts();
  });

  it('closing the window stops the local server through deactivate(), before any cleanup of the harness', async () => {
    const w = wb();
    // The log says which server this window started.
    await w.palette(title('showLog'));
    const started = /Started\sthe\slocal\sdatabase\sserver\s\(pid\s(\d+)/;
    const pid = Number(started.exec(await w.logLine('Started the local database server', started))![1]);
    const running = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(running(), `the server (pid ${pid}) runs while the window is open`);
    drove('agentResources.showLog', 'the command palette');
    await w.shot('log');
    await w.page.close({ runBeforeUnload: true });
    await w.until(`the server (pid ${pid}) to stop`, async () => !running() || 'it still runs', 15_000);
  });
});
