import assert from 'node:assert/strict';
import { connectServer, insertResource, protocolError, teamDatabase, type McpSession, type TeamDatabase } from './support';

describe('MCP prompts: every prompt and workflow of the user, with its variables as arguments', function () {
  this.timeout(120_000);
  let team: TeamDatabase;
  let mcp: McpSession;
  const ids: Record<string, string> = {};

  before(async () => {
    team = await teamDatabase();
    const me = await team.newUser('prompts');
    const sql = team.sql;
    ids.plain = await insertResource(sql, me.id, {
      name: 'Plain note',
      description: 'No variables at all',
      content: { text: 'Say hello.' },
    });
    ids.vars = await insertResource(sql, me.id, {
      name: 'Act as a role',
      description: 'prompts.chat style',
      content: { text: 'I want you to act as a ${Position:Software Developer} for {{company}}. Focus on ${topic}. Again: {{company}}.' },
    });
    ids.flow = await insertResource(sql, me.id, {
      name: 'Release workflow',
      type: 'workflow',
      content: {
        steps: [
          { name: 'Collect', text: 'Collect the changes since ${since:last release}.' },
          { name: 'Write', text: 'Write the notes for {{version}} (changes since ${since}).' },
        ],
      },
    });
    ids.config = await insertResource(sql, me.id, { name: 'Model settings', type: 'agent_config', content: { config: { model: 'x' } } });
    ids.unicode = await insertResource(sql, me.id, { name: 'Überprüfung: 日本語', content: { text: 'Prüfe ${Zielsprache:Deutsch}.' } });
    mcp = await connectServer(team.env(me.email));
  });

  after(() => mcp?.close());

  const listed = async () => (await mcp.client.listPrompts()).prompts;
  const byId = async (id: string) => {
    const prompt = (await listed()).find((p) => p.name.endsWith(id));
    assert.ok(prompt, `prompt for ${id} listed`);
    return prompt;
  };

  it('lists prompts and workflows (not agent configs) with a stable unique name, the name as title, the description', async () => {
    const prompts = await listed();
    assert.equal(prompts.length, 4);
    assert.ok(!prompts.some((p) => p.name.endsWith(ids.config!)), 'an agent config is not a prompt');
    const plain = await byId(ids.plain!);
    assert.equal(plain.name, `plain-note-${ids.plain}`);
    assert.equal(plain.title, 'Plain note');
    assert.equal(plain.description, 'No variables at all');
    assert.equal(plain.arguments, undefined);
    const unicode = await byId(ids.unicode!);
    assert.equal(unicode.name, `uberprufung-${ids.unicode}`);
    assert.equal(unicode.title, 'Überprüfung: 日本語');
    assert.equal(new Set(prompts.map((p) => p.name)).size, prompts.length);
  });

  it('gives each variable once as an argument: required without a default, optional with one', async () => {
    const prompt = await byId(ids.vars!);
    assert.deepEqual(prompt.arguments, [
      { name: 'Position', description: 'Optional; default: Software Developer', required: false },
      { name: 'company', required: true },
      { name: 'topic', required: true },
    ]);
    const flow = await byId(ids.flow!);
    assert.deepEqual(
      flow.arguments?.map((a) => [a.name, a.required]),
      [
        ['since', false],
        ['version', true],
      ],
    );
  });

  it('gets a prompt without arguments as one user message', async () => {
    const result = await mcp.client.getPrompt({ name: `plain-note-${ids.plain}` });
    assert.equal(result.description, 'No variables at all');
    assert.deepEqual(result.messages, [{ role: 'user', content: { type: 'text', text: 'Say hello.' } }]);
  });

  it('fills the arguments given, and the defaults for those left out or left blank', async () => {
    const name = (await byId(ids.vars!)).name;
    const filled = await mcp.client.getPrompt({ name, arguments: { company: 'Acme', topic: 'tests' } });
    assert.equal(
      filled.messages[0]?.content.type === 'text' && filled.messages[0].content.text,
      'I want you to act as a Software Developer for Acme. Focus on tests. Again: Acme.',
    );
    const chosen = await mcp.client.getPrompt({ name, arguments: { company: 'Acme', topic: 'tests', Position: 'Reviewer' } });
    assert.match(chosen.messages[0]?.content.type === 'text' ? chosen.messages[0].content.text : '', /act as a Reviewer for Acme/);
    const blank = await mcp.client.getPrompt({ name, arguments: { company: 'Acme', topic: 'tests', Position: '' } });
    assert.match(blank.messages[0]?.content.type === 'text' ? blank.messages[0].content.text : '', /act as a Software Developer/);
  });

  it("gets a workflow as one message per step, a variable's default from any step filling it in every step", async () => {
    const name = (await byId(ids.flow!)).name;
    const result = await mcp.client.getPrompt({ name, arguments: { version: '2.0' } });
    assert.deepEqual(
      result.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')),
      ['Collect the changes since last release.', 'Write the notes for 2.0 (changes since last release).'],
    );
  });

  it('resolves a name by its id: after a rename the old name still works, and the new name is listed', async () => {
    const old = `plain-note-${ids.plain}`;
    await team.sql`update resource set name = 'Greeting' where id = ${ids.plain!}`;
    assert.equal((await byId(ids.plain!)).name, `greeting-${ids.plain}`);
    assert.equal((await mcp.client.getPrompt({ name: old })).messages.length, 1);
  });

  it('refuses a missing required argument, an unknown argument and an unknown prompt with -32602 and a message that says what to do', async () => {
    const name = (await byId(ids.vars!)).name;
    const missing = await protocolError(mcp.client.getPrompt({ name, arguments: { company: 'Acme' } }));
    assert.equal(missing.code, -32602);
    assert.match(missing.message, /Missing required argument: topic\. Give a value for each/);
    const unknown = await protocolError(mcp.client.getPrompt({ name, arguments: { company: 'A', topic: 'B', colour: 'red' } }));
    assert.equal(unknown.code, -32602);
    assert.match(unknown.message, /Unknown argument colour\. Its arguments are: Position, company, topic/);
    for (const bad of ['no-such-prompt', `gone-${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, `model-settings-${ids.config}`]) {
      const err = await protocolError(mcp.client.getPrompt({ name: bad }));
      assert.equal(err.code, -32602);
      assert.match(err.message, /No prompt named .*List the prompts again/);
    }
  });

  it('refuses a cursor that prompts/list did not give with -32602', async () => {
    const err = await protocolError(mcp.client.listPrompts({ cursor: 'not-a-cursor' }));
    assert.equal(err.code, -32602);
    assert.match(err.message, /Invalid cursor/);
  });
});
