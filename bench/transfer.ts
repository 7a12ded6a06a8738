// Import and export bench (issue 14's targets): a 1,500-row prompts.chat CSV imported in one
// transaction, and 1,500 resources exported as VS Code prompt files, each through the Library as
// a surface calls it. Part of bench/db.ts (on the seeded million-row database); alone, on an
// empty server: `node --import tsx bench/transfer.ts`.
import { join } from 'node:path';
import { createDatabaseClient } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { ensureUser } from '../src/db/users';
import { csvField } from '../src/library/csv';
import { Library, sessionRunner } from '../src/library/library';
import { figure, ms, type Figure } from './lib/stats';
import { startBenchServer } from './lib/server';

const RUNS = Number(process.env.BENCH_TRANSFER_RUNS ?? 5);

/** A prompts.chat CSV of `rows` prompts, quoted fields and line breaks included. */
export function promptsChatCsv(rows: number): string {
  const lines = ['act,prompt,for_devs,type,contributor'];
  for (let i = 0; i < rows; i++) {
    const prompt = `I want you to act as role ${i}, for the \${Position:Software Developer} position. Say "hi",\nthen ask.`;
    lines.push([`Role ${i}`, prompt, i % 2 ? 'TRUE' : 'FALSE', 'TEXT', 'bench'].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export async function measureTransfer(url: string): Promise<Figure[]> {
  const client = createDatabaseClient(url, { max: 2 });
  try {
    const text = promptsChatCsv(1500);
    const imports: number[] = [];
    const exports: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const user = await ensureUser(client.db, `bench-transfer-${process.pid}-${Date.now()}-${run}@example.com`);
      const library = new Library(
        sessionRunner({ db: client.db, client, userId: user.id, email: user.email, mode: 'team', label: 'bench', isolation: 'shared' }),
      );
      let t = performance.now();
      const report = await library.importFiles([{ path: 'prompts.csv', text }]);
      imports.push(performance.now() - t);
      if (report.imported !== 1500) throw new Error(`imported ${report.imported} of 1,500 rows`);
      t = performance.now();
      const plan = await library.exportFiles('vscode-prompt');
      exports.push(performance.now() - t);
      if (plan.files.length !== 1500) throw new Error(`exported ${plan.files.length} of 1,500 files`);
      library.dispose();
    }
    return [
      figure('transfer.importCsv1500', 'import a 1,500-row prompts.chat CSV (one transaction)', 'ms', imports, ms(2000)),
      figure('transfer.export1500', 'export 1,500 resources as VS Code prompt files (planned, not written)', 'ms', exports, ms(2000)),
    ];
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  void (async () => {
    const server = await startBenchServer();
    try {
      await migrateDatabase(server.url, join(__dirname, '..', 'migrations'));
      for (const f of await measureTransfer(server.url)) {
        console.log(
          `${f.label}: median ${f.median?.toFixed(0)} ms (${f.min?.toFixed(0)}–${f.max?.toFixed(0)}), ${f.holds ? 'holds' : 'misses'} ${f.target?.text}`,
        );
      }
    } finally {
      await server.stop();
    }
  })();
}
