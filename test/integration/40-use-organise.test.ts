import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { createResource, ensureUser, getResourceById } from '../../src/db/queries';
import type { ImportReport } from '../../src/db/transfer';
import type { Resource } from '../../src/db/schema';
import {
  closeAllEditors,
  editorWithSelection,
  findNode,
  pick,
  resourceLabels,
  session,
  stubPrompts,
  treeRows,
  unique,
  waitFor,
} from './helpers';

describe('use a resource', () => {
  afterEach(closeAllEditors);

  it('asks for a prompt’s {{variables}}, inserts it at the cursor, and counts the use in the tree', async () => {
    const s = await session();
    const prompt = await createResource(s.db, s.userId, {
      name: unique('Translate'),
      resourceType: 'prompt',
      content: { text: 'Translate {{text}} into {{language}}.' },
    });
    await vscode.commands.executeCommand('agentResources.refresh');
    const editor = await editorWithSelection('', 'plaintext');
    const prompts = stubPrompts({ inputBox: ['hello', 'French'], quickPick: [pick('Insert at Cursor')] });
    try {
      const used = await vscode.commands.executeCommand<string>('agentResources.use', await findNode(`own:${prompt.id}`));
      assert.equal(used, 'Translate hello into French.');
    } finally {
      prompts.restore();
    }
    assert.equal(editor.document.getText(), 'Translate hello into French.');
    const stored = await getResourceById(s.db, s.userId, prompt.id);
    assert.equal(stored!.executionCount, 1);
    assert.ok(stored!.lastExecutedAt);
    assert.match((await treeRows()).find((r) => r.label === prompt.name)!.description, /1 use/);
  });

  it('pre-fills ${x:default} with its default, asks ${x} and {{x}} as one variable, and fills the default in scripts', async () => {
    const s = await session();
    const prompt = await createResource(s.db, s.userId, {
      name: unique('Interviewer'),
      resourceType: 'prompt',
      content: { text: 'Interview me for ${Position:Software Developer} at {{company}} (${company}).' },
    });
    await vscode.commands.executeCommand('agentResources.refresh');
    // Without an editor: Copy to Clipboard is asked only where Send to Chat is offered too.
    const chat = (await vscode.commands.getCommands(true)).includes('workbench.action.chat.open');
    const prompts = stubPrompts({ inputBox: ['Software Developer', 'ACME'], quickPick: chat ? [pick('Copy to Clipboard')] : [] });
    try {
      const used = await vscode.commands.executeCommand<string>('agentResources.use', await findNode(`own:${prompt.id}`));
      assert.equal(used, 'Interview me for Software Developer at ACME (ACME).');
      assert.deepEqual(
        prompts.inputBoxes.map((box) => box.value),
        ['Software Developer', undefined],
        'the default is in the box',
      );
    } finally {
      prompts.restore();
    }
    assert.equal(await vscode.env.clipboard.readText(), 'Interview me for Software Developer at ACME (ACME).', 'no editor: copied');
    const scripted = await vscode.commands.executeCommand<string>('agentResources.use', prompt.id, {
      variables: { company: 'Initech' },
      target: 'clipboard',
    });
    assert.equal(scripted, 'Interview me for Software Developer at Initech (Initech).');
  });

  it('Send to Chat falls back to the clipboard, and says so, where VS Code has no chat', async () => {
    const s = await session();
    const prompt = await createResource(s.db, s.userId, {
      name: unique('Chat'),
      resourceType: 'prompt',
      content: { text: 'Ask ${what:why}' },
    });
    const commands = vscode.commands as unknown as { executeCommand: (id: string, ...args: unknown[]) => Thenable<unknown> };
    const executeCommand = vscode.commands.executeCommand;
    const asked: unknown[] = [];
    commands.executeCommand = (id: string, ...args: unknown[]) => {
      if (id !== 'workbench.action.chat.open') return executeCommand(id, ...args);
      asked.push(args[0]);
      return Promise.reject(new Error("command 'workbench.action.chat.open' not found"));
    };
    const prompts = stubPrompts();
    let used: string | undefined;
    try {
      used = await executeCommand<string>('agentResources.use', prompt.id, { target: 'chat' });
    } finally {
      commands.executeCommand = executeCommand;
      prompts.restore();
    }
    assert.equal(used, 'Ask why');
    assert.deepEqual(asked, [{ query: 'Ask why', isPartialQuery: true }], 'the chat was asked first, with the text in its input');
    assert.equal(await vscode.env.clipboard.readText(), 'Ask why');
    assert.deepEqual(
      prompts.messages.map((m) => m.text),
      ['Chat is not available here: copied to the clipboard instead.'],
    );
  });

  it('copies to the clipboard programmatically with the variables given, and uses one workflow step', async () => {
    const s = await session();
    const prompt = await createResource(s.db, s.userId, {
      name: unique('Ask'),
      resourceType: 'prompt',
      content: { text: 'Explain {{thing}}' },
    });
    const text = await vscode.commands.executeCommand<string>('agentResources.use', prompt.id, {
      variables: { thing: 'monads' },
      target: 'clipboard',
    });
    assert.equal(text, 'Explain monads');
    assert.equal(await vscode.env.clipboard.readText(), 'Explain monads');
    const flow = await createResource(s.db, s.userId, {
      name: unique('Flow'),
      resourceType: 'workflow',
      content: { steps: [{ text: 'one' }, { text: 'two' }] },
    });
    assert.equal(await vscode.commands.executeCommand<string>('agentResources.use', flow.id, { step: 1, target: 'clipboard' }), 'two');
    assert.equal(await vscode.env.clipboard.readText(), 'two');
  });
});

