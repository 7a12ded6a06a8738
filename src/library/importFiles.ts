import { UserFacingError } from '../common/userError';
import { exportFileEntries, type ImportEntry } from '../db/transfer';
import { userMessage } from './errors';
import { agentFileEntry, agentFormatOf } from './agentImport';
import { isPromptsChatCsv, promptsChatEntries } from './promptsChat';

// Which importer reads a file: chosen by its name, then by its content. Pure.

/** A file to import: its path (relative to the folder picked, or its name) and its text. */
export interface ImportFile {
  path: string;
  text: string;
  /** Why the file was not read (too large): it is reported as skipped, with this reason. */
  problem?: string;
}

/** The largest file Import reads (its whole text is held in memory, then parsed). */
export const importFileBytes = 20 * 1024 * 1024;

/** Why a file of this size is not imported, before anything reads it; undefined when it may be. */
export function importSizeProblem(path: string, bytes: number): string | undefined {
  if (bytes <= importFileBytes) return undefined;
  // Rounded up: a file just over the cap never reads as the cap itself.
  const mb = (n: number) => `${Math.ceil((n / (1024 * 1024)) * 10) / 10} MB`;
  return `${path} is ${mb(bytes)}: Import reads files of at most ${mb(importFileBytes)}. Split it into smaller files (Export Library writes one per library; a CSV can be cut into parts) and import those.`;
}

export type ImportFormat = 'library-json' | 'prompts-chat-csv' | 'agent-file';

/** Whether a folder import takes this file: the agent formats and prompts.chat CSVs (not any JSON). */
export function isImportablePath(path: string): boolean {
  return agentFormatOf(path) !== undefined || path.toLowerCase().endsWith('.csv');
}

/** The format of a file, by its name first and its content second; undefined when none fits. */
export function importFormatOf(file: ImportFile): ImportFormat | undefined {
  if (agentFormatOf(file.path, file.text)) return 'agent-file';
  const name = baseName(file.path).toLowerCase();
  if (name.endsWith('.json')) return 'library-json';
  if (name.endsWith('.csv')) return 'prompts-chat-csv';
  const start = file.text.trimStart();
  if (start.startsWith('{')) return 'library-json';
  if (isPromptsChatCsv(file.text)) return 'prompts-chat-csv';
  return undefined;
}

/** The entries of one file; a file no importer can read is a UserFacingError that says why. */
export function entriesOfFile(file: ImportFile): ImportEntry[] {
  const tooLarge = file.problem ?? importSizeProblem(file.path, Buffer.byteLength(file.text, 'utf8'));
  if (tooLarge) throw new UserFacingError(tooLarge);
  switch (importFormatOf(file)) {
    case 'library-json': {
      let data: unknown;
      try {
        data = JSON.parse(file.text);
      } catch (err) {
        throw new UserFacingError(
          `Could not read ${file.path} as JSON (${(err as Error).message}). Choose a file written by Export Library.`,
        );
      }
      return exportFileEntries(data);
    }
    case 'prompts-chat-csv':
      return promptsChatEntries(file.text, file.path);
    case 'agent-file': {
      const entry = agentFileEntry(file.path, file.text, agentFormatOf(file.path, file.text)!);
      if (entry.exportedFrom) entry.exportedFrom.text = file.text;
      return [entry];
    }
    case undefined:
      throw new UserFacingError(
        `${file.path} is in no format Import knows. Choose a file written by Export Library (.json), a prompts.chat CSV (act,prompt,…), a .prompt.md, .instructions.md, .mdc, SKILL.md, AGENTS.md or a Claude Code command (commands/*.md).`,
      );
  }
}

/**
 * The entries of every file, in order. With one file, a file that cannot be read fails the
 * import; in a folder it is one skipped entry that says why, and the others are imported.
 */
export function entriesOfFiles(files: readonly ImportFile[]): ImportEntry[] {
  if (files.length === 1) return entriesOfFile(files[0]!);
  return files.flatMap((file) => {
    try {
      return entriesOfFile(file);
    } catch (err) {
      return [{ name: file.path, resourceType: undefined, content: undefined, source: file.path, problem: userMessage(err) }];
    }
  });
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** How many entries of these files are marked public: what an import that keeps the flag would publish. */
export function publicEntryCount(files: readonly ImportFile[]): number {
  return entriesOfFiles(files).filter((e) => e.isPublic === true && e.problem === undefined).length;
}
