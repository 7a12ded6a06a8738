// A prompt's variables, in every syntax people write them: `{{name}}`, `${name}` and
// `${name:default}` (prompts.chat's, e.g. `${Position:Software Developer}`). One parser for Use,
// the MCP server and the exporters. Pure.

/** A variable as it first appears in a text; `default` is the first default written for it. */
export interface PromptVariable {
  name: string;
  default?: string;
}

// `{{ name }}`: an identifier (the names the chat app writes). `${ name }` / `${ name : default }`:
// letters of any script, digits, spaces, `_ . -` (so `${Target Language:English}` works, while
// code such as `${a + b}` or `${items[0]}` is not a variable); the default runs to the first `}`
// on the same line and is trimmed.
const variablePattern =
  /\{\{\s*([A-Za-z_][\w.-]{0,63})\s*\}\}|\$\{[ \t]*([\p{L}\p{N}_](?:[\p{L}\p{N}_ .-]{0,62}[\p{L}\p{N}_.-])?)[ \t]*(?::([^}\n]*))?\}/gu;

/** Each occurrence of a variable in the text: the name, its default (if written there), where it is. */
export interface VariableOccurrence extends PromptVariable {
  index: number;
  length: number;
  syntax: 'braces' | 'dollar';
}

export function variableOccurrences(text: string): VariableOccurrence[] {
  const found: VariableOccurrence[] = [];
  for (const match of text.matchAll(variablePattern)) {
    const braces = match[1] !== undefined;
    const occurrence: VariableOccurrence = {
      name: braces ? match[1]! : match[2]!,
      index: match.index,
      length: match[0].length,
      syntax: braces ? 'braces' : 'dollar',
    };
    if (match[3] !== undefined) occurrence.default = match[3].trim();
    found.push(occurrence);
  }
  return found;
}

/** The variables in order of first appearance, each with the first default written for it. */
export function parseVariables(text: string): PromptVariable[] {
  const byName = new Map<string, PromptVariable>();
  for (const { name, default: fallback } of variableOccurrences(text)) {
    const known = byName.get(name);
    if (!known) byName.set(name, fallback === undefined ? { name } : { name, default: fallback });
    else if (known.default === undefined && fallback !== undefined) known.default = fallback;
  }
  return [...byName.values()];
}

/** The names only, in order of first appearance (what a prompt's content records). */
export function variableNames(text: string): string[] {
  return parseVariables(text).map((v) => v.name);
}

/**
 * Fills each variable with its value; without one, with the default written there (or the
 * variable's first default); without either, it stays as written. `{{constructor}}` and the like
 * are plain names: only the values' own keys count.
 */
export function fillVariables(text: string, values: Readonly<Record<string, string>>): string {
  return rewriteVariables(text, (occurrence, variable) => {
    if (Object.hasOwn(values, occurrence.name)) return values[occurrence.name]!;
    return occurrence.default ?? variable.default;
  });
}

/**
 * The text with each variable replaced by what `replace` returns for it (undefined keeps it as
 * written). The exporters use it to write a tool's own syntax.
 */
export function rewriteVariables(
  text: string,
  replace: (occurrence: VariableOccurrence, variable: PromptVariable) => string | undefined,
): string {
  const variables = new Map(parseVariables(text).map((v) => [v.name, v]));
  let result = '';
  let position = 0;
  for (const occurrence of variableOccurrences(text)) {
    const replacement = replace(occurrence, variables.get(occurrence.name)!);
    result += text.slice(position, occurrence.index) + (replacement ?? text.slice(occurrence.index, occurrence.index + occurrence.length));
    position = occurrence.index + occurrence.length;
  }
  return result + text.slice(position);
}
