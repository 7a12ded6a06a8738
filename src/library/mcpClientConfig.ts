// The deep import is jsonc-parser's ES build: its package main is a UMD bundle whose inner
// require() calls esbuild cannot follow. Loaded on the first merge: the MCP provider needs this
// module at activation, jsonc-parser only when a config file is written.
import type { ParseError } from 'jsonc-parser/lib/esm/main.js';
import { lazy } from '../common/lazy';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- see lazy()
const jsonc = lazy(() => require('jsonc-parser/lib/esm/main.js') as typeof import('jsonc-parser/lib/esm/main.js'));

// The library's MCP server as an entry in the config files other agents read, merged into what is
// there. Never a password: in team mode the entry names environment variables the user sets.
//   Claude Code .mcp.json: `mcpServers`, strict JSON; `${VAR}` and `${VAR:-default}` expand in
//     command, args, env, url and headers.
//   Cursor .cursor/mcp.json: `mcpServers`; `${env:NAME}` (and `${userHome}`, `${workspaceFolder}`).
//   VS Code .vscode/mcp.json: `servers`, each stdio server with `type: "stdio"`; JSON with comments;
//     `${env:NAME}`, `${input:id}` and the predefined variables.

/** The server's name in every file (the key of its entry). */
export const mcpServerName = 'agent-resources';

/** The environment the MCP server (dist/mcp.js) reads; none of it but the URL is secret. */
export const mcpServerEnv = {
  databaseUrl: 'AGENT_RESOURCES_DATABASE_URL',
  userEmail: 'AGENT_RESOURCES_USER_EMAIL',
  tlsMode: 'AGENT_RESOURCES_TLS_MODE',
  caFile: 'AGENT_RESOURCES_CA_FILE',
  passwordCommand: 'AGENT_RESOURCES_PASSWORD_COMMAND',
} as const;

export const mcpClients = ['claude-code', 'cursor', 'vscode'] as const;
export type McpClient = (typeof mcpClients)[number];

interface ClientFormat {
  title: string;
  /** Relative to the workspace folder. */
  file: string;
  serversKey: 'mcpServers' | 'servers';
  /** How the tool's config refers to an environment variable; `optional`: unset is an empty value, not an error. */
  envReference: (name: string, optional: boolean) => string;
  comments: boolean;
  stdioType: boolean;
}

export const clientFormats: Record<McpClient, ClientFormat> = {
  'claude-code': {
    title: 'Claude Code',
    file: '.mcp.json',
    serversKey: 'mcpServers',
    envReference: (name, optional) => `\${${name}${optional ? ':-' : ''}}`,
    comments: false,
    stdioType: false,
  },
  cursor: {
    title: 'Cursor',
    file: '.cursor/mcp.json',
    serversKey: 'mcpServers',
    envReference: (name) => `\${env:${name}}`,
    comments: false,
    stdioType: false,
  },
  vscode: {
    title: 'VS Code',
    file: '.vscode/mcp.json',
    serversKey: 'servers',
    envReference: (name) => `\${env:${name}}`,
    comments: true,
    stdioType: true,
  },
};

