import type { ResourceListItem } from '../db/queries';
import type { ResourceShare, ResourceType } from '../db/schema';

// Pure formatting for the tree: tested without VS Code.

export const typeLabels: Record<ResourceType, string> = {
  prompt: 'Prompts',
  workflow: 'Workflows',
  agent_config: 'Agent Configs',
};

export const typeNames: Record<ResourceType, string> = {
  prompt: 'prompt',
  workflow: 'workflow',
  agent_config: 'agent config',
};

export const typeIcons: Record<ResourceType, string> = {
  prompt: 'comment-discussion',
  workflow: 'list-ordered',
  agent_config: 'settings-gear',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "#docs · 2 forks · 5 uses", or the matched part of the description while searching. */
export function resourceDescription(item: ResourceListItem, search: string): string {
  if (search && item.description && !item.name.toLowerCase().includes(search.toLowerCase())) {
    return matchSnippet(item.description, search);
  }
  const parts: string[] = [];
  if (item.tags.length) parts.push(tagList(item.tags));
  if (item.forkCount) parts.push(plural(item.forkCount, 'fork'));
  if (item.executionCount) parts.push(plural(item.executionCount, 'use'));
  if (item.shareCount) parts.push(plural(item.shareCount, 'share'));
  if (item.isPublic) parts.push('public');
  return parts.join(' · ');
}

/** Tags as the tree and the tooltip show them: "#docs #review". */
export function tagList(tags: readonly string[]): string {
  return tags.map((t) => `#${t}`).join(' ');
}

/** The text around the first case-insensitive match, with ellipses where it was cut. */
export function matchSnippet(text: string, term: string, width = 40): string {
  const at = text.toLowerCase().indexOf(term.toLowerCase());
  if (at < 0) return '';
  const start = Math.max(0, at - Math.floor((width - term.length) / 2));
  const end = Math.min(text.length, start + width);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ')}${end < text.length ? '…' : ''}`;
}

/** Where the search term is in the name, for the label's highlight. */
export function nameHighlights(name: string, search: string): [number, number][] {
  if (!search) return [];
  const at = name.toLowerCase().indexOf(search.toLowerCase());
  return at < 0 ? [] : [[at, at + search.length]];
}

/** The token with its middle hidden: enough to tell shares apart, not enough to use one. */
export function maskToken(token: string): string {
  return `${token.slice(0, 4)}••••••••${token.slice(-4)}`;
}

export function shareStatus(share: ResourceShare, now = new Date()): string {
  const parts: string[] = [];
  if (share.expiresAt && share.expiresAt <= now) return 'expired';
  if (share.maxAccesses !== null && share.accessCount >= share.maxAccesses) return 'used up';
  parts.push(share.expiresAt ? `expires ${relativeTime(share.expiresAt, now)}` : 'never expires');
  parts.push(
    share.maxAccesses === null
      ? `${plural(share.accessCount, 'use')}, unlimited`
      : `${share.maxAccesses - share.accessCount} of ${share.maxAccesses} uses left`,
  );
  return parts.join(' · ');
}

export function relativeTime(date: Date, now = new Date()): string {
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] =
    abs < 60
      ? [seconds, 'second']
      : abs < 3600
        ? [seconds / 60, 'minute']
        : abs < 86_400
          ? [seconds / 3600, 'hour']
          : [seconds / 86_400, 'day'];
  return new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(Math.round(value), unit as Intl.RelativeTimeFormatUnit);
}
