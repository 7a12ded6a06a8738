import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeLibrary, Workbench } from './support/workbench';

/** A project folder with one file to save from. */
function project(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), `agent-resources-ui-${name}-`));
  writeFileSync(join(dir, `${name}.md`), text);
  return dir;
}

describe('two windows on one local library: each tree follows the other’s saves, with no Refresh', () => {
  // Two VS Code windows of one person: their own workbench each, the same local library (one server).
  const home = mkdtempSync(join(tmpdir(), 'agent-resources-ui-shared-home-'));
  const env = { AGENT_RESOURCES_HOME: home, AGENT_RESOURCES_LOCAL_IDLE_SECONDS: '3600' };
  let first: Workbench | undefined;
  let second: Workbench | undefined;

  before(async () => {
    first = await Workbench.open({ workspacePath: project('first', 'Written in the first window.\n'), env });
    second = await Workbench.open({ workspacePath: project('second', 'Written in the second window.\n'), env });
  });
  after(async () => {
    await first?.close();
    await second?.close();
    // The harness stops the libraries it made; this one is the test's (the windows were killed, not
    // closed, so the server would wait out its idle hour after the run).
    await removeLibrary(home);
    rmSync(home, { recursive: true, force: true });
  });

  /** Saves the whole of `file` as a prompt through the keybinding, as a person does. */
  async function saveFile(w: Workbench, file: string, name: string) {
    await w.quickOpen(file);
    await w.selectAll();
    await w.page.keyboard.press('Control+Alt+S');
    await w.waitForPrompt('Save the selection as…');
    await w.pick('Prompt');
    await w.answer('Name of the resource', name);
    await w.answer('Description (optional)', '');
    await w.expectToast(`Saved “${name}” as a prompt.`);
    await w.dismissToasts();
  }

  it('a save in the first window appears in the second’s open view, and the other way round', async () => {
    const [a, b] = [first!, second!];
    await a.showLibrary();
    await b.showLibrary();
    await b.welcome('Your library is empty').waitFor({ timeout: 60_000 });

    await saveFile(a, 'first.md', 'From the first window');
    await b.expectRows(['Prompts', 'From the first window']);
    await b.shot('two-windows-second-follows');

    await saveFile(b, 'second.md', 'From the second window');
    await a.expectRows(['Prompts', 'From the second window', 'From the first window']);
    await a.shot('two-windows-first-follows');
  });
});
