import type { CommandContext } from './context';
import { agentFileCommands } from './agentFiles';
import { historyCommands } from './history';
import { ioCommands } from './io';
import { mcpConfigCommands } from './mcpConfig';
import { resourceCommands } from './resources';
import { saveCommands } from './save';
import { shareCommands } from './shares';
import { storageCommands } from './storage';
import { tagCommands } from './tags';
import { teamAdminCommands } from './teamAdmin';
import { viewCommands } from './view';

export type CommandHandler = (ctx: CommandContext, ...args: never[]) => unknown;

/** Every command the extension registers; a test checks this table against package.json. */
export const commandTable = {
  ...saveCommands,
  ...resourceCommands,
  ...shareCommands,
  ...viewCommands,
  ...storageCommands,
  ...teamAdminCommands,
  ...ioCommands,
  ...agentFileCommands,
  ...historyCommands,
  ...tagCommands,
  ...mcpConfigCommands,
} satisfies Record<string, CommandHandler>;

export type CommandTable = typeof commandTable;
