import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { startTeamServer, type TeamServer } from '../support/teamServer';
import { api, closeAllEditors, editorWithSelection, extensionId, stubPrompts, unique, waitFor } from './helpers';

const none = new vscode.CancellationTokenSource().token;
const serverScript = () => join(vscode.extensions.getExtension(extensionId)!.extensionPath, 'dist', 'mcp.js');
/** The id VS Code gives a provider's server: the extension's id and the server's label. */
const serverId = `${extensionId}/Agent Resources`;

async function provided(): Promise<vscode.McpStdioServerDefinition> {
  const { mcpServers } = await api();
  const servers = (await mcpServers.provideMcpServerDefinitions(none)) ?? [];
  assert.equal(servers.length, 1, 'one server: the library this window uses');
  return servers[0]!;
}

async function resolved(server: vscode.McpStdioServerDefinition): Promise<vscode.McpStdioServerDefinition> {
  const { mcpServers } = await api();
  const result = await mcpServers.resolveMcpServerDefinition!(server, none);
  assert.ok(result, 'the server is resolved, not refused');
  return result;
}

/** Counts onDidChangeMcpServerDefinitions, as VS Code listens to it. */
async function countChanges(): Promise<{ count: number; dispose(): void }> {
  const { mcpServers } = await api();
  const counter = { count: 0, dispose: () => subscription.dispose() };
  const subscription = mcpServers.onDidChangeMcpServerDefinitions!(() => counter.count++);
  return counter;
}

/** Calls one of the server's tools the way the chat does, through VS Code's MCP client. */
async function callTool(tool: vscode.LanguageModelToolInformation, input: object): Promise<string> {
  const result = await vscode.lm.invokeTool(tool.name, { input, toolInvocationToken: undefined });
  return result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
}

