import type { ImportEntry } from '../db/transfer';
import { UserFacingError } from '../common/userError';
import { parseCsv } from './csv';

// prompts.chat's library (github.com/f/prompts.chat, prompts.csv): `act,prompt,for_devs,type,contributor`.
// A row becomes a prompt named after `act` whose text is `prompt`; every other column is kept in
// the content under its own name (`for_devs` as a boolean when it is TRUE or FALSE).

const required = ['act', 'prompt'] as const;

/** Whether a CSV's header names the columns of a prompts.chat export. */
export function isPromptsChatCsv(text: string): boolean {
  const header = firstLine(text).toLowerCase();
  const columns = header.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  return required.every((c) => columns.includes(c));
}

/**
 * The rows as entries to import; a row that cannot be read, or does not have the header's
 * number of fields, becomes an entry with its problem (it is skipped with that reason).
 */
export function promptsChatEntries(text: string, file = 'CSV'): ImportEntry[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const columns = header.fields.map((c) => c.trim().toLowerCase());
  const missing = required.filter((c) => !columns.includes(c));
  if (header.error || missing.length) {
    const reason = header.error ?? `its header has no ${missing.join(' or ')} column`;
    throw new UserFacingError(`${file} is not a prompts.chat CSV: ${reason}. Its first line must name the columns act,prompt,… .`);
  }
  const act = columns.indexOf('act');
  const prompt = columns.indexOf('prompt');
  return rows.map((row): ImportEntry => {
    const source = `${file}, line ${row.line}`;
    const name = row.fields[act]?.trim() || `line ${row.line}`;
    if (row.error) return { name, resourceType: 'prompt', content: null, source, problem: row.error };
    if (row.fields.length !== columns.length) {
      const problem = `has ${row.fields.length} fields where the header has ${columns.length} (a comma or quote in a field that is not quoted?)`;
      return { name, resourceType: 'prompt', content: null, source, problem };
    }
    const content: Record<string, unknown> = { text: row.fields[prompt] };
    columns.forEach((column, i) => {
      if (i === act || i === prompt || column === '' || column === 'text') return;
      content[column] = column === 'for_devs' ? booleanOrText(row.fields[i]!) : row.fields[i];
    });
    return { name: row.fields[act], resourceType: 'prompt', content, source };
  });
}

function booleanOrText(value: string): boolean | string {
  const v = value.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : value;
}

function firstLine(text: string): string {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = text.search(/\r|\n/);
  return text.slice(start, end === -1 ? undefined : end);
}
