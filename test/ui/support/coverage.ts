// The ledger of "every command is driven from the UI": a test calls drove(command, where) right
// after the assertion that proves the command worked where a person found it (a menu, a button,
// the palette, a keybinding). The map lives in this process (the mocha run) and is written to
// test-results/command-coverage.json at every entry; zz-coverage.test.ts checks it against package.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { commandIds } from './manifest';
import { root } from './workbench';

export interface Drive {
  where: string;
  file: string;
}

const driven = new Map<string, Drive[]>();
export const coverageJson = join(root, 'test-results', 'command-coverage.json');

/** The UI test file that called drove(), from the call stack. */
function callerFile(): string {
  const frames = new Error().stack?.split('\n') ?? [];
  for (const frame of frames) {
    const match = /(\/[^\s():]+\/test\/ui\/[^\s():]+\.test\.ts)/.exec(frame);
    if (match) return relative(root, match[1]!);
  }
  return 'unknown';
}

/** Records that `commandId` was run from `where` and the test saw it work. */
export function drove(commandId: string, where: string): void {
  if (!commandIds.includes(commandId)) throw new Error(`drove(): ${commandId} is not a command of package.json`);
  const file = callerFile();
  const entries = driven.get(commandId) ?? [];
  if (!entries.some((e) => e.where === where && e.file === file)) entries.push({ where, file });
  driven.set(commandId, entries);
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(coverageJson, `${JSON.stringify(Object.fromEntries(driven), null, 2)}\n`);
}

/** What this run drove, by command id. */
export function drives(): ReadonlyMap<string, readonly Drive[]> {
  return driven;
}
