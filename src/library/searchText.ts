import { tagSchema } from '../db/validation';

/** What a search box's text asks for: words to match, and a tag written as `tag:name`. */
export interface ParsedSearch {
  search: string;
  tag: string | undefined;
  /** Why the text cannot be searched, worded for the user (two tags, a tag that is not one). */
  problem?: string;
}

const tagToken = /(?:^|\s)tag:(\S*)/gi;

/** Splits "review tag:python" into the words and the tag; the tag is checked and lower-cased as setTags does. */
export function parseSearchText(text: string): ParsedSearch {
  const tags = [...text.matchAll(tagToken)].map((m) => m[1]!);
  const search = text.replace(tagToken, ' ').replace(/\s+/g, ' ').trim();
  if (tags.length === 0) return { search, tag: undefined };
  if (tags.length > 1) return { search, tag: undefined, problem: 'Search one tag at a time (tag:name once).' };
  const parsed = tagSchema.safeParse(tags[0]);
  if (!parsed.success) return { search, tag: undefined, problem: `The tag ${parsed.error.issues[0]?.message ?? 'is not valid'}.` };
  return { search, tag: parsed.data };
}

/** The search box's text for a filter: the words, then `tag:name`. */
export function searchTextOf(search: string, tag: string | undefined): string {
  return [search, tag ? `tag:${tag}` : ''].filter(Boolean).join(' ');
}
