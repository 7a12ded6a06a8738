import assert from 'node:assert/strict';
import { callTool, connectServer, insertResource, teamDatabase, toolError, type McpSession, type TeamDatabase } from './support';

interface Summary {
  id: string;
  name: string;
  type: string;
  prompt?: string;
  owned: boolean;
  isPublic: boolean;
  executionCount: number;
  forkCount: number;
  tags?: string[];
}

describe('MCP tools: search, get, save, use, fork, with schemas both ways', function () {
  this.timeout(120_000);
  let team: TeamDatabase;
  let mcp: McpSession;
  let me: { id: string; email: string };
  let other: { id: string; email: string };
  let reviewId: string;
  let flowId: string;
  let theirPublicId: string;

  before(async () => {
    team = await teamDatabase();
    me = await team.newUser('tools');
    other = await team.newUser('tools-other');
    reviewId = await insertResource(team.sql, me.id, {
      name: 'Review a diff',
      description: 'Careful code review',
      content: { text: 'Review this {{language}} diff as a ${role:senior engineer}.' },
    });
    flowId = await insertResource(team.sql, me.id, {
      name: 'Ship it',
      type: 'workflow',
      content: { steps: [{ name: 'Test', text: 'Run the tests of {{project}}.' }, { text: 'Tag {{project}}.' }] },
    });
    await insertResource(team.sql, me.id, { name: 'Review settings', type: 'agent_config', content: { config: { model: 'm' } } });
    theirPublicId = await insertResource(team.sql, other.id, {
      name: 'Public review checklist',
      content: { text: 'Check {{thing}}.' },
      isPublic: true,
    });
    mcp = await connectServer(team.env(me.email));
  });

  after(() => mcp?.close());

  const row = async (id: string) =>
    (
      await team.sql<{ execution_count: number; fork_count: number }[]>`select execution_count, fork_count from resource where id = ${id}`
    )[0];

  it('lists the five tools with input and output schemas, read-only ones annotated so', async () => {
    const { tools } = await mcp.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    assert.deepEqual([...byName.keys()].sort(), ['fork_resource', 'get_resource', 'save_resource', 'search_resources', 'use_resource']);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.equal(tool.outputSchema?.type, 'object', tool.name);
      assert.ok(tool.description && tool.title, tool.name);
    }
    assert.equal(byName.get('search_resources')?.annotations?.readOnlyHint, true);
    assert.equal(byName.get('get_resource')?.annotations?.readOnlyHint, true);
    for (const name of ['save_resource', 'use_resource', 'fork_resource']) {
      assert.equal(byName.get(name)?.annotations?.readOnlyHint, false, name);
      assert.equal(byName.get(name)?.annotations?.destructiveHint, false, name);
    }
    assert.deepEqual(byName.get('search_resources')?.inputSchema.properties?.type, {
      type: 'string',
      enum: ['workflow', 'prompt', 'agent_config'],
      description: 'Only this type',
    });
  });

  it('search_resources finds by name or description, filters by type, and pages with a cursor', async () => {
    const found = await callTool<{ resources: Summary[]; nextCursor?: string }>(mcp, 'search_resources', { query: 'review' });
    assert.deepEqual(found.resources.map((r) => r.name).sort(), ['Review a diff', 'Review settings']);
    const review = found.resources.find((r) => r.id === reviewId)!;
    assert.equal(review.prompt, `review-a-diff-${reviewId}`);
    assert.equal(review.owned, true);
    assert.equal(found.resources.find((r) => r.type === 'agent_config')?.prompt, undefined, 'an agent config is no prompt');
    const careful = await callTool<{ resources: Summary[] }>(mcp, 'search_resources', { query: 'CAREFUL' });
    assert.deepEqual(
      careful.resources.map((r) => r.id),
      [reviewId],
    );
    const flows = await callTool<{ resources: Summary[] }>(mcp, 'search_resources', { type: 'workflow' });
    assert.deepEqual(
      flows.resources.map((r) => r.id),
      [flowId],
    );
    const first = await callTool<{ resources: Summary[]; nextCursor?: string }>(mcp, 'search_resources', { limit: 2 });
    assert.equal(first.resources.length, 2);
    assert.ok(first.nextCursor);
    const second = await callTool<{ resources: Summary[]; nextCursor?: string }>(mcp, 'search_resources', {
      limit: 2,
      cursor: first.nextCursor,
    });
    assert.equal(second.resources.length, 1);
    assert.equal(second.nextCursor, undefined);
    assert.equal(new Set([...first.resources, ...second.resources].map((r) => r.id)).size, 3);
    const publicOnes = await callTool<{ resources: Summary[] }>(mcp, 'search_resources', { scope: 'public', query: 'checklist' });
    assert.deepEqual(
      publicOnes.resources.map((r) => [r.id, r.owned]),
      [[theirPublicId, false]],
    );
  });

  it("search_resources filters by a tag (given as tag, or tag:name in the query as the tree's search box reads it)", async () => {
    await team.sql`insert into resource_tag (resource_id, user_id, tag) values (${reviewId}, ${me.id}, 'go'), (${reviewId}, ${me.id}, 'review')`;
    for (const args of [{ tag: 'go' }, { query: 'tag:go' }, { query: 'diff tag:Go' }, { tag: 'GO', query: 'tag:go' }]) {
      const found = await callTool<{ resources: Summary[] }>(mcp, 'search_resources', args);
      assert.deepEqual(
        found.resources.map((r) => [r.id, r.tags]),
        [[reviewId, ['go', 'review']]],
        JSON.stringify(args),
      );
    }
    const detail = await callTool<{ tags: string[] }>(mcp, 'get_resource', { id: reviewId });
    assert.deepEqual(detail.tags, ['go', 'review']);
  });

  it('get_resource gives the content, the text and the variables, by id or by prompt name', async () => {
    const byId = await callTool<{ content: { text: string }; text: string; variables: unknown[]; name: string }>(mcp, 'get_resource', {
      id: reviewId,
    });
    assert.equal(byId.name, 'Review a diff');
    assert.equal(byId.content.text, 'Review this {{language}} diff as a ${role:senior engineer}.');
    assert.equal(byId.text, byId.content.text);
    assert.deepEqual(byId.variables, [{ name: 'language' }, { name: 'role', default: 'senior engineer' }]);
    const byName = await callTool<{ id: string }>(mcp, 'get_resource', { id: `review-a-diff-${reviewId}` });
    assert.equal(byName.id, reviewId);
    const flow = await callTool<{ text: string; content: { steps: unknown[] } }>(mcp, 'get_resource', { id: flowId });
    assert.equal(flow.content.steps.length, 2);
    assert.deepEqual(JSON.parse(flow.text), flow.content);
  });

  it('save_resource keeps a prompt or a workflow the agent wrote, private, with its variables recorded, listed as a prompt', async () => {
    const saved = await callTool<Summary>(mcp, 'save_resource', {
      name: '  Summarise a thread ',
      description: 'Written by an agent',
      text: 'Summarise {{thread}} in ${words:50} words.',
    });
    assert.equal(saved.name, 'Summarise a thread');
    assert.equal(saved.type, 'prompt');
    assert.equal(saved.isPublic, false);
    const [stored] = await team.sql<
      { user_id: string; content: { variables: string[] } }[]
    >`select user_id, content from resource where id = ${saved.id}`;
    assert.equal(stored?.user_id, me.id);
    assert.deepEqual(stored?.content.variables, ['thread', 'words']);
    const flow = await callTool<Summary>(mcp, 'save_resource', {
      name: 'Triage',
      type: 'workflow',
      steps: [{ name: 'Read', text: 'Read the issue.' }, { text: 'Label it.' }],
    });
    assert.equal(flow.type, 'workflow');
    const prompts = (await mcp.client.listPrompts()).prompts.map((p) => p.name);
    assert.ok(prompts.includes(saved.prompt!) && prompts.includes(flow.prompt!), 'both listed as prompts');
  });

  it('use_resource fills the arguments and defaults, counts one use of an own resource, and says what stayed unfilled', async () => {
    const before = (await row(reviewId))!.execution_count;
    const used = await callTool<{ text: string; counted: boolean; unfilled: string[] }>(mcp, 'use_resource', {
      id: reviewId,
      arguments: { language: 'Go' },
    });
    assert.equal(used.text, 'Review this Go diff as a senior engineer.');
    assert.equal(used.counted, true);
    assert.deepEqual(used.unfilled, []);
    assert.equal((await row(reviewId))!.execution_count, before + 1);
    const template = await callTool<{ text: string; unfilled: string[] }>(mcp, 'use_resource', { id: reviewId });
    assert.equal(template.text, 'Review this {{language}} diff as a senior engineer.');
    assert.deepEqual(template.unfilled, ['language']);
    const step = await callTool<{ text: string }>(mcp, 'use_resource', { id: flowId, step: 1, arguments: { project: 'api' } });
    assert.equal(step.text, 'Tag api.');
    const all = await callTool<{ text: string }>(mcp, 'use_resource', { id: flowId, arguments: { project: 'api' } });
    assert.equal(all.text, 'Run the tests of api.\n\nTag api.');
    const theirs = await callTool<{ text: string; counted: boolean }>(mcp, 'use_resource', {
      id: theirPublicId,
      arguments: { thing: 'x' },
    });
    assert.equal(theirs.text, 'Check x.');
    assert.equal(theirs.counted, false, "someone else's public resource counts nowhere");
    assert.equal((await row(theirPublicId))!.execution_count, 0);
  });

  it('fork_resource copies a resource (own or public) into the library and counts the fork on the parent', async () => {
    const fork = await callTool<Summary>(mcp, 'fork_resource', { id: theirPublicId });
    assert.equal(fork.name, 'Public review checklist (fork)');
    assert.equal(fork.owned, true);
    assert.equal(fork.isPublic, false);
    assert.equal((await row(theirPublicId))!.fork_count, 1);
    const [stored] = await team.sql<{ user_id: string; parent_resource_id: string }[]>`
      select user_id, parent_resource_id from resource where id = ${fork.id}`;
    assert.deepEqual(stored, { user_id: me.id, parent_resource_id: theirPublicId });
    const named = await callTool<Summary>(mcp, 'fork_resource', { id: reviewId, name: 'My review' });
    assert.equal(named.name, 'My review');
  });

  describe('bad arguments: a tool error that says what to do, and nothing written', () => {
    const cases: [string, string, Record<string, unknown>, RegExp][] = [
      ['save: empty name', 'save_resource', { name: '   ', text: 'x' }, /The name must not be empty or blank/],
      ['save: a name with a line break', 'save_resource', { name: 'a\nb', text: 'x' }, /The name must not contain control characters/],
      ['save: a prompt without text', 'save_resource', { name: 'n' }, /A prompt takes `text`/],
      ['save: a workflow with text', 'save_resource', { name: 'n', type: 'workflow', text: 'x' }, /A workflow takes `steps`/],
      ['save: a workflow with no steps', 'save_resource', { name: 'n', type: 'workflow', steps: [] }, /must have at least one step/],
      [
        'save: an agent config',
        'save_resource',
        { name: 'n', type: 'agent_config', text: 'x' },
        /Invalid arguments for tool save_resource.*type/,
      ],
      ['save: an unknown field', 'save_resource', { name: 'n', text: 'x', isPublic: true }, /isPublic/],
      ['save: text that is not text', 'save_resource', { name: 'n', text: 42 }, /Invalid arguments for tool save_resource.*text/],
      ['search: limit too big', 'search_resources', { limit: 1000 }, /Invalid arguments for tool search_resources.*limit/],
      ['search: unknown type', 'search_resources', { type: 'snippet' }, /Invalid arguments for tool search_resources.*type/],
      ['search: two tags', 'search_resources', { query: 'tag:a tag:b' }, /Search one tag at a time/],
      ['search: a tag and another in the query', 'search_resources', { tag: 'a', query: 'tag:b' }, /Ask for one tag/],
      ['search: a tag of two words', 'search_resources', { tag: 'two words' }, /must be one word each/],
      [
        'search: a made-up cursor',
        'search_resources',
        { cursor: 'abc' },
        /This cursor is not one search_resources gave for this search: pass nextCursor of the previous page, or none/,
      ],
      ['get: not an id', 'get_resource', { id: 'nothing' }, /No such resource/],
      ['get: no id', 'get_resource', {}, /Invalid arguments for tool get_resource.*id/],
      [
        'use: an unknown argument',
        'use_resource',
        { id: 'REVIEW', arguments: { colour: 'red' } },
        /Unknown argument colour\. Its arguments are: language, role/,
      ],
      ['use: a step of a prompt', 'use_resource', { id: 'REVIEW', step: 0 }, /`step` is only for a workflow/],
      ['use: a step that does not exist', 'use_resource', { id: 'FLOW', step: 7 }, /This workflow has no step 7/],
      ['use: a negative step', 'use_resource', { id: 'FLOW', step: -1 }, /Invalid arguments for tool use_resource.*step/],
      [
        'use: a value that is not text',
        'use_resource',
        { id: 'REVIEW', arguments: { language: 3 } },
        /Invalid arguments for tool use_resource/,
      ],
      ['fork: a name too long', 'fork_resource', { id: 'REVIEW', name: 'x'.repeat(300) }, /The name must be at most 255 characters/],
    ];
    for (const [label, tool, args, expected] of cases) {
      it(label, async () => {
        const counts = await team.sql<{ n: number; uses: number; forks: number }[]>`
          select count(*)::int as n, sum(execution_count)::int as uses, sum(fork_count)::int as forks from resource`;
        const resolved = JSON.parse(
          JSON.stringify(args).replace('"REVIEW"', JSON.stringify(reviewId)).replace('"FLOW"', JSON.stringify(flowId)),
        );
        const message = await toolError(mcp, tool, resolved);
        assert.match(message, expected);
        const after = await team.sql<{ n: number; uses: number; forks: number }[]>`
          select count(*)::int as n, sum(execution_count)::int as uses, sum(fork_count)::int as forks from resource`;
        assert.deepEqual(after, counts, 'nothing written');
      });
    }

    it('an unknown tool is refused, and nothing is written', async () => {
      const before = await team.resourceCount();
      // The SDK's McpServer answers an unknown tool with a tool error naming it.
      assert.match(await toolError(mcp, 'delete_everything', {}), /Tool delete_everything not found/);
      assert.equal(await team.resourceCount(), before);
    });
  });
});