describe('find and organise', () => {
  const tag = unique('org').replace(/\s/g, '');
  let a: Resource;
  let b: Resource;

  before(async () => {
    const s = await session();
    a = await createResource(s.db, s.userId, {
      name: `${tag} alpha 100%`,
      description: 'first',
      resourceType: 'prompt',
      content: { text: 'a' },
    });
    b = await createResource(s.db, s.userId, {
      name: `${tag} beta`,
      description: 'second_one',
      resourceType: 'workflow',
      content: { steps: [{ text: 'b' }] },
    });
  });
  afterEach(async () => {
    await vscode.commands.executeCommand('agentResources.clearSearch');
  });

  it('searches on the server, shows the filter, and clears it', async () => {
    await vscode.commands.executeCommand('agentResources.search', { text: `${tag} alpha 100%` });
    assert.deepEqual(await resourceLabels(), [a.name]);
    const { treeView } = await (await import('./helpers')).api();
    assert.match(treeView.description ?? '', new RegExp(tag));
    await vscode.commands.executeCommand('agentResources.search', { text: 'second_' });
    assert.ok((await resourceLabels()).includes(b.name), 'matches the description; _ is literal');
    await vscode.commands.executeCommand('agentResources.clearSearch');
    assert.equal(treeView.description, undefined);
    assert.ok((await resourceLabels()).length >= 2);
  });

  it('filters by type, sorts, and shows a flat list when grouping is off', async () => {
    await vscode.commands.executeCommand('agentResources.search', { text: tag });
    assert.deepEqual(
      (await treeRows()).filter((r) => r.depth === 0).map((r) => r.label),
      ['Workflows', 'Prompts'],
      'grouped by type',
    );
    await vscode.commands.executeCommand('agentResources.filterByType', { type: 'workflow' });
    assert.deepEqual(await resourceLabels(), [b.name]);
    await vscode.commands.executeCommand('agentResources.filterByType', { type: 'all' });
    await vscode.commands.executeCommand('agentResources.toggleGrouping');
    await vscode.commands.executeCommand('agentResources.sortBy', { order: 'name' });
    try {
      const rows = await treeRows();
      assert.ok(
        rows.every((r) => r.depth === 0 && r.contextValue.startsWith('resource.')),
        'flat: no group rows',
      );
      assert.deepEqual(
        rows.map((r) => r.label),
        [a.name, b.name],
        'by name',
      );
    } finally {
      await vscode.commands.executeCommand('agentResources.toggleGrouping');
      await vscode.commands.executeCommand('agentResources.sortBy', { order: 'updated' });
    }
  });

  it('pins to the top, unpins, renames, toggles public, and deletes after a modal confirmation', async () => {
    await vscode.commands.executeCommand('agentResources.search', { text: tag });
    await vscode.commands.executeCommand('agentResources.toggleGrouping');
    try {
      assert.deepEqual(await resourceLabels(), [b.name, a.name], 'most recently updated first');
      await vscode.commands.executeCommand('agentResources.pin', a.id);
      assert.deepEqual(await resourceLabels(), [a.name, b.name], 'pinned first');
      assert.match((await treeRows())[0]!.contextValue, /\.pinned\./);
      await vscode.commands.executeCommand('agentResources.unpin', a.id);
      assert.deepEqual(await resourceLabels(), [b.name, a.name]);
      await vscode.commands.executeCommand('agentResources.rename', b.id, { name: `${tag} gamma` });
      assert.ok((await resourceLabels()).includes(`${tag} gamma`));
      assert.equal(await vscode.commands.executeCommand('agentResources.togglePublic', b.id), true);
      assert.match((await treeRows()).find((r) => r.label === `${tag} gamma`)!.contextValue, /\.public\./);
      const cancel = stubPrompts({ warning: [undefined] });
      try {
        await vscode.commands.executeCommand('agentResources.delete', await findNode(`own:${a.id}`));
        assert.equal(cancel.messages[0]!.text, `Delete “${a.name}”?`);
      } finally {
        cancel.restore();
      }
      assert.ok((await resourceLabels()).includes(a.name), 'cancelled: still there');
      const confirm = stubPrompts({ warning: ['Delete'] });
      try {
        await vscode.commands.executeCommand('agentResources.delete', await findNode(`own:${a.id}`));
      } finally {
        confirm.restore();
      }
      assert.ok(!(await resourceLabels()).includes(a.name));
    } finally {
      await vscode.commands.executeCommand('agentResources.toggleGrouping');
    }
  });

  it('loads a large library one page at a time with a "Load more" row', async () => {
    const s = await session();
    const many = `${tag} many`;
    for (let i = 0; i < 25; i++)
      await createResource(s.db, s.userId, {
        name: `${many} ${String(i).padStart(2, '0')}`,
        resourceType: 'prompt',
        content: { text: String(i) },
      });
    const config = vscode.workspace.getConfiguration('agentResources');
    await config.update('view.pageSize', 10, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('agentResources.toggleGrouping');
    try {
      await vscode.commands.executeCommand('agentResources.search', { text: many });
      let rows = await treeRows();
      assert.equal(rows.filter((r) => r.contextValue.startsWith('resource.')).length, 10);
      assert.equal(rows[rows.length - 1]!.label, 'Load more…');
      await vscode.commands.executeCommand('agentResources.loadMore', 'all');
      assert.equal((await resourceLabels()).length, 20);
      await vscode.commands.executeCommand('agentResources.loadMore', 'all');
      rows = await treeRows();
      const labels = rows.map((r) => r.label);
      const expected = Array.from({ length: 25 }, (_, i) => `${many} ${String(i).padStart(2, '0')}`);
      assert.deepEqual([...labels].sort(), expected, 'every resource once: all 25, none twice, no "Load more…" left');
    } finally {
      await config.update('view.pageSize', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('agentResources.toggleGrouping');
    }
  });

  it('browses other users’ public resources, read-only', async () => {
    const s = await session();
    const other = await ensureUser(s.db, `${tag}-public@example.com`);
    const theirs = await createResource(s.db, other.id, {
      name: `${tag} shared wisdom`,
      resourceType: 'prompt',
      content: { text: 'w' },
      isPublic: true,
    });
    await createResource(s.db, other.id, { name: `${tag} their secret`, resourceType: 'prompt', content: { text: 's' } });
    await vscode.commands.executeCommand('agentResources.browsePublic');
    await vscode.commands.executeCommand('agentResources.search', { text: tag });
    const rows = (await treeRows()).filter((r) => r.contextValue.startsWith('resource.'));
    assert.deepEqual(
      rows.map((r) => r.label),
      [theirs.name],
    );
    assert.match(rows[0]!.contextValue, /\.foreign$/);
    // Read-only: it opens, an edit leaves its text as it is, and nothing can be saved.
    const uri = await vscode.commands.executeCommand<vscode.Uri>('agentResources.open', theirs.id);
    const editor = await waitFor('its editor', () =>
      vscode.window.activeTextEditor?.document.uri.toString() === uri.toString() ? vscode.window.activeTextEditor : undefined,
    );
    assert.equal(editor.document.getText(), 'w');
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'mine '));
    assert.deepEqual([editor.document.getText(), editor.document.isDirty], ['w', false], 'the document took no edit');
    assert.equal(await editor.document.save(), false, 'nothing to save');
    assert.deepEqual((await getResourceById(s.db, other.id, theirs.id))!.content, { text: 'w' });
    await closeAllEditors();
  });

  it('imports a prompts.chat CSV through importLibrary { uri }, skipping a bad row, and Use fills its ${x:default}', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-resources-csv-'));
    const file = join(dir, 'prompts.csv');
    writeFileSync(
      file,
      [
        '\uFEFFact,prompt,for_devs,type,contributor',
        `"${tag} Interviewer","Interview me for the \${Position:Software Developer} position, ""one"" question at a time.",FALSE,TEXT,f`,
        `${tag} broken,"unclosed"x,FALSE,TEXT,f`,
      ].join('\r\n'),
    );
    const prompts = stubPrompts();
    let report: ImportReport;
    try {
      report = await vscode.commands.executeCommand<ImportReport>('agentResources.importLibrary', { uri: vscode.Uri.file(file) });
    } finally {
      prompts.restore();
    }
    assert.equal(report.imported, 1);
    assert.deepEqual(
      report.skipped.map((s) => s.source),
      ['prompts.csv, line 3'],
    );
    assert.match(prompts.messages[0]!.text, /Imported 1 resources, skipped 1 invalid/);
    await vscode.commands.executeCommand('agentResources.search', { text: `${tag} Interviewer` });
    assert.deepEqual(await resourceLabels(), [`${tag} Interviewer`]);
    const s = await session();
    const [imported] = (await s.client
      .sql`select id from resource where user_id = ${s.userId} and name = ${`${tag} Interviewer`}`) as unknown as [{ id: string }];
    const used = await vscode.commands.executeCommand<string>('agentResources.use', imported.id, { target: 'clipboard' });
    assert.equal(used, 'Interview me for the Software Developer position, "one" question at a time.');
  });

  it('exports and imports the library as JSON, reporting invalid entries and never duplicating', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-resources-io-'));
    const exported = await vscode.commands.executeCommand<{ exported: number }>('agentResources.exportLibrary', {
      uri: vscode.Uri.file(join(dir, 'lib.json')),
    });
    // The file holds what it says: every resource of the user, b among them with its content.
    const written = JSON.parse(readFileSync(join(dir, 'lib.json'), 'utf8')) as {
      format: string;
      resources: { name: string; resourceType: string; content: unknown }[];
    };
    assert.equal(written.format, 'agent-resources-library');
    const s = await session();
    const names = await s.client.sql<{ name: string }[]>`select name from resource where user_id = ${s.userId} order by created_at, id`;
    assert.equal(exported.exported, names.length);
    assert.deepEqual(
      written.resources.map((r) => r.name),
      names.map((r) => r.name),
    );
    const [current] = await s.client.sql<{ name: string }[]>`select name from resource where id = ${b.id}`;
    const entry = written.resources.find((r) => r.name === current!.name);
    assert.deepEqual([entry?.resourceType, entry?.content], ['workflow', { steps: [{ text: 'b' }] }]);
    const file = join(dir, 'import.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'agent-resources-library',
        version: 1,
        resources: [
          { name: `${tag} imported`, resourceType: 'prompt', content: { text: 'imported text' } },
          { name: '   ', resourceType: 'prompt', content: { text: 'x' } },
          { name: `${tag} bad type`, resourceType: 'spell', content: {} },
        ],
      }),
    );
    const prompts = stubPrompts();
    try {
      const first = await vscode.commands.executeCommand<ImportReport>('agentResources.importLibrary', { uri: vscode.Uri.file(file) });
      assert.equal(first.imported, 1);
      assert.deepEqual(
        first.skipped.map((x) => x.index),
        [1, 2],
      );
      assert.match(first.skipped[0]!.reason, /name/);
      const second = await vscode.commands.executeCommand<ImportReport>('agentResources.importLibrary', { uri: vscode.Uri.file(file) });
      assert.equal(second.imported, 0);
      assert.equal(second.unchanged, 1);
    } finally {
      prompts.restore();
    }
    await vscode.commands.executeCommand('agentResources.search', { text: `${tag} imported` });
    assert.deepEqual(await resourceLabels(), [`${tag} imported`]);
  });
});
