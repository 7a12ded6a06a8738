import type { ResourceType } from '../db/schema';
import { UserFacingError } from '../common/userError';
import { validateContent, type ResourceContent } from '../db/validation';
import { variableNames } from '../library/variables';
import { DocumentSyntaxError, parseJson } from './documentFormat';

// The content a selection becomes for each type. Pure: no VS Code.

export interface SelectionSource {
  language?: string;
  file?: string;
  range?: { startLine: number; endLine: number };
}

/** Throws a message that says what is wrong with the selection for that type, and how to fix it. */
export function contentFromSelection(type: ResourceType, text: string, source: SelectionSource): ResourceContent {
  if (!text.trim()) throw new UserFacingError('The selection is empty: select the text to save first.');
  if (type === 'prompt') {
    return validateContent(type, { text, language: source.language, variables: variableNames(text), source });
  }
  if (type === 'agent_config') {
    let parsed: unknown;
    try {
      parsed = parseJson(text);
    } catch (err) {
      if (err instanceof DocumentSyntaxError) {
        throw new UserFacingError(
          `An agent config must be valid JSON. ${err.message.replace(/ Fix it and save again; your text is kept\.$/, '')} (counting from the start of the selection).`,
        );
      }
      throw err;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UserFacingError('An agent config must be a JSON object ({ ... }), not an array or a single value.');
    }
    const config = 'config' in parsed && Object.keys(parsed).length === 1 ? (parsed as { config: unknown }).config : parsed;
    return validateContent(type, { config, source });
  }
  return validateContent(type, { steps: workflowSteps(text), source });
}

/**
 * A workflow's steps from text: a JSON `{ steps }` or array as is; else numbered or
 * bulleted lines, one step each; else paragraphs.
 */
export function workflowSteps(text: string): { name?: string; text: string }[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      const steps = Array.isArray(parsed) ? parsed : (parsed as { steps?: unknown }).steps;
      if (Array.isArray(steps)) return steps.map((s) => (typeof s === 'string' ? { text: s } : (s as { text: string })));
    } catch {
      // not JSON: read it as text below
    }
  }
  const listItem = /^\s*(?:\d+[.)]|[-*•])\s+(.*)$/;
  const lines = trimmed.split(/\r?\n/);
  if (lines.some((l) => listItem.test(l))) {
    const steps: string[] = [];
    for (const line of lines) {
      const match = listItem.exec(line);
      if (match) steps.push(match[1]!);
      else if (line.trim() && steps.length) steps[steps.length - 1] += `\n${line.trim()}`;
      else if (line.trim()) steps.push(line.trim());
    }
    return steps.map((s) => ({ text: s }));
  }
  return trimmed
    .split(/\r?\n\s*\r?\n/)
    .map((p) => ({ text: p.trim() }))
    .filter((s) => s.text);
}

/** A name to offer: the selection's first non-empty line, shortened. */
export function suggestedName(text: string): string {
  const first =
    text
      .split(/\r?\n/)
      .map((l) => l.replace(/^[\s#>*\-/{["]+/, '').trim())
      .find((l) => l.length > 0) ?? '';
  return [...first].slice(0, 60).join('');
}
