import assert from 'node:assert/strict';
import { mcpServerEntry, mergeMcpServer, type McpClient, type McpServerEntry } from '../../src/library/mcpClientConfig';

const script = '/home/ana/.vscode/extensions/agent-resources.agent-resources-0.1.0/dist/mcp.js';
const local = (client: McpClient) => mcpServerEntry(client, script);

/** Merges and returns the text; fails the test with the problem when there is one. */
function merged(client: McpClient, existing: string | undefined, entry: McpServerEntry = local(client)): string {
  const result = mergeMcpServer(client, existing, entry);
  assert.ok(result.ok, result.ok ? '' : result.problem);
  return result.text;
}

describe('MCP client config files: our server merged into .mcp.json, .cursor/mcp.json, .vscode/mcp.json', () => {
  it('a new file holds only our server, in each tool’s own format', () => {
    assert.deepEqual(JSON.parse(merged('claude-code', undefined)), {
      mcpServers: { 'agent-resources': { command: 'node', args: [script] } },
    });
    assert.deepEqual(JSON.parse(merged('cursor', '')), { mcpServers: { 'agent-resources': { command: 'node', args: [script] } } });
    assert.deepEqual(JSON.parse(merged('vscode', undefined)), {
      servers: { 'agent-resources': { type: 'stdio', command: 'node', args: [script] } },
    });
  });

  it('keeps the other servers and unrelated keys, and replaces only our earlier entry', () => {
    const before = JSON.stringify(
      {
        $schema: 'x',
        mcpServers: { github: { command: 'gh-mcp', env: { TOKEN: '${GITHUB_TOKEN}' } }, 'agent-resources': { command: 'old' } },
      },
      null,
      4,
    );
    const result = mergeMcpServer('claude-code', before, local('claude-code'));
    assert.ok(result.ok);
    assert.equal(result.replaced, true);
    assert.deepEqual(JSON.parse(result.text), {
      $schema: 'x',
      mcpServers: {
        github: { command: 'gh-mcp', env: { TOKEN: '${GITHUB_TOKEN}' } },
        'agent-resources': { command: 'node', args: [script] },
      },
    });
    assert.match(result.text, /^ {4}"mcpServers"/m, 'the file keeps its four-space indent');
  });

  it('VS Code’s mcp.json keeps its comments, inputs and trailing commas', () => {
    const before =
      '{\n  // my servers\n  "inputs": [{ "type": "promptString", "id": "key", "password": true }],\n  "servers": {\n    "memory": { "command": "npx", "args": ["-y", "@mcp/memory"] }, // notes\n  },\n}\n';
    const text = merged('vscode', before);
    assert.ok(text.includes('// my servers') && text.includes('// notes'), text);
    assert.ok(text.includes('"inputs": [{ "type": "promptString", "id": "key", "password": true }]'), text);
    assert.ok(text.includes('"memory": { "command": "npx", "args": ["-y", "@mcp/memory"] }'), text);
    assert.match(text, /"agent-resources": \{\s+"type": "stdio",\s+"command": "node",\s+"args": \[\s+"[^"]+dist\/mcp\.js"\s+\]\s+\}/);
  });

  it('writes in the file’s own indent and line ends: tabs into an empty servers object, CRLF over our old entry', () => {
    const tabs = merged('vscode', '{\n\t"servers": {}\n}\n');
    assert.equal(
      tabs,
      `{\n\t"servers": {\n\t\t"agent-resources": {\n\t\t\t"type": "stdio",\n\t\t\t"command": "node",\n\t\t\t"args": [\n\t\t\t\t"${script}"\n\t\t\t]\n\t\t}\n\t}\n}\n`,
    );
    const crlf = merged('claude-code', '{\r\n  "mcpServers": {\r\n    "agent-resources": { "command": "old" }\r\n  }\r\n}\r\n');
    assert.doesNotMatch(crlf, /[^\r]\n/, 'every line ends in CRLF');
    assert.deepEqual(JSON.parse(crlf), { mcpServers: { 'agent-resources': { command: 'node', args: [script] } } });
  });

  it('adds the servers object to a file that has none', () => {
    assert.deepEqual(JSON.parse(merged('cursor', '{ "theme": "dark" }')), {
      theme: 'dark',
      mcpServers: { 'agent-resources': { command: 'node', args: [script] } },
    });
  });

  it('refuses a file that is not valid JSON, saying where and what to do', () => {
    const result = mergeMcpServer(
      'claude-code',
      '{\n  "mcpServers": {\n    "github": { "command": "gh" }\n    "x": 1\n  }\n}',
      local('claude-code'),
    );
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : result.problem,
      /^\.mcp\.json is not valid JSON .*: comma expected at line 4, column 5\. It was left as it is: fix it/,
    );
  });

  it('comments are valid in VS Code’s file but not in Claude Code’s or Cursor’s', () => {
    const withComment = '{ // mine\n "mcpServers": {} }';
    for (const client of ['claude-code', 'cursor'] as const) {
      const result = mergeMcpServer(client, withComment, local(client));
      assert.equal(result.ok, false, client);
      assert.match(result.ok ? '' : result.problem, /reads plain JSON: no comments, no trailing commas/);
    }
    assert.ok(mergeMcpServer('vscode', '{ // mine\n "servers": {} }', local('vscode')).ok);
  });

  it('refuses a root that is not an object, and servers that are not an object', () => {
    for (const [text, expected] of [
      ['[1, 2]', /does not hold a JSON object/],
      ['"servers"', /does not hold a JSON object/],
      ['{ "mcpServers": [] }', /“mcpServers” in \.mcp\.json is not an object of servers/],
    ] as const) {
      const result = mergeMcpServer('claude-code', text, local('claude-code'));
      assert.equal(result.ok, false, text);
      assert.match(result.ok ? '' : result.problem, expected);
    }
  });

  it('a team entry names the connection by reference only, in each tool’s syntax, with the non-secret settings outright', () => {
    const team = { tlsMode: 'verify-full', caFile: '/etc/ssl/team-ca.pem' };
    assert.deepEqual(mcpServerEntry('claude-code', script, team).env, {
      AGENT_RESOURCES_DATABASE_URL: '${AGENT_RESOURCES_DATABASE_URL}',
      AGENT_RESOURCES_USER_EMAIL: '${AGENT_RESOURCES_USER_EMAIL:-}',
      AGENT_RESOURCES_TLS_MODE: 'verify-full',
      AGENT_RESOURCES_CA_FILE: '/etc/ssl/team-ca.pem',
    });
    for (const client of ['cursor', 'vscode'] as const) {
      const env = mcpServerEntry(client, script, {}).env;
      assert.deepEqual(env, {
        AGENT_RESOURCES_DATABASE_URL: '${env:AGENT_RESOURCES_DATABASE_URL}',
        AGENT_RESOURCES_USER_EMAIL: '${env:AGENT_RESOURCES_USER_EMAIL}',
      });
    }
    assert.equal(mcpServerEntry('vscode', script).env, undefined, 'the local library needs no environment');
  });
});
