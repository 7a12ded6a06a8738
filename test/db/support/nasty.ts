import fc from 'fast-check';

/**
 * Pieces of text that break naive code: whitespace of every kind, right-to-left and other
 * format characters, zero-width joiners, combining marks, emoji (surrogate pairs, ZWJ
 * sequences, flags), lone surrogates, C0/C1 controls, NUL, SQL and LIKE metacharacters.
 */
export const nastyPieces = [
  '',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\u000b',
  '\u00a0',
  '\u1680',
  '\u2003',
  '\u3000',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\u200f',
  '\u200e',
  '\u202e',
  '\u202d',
  '\u2066',
  '\u2069',
  '\u061c',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\u0301',
  'e\u0301',
  'a\u0308\u0323',
  '\u0489',
  'ก\u0e31\u0e49',
  '😀',
  '👩\u200d👩\u200d👧',
  '🏳\ufe0f\u200d🌈',
  '🇫🇷',
  '𝔘',
  '\udbff\udfff',
  '\ud83d',
  '\ude00',
  'x\udbff',
  '\udc00y',
  '\u0000',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0080',
  '\u0085',
  '\u009f',
  "'",
  '"',
  ';',
  '--',
  '/*',
  '*/',
  '%',
  '_',
  '\\',
  '\\%',
  '$1',
  '${x}',
  '`',
  '<b>',
  "'); drop table resource; --",
  'a',
  'Z',
  'ß',
  'İ',
  'ﬁ',
  '\ufffd',
  '\uffff',
  '\ufffe',
  'ℌ',
];

const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...nastyPieces) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
);

/** Short text built from nasty pieces. */
export const nastyText = fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(''));

/** Text around a length limit (in code points), padded with whitespace that trimming removes. */
export const aroundLimit = (limit: number) =>
  fc
    .record({
      unit: fc.constantFrom('n', '😀', 'e\u0301', '\u200f', 'ß', '\u0301'),
      count: fc.integer({ min: limit - 3, max: limit + 3 }),
      pad: fc.constantFrom('', ' ', '\n\t', '\u3000', '\ufeff'),
    })
    .map(({ unit, count, pad }) => {
      // `count` code points of `unit` (which may itself be more than one code point).
      const points = [...unit.repeat(count)].slice(0, count).join('');
      return `${pad}${points}${pad}`;
    });

export const codePoints = (s: string) => [...s].length;
export const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- C0 and C1 controls are what this looks for
const control = /[\u0000-\u001f\u007f-\u009f]/;
// Invisible and bidi characters (format, separators, Hangul fillers); emoji ZWJ and tag sequences are fine.
const invisible = /[\p{Cf}\u2028\u2029\u115f\u1160\u3164\uffa0]/u;
const withoutEmojiSequences = (s: string) =>
  s
    .replace(/(\p{Extended_Pictographic}(?:\ufe0f|\p{Emoji_Modifier})?)\u200d(?=\p{Extended_Pictographic})/gu, '$1')
    .replace(/\u{1f3f4}[\u{e0020}-\u{e007e}]+\u{e007f}/gu, '\u{1f3f4}');

/** What the documented rules say about a value: the stored value, or every rule it breaks, in order. */
export type Verdict<T> = { ok: true; value: T } | { ok: false; rules: RegExp[] };

/** The name rules, written out independently of the code under test. */
export function nameVerdict(input: string): Verdict<string> {
  const value = input.trim();
  if (value === '') return { ok: false, rules: [/must not be empty or blank/] };
  const rules: RegExp[] = [];
  if (codePoints(value) > 255) rules.push(/must be at most 255 characters after trimming/);
  if (control.test(value)) rules.push(/must not contain control characters/);
  if (loneSurrogate.test(value)) rules.push(/must not contain unpaired surrogates/);
  if (invisible.test(withoutEmojiSequences(value))) rules.push(/must not contain U\+[0-9A-F]{4,6}\b.*an invisible character.*delete it/);
  return rules.length ? { ok: false, rules } : { ok: true, value };
}

/** The description rules: trimmed, at most 10,000 characters, no NUL, no lone surrogate; blank is null. */
export function descriptionVerdict(input: string | null): Verdict<string | null> {
  if (input === null) return { ok: true, value: null };
  const value = input.trim();
  const rules: RegExp[] = [];
  if (codePoints(value) > 10_000) rules.push(/must be at most 10000 characters/);
  if (value.includes('\u0000')) rules.push(/must not contain NUL characters/);
  if (loneSurrogate.test(value)) rules.push(/must not contain unpaired surrogates/);
  return rules.length ? { ok: false, rules } : { ok: true, value: value === '' ? null : value };
}

/**
 * The JSON rules for content (depth counted from the content itself at 0; an object or
 * array at depth 64 is too deep), for values a few levels deep: recursive on purpose, as
 * an independent oracle. The first problem found in document order is not promised, so
 * this returns every rule broken.
 */
export function jsonProblems(value: unknown, depth = 0, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.add('nul');
    if (loneSurrogate.test(value)) found.add('surrogate');
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) found.add('number');
  } else if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') {
    found.add('type');
  } else if (value !== null && typeof value === 'object') {
    if (depth >= 64) found.add('depth');
    else
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000')) found.add('nul');
        if (loneSurrogate.test(key)) found.add('surrogate');
        jsonProblems(child, depth + 1, found);
      }
  }
  return found;
}

export const jsonRule: Record<string, RegExp> = {
  nul: /must not contain NUL \(\\u0000\) characters/,
  surrogate: /must not contain unpaired surrogates/,
  number: /must be JSON: NaN and Infinity are not JSON numbers/,
  type: /must be JSON: a (bigint|function|symbol) is not a JSON value/,
  depth: /must not be nested deeper than 64 levels/,
};

/** `levels` containers nested inside each other, built without recursion. */
export function nestedObjects(levels: number): unknown {
  let value: unknown = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

export function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

/** Values JSON cannot hold, or that jsonb refuses, mixed into otherwise fine JSON. */
export const notQuiteJson = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, 10n, () => 1, Symbol('s'), 'nul\u0000inside', 'half \ud83d emoji', '\udc00'),
  fc.jsonValue({ maxDepth: 3, stringUnit: fc.constantFrom('a', ' ', '"', '\\', '😀', '\u200f', '\u0000', '\ud800', '\u0301', 'é') }),
);
