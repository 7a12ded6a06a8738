// package.json's contributions as the UI tests read them: command titles as VS Code shows them
// (from package.nls.json), the menus, and their `when` clauses evaluated against a context.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './workbench';

export interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}

interface Manifest {
  contributes: {
    commands: { command: string; title: string }[];
    menus: Record<string, MenuEntry[]>;
  };
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;

export const commandIds = manifest.contributes.commands.map((c) => c.command);

/** The title VS Code shows for a command (menus show it without the category). */
export function titleOf(command: string): string {
  const declared = manifest.contributes.commands.find((c) => c.command === command);
  if (!declared) throw new Error(`${command} is not declared in package.json`);
  return declared.title.replace(/^%(.+)%$/, (_, key: string) => nls[key] ?? key);
}

export function menu(id: string): MenuEntry[] {
  return manifest.contributes.menus[id] ?? [];
}

export type Context = Record<string, string | boolean | undefined>;

/**
 * Evaluates the `when` clauses package.json uses: `a && b`, `a || b`, `!a`, `key`, `key == value`,
 * `key != value`, `key =~ /regex/flags`, `true`, `false`. Anything else throws, so a clause this
 * cannot read is never taken for true or false silently.
 */
export function when(clause: string | undefined, context: Context): boolean {
  if (!clause) return true;
  return clause.split('||').some((part) => part.split('&&').every((term) => evaluateTerm(term.trim(), context)));
}

function evaluateTerm(term: string, context: Context): boolean {
  if (term === 'true') return true;
  if (term === 'false') return false;
  if (term.startsWith('!')) return !evaluateTerm(term.slice(1).trim(), context);
  const regex = /^([\w.]+)\s*=~\s*\/(.*)\/([a-z]*)$/.exec(term);
  if (regex) return new RegExp(regex[2]!, regex[3]).test(String(context[regex[1]!] ?? ''));
  const equality = /^([\w.]+)\s*(==|!=)\s*(.+)$/.exec(term);
  if (equality) {
    const same = String(context[equality[1]!] ?? '') === equality[3]!.trim();
    return equality[2] === '==' ? same : !same;
  }
  if (/^[\w.]+$/.test(term)) return Boolean(context[term]);
  throw new Error(`cannot evaluate the when clause term "${term}"`);
}

/** The titles of a menu's entries that show in this context: inline ones, or the others. */
export function shownTitles(menuId: string, context: Context, inline: boolean): string[] {
  return menu(menuId)
    .filter((e) => (e.group?.startsWith('inline') ?? false) === inline && when(e.when, context))
    .map((e) => titleOf(e.command));
}
