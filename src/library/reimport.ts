import type { Resource } from '../db/schema';
import type { ImportEntry } from '../db/transfer';
import { renderAgentFile, exportFormats, type ExportFormat } from './agentExport';
import { versionKey, type AgentFileEntry } from './agentImport';

/**
 * Links the entries of files exported from this library to their resources: a file that is what
 * its resource would export now is unchanged; an edited one updates its resource (if that has not
 * changed since the export); a file whose resource is gone, or is someone else's, is added as new.
 */
export async function linkExportedFiles(
  entries: readonly ImportEntry[],
  ownResources: (ids: string[]) => Promise<Resource[]>,
): Promise<ImportEntry[]> {
  const ids = (entries as readonly AgentFileEntry[]).flatMap((e) => (e.exportedFrom ? [e.exportedFrom.id] : []));
  const own = new Map((ids.length ? await ownResources(ids) : []).map((r) => [r.id, r]));
  const linked: ImportEntry[] = [];
  for (const entry of entries as readonly AgentFileEntry[]) {
    const from = entry.exportedFrom;
    if (!from) {
      linked.push(entry);
      continue;
    }
    const resource = own.get(from.id);
    if (!resource) {
      linked.push(entry);
      continue;
    }
    const format = (entry.content as { format?: unknown } | null)?.format;
    const version = from.version ? new Date(from.version) : undefined;
    const knownVersion = version && !Number.isNaN(version.getTime()) ? version : undefined;
    if (from.text !== undefined && isExportFormat(format)) {
      // Rendered at the file's version: a file whose text its resource still gives is unchanged,
      // also when the resource was saved again since (with the same content).
      const asExported = knownVersion ? { ...resource, updatedAt: knownVersion } : resource;
      const rendered = renderAgentFile(asExported, format, slugOfPath(entry.source ?? '', format));
      if (!('skip' in rendered) && sameText(rendered.text, from.text)) {
        linked.push({ ...entry, unchanged: true });
        continue;
      }
    }
    if (!knownVersion) {
      // Without the version it was exported at, an update could overwrite a change made in the library.
      linked.push({ ...entry, problem: `it names resource ${resource.id} but not the ${versionKey} it was exported at: export it again` });
      continue;
    }
    linked.push({
      ...entry,
      // A file name is a slug of the resource's name: only a prompt file's `name` is the name itself.
      update: {
        id: resource.id,
        expectedUpdatedAt: knownVersion,
        keepName: format !== 'vscode-prompt',
      },
    });
  }
  return linked;
}

function isExportFormat(format: unknown): format is ExportFormat {
  return (exportFormats as readonly unknown[]).includes(format);
}

/** The slug a file's path was written from (a skill's folder, else the name before its first dot). */
function slugOfPath(path: string, format: ExportFormat): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  if (format === 'claude-skill') return parts.at(-2) ?? '';
  const file = parts.at(-1) ?? '';
  return file.slice(0, file.indexOf('.') === -1 ? undefined : file.indexOf('.'));
}

/** Equal but for line breaks (git may have turned LF into CRLF) and a byte order mark. */
function sameText(a: string, b: string): boolean {
  const normal = (s: string) => s.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  return normal(a) === normal(b);
}
