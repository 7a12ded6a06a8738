// RFC 4180 CSV: fields separated by commas, records by CRLF (or LF, or CR), a field in double
// quotes may hold commas, line breaks and doubled quotes (""). A leading byte order mark is
// dropped. Pure; no dependency.

/** One record: its fields, the line it starts on (1-based), or why it cannot be read. */
export interface CsvRecord {
  fields: string[];
  line: number;
  error?: string;
}

/**
 * Every record of the text, the header included. A record that breaks the syntax (text after a
 * closing quote, a quote that is never closed) comes back with an error and the parse goes on
 * with the next record, so one bad row costs one row.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const length = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < length) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    let field = '';
    // One record: fields until an unquoted line break or the end of the text.
    for (;;) {
      if (text[i] === '"') {
        const opened = line;
        i++;
        let closed = false;
        while (i < length) {
          const quote = text.indexOf('"', i);
          const chunk = quote === -1 ? text.slice(i) : text.slice(i, quote);
          line += countLineBreaks(chunk);
          field += chunk;
          if (quote === -1) {
            i = length;
            break;
          }
          if (text[quote + 1] === '"') {
            field += '"';
            i = quote + 2;
            continue;
          }
          i = quote + 1;
          closed = true;
          break;
        }
        if (!closed) error ??= `the quoted field that starts on line ${opened} is never closed (a " is missing)`;
        else if (i < length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          error ??= `field ${fields.length + 1} has text after its closing quote (a quote inside a field must be doubled: "")`;
          // Skip to the end of this field, so the next field still lines up.
          while (i < length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        }
      } else {
        let end = i;
        while (end < length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
        field = text.slice(i, end);
        i = end;
      }
      fields.push(field);
      field = '';
      if (i >= length) break;
      const separator = text[i];
      i++;
      if (separator === ',') continue;
      if (separator === '\r' && text[i] === '\n') i++;
      line++;
      break;
    }
    // A blank line is no record (RFC 4180 has none; editors leave them at the end).
    if (fields.length === 1 && fields[0] === '' && !error) continue;
    records.push(error ? { fields, line: start, error } : { fields, line: start });
  }
  return records;
}

function countLineBreaks(s: string): number {
  let count = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 10) count++;
    else if (c === 13 && s.charCodeAt(k + 1) !== 10) count++;
  }
  return count;
}

/** One field as CSV: quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
