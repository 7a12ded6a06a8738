// Passwords never reach a message or a log: every text shown or logged passes through here.

/** Removes passwords: the given secrets, and the password part of any connection URL. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Known secrets first, so that the patterns below cannot cut one in half and leave the rest.
  for (const secret of secrets) if (secret && secret.length >= 3) out = out.replace(secretPattern(secret), '***');
  // Up to the last @ of the URL: a password typed with a raw @ in it is still covered whole.
  out = out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)\S*@/gi, '$1***@');
  out = out.replace(/(password["']?\s*[=:]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
  return out;
}

/** A secret as written raw or percent-encoded, wholly or in part, in either case of hex digits (+ for a space). */
function secretPattern(secret: string): RegExp {
  const characters = [...secret].map((ch) => {
    const raw = ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    const encoded = [...Buffer.from(ch, 'utf8')]
      .map(
        (byte) =>
          `%${byte
            .toString(16)
            .padStart(2, '0')
            .replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`)}`,
      )
      .join('');
    return `(?:${raw}|${encoded}${ch === ' ' ? '|\\+' : ''})`;
  });
  return new RegExp(characters.join(''), 'g');
}

/**
 * An error's own message, without what drizzle adds: its "Failed query: ... params: ..." text
 * carries the statement's parameters (share tokens, resource text), so the driver's message is
 * used, and a parameter that Postgres quotes back (a value it could not convert) is masked too.
 */
export function errorMessage(err: unknown): string {
  const params: unknown[] = [];
  let e: unknown = err;
  while (e instanceof Error && e.message.startsWith('Failed query:') && e.cause !== undefined) {
    params.push(...(((e as { params?: unknown[] }).params ?? []) as unknown[]));
    e = e.cause;
  }
  if (!(e instanceof Error)) return String(e);
  if (e.message.startsWith('Failed query:')) return 'The database refused the statement.';
  let message = e.message;
  for (const value of params) if (typeof value === 'string' && value.length > 0) message = message.split(`"${value}"`).join('"***"');
  return message;
}
