import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Resource } from '../../src/db/schema';
import { exportFormats, planExport, type ExportFormat } from '../../src/library/agentExport';
import { readMarkdown } from '../../src/library/frontMatter';
import { isImportablePath, type ImportFile } from '../../src/library/importFiles';
import type { Library, LibrarySession } from '../../src/library/library';
import { failOnUnhandledRejection } from '../db/support/unhandled';
import { newLibrary } from './support';

const fixtures = join(__dirname, 'fixtures', 'agent-files');
const header1500 = 'act,prompt,for_devs,type,contributor';

/** What a folder import reads: every importable file under the folder, paths relative to it. */
function folderFiles(folder: string): ImportFile[] {
  const files: ImportFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (isImportablePath(relative(folder, path))) files.push({ path: relative(folder, path), text: readFileSync(path, 'utf8') });
    }
  };
  walk(folder);
  return files;
}

describe('agent files: import and export (plain Node, real Postgres)', () => {
  failOnUnhandledRejection();
  let library: Library;
  let session: LibrarySession;
  beforeEach(async () => ({ library, session } = await newLibrary('agent-files')));
  afterEach(() => library.dispose());

  /** The user's resources, content included, by name. */
  const mine = async (): Promise<Resource[]> => {
    const rows = await session.client.sql<{ id: string }[]>`select id from resource where user_id = ${session.userId}`;
    const all = await Promise.all(rows.map((r) => library.require(r.id)));
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };
  const byName = async (name: string) => (await mine()).find((r) => r.name === name)!;
  const contentOf = (r: Resource) => r.content as { text: string; format: string; frontMatter?: Record<string, unknown> };

  describe('import', () => {
    it('a folder: every agent file, recursively, front matter kept, variables in our syntax; other files left alone', async () => {
      const files = folderFiles(fixtures);
      assert.ok(!files.some((f) => f.path.endsWith('README.md')));
      const report = await library.importFiles(files);
      assert.deepEqual(report, { imported: 9, updated: 0, unchanged: 0, skipped: [] });
      const names = (await mine()).map((r) => r.name);
      assert.deepEqual(names, [
        'AGENTS',
        'AGENTS (web)',
        'Python Standards',
        'empty',
        'fix-issue',
        'pdf-tools',
        'release',
        'review-api',
        'typescript',
      ]);

      const review = await byName('review-api');
      assert.equal(review.description, 'Review: the API — "quoted", with a: colon');
      assert.deepEqual(contentOf(review), {
        text: 'Review the ${area:REST endpoints} of ${workspaceFolderBasename} in ${language}.\n\nCheck #tool:githubRepo for the ${area} conventions. Ünïcödé ✓ 日本語 🚀\n',
        format: 'vscode-prompt',
        frontMatter: {
          agent: 'agent',
          model: 'GPT-4o',
          tools: ['githubRepo', 'search/codebase'],
          'argument-hint': 'area=... language=...',
        },
      });
      assert.equal(
        library.render(review, { variables: { language: 'Go' } }),
        'Review the REST endpoints of ${workspaceFolderBasename} in Go.\n\nCheck #tool:githubRepo for the REST endpoints conventions. Ünïcödé ✓ 日本語 🚀\n',
      );

      const fix = contentOf(await byName('fix-issue'));
      assert.equal(
        fix.text,
        'Fix GitHub issue ${issue} following our coding standards.\n\n1. Read the issue with `gh issue view ${issue}`.\n2. Write a test that fails, then fix it.\n',
      );
      assert.deepEqual(fix.frontMatter, { 'argument-hint': '[issue]', 'allowed-tools': 'Bash(gh issue view:*), Read, Edit' });
      const release = await byName('release');
      assert.equal(release.description, 'Release a version: tag it, write notes');
      assert.equal(
        contentOf(release).text,
        'Release ${version} on the ${channel} channel. Costs $5 to run; $ARGUMENTS_NOT is no argument.\n',
      );

      const skill = contentOf(await byName('pdf-tools'));
      assert.deepEqual(skill.frontMatter, {
        'allowed-tools': 'Read Bash(python:*)',
        'disable-model-invocation': true,
        hooks: { PostToolUse: [{ matcher: 'Bash', command: 'echo done' }] },
      });
      const rule = await byName('typescript');
      assert.deepEqual(contentOf(rule).frontMatter, { globs: 'src/**/*.ts,src/**/*.tsx', alwaysApply: 'true' });
      assert.equal(contentOf(await byName('empty')).text, '');
      assert.equal(contentOf(await byName('Python Standards')).frontMatter?.applyTo, '**/*.py');
      assert.match(contentOf(await byName('AGENTS')).text, /^<!-- Written from .*\n# Agent instructions\n/);
    });

    it('CRLF files give the same resources (line breaks of the body kept as written)', async () => {
      const files = folderFiles(fixtures).map((f) => ({ ...f, text: f.text.replace(/\n/g, '\r\n') }));
      const report = await library.importFiles(files);
      assert.equal(report.imported, 9);
      const review = await byName('review-api');
      assert.equal(review.description, 'Review: the API — "quoted", with a: colon');
      assert.equal(contentOf(review).frontMatter?.model, 'GPT-4o');
      assert.match(contentOf(review).text, /^Review the \$\{area:REST endpoints\}.*\r\n\r\nCheck/);
    });

    it('a file whose front matter is broken is skipped with its path and why; the others are imported', async () => {
      const report = await library.importFiles([
        { path: 'a.prompt.md', text: '---\ndescription: "never closed\n---\nbody' },
        { path: 'b.prompt.md', text: '---\ndescription: fine\nbody without a closing line' },
        { path: 'c.mdc', text: '---\n- a list\n---\nbody' },
        { path: 'd.prompt.md', text: 'No front matter at all.' },
      ]);
      assert.equal(report.imported, 1);
      assert.deepEqual(
        report.skipped.map((s) => [s.source, s.reason.split(' (')[0]]),
        [
          ['a.prompt.md', 'its front matter is not valid YAML'],
          ['b.prompt.md', 'its front matter opens with --- but never closes with a --- line'],
          ['c.mdc', 'its front matter is not a list of key: value pairs'],
        ],
      );
    });
  });

  describe('export', () => {
    it('each format: the documented file, with the id and version in its front matter; what it cannot carry is said', async () => {
      await library.importFiles(folderFiles(fixtures));
      const review = await byName('review-api');
      const files = (format: ExportFormat) => planExport([review], format, []).files[0]!;

      const prompt = files('vscode-prompt');
      assert.equal(prompt.path, 'review-api.prompt.md');
      const read = readMarkdown(prompt.text);
      assert.equal(
        read.body,
        'Review the ${input:area:REST endpoints} of ${workspaceFolderBasename} in ${input:language}.\n\nCheck #tool:githubRepo for the ${input:area} conventions. Ünïcödé ✓ 日本語 🚀\n',
      );
      assert.equal(read.frontMatter.name, 'review-api');
      assert.equal(read.frontMatter.description, 'Review: the API — "quoted", with a: colon');
      assert.deepEqual(read.frontMatter.tools, ['githubRepo', 'search/codebase']);
      assert.equal(read.frontMatter['agent-resources-id'], review.id);
      assert.equal(read.frontMatter['agent-resources-version'], review.updatedAt.toISOString());
      assert.deepEqual(prompt.lost, ['defaults become VS Code placeholders (a hint in the input box, not a value)']);

      const command = files('claude-command');
      assert.equal(command.path, 'review-api.md');
      const commandRead = readMarkdown(command.text);
      assert.deepEqual(commandRead.frontMatter.arguments, ['area', 'workspaceFolderBasename', 'language']);
      assert.match(commandRead.body, /^Review the \$area of \$workspaceFolderBasename in \$language\./);
      assert.ok(
        command.lost.some((l) => /front matter agent, tools \(from vscode-prompt\) is not part of this format/.test(l)),
        command.lost.join('; '),
      );
      assert.ok(command.lost.some((l) => /no defaults: area \(REST endpoints\)/.test(l)));

      const skill = files('claude-skill');
      assert.equal(skill.path, 'review-api/SKILL.md');
      assert.equal(readMarkdown(skill.text).frontMatter.name, 'review-api');

      const rule = files('cursor-rule');
      assert.equal(rule.path, 'review-api.mdc');
      const ruleRead = readMarkdown(rule.text);
      assert.equal(ruleRead.frontMatter.alwaysApply, false);
      assert.match(rule.lost.join('; '), /Cursor rules have no variables: area, workspaceFolderBasename, language stay as written/);
    });

    it('a Cursor rule keeps alwaysApply as a real boolean, and VS Code applyTo becomes its globs', async () => {
      await library.importFiles(folderFiles(fixtures));
      const ts = readMarkdown(planExport([await byName('typescript')], 'cursor-rule', []).files[0]!.text);
      assert.equal(ts.frontMatter.alwaysApply, true);
      assert.equal(ts.frontMatter.globs, 'src/**/*.ts,src/**/*.tsx');
      assert.match(planExport([await byName('typescript')], 'cursor-rule', []).files[0]!.text, /^alwaysApply: true$/m);
      const python = readMarkdown(planExport([await byName('Python Standards')], 'cursor-rule', []).files[0]!.text);
      assert.equal(python.frontMatter.globs, '**/*.py');
    });

    it('one variable is $ARGUMENTS with a hint naming it; ${CLAUDE_SKILL_DIR} stays as written', async () => {
      await library.importFiles(folderFiles(fixtures));
      const fix = planExport([await byName('fix-issue')], 'claude-command', []).files[0]!;
      assert.equal(
        readMarkdown(fix.text).body,
        'Fix GitHub issue $ARGUMENTS following our coding standards.\n\n1. Read the issue with `gh issue view $ARGUMENTS`.\n2. Write a test that fails, then fix it.\n',
      );
      assert.deepEqual(fix.lost, []);
      const skill = planExport([await byName('pdf-tools')], 'claude-skill', []).files[0]!;
      assert.match(readMarkdown(skill.text).body, /\$\{CLAUDE_SKILL_DIR\}\/scripts/);
      assert.deepEqual(readMarkdown(skill.text).frontMatter.hooks, { PostToolUse: [{ matcher: 'Bash', command: 'echo done' }] });
    });

    it('a workflow becomes one text (said); an agent config is skipped with why', async () => {
      const flow = await library.save({
        name: 'Ship',
        resourceType: 'workflow',
        content: { steps: [{ name: 'Plan', text: 'Write a plan' }, { text: 'Do it' }] },
      });
      const config = await library.save({ name: 'Agent', resourceType: 'agent_config', content: { config: { model: 'x' } } });
      const plan = planExport([flow, config], 'cursor-rule', []);
      assert.equal(readMarkdown(plan.files[0]!.text).body, '## 1. Plan\n\nWrite a plan\n\n## 2. Step 2\n\nDo it');
      assert.match(plan.files[0]!.lost[0]!, /its 2 steps become one text/);
      assert.deepEqual(plan.skipped, [
        { resourceId: config.id, name: 'Agent', reason: 'an agent configuration is JSON settings, not a text a tool reads' },
      ]);
    });

    it('file names are slugs that never escape the folder nor collide, and never overwrite a file of someone else', async () => {
      const named = async (name: string) => library.save({ name, resourceType: 'prompt', content: { text: name } });
      const resources = [
        await named('../../etc/passwd'),
        await named('Review'),
        await named('review!'),
        await named('..'),
        await named('CON'),
        await named('Café Ünïcode'),
      ];
      const existing = [{ path: 'review.prompt.md', text: 'a file the user wrote' }];
      const plan = planExport(resources, 'vscode-prompt', existing);
      assert.deepEqual(
        plan.files.map((f) => f.path),
        [
          'etc-passwd.prompt.md',
          'review-2.prompt.md',
          'review-3.prompt.md',
          'resource.prompt.md',
          'con-file.prompt.md',
          'cafe-unicode.prompt.md',
        ],
      );
      assert.ok(plan.files.every((f) => /^[a-z0-9-]+\.prompt\.md$/.test(f.path)));
      // Exported again, each goes back to its own file, even after a rename.
      await library.update(resources[1]!.id, { name: 'Renamed review' });
      const again = planExport(await Promise.all(resources.map((r) => library.require(r.id))), 'vscode-prompt', [
        ...existing,
        ...plan.files,
      ]);
      assert.deepEqual(
        again.files.map((f) => f.path),
        plan.files.map((f) => f.path),
      );
    });
  });

  describe('round trips', () => {
    for (const format of exportFormats) {
      it(`${format}: importing our export adds nothing, twice; into another library it gives the same prompts`, async () => {
        await library.importFiles(folderFiles(fixtures));
        const big = await library.save({
          name: 'Huge',
          resourceType: 'prompt',
          content: { text: `${'Ünï ✓ 🚀 line\n'.repeat(30_000)}end` },
        });
        await library.save({ name: 'Empty body', resourceType: 'prompt', content: { text: '' } });
        const before = await mine();
        const plan = await library.exportFiles(format);
        assert.equal(plan.files.length, before.length);
        const files = plan.files.map((f) => ({ path: f.path, text: f.text }));
        for (let i = 0; i < 2; i++) {
          assert.deepEqual(
            await library.importFiles(files),
            { imported: 0, updated: 0, unchanged: before.length, skipped: [] },
            `import ${i + 1}`,
          );
        }
        assert.deepEqual(await mine(), before, 'not a byte changed');
        assert.ok(plan.files.find((f) => f.resourceId === big.id)!.text.length > 400_000);

        const { library: other } = await newLibrary('other');
        const report = await other.importFiles(files);
        assert.deepEqual([report.imported, report.skipped], [before.length, []]);
        const theirs = await Promise.all((await other.list('mine', { limit: 200 })).items.map((item) => other.require(item.id)));
        // What the format carries comes back as it was; what it cannot was said in the plan.
        for (const file of plan.files) {
          const original = before.find((r) => r.id === file.resourceId)!;
          const slug = file.path.split('/')[0]!.split('.')[0]!;
          const copy = theirs.find(
            (r) => r.name === original.name || (r.name === slug && file.lost.some((l) => l.includes(`is only the file name “${slug}”`))),
          );
          assert.ok(copy, `${format}: ${original.name} came back`);
          if (file.lost.length === 0) assert.equal(contentOf(copy).text, contentOf(original).text, `${format}: ${original.name}`);
        }
        other.dispose();
      });
    }

    it('1,500 resources export in under 2 s, and their files import again as unchanged in under 2 s', async () => {
      const text = [header1500, ...Array.from({ length: 1500 }, (_, i) => `Act ${i},"Prompt ${i} for \${topic:x}",FALSE,TEXT,f`)].join(
        '\n',
      );
      assert.equal((await library.importFiles([{ path: 'prompts.csv', text }])).imported, 1500);
      let started = performance.now();
      const plan = await library.exportFiles('vscode-prompt');
      const exported = performance.now() - started;
      assert.equal(plan.files.length, 1500);
      assert.equal(new Set(plan.files.map((f) => f.path)).size, 1500, 'no two files share a name');
      assert.ok(exported < 2000, `export took ${Math.round(exported)} ms`);
      started = performance.now();
      const report = await library.importFiles(plan.files.map((f) => ({ path: f.path, text: f.text })));
      const imported = performance.now() - started;
      assert.deepEqual(report, { imported: 0, updated: 0, unchanged: 1500, skipped: [] });
      assert.ok(imported < 2000, `the import again took ${Math.round(imported)} ms`);
      console.log(`      export of 1,500: ${Math.round(exported)} ms; their import again: ${Math.round(imported)} ms`);
    });

    it('an edited export updates its resource; a resource changed since the export is not overwritten', async () => {
      const saved = await library.save({
        name: 'Greeting',
        resourceType: 'prompt',
        content: { text: 'Hello ${who:world}', language: 'markdown' },
      });
      const [file] = (await library.exportFiles('vscode-prompt', { ids: [saved.id] })).files;
      const edited = { path: file!.path, text: file!.text.replace('Hello', 'Hi') };
      assert.deepEqual(await library.importFiles([edited]), { imported: 0, updated: 1, unchanged: 0, skipped: [] });
      const updated = await library.require(saved.id);
      assert.deepEqual(updated.content, { text: 'Hi ${who:world}', language: 'markdown', format: 'vscode-prompt' });
      assert.deepEqual(
        await library.importFiles([edited]),
        { imported: 0, updated: 0, unchanged: 1, skipped: [] },
        'the same file again: nothing to do',
      );

      const [second] = (await library.exportFiles('vscode-prompt', { ids: [saved.id] })).files;
      await library.update(saved.id, { content: { text: 'Changed in the library' } });
      const report = await library.importFiles([{ path: second!.path, text: second!.text.replace('Hi', 'Hey') }]);
      assert.equal(report.updated, 0);
      assert.match(report.skipped[0]!.reason, /changed in the library after this file was exported/);
      assert.deepEqual((await library.require(saved.id)).content, { text: 'Changed in the library' });
    });

    it('a file that names my resource but not its version is skipped, not written over the resource', async () => {
      const saved = await library.save({ name: 'Kept', resourceType: 'prompt', content: { text: 'original' } });
      const text = `---\nagent-resources-id: ${saved.id}\n---\nsomething else\n`;
      const report = await library.importFiles([{ path: 'kept.prompt.md', text }]);
      assert.deepEqual([report.imported, report.updated], [0, 0]);
      assert.match(report.skipped[0]!.reason, /not the agent-resources-version it was exported at/);
      assert.deepEqual((await library.require(saved.id)).content, { text: 'original' });
    });

    it('a file exported from a resource that is gone, or from someone else, is added as new', async () => {
      const { library: other } = await newLibrary('someone');
      const theirs = await other.save({ name: 'Theirs', resourceType: 'prompt', content: { text: 'x' }, isPublic: true });
      const gone = await library.save({ name: 'Gone', resourceType: 'prompt', content: { text: 'y' } });
      const files = [
        ...(await other.exportFiles('claude-command')).files,
        ...(await library.exportFiles('claude-command', { ids: [gone.id] })).files,
      ].map((f) => ({ path: f.path, text: f.text }));
      await library.delete(gone.id);
      assert.deepEqual(await library.importFiles(files), { imported: 2, updated: 0, unchanged: 0, skipped: [] });
      assert.equal((await other.require(theirs.id)).name, 'Theirs');
      other.dispose();
    });
  });
});
