// The rules and constants of the data layer that need no zod or drizzle: the view and the editor
// use them at activation, and loading zod and drizzle for them would cost it tens of milliseconds.

export const resourceTypes = ['workflow', 'prompt', 'agent_config'] as const;
export type ResourceType = (typeof resourceTypes)[number];

export const sortOrders = ['updated', 'created', 'name', 'executions'] as const;
export type SortOrder = (typeof sortOrders)[number];

export const limits = {
  nameLength: 255,
  descriptionLength: 10_000,
  /** Serialized JSON size of a resource's content. */
  contentBytes: 1024 * 1024,
  /** Nesting depth of content; far deeper than any real config, shallow enough for every JSON tool. */
  contentDepth: 64,
  searchLength: 255,
  pageSize: 200,
  maxAccesses: 1_000_000,
  expiresInHours: 24 * 366 * 10,
  attachments: 20,
} as const;

// Characters that change how a name looks without being seen: bidi controls (U+202A–U+202E,
// U+2066–U+2069), zero-width and other format characters (Cf: U+200B–U+200F, U+2060–U+2064,
// U+FEFF, U+00AD...), line and paragraph separators, and the blank Hangul fillers. A name made
// with them can pose as another in public browsing and in tab titles.
export const invisibleClass = '\\p{Cf}\\p{Zl}\\p{Zp}\\u115f\\u1160\\u3164\\uffa0';
/** What a display shows as ⟨U+XXXX⟩: the above and the control characters. */
const unseenCharacters = new RegExp(`[\\p{Cc}${invisibleClass}]`, 'gu');
// Emoji sequences are the one place format characters belong: the joiner in 👩‍👩‍👧 and the tags of 🏴 flags.
const emojiSequence =
  /(?<=\p{Extended_Pictographic}(?:\ufe0f|\p{Emoji_Modifier})?)\u200d(?=\p{Extended_Pictographic})|\u{1f3f4}[\u{e0020}-\u{e007e}]+\u{e007f}/gu;
/** U+202E, as people look characters up. */
export function codePointLabel(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Where emoji sequences put format characters that belong there. */
export function emojiSequencePositions(name: string): Set<number> {
  const positions = new Set<number>();
  for (const m of name.matchAll(emojiSequence)) for (let i = m.index; i < m.index + m[0].length; i++) positions.add(i);
  return positions;
}

/**
 * The name with each invisible, bidi or control character shown as ⟨U+202E⟩: rows written by
 * the chat app keep their name, and the tree and tab titles show what is in it.
 */
export function visibleName(name: string): string {
  const allowed = emojiSequencePositions(name);
  return name.replace(unseenCharacters, (c: string, index: number) => (allowed.has(index) ? c : `⟨${codePointLabel(c.codePointAt(0)!)}⟩`));
}
