// MCP server bench: a real SDK client over stdio against dist/mcp.js (built for the run into a
// folder of its own) serving the 100,000-resource user of a team database.
//   node --import tsx bench/mcp.ts             alone: its own Postgres (test/support/teamServer), seeded with that user; prints
//                                             the figures and merges them into bench/results.json
//   node --import tsx bench/mcp.ts URL EMAIL   against a seeded database (bench/run.mjs); figures as JSON, last line
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { migrateDatabase } from '../src/db/migrate';
import { buildMcpPackage, connectMcp, type McpConnection } from '../test/support/mcpServer';
import { figure, ms, type Figure } from './lib/stats';
import { startTeamServer } from '../test/support/teamServer';
import { defaultPlan, seed } from './seed';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = 5;
const NOTIFY_RUNS = Number(process.env.BENCH_NOTIFY_RUNS ?? 10);
const root = join(__dirname, '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await work();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await work();
    samples.push(performance.now() - t);
  }
  return samples;
}

/** SQL insert (as the chat app writes a row) to list_changed at the client; each run after the server's one-second quiet interval. */
async function notifyLatency(mcp: McpConnection, url: string, userId: string): Promise<number[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const samples: number[] = [];
  try {
    for (let i = 0; i < NOTIFY_RUNS + 1; i++) {
      await sleep(1200);
      const told = mcp.nextListChange(10_000);
      const t = performance.now();
      await sql`insert into resource (user_id, name, resource_type, content)
        values (${userId}, ${`Bench notify ${i}`}, 'prompt', '{"text": "x"}'::jsonb)`;
      await told;
      if (i > 0) samples.push(performance.now() - t);
    }
  } finally {
    // The seeded library stays as it was for the parts measured after this one.
    await sql`delete from resource where user_id = ${userId} and name like 'Bench notify %'`;
    await sql.end({ timeout: 5 });
  }
  return samples;
}

export async function measureMcp(url: string, email: string): Promise<Figure[]> {
  const built = await buildMcpPackage();
  try {
    // The bench's servers listen on 127.0.0.1 only, without TLS.
    const mcp = await connectMcp(built.serverPath, {
      AGENT_RESOURCES_DATABASE_URL: url,
      AGENT_RESOURCES_USER_EMAIL: email,
      AGENT_RESOURCES_TLS_MODE: 'disable',
    });
    try {
      return await measureThrough(mcp, url, email);
    } finally {
      await mcp.close();
    }
  } finally {
    built.remove();
  }
}

async function measureThrough(mcp: McpConnection, url: string, email: string): Promise<Figure[]> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const [user] = await admin<{ id: string; n: number }[]>`
    select u.id, (select count(*)::int from resource r where r.user_id = u.id) as n from "user" u where u.email = ${email}`;
  await admin.end();
  if (!user) throw new Error(`no user ${email} in the database`);
  const first = await mcp.client.listPrompts();
  const prompt = first.prompts.find((p) => p.arguments?.length);
  if (!prompt) throw new Error('the first page holds no prompt with arguments');
  const args = Object.fromEntries(prompt.arguments!.map((a) => [a.name, 'bench']));
  const list = await timed(RUNS, () => mcp.client.listPrompts());
  const get = await timed(RUNS, () => mcp.client.getPrompt({ name: prompt.name, arguments: args }));
  const notify = await notifyLatency(mcp, url, user.id);
  const users = `${user.n.toLocaleString('en')}-resource user`;
  return [
    figure(
      'mcp.listPrompts',
      `MCP prompts/list, first page of ${first.prompts.length} (${users}), SDK client over stdio`,
      'ms',
      list,
      ms(20),
    ),
    figure('mcp.getPrompt', `MCP prompts/get with its arguments (${users})`, 'ms', get, ms(10)),
    figure('mcp.notifyLatency', 'SQL insert (as the chat app) to notifications/prompts/list_changed at the client', 'ms', notify),
  ];
}

/** Alone: the figures into bench/results.json beside the others (same keys replaced). */
function mergeIntoResults(figures: Figure[]): void {
  const file = join(root, 'bench', 'results.json');
  const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { figures: Figure[] }) : { figures: [] };
  const keys = new Set(figures.map((f) => f.key));
  results.figures = [...results.figures.filter((f) => !keys.has(f.key)), ...figures];
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

async function alone(): Promise<void> {
  // A team database as members reach one: TCP on 127.0.0.1, a scram-sha-256 password.
  const server = await startTeamServer(root);
  try {
    await migrateDatabase(server.url, join(root, 'migrations'));
    const sessions = [0, 1].map(() => postgres(server.url, { max: 1, onnotice: () => {} }));
    try {
      await seed(sessions, { ...defaultPlan, otherUsers: Number(process.env.BENCH_OTHER_USERS ?? 20) });
    } finally {
      await Promise.all(sessions.map((s) => s.end()));
    }
    const figures = await measureMcp(server.url, defaultPlan.bigUserEmail);
    for (const f of figures) {
      const target = f.target ? `, ${f.holds ? 'holds' : 'misses'} ${f.target.text}` : '';
      console.log(`${f.label}: median ${f.median?.toFixed(2)} ms (${f.min?.toFixed(2)}–${f.max?.toFixed(2)}, n=${f.n})${target}`);
    }
    mergeIntoResults(figures);
  } finally {
    await server.stop();
  }
}

if (require.main === module) {
  const [url, email] = process.argv.slice(2);
  const work = url && email ? measureMcp(url, email).then((figures) => console.log(JSON.stringify({ figures }))) : alone();
  work.catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
