// Runs last (the suite's files are sorted; this name sorts after the others): every command of
// package.json must have been driven from the UI by one of the tests before it, as drove() recorded.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drives } from './support/coverage';
import { commandIds, titleOf } from './support/manifest';
import { root } from './support/workbench';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

describe('coverage: every command of package.json is driven from the UI', () => {
  it('each command has a test that ran it from where a person finds it (test-results/command-coverage.md)', () => {
    const driven = drives();
    const lines = [
      '# Commands driven from the UI',
      '',
      'Written by test/ui/zz-coverage.test.ts from the drove() calls of the UI tests that ran.',
      '',
      '| Command | Title | Where driven | Test file |',
      '| --- | --- | --- | --- |',
    ];
    for (const id of commandIds) {
      const entries = driven.get(id) ?? [];
      if (entries.length === 0) lines.push(`| \`${id}\` | ${cell(titleOf(id))} | **not driven** | |`);
      for (const e of entries) lines.push(`| \`${id}\` | ${cell(titleOf(id))} | ${cell(e.where)} | ${e.file} |`);
    }
    mkdirSync(join(root, 'test-results'), { recursive: true });
    writeFileSync(join(root, 'test-results', 'command-coverage.md'), `${lines.join('\n')}\n`);
    const missing = commandIds.filter((id) => !driven.get(id)?.length);
    assert.deepEqual(missing, [], `commands no UI test drove in this run: ${missing.join(', ')}`);
  });
});