/** A project folder with the given files (path relative to it: text). */
function project(files: Record<string, string> = {}): string {
  const folder = mkdtempSync(join(tmpdir(), 'agent-resources-project-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>;

describe('MCP: the library as an MCP server in VS Code, and in other agents’ config files', () => {
  describe('registered with VS Code (MCP server definition provider), local library', () => {
    it('the editor’s own Node runs the extension’s dist/mcp.js; no database URL reaches it, before or after resolve', async () => {
      const server = await provided();
      assert.equal(server.label, 'Agent Resources');
      assert.equal(server.command, process.execPath);
      assert.deepEqual(server.args, [serverScript()]);
      assert.ok(existsSync(serverScript()), `${serverScript()} is built`);
      assert.equal(server.env.AGENT_RESOURCES_DATABASE_URL, null, 'an AGENT_RESOURCES_DATABASE_URL inherited from the editor is removed');
      const started = await resolved(server);
      assert.deepEqual([started.command, started.args, started.env], [server.command, server.args, server.env]);
    });

    it('VS Code starts it with no configuration, and its tools find a prompt just saved from the editor', async function () {
      this.timeout(60_000);
      const name = unique('Findable by agents');
      await editorWithSelection('Review {{file}} for the newcomer.');
      await vscode.commands.executeCommand('agentResources.saveSelection', { type: 'prompt', name });
      await closeAllEditors();
      // VS Code collects the provider's servers a moment after activation: ask again until it has.
      const search = await waitFor(
        'the library’s tools in vscode.lm.tools',
        async () => {
          await vscode.commands.executeCommand('workbench.mcp.startServer', serverId);
          return vscode.lm.tools.find((t) => /^mcp_agent.*_search_resources$/.test(t.name)) ?? (await sleep(250));
        },
        30_000,
      );
      try {
        const found = JSON.parse(await callTool(search, { query: name })) as { resources: { name: string }[] };
        assert.deepEqual(
          found.resources.map((r) => r.name),
          [name],
        );
      } finally {
        await vscode.commands.executeCommand('workbench.mcp.stopServer', serverId);
      }
    });
  });

  describe('team mode', () => {
    let team: TeamServer;
    const email = 'mcp-member@example.com';

    before(async function () {
      this.timeout(60_000);
      team = await startTeamServer(vscode.extensions.getExtension(extensionId)!.extensionPath);
      await vscode.workspace.getConfiguration('agentResources').update('userEmail', email, vscode.ConfigurationTarget.Global);
    });

    after(async function () {
      this.timeout(30_000);
      await vscode.commands.executeCommand('agentResources.useLocalLibrary');
      await vscode.workspace.getConfiguration('agentResources').update('userEmail', undefined, vscode.ConfigurationTarget.Global);
      await team?.stop();
    });

    it('the connection string reaches the server’s environment only when VS Code starts it, never its arguments', async function () {
      this.timeout(30_000);
      const changes = await countChanges();
      try {
        await vscode.commands.executeCommand('agentResources.connect', { connectionString: team.url, label: 'mcp-team' });
        await waitFor('the definitions to change', () => changes.count > 0 || undefined);
      } finally {
        changes.dispose();
      }
      const server = await provided();
      assert.ok(!JSON.stringify(server).includes(team.password), 'what VS Code keeps of the definition has no password');
      assert.equal(server.env.AGENT_RESOURCES_DATABASE_URL, null);
      assert.equal(server.env.AGENT_RESOURCES_USER_EMAIL, email);
      assert.equal(server.env.AGENT_RESOURCES_TEAM_DATABASE, `postgres@127.0.0.1:${team.port}/postgres`);

      const started = await resolved(server);
      assert.equal(started.env.AGENT_RESOURCES_DATABASE_URL, team.url);
      assert.deepEqual(started.args, [serverScript()]);
      assert.equal(started.command, process.execPath);
    });

    it('another team database is another definition (VS Code stops a running server whose definition changed)', async function () {
      this.timeout(30_000);
      const before = await provided();
      const other = team.url.replace('/postgres?', '/template1?');
      const changes = await countChanges();
      try {
        await vscode.commands.executeCommand('agentResources.connect', { connectionString: other, label: 'mcp-team' });
        await waitFor('the definitions to change', () => changes.count > 0 || undefined);
      } finally {
        changes.dispose();
      }
      const after = await provided();
      assert.equal(after.env.AGENT_RESOURCES_TEAM_DATABASE, `postgres@127.0.0.1:${team.port}/template1`);
      assert.notDeepEqual(after.env, before.env);
      assert.equal((await resolved(after)).env.AGENT_RESOURCES_DATABASE_URL, other);
    });

    it('Add Library to Cursor in team mode names the variables to set, never the connection string', async () => {
      const folder = project();
      const result = await vscode.commands.executeCommand<{ setInEnvironment: string[]; mayBeSetInEnvironment: string[] }>(
        'agentResources.addToCursor',
        { folder },
      );
      assert.deepEqual(
        [result?.setInEnvironment, result?.mayBeSetInEnvironment],
        [['AGENT_RESOURCES_DATABASE_URL'], ['AGENT_RESOURCES_USER_EMAIL']],
      );
      const text = readFileSync(join(folder, '.cursor', 'mcp.json'), 'utf8');
      assert.ok(!text.includes(team.password) && !text.includes('127.0.0.1'), text);
      assert.deepEqual(readJson(join(folder, '.cursor', 'mcp.json')).mcpServers!['agent-resources'], {
        command: 'node',
        args: [serverScript()],
        env: {
          AGENT_RESOURCES_DATABASE_URL: '${env:AGENT_RESOURCES_DATABASE_URL}',
          AGENT_RESOURCES_USER_EMAIL: '${env:AGENT_RESOURCES_USER_EMAIL}',
          AGENT_RESOURCES_TLS_MODE: vscode.workspace.getConfiguration('agentResources').get('team.tlsMode'),
        },
      });
    });

    it('back to the local library: the definition changes back, with no team environment', async function () {
      this.timeout(30_000);
      const changes = await countChanges();
      try {
        await vscode.commands.executeCommand('agentResources.useLocalLibrary');
        await waitFor('the definitions to change', () => changes.count > 0 || undefined);
      } finally {
        changes.dispose();
      }
      assert.deepEqual((await provided()).env, { AGENT_RESOURCES_DATABASE_URL: null });
    });
  });

  describe('config files for agents that read them (local library)', () => {
    it('Add Library to Claude Code: .mcp.json gains our server; the servers and keys already there stay', async () => {
      const github = { command: 'github-mcp', env: { GITHUB_TOKEN: '${GITHUB_TOKEN}' } };
      const folder = project({ '.mcp.json': JSON.stringify({ mcpServers: { github }, owner: 'ana' }, null, 2) });
      const result = await vscode.commands.executeCommand<{ file: string; replaced: boolean }>('agentResources.addToClaudeCode', {
        folder,
      });
      assert.deepEqual(result, { file: join(folder, '.mcp.json'), replaced: false, setInEnvironment: [], mayBeSetInEnvironment: [] });
      assert.deepEqual(readJson(join(folder, '.mcp.json')), {
        mcpServers: { github, 'agent-resources': { command: 'node', args: [serverScript()] } },
        owner: 'ana',
      });
      const again = await vscode.commands.executeCommand<{ replaced: boolean }>('agentResources.addToClaudeCode', { folder });
      assert.equal(again?.replaced, true, 'running it again replaces our entry, and adds no second one');
      assert.deepEqual(Object.keys(readJson(join(folder, '.mcp.json')).mcpServers!), ['github', 'agent-resources']);
    });

    it('Add Library to Cursor and to VS Code: each file made in its folder; VS Code’s keeps its comments and gets type stdio', async () => {
      const vscodeFile =
        '{\n  // the team’s servers\n  "servers": {\n    "memory": { "command": "npx", "args": ["-y", "@mcp/memory"] },\n  },\n}\n';
      const folder = project({ '.vscode/mcp.json': vscodeFile });
      await vscode.commands.executeCommand('agentResources.addToCursor', { folder });
      await vscode.commands.executeCommand('agentResources.addToVSCode', { folder });
      assert.deepEqual(readJson(join(folder, '.cursor', 'mcp.json')), {
        mcpServers: { 'agent-resources': { command: 'node', args: [serverScript()] } },
      });
      const text = readFileSync(join(folder, '.vscode', 'mcp.json'), 'utf8');
      assert.ok(
        text.startsWith('{\n  // the team’s servers\n  "servers": {\n    "memory": { "command": "npx", "args": ["-y", "@mcp/memory"] },'),
        text,
      );
      assert.match(text, /"agent-resources": \{\s+"type": "stdio",\s+"command": "node",\s+"args": \[\s+"[^"]+\/dist\/mcp\.js"\s+\]\s+\}/);
    });

    it('a file that is not valid JSON is left as it was, with a message that says where and what to do', async () => {
      const broken = '{\n  "mcpServers": {\n    "github": { "command": "gh" }\n    "jira": { "command": "jira" }\n  }\n}\n';
      const folder = project({ '.mcp.json': broken });
      const prompts = stubPrompts();
      let result: unknown;
      try {
        result = await vscode.commands.executeCommand('agentResources.addToClaudeCode', { folder });
      } finally {
        prompts.restore();
      }
      assert.equal(result, undefined);
      assert.equal(readFileSync(join(folder, '.mcp.json'), 'utf8'), broken, 'the file is byte for byte as it was');
      assert.deepEqual(
        prompts.messages.map((m) => [m.kind, m.text]),
        [
          [
            'error',
            `${join(folder, '.mcp.json')} is not valid JSON (Claude Code reads plain JSON: no comments, no trailing commas): comma expected at line 4, column 5. ` +
              'It was left as it is: fix it (or move it aside) and run the command again.',
          ],
        ],
      );
    });
  });
});

const sleep = (ms: number) => new Promise<undefined>((done) => setTimeout(() => done(undefined), ms));
