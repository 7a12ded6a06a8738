// SASLprep (RFC 4013) of a password, as Postgres applies it before SCRAM: the server stores the
// verifier of the prepared password (ALTER ROLE ... PASSWORD, and psql's \password through libpq),
// and postgres.js sends the password as typed. A password that SASLprep changes (a non-ASCII
// space, a soft hyphen, a decomposed ö, full-width letters, a ligature) would be refused.

type Ranges = readonly (readonly [number, number])[];

const inRanges = (cp: number, ranges: Ranges) => ranges.some(([from, to]) => cp >= from && cp <= to);

/** RFC 3454 C.1.2: non-ASCII spaces, mapped to a space. */
const nonAsciiSpaces: Ranges = [
  [0x00a0, 0x00a0],
  [0x1680, 0x1680],
  [0x2000, 0x200b],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];

/** RFC 3454 B.1: commonly mapped to nothing. */
const mappedToNothing: Ranges = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x1806, 0x1806],
  [0x180b, 0x180d],
  [0x200b, 0x200d],
  [0x2060, 0x2060],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
];

/** RFC 3454 C.1.2, C.2.1, C.2.2, C.3 to C.9: characters SASLprep prohibits. */
const prohibited: Ranges = [
  [0x0000, 0x001f],
  [0x007f, 0x00a0],
  [0x0340, 0x0341],
  [0x06dd, 0x06dd],
  [0x070f, 0x070f],
  [0x1680, 0x1680],
  [0x180e, 0x180e],
  [0x2000, 0x200f],
  [0x2028, 0x202f],
  [0x205f, 0x2063],
  [0x206a, 0x206f],
  [0x2ff0, 0x2ffb],
  [0x3000, 0x3000],
  [0xd800, 0xf8ff],
  [0xfdd0, 0xfdef],
  [0xfeff, 0xfeff],
  [0xfff9, 0xffff],
  [0x1d173, 0x1d17a],
  [0xe0001, 0xe0001],
  [0xe0020, 0xe007f],
  [0xf0000, 0x10ffff],
];

/**
 * Code points Unicode 3.2 had not assigned (SASLprep prohibits them): those unassigned today, and
 * the ranges where later versions added emoji, symbols and ideographs (RFC 3454 A.1 there).
 */
const assignedAfterUnicode32: Ranges = [
  [0x2614, 0x2615],
  [0x2618, 0x2618],
  [0x267e, 0x267f],
  [0x268a, 0x2700],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x275f, 0x2760],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27cf],
  [0x2b00, 0x2e7f],
  [0x1d800, 0x1fffd],
  [0x2a6d7, 0x2f7ff],
  [0x2fa1e, 0x2fffd],
  [0x30000, 0xefffd],
];
const unassignedToday = /\p{Cn}/u;

/** RFC 3454 D.1: right-to-left characters (bidi R and AL). */
const rightToLeft: Ranges = [
  [0x05be, 0x05be],
  [0x05c0, 0x05c0],
  [0x05c3, 0x05c3],
  [0x05d0, 0x05ea],
  [0x05f0, 0x05f4],
  [0x061b, 0x061b],
  [0x061f, 0x061f],
  [0x0621, 0x063a],
  [0x0640, 0x064a],
  [0x066d, 0x066f],
  [0x0671, 0x06d5],
  [0x06dd, 0x06dd],
  [0x06e5, 0x06e6],
  [0x06fa, 0x06fe],
  [0x0700, 0x070d],
  [0x0710, 0x0710],
  [0x0712, 0x072c],
  [0x0780, 0x07a5],
  [0x07b1, 0x07b1],
  [0x200f, 0x200f],
  [0xfb1d, 0xfb1d],
  [0xfb1f, 0xfb28],
  [0xfb2a, 0xfb36],
  [0xfb38, 0xfb3c],
  [0xfb3e, 0xfb3e],
  [0xfb40, 0xfb41],
  [0xfb43, 0xfb44],
  [0xfb46, 0xfbb1],
  [0xfbd3, 0xfd3d],
  [0xfd50, 0xfd8f],
  [0xfd92, 0xfdc7],
  [0xfdf0, 0xfdfc],
  [0xfe70, 0xfe74],
  [0xfe76, 0xfefc],
];
/** Left-to-right characters (bidi L), close enough: letters and spacing marks that are not right-to-left. */
const leftToRight = (cp: number) => !inRanges(cp, rightToLeft) && /[\p{L}\p{Mc}]/u.test(String.fromCodePoint(cp));

/** Whether Postgres would refuse to prepare these (already mapped) code points, and so use the password as typed. */
function saslPrepRefuses(points: readonly number[]): boolean {
  if (points.length === 0) return true; // an empty password is never the prepared one
  for (const cp of points) {
    if (inRanges(cp, prohibited) || inRanges(cp, assignedAfterUnicode32) || unassignedToday.test(String.fromCodePoint(cp))) return true;
  }
  if (!points.some((cp) => inRanges(cp, rightToLeft))) return false;
  // Right-to-left text must not mix in left-to-right letters, and must begin and end right-to-left.
  return points.some(leftToRight) || !inRanges(points[0]!, rightToLeft) || !inRanges(points.at(-1)!, rightToLeft);
}

/**
 * The password as Postgres prepares it for SCRAM (src/common/saslprep.c): ASCII stays as typed;
 * otherwise non-ASCII spaces become spaces, B.1 characters are dropped, and the result is NFKC.
 * When Postgres would refuse to prepare it, the password as typed, as Postgres then uses it.
 */
export function saslPrep(password: string): string {
  // eslint-disable-next-line no-control-regex -- every ASCII character, controls included
  if (/^[\u0000-\u007f]*$/.test(password)) return password;
  const mapped: number[] = [];
  for (const c of password) {
    const cp = c.codePointAt(0)!;
    if (inRanges(cp, nonAsciiSpaces)) mapped.push(0x20);
    else if (!inRanges(cp, mappedToNothing)) mapped.push(cp);
  }
  // Postgres checks the mapped characters, before normalising them.
  if (saslPrepRefuses(mapped)) return password;
  return String.fromCodePoint(...mapped).normalize('NFKC');
}
