import assert from 'node:assert/strict';
import { callTool, connectServer, insertResource, teamDatabase, type McpSession, type TeamDatabase } from './support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MCP live: notifications/prompts/list_changed when the library changes, whoever changed it', function () {
  this.timeout(120_000);
  let team: TeamDatabase;
  let mcp: McpSession;
  let me: { id: string; email: string };
  let them: { id: string; email: string };

  before(async () => {
    team = await teamDatabase();
    me = await team.newUser('live');
    them = await team.newUser('live-them');
    mcp = await connectServer(team.env(me.email));
  });

  after(() => mcp?.close());

  /** Waits until no notification has come for a second (the server tells at most one a second). */
  const quiet = async () => {
    for (let last = mcp.listChanges; ; last = mcp.listChanges) {
      await sleep(1200);
      if (mcp.listChanges === last) return;
    }
  };

  it('a row inserted by plain SQL (as the chat app writes) is told within seconds and is in the next list', async () => {
    await quiet();
    const told = mcp.nextListChange(5000);
    const id = await insertResource(team.sql, me.id, { name: 'From the chat app', content: { text: 'Hello {{name}}' } });
    const waited = await told;
    assert.ok(waited < 3000, `told after ${Math.round(waited)} ms`);
    const { prompts } = await mcp.client.listPrompts();
    assert.equal(prompts[0]?.name, `from-the-chat-app-${id}`);
  });

  it('an update and a delete by plain SQL are told too', async () => {
    const id = await insertResource(team.sql, me.id, { name: 'Short-lived', content: { text: 'x' } });
    await quiet();
    let told = mcp.nextListChange(5000);
    await team.sql`update resource set description = 'changed' where id = ${id}`;
    await told;
    await quiet();
    told = mcp.nextListChange(5000);
    await team.sql`delete from resource where id = ${id}`;
    await told;
    assert.ok(!(await mcp.client.listPrompts()).prompts.some((p) => p.name.endsWith(id)));
  });

  it("another user's changes, private or public, are not told (they are not in my prompts)", async () => {
    await quiet();
    const before = mcp.listChanges;
    await insertResource(team.sql, them.id, { name: 'Their private', content: { text: 'x' } });
    await insertResource(team.sql, them.id, { name: 'Their public', content: { text: 'x' }, isPublic: true });
    await sleep(2500);
    assert.equal(mcp.listChanges, before);
    // The listener is alive: my own change still comes.
    const told = mcp.nextListChange(5000);
    await insertResource(team.sql, me.id, { name: 'Mine again', content: { text: 'x' } });
    await told;
  });

  it('a save in another server process (another window or agent) is told to this client', async () => {
    const second = await connectServer(team.env(me.email));
    try {
      await quiet();
      const told = mcp.nextListChange(5000);
      const saved = await callTool<{ prompt: string }>(second, 'save_resource', { name: 'Saved elsewhere', text: 'y' });
      await told;
      assert.ok((await mcp.client.listPrompts()).prompts.some((p) => p.name === saved.prompt));
    } finally {
      await second.close();
    }
  });

  it('an import of 1,500 rows in one transaction is one notification, and 200 separate inserts a handful', async () => {
    await quiet();
    let before = mcp.listChanges;
    await team.sql`
      insert into resource (user_id, name, resource_type, content)
      select ${me.id}, 'Imported ' || i, 'prompt', jsonb_build_object('text', 'Prompt ' || i) from generate_series(1, 1500) as i`;
    await quiet();
    assert.equal(mcp.listChanges - before, 1);
    before = mcp.listChanges;
    const started = performance.now();
    for (let i = 0; i < 200; i++) await insertResource(team.sql, me.id, { name: `One by one ${i}`, content: { text: 'z' } });
    const seconds = (performance.now() - started) / 1000;
    await quiet();
    const told = mcp.listChanges - before;
    assert.ok(told >= 1 && told <= Math.ceil(seconds) + 2, `${told} notifications for 200 inserts over ${seconds.toFixed(1)} s`);
  });

  it('keeps telling after its listening connection is cut (postgres.js listens again)', async () => {
    await quiet();
    const cut = await team.sql<{ n: number }[]>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where query ilike 'listen%' and application_name like 'agent-resources %' and pid <> pg_backend_pid()`;
    assert.ok(cut[0]!.n >= 1, 'a listening connection was cut');
    // Listening again may itself be told (changes could have been missed meanwhile).
    await quiet();
    const told = mcp.nextListChange(5000);
    await insertResource(team.sql, me.id, { name: 'After the cut', content: { text: 'x' } });
    await told;
  });
});
