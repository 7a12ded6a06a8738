import assert from 'node:assert/strict';
import type { Prompt } from '@modelcontextprotocol/sdk/types.js';
import {
  callTool,
  connectServer,
  insertResource,
  protocolError,
  teamDatabase,
  toolError,
  type McpSession,
  type TeamDatabase,
} from './support';

describe('MCP prompts/list paging at 10,000 prompts', function () {
  this.timeout(180_000);
  let team: TeamDatabase;
  let mcp: McpSession;
  let expected: Set<string>;

  before(async () => {
    team = await teamDatabase();
    const big = await team.newUser('paging');
    // 10,000 prompts and 2,000 agent configs (which are not prompts), in one statement.
    await team.sql`
      insert into resource (user_id, name, resource_type, content, pinned, updated_at)
      select ${big.id}, 'Prompt ' || i, case when i % 6 = 0 then 'agent_config' else 'prompt' end,
             case when i % 6 = 0 then '{"config": {}}'::jsonb else jsonb_build_object('text', 'Do {{task}} number ' || i) end,
             i % 1000 = 1, localtimestamp - make_interval(secs => i)
      from generate_series(1, 12000) as i`;
    const rows = await team.sql<{ id: string }[]>`select id from resource where user_id = ${big.id} and resource_type = 'prompt'`;
    expected = new Set(rows.map((r) => r.id));
    assert.equal(expected.size, 10_000);
    mcp = await connectServer(team.env(big.email));
  });

  after(() => mcp?.close());

  it('pages through every prompt once with nextCursor, in the library order (pinned first, then most recent)', async () => {
    const seen: Prompt[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await mcp.client.listPrompts(cursor ? { cursor } : {});
      assert.ok(page.prompts.length > 0 && page.prompts.length <= 100, `page ${pages} holds ${page.prompts.length}`);
      seen.push(...page.prompts);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    const ids = seen.map((p) => p.name.slice(-36));
    assert.equal(ids.length, 10_000);
    assert.equal(new Set(ids).size, 10_000, 'no prompt twice');
    assert.ok(ids.every((id) => expected.has(id)));
    assert.ok(pages >= 100 && pages <= 120, `${pages} pages`);
    // Pinned ones (i % 1000 = 1, the prompts among them) come first, then newest first.
    const numbers = seen.map((p) => Number(p.title!.slice('Prompt '.length)));
    const pinned = numbers.filter((n) => n % 1000 === 1 && n % 6 !== 0);
    assert.deepEqual(numbers.slice(0, pinned.length), pinned);
    const rest = numbers.slice(pinned.length);
    assert.deepEqual(
      rest,
      [...rest].sort((a, b) => a - b),
    );
    assert.deepEqual(seen[0]!.arguments, [{ name: 'task', required: true }]);
  });
});

describe("MCP isolation: another user's private rows never appear in a list, a search or a get", function () {
  this.timeout(120_000);
  let team: TeamDatabase;
  let mcp: McpSession;
  let secretId: string;
  let secretFlowId: string;
  let theirPublicId: string;

  before(async () => {
    team = await teamDatabase();
    const me = await team.newUser('iso-me');
    const them = await team.newUser('iso-them');
    await insertResource(team.sql, me.id, { name: 'Mine', content: { text: 'mine' } });
    secretId = await insertResource(team.sql, them.id, { name: 'Secret plan', description: 'zebra', content: { text: 'secret {{x}}' } });
    secretFlowId = await insertResource(team.sql, them.id, {
      name: 'Secret flow',
      type: 'workflow',
      content: { steps: [{ text: 'zebra' }] },
    });
    theirPublicId = await insertResource(team.sql, them.id, { name: 'Shared zebra tips', content: { text: 'tips' }, isPublic: true });
    mcp = await connectServer(team.env(me.email));
  });

  after(() => mcp?.close());

  it("says on stderr when the team's login is shared (then only the server keeps members apart)", () => {
    assert.match(mcp.stderr(), /reached with a login its members share: members of this database can read each other's resources/);
  });

  it('prompts/list holds only my own prompts', async () => {
    const { prompts } = await mcp.client.listPrompts();
    assert.deepEqual(
      prompts.map((p) => p.title),
      ['Mine'],
    );
  });

  it('search_resources, mine or public, never finds their private rows; their public one only in the public scope', async () => {
    const mine = await callTool<{ resources: { id: string }[] }>(mcp, 'search_resources', { query: 'zebra' });
    assert.deepEqual(mine.resources, []);
    const everything = await callTool<{ resources: { id: string }[] }>(mcp, 'search_resources', { scope: 'public', limit: 100 });
    const ids = everything.resources.map((r) => r.id);
    assert.ok(ids.includes(theirPublicId));
    assert.ok(!ids.includes(secretId) && !ids.includes(secretFlowId));
  });

  it('get, use and fork of a private row of theirs answer as for a row that does not exist', async () => {
    const before = await team.resourceCount();
    for (const id of [secretId, secretFlowId]) {
      for (const [tool, args] of [
        ['get_resource', { id }],
        ['use_resource', { id }],
        ['fork_resource', { id }],
      ] as const) {
        assert.match(
          await toolError(mcp, tool, args),
          /^No such resource: it may have been deleted, or it is private to someone else/,
          tool,
        );
      }
      const err = await protocolError(mcp.client.getPrompt({ name: `secret-plan-${id}` }));
      assert.equal(err.code, -32602);
      assert.doesNotMatch(err.message, /Secret|zebra/);
    }
    const missing = await toolError(mcp, 'get_resource', { id: '00000000-0000-4000-8000-000000000000' });
    assert.equal(missing, await toolError(mcp, 'get_resource', { id: secretId }), 'the same answer for missing and not yours');
    assert.equal(await team.resourceCount(), before);
    const [row] = await team.sql<
      { fork_count: number; execution_count: number }[]
    >`select fork_count, execution_count from resource where id = ${secretId}`;
    assert.deepEqual(row, { fork_count: 0, execution_count: 0 });
  });
});