export interface McpServerEntry {
  type?: 'stdio';
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** What a team entry may say outright: none of it is secret. */
export interface TeamEntrySettings {
  tlsMode?: string;
  caFile?: string;
}

/**
 * What a team entry takes from the user's environment: the URL (it carries the password; unset, the
 * tool says so rather than the server quietly serving the local library) and the email, which may
 * stay unset (the server then takes `git config user.email`).
 */
export const teamEnvFromUser = { required: [mcpServerEnv.databaseUrl], optional: [mcpServerEnv.userEmail] } as const;

/**
 * The entry that starts the server with `node <serverScript>`: the local library, or in team mode
 * the team database through the environment variables the user sets.
 */
export function mcpServerEntry(client: McpClient, serverScript: string, team?: TeamEntrySettings): McpServerEntry {
  const format = clientFormats[client];
  const entry: McpServerEntry = { ...(format.stdioType ? { type: 'stdio' as const } : {}), command: 'node', args: [serverScript] };
  if (!team) return entry;
  const env: Record<string, string> = {};
  for (const name of teamEnvFromUser.required) env[name] = format.envReference(name, false);
  for (const name of teamEnvFromUser.optional) env[name] = format.envReference(name, true);
  if (team.tlsMode) env[mcpServerEnv.tlsMode] = team.tlsMode;
  if (team.caFile) env[mcpServerEnv.caFile] = team.caFile;
  return { ...entry, env };
}

export type MergeResult = { ok: true; text: string; replaced: boolean } | { ok: false; problem: string };

/**
 * The file's text with our entry set (added, or replacing our earlier one); every other server,
 * key and comment stays as it was. A file that cannot be read as the tool reads it is a problem,
 * never overwritten. `existing` undefined: the file does not exist yet.
 */
export function mergeMcpServer(client: McpClient, existing: string | undefined, entry: McpServerEntry): MergeResult {
  const format = clientFormats[client];
  if (existing === undefined || existing.trim() === '') {
    return { ok: true, text: `${JSON.stringify({ [format.serversKey]: { [mcpServerName]: entry } }, null, 2)}\n`, replaced: false };
  }
  const errors: ParseError[] = [];
  const root: unknown = jsonc().parse(existing, errors, { disallowComments: !format.comments, allowTrailingComma: format.comments });
  if (errors.length > 0) return { ok: false, problem: parseProblem(format, existing, errors[0]!) };
  if (!isObject(root)) return { ok: false, problem: `${format.file} does not hold a JSON object. ${leftAsItIs}` };
  const servers = root[format.serversKey];
  if (servers !== undefined && !isObject(servers)) {
    return { ok: false, problem: `“${format.serversKey}” in ${format.file} is not an object of servers. ${leftAsItIs}` };
  }
  const text = withEntry(existing, format.serversKey, entry);
  return { ok: true, text: text.endsWith('\n') ? text : `${text}\n`, replaced: servers !== undefined && mcpServerName in servers };
}

/**
 * Sets our entry by splicing text in, so every other line stays byte for byte as it was
 * (jsonc-parser's own formatting would re-layout the neighbouring server's line).
 */
function withEntry(text: string, serversKey: string, entry: McpServerEntry): string {
  const layout = layoutOf(text);
  const servers = jsonc().findNodeAtLocation(jsonc().parseTree(text)!, [serversKey]);
  if (!servers)
    return jsonc().applyEdits(
      text,
      jsonc().modify(text, [serversKey], { [mcpServerName]: entry }, { formattingOptions: layout.formatting }),
    );
  const ours = jsonc().findNodeAtLocation(servers, [mcpServerName]);
  if (ours) return splice(text, ours.offset, ours.length, layout.print(entry, indentOfLine(text, ours.offset)));
  const last = servers.children?.at(-1);
  const outer = indentOfLine(text, servers.offset);
  const indent = last ? indentOfLine(text, last.offset) : outer + layout.unit;
  const property = `${JSON.stringify(mcpServerName)}: ${layout.print(entry, indent)}`;
  return last
    ? splice(text, last.offset + last.length, 0, `,${layout.eol}${indent}${property}`)
    : splice(text, servers.offset + 1, 0, `${layout.eol}${indent}${property}${layout.eol}${outer}`);
}

/** The file's indent unit and line ending (two spaces and \n when it shows none), and JSON printed in them. */
function layoutOf(text: string) {
  const unit = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const tabs = unit.startsWith('\t');
  return {
    unit,
    eol,
    formatting: { insertSpaces: !tabs, tabSize: tabs ? 1 : unit.length, eol },
    print: (value: unknown, indent: string) => JSON.stringify(value, null, unit).split('\n').join(`${eol}${indent}`),
  };
}

function indentOfLine(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

function splice(text: string, offset: number, length: number, content: string): string {
  return text.slice(0, offset) + content + text.slice(offset + length);
}

const leftAsItIs = 'It was left as it is: fix it (or move it aside) and run the command again.';

function parseProblem(format: ClientFormat, text: string, error: ParseError): string {
  const before = text.slice(0, error.offset).split('\n');
  const where = `line ${before.length}, column ${before.at(-1)!.length + 1}`;
  const strict = format.comments ? '' : ` (${format.title} reads plain JSON: no comments, no trailing commas)`;
  return `${format.file} is not valid JSON${strict}: ${describeParseError(error)} at ${where}. ${leftAsItIs}`;
}

function describeParseError(error: ParseError): string {
  const code = jsonc().printParseErrorCode(error.error);
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
