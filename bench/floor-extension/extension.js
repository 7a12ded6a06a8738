// The bench's floor (bench/lib/views.mjs): the view Agent Resources contributes, with the rows
// its tree shows for the bench's library (type groups, the first page of each, Load more), kept in
// memory; Save as Resource asks the same questions, adds the row and reveals it. Whatever VS Code
// itself spends between a click or an Enter and the pixels is what this costs.
/* global require, module, process -- CommonJS, as the extension host loads it */
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- no bundler: the host's require
const vscode = require('vscode');

// The groups in the real tree's order (src/db/rules.ts resourceTypes); the seed's i % 3 has its own.
const types = ['workflow', 'prompt', 'agent_config'];
const seedTypes = ['prompt', 'workflow', 'agent_config'];
const labels = { prompt: 'Prompts', workflow: 'Workflows', agent_config: 'Agent Configs' };
const names = { prompt: 'prompt', workflow: 'workflow', agent_config: 'agent config' };
const icons = { prompt: 'comment-discussion', workflow: 'list-ordered', agent_config: 'settings-gear' };
const pageSize = 50;
const picks = [
  { type: 'prompt', label: '$(comment-discussion) Prompt', detail: 'Text to insert or copy; {{variables}} are asked for when used.' },
  { type: 'workflow', label: '$(list-ordered) Workflow', detail: 'Steps, one per list item or paragraph (or JSON { "steps": [...] }).' },
  { type: 'agent_config', label: '$(settings-gear) Agent Config', detail: 'A JSON object.' },
];

/** The bench's seed (bench/local.ts hold): 'Local resource i', type by i % 3, every 40th pinned, newest first. */
function seed(count) {
  const rows = { prompt: [], workflow: [], agent_config: [] };
  for (let i = 1; i <= count; i++) {
    const type = seedTypes[i % 3];
    rows[type].push({ id: `own:${i}`, name: `Local resource ${i}`, type, pinned: i % 40 === 0, order: -i });
  }
  for (const list of Object.values(rows)) list.sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.order - a.order);
  return rows;
}

function activate(context) {
  const rows = seed(Number(process.env.AGENT_RESOURCES_FLOOR_ROWS ?? 1000));
  const groups = Object.fromEntries(types.map((type) => [type, { kind: 'group', id: `group:${type}`, type }]));
  const more = Object.fromEntries(types.map((type) => [type, { kind: 'more', id: `more:${type}`, type, parent: groups[type] }]));
  let added = 0;
  const changed = new vscode.EventEmitter();
  const provider = {
    onDidChangeTreeData: changed.event,
    getChildren(node) {
      if (!node) return types.filter((t) => rows[t].length).map((t) => groups[t]);
      if (node.kind !== 'group') return [];
      const list = rows[node.type];
      const shown = list.slice(0, pageSize);
      for (const row of shown) row.parent = node;
      return list.length > shown.length ? [...shown, more[node.type]] : shown;
    },
    getParent: (node) => node.parent,
    getTreeItem(node) {
      if (node.kind === 'group') {
        const item = new vscode.TreeItem(labels[node.type], vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(icons[node.type]);
        return item;
      }
      if (node.kind === 'more') {
        const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        return item;
      }
      const item = new vscode.TreeItem({ label: node.name, highlights: [] }, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.description = '';
      item.iconPath = new vscode.ThemeIcon(icons[node.type], node.pinned ? new vscode.ThemeColor('charts.yellow') : undefined);
      item.accessibilityInformation = { label: `${node.name}, ${names[node.type]}${node.pinned ? ', pinned' : ''}` };
      return item;
    },
  };
  const treeView = vscode.window.createTreeView('agentResources.library', { treeDataProvider: provider, showCollapseAll: true });
  context.subscriptions.push(
    changed,
    treeView,
    vscode.commands.registerCommand('agentResourcesFloor.saveSelection', async () => {
      const type = (await vscode.window.showQuickPick(picks, { placeHolder: 'Save the selection as…' }))?.type;
      if (!type) return undefined;
      const name = await vscode.window.showInputBox({
        title: `Save as ${names[type]}`,
        prompt: 'Name of the resource',
        validateInput: (v) => (v.trim() ? undefined : 'The name must not be empty.'),
      });
      if (name === undefined) return undefined;
      const description = await vscode.window.showInputBox({ title: `Save as ${names[type]}`, prompt: 'Description (optional)' });
      if (description === undefined) return undefined;
      // After the pinned rows, as the newest: where the real tree puts a new resource.
      const list = rows[type];
      const node = { id: `own:new-${++added}`, name: name.trim(), type, pinned: false, order: Date.now(), parent: groups[type] };
      list.splice(
        list.findIndex((r) => !r.pinned),
        0,
        node,
      );
      changed.fire(groups[type]);
      await treeView.reveal(node, { select: true, focus: false, expand: false });
      return { id: node.id };
    }),
  );
}

module.exports = { activate, deactivate() {} };
