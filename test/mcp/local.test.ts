import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Library, sessionRunner } from '../../src/library/library';
import { openLocalSession, type OpenedSession } from '../../src/library/session';
import { readPostmasterPid } from '../../src/storage/local/postgresProcess';
import { isAlive } from '../../src/storage/local/processes';
import { callTool, connectServer, repoRoot, type McpSession } from './support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("MCP local mode: no URL serves this OS user's local library, the one VS Code windows share", function () {
  this.timeout(120_000);
  let home: string;
  let mcp: McpSession | undefined;
  let window: OpenedSession | undefined;

  before(() => {
    home = join(mkdtempSync(join(tmpdir(), 'agent-resources-mcp-home-')), 'agent-resources');
  });

  after(async () => {
    await mcp?.close();
    await window?.close();
    // The last client gone, the server stops after its idle time; then its folders go.
    const location = join(home, 'cluster-location');
    const clusterRoot = existsSync(location) ? readFileSync(location, 'utf8').trim() : home;
    const postmaster = readPostmasterPid(join(clusterRoot, 'pgdata'));
    for (let i = 0; i < 200 && typeof postmaster === 'object' && isAlive(postmaster.pid); i++) await sleep(50);
    if (typeof postmaster === 'object' && isAlive(postmaster.pid)) process.kill(postmaster.pid, 'SIGINT');
    rmSync(join(home, '..'), { recursive: true, force: true });
    if (clusterRoot !== home) rmSync(clusterRoot, { recursive: true, force: true });
  });

  it('starts the local library when none runs; a window attaches to the same server and both see each other live', async () => {
    // As an agent started before any VS Code window: the server starts the library itself.
    mcp = await connectServer({ AGENT_RESOURCES_HOME: home, AGENT_RESOURCES_LOCAL_IDLE_SECONDS: '1' });
    assert.match(mcp.stderr(), /Local library ready in \d+ ms \(server started\)/);
    assert.match(mcp.stderr(), /Serving the local library on stdio/);
    assert.deepEqual((await mcp.client.listPrompts()).prompts, []);

    // A VS Code window opens the same library, as the extension does.
    const lines: string[] = [];
    window = await openLocalSession({ packageRoot: repoRoot, home, log: (line) => lines.push(line) });
    assert.ok(
      lines.some((l) => /server attached/.test(l)),
      `the window attached to the running server: ${lines.join(' | ')}`,
    );
    const library = new Library(sessionRunner(window.session));

    const told = mcp.nextListChange(5000);
    const saved = await library.save({
      name: 'Saved in the window',
      resourceType: 'prompt',
      content: { text: 'Explain ${topic:this code}' },
    });
    await told;
    const prompt = (await mcp.client.listPrompts()).prompts.find((p) => p.name.endsWith(saved.id));
    assert.deepEqual(prompt?.arguments, [{ name: 'topic', description: 'Optional; default: this code', required: false }]);

    const byAgent = await callTool<{ id: string }>(mcp, 'save_resource', { name: 'Saved by the agent', text: 'a' });
    const seenByWindow = await library.get(byAgent.id);
    assert.equal(seenByWindow?.name, 'Saved by the agent');
    assert.equal(seenByWindow?.userId, window.session.userId, "the same local user: the agent's save is in the window's library");
    library.dispose();
  });
});
