// The MCP server over one library: the tools through the SDK's McpServer, the prompts through
// handlers of our own (they live in the database, thousands of them: paged, never registered one by one).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, GetPromptRequestSchema, ListPromptsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { ValidationError } from '../db/errors';
import { userMessage } from '../library/errors';
import type { Library } from '../library/library';
import { argumentValues, isPromptType, promptPage, promptResult, promptVariables, resourceIdOf } from './prompts';
import { runTool, tools, type ToolContext } from './tools';

export interface LibraryServerOptions {
  version: string;
  /** Where the library is, for the client's view of the server ("local library", a team host). */
  label: string;
  context: ToolContext;
}

const instructions =
  "The user's library of saved prompts, workflows and agent configs. Each prompt and workflow is a prompt here (prompts/list); " +
  'search_resources finds any resource, get_resource reads one, use_resource fills its variables, ' +
  'save_resource keeps a prompt or workflow you wrote, fork_resource copies one into the library.';

export function createLibraryServer({ version, label, context }: LibraryServerOptions): McpServer {
  const server = new McpServer(
    { name: 'agent-resources', title: `Agent Resources (${label})`, version },
    { capabilities: { tools: { listChanged: false } }, instructions },
  );
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: tool.annotations,
      },
      (args: Record<string, unknown>) => runTool(tool, args, context),
    );
  }
  servePrompts(server, context);
  return server;
}

function servePrompts(server: McpServer, { library, log }: ToolContext): void {
  server.server.registerCapabilities({ prompts: { listChanged: true } });
  server.server.setRequestHandler(ListPromptsRequestSchema, (request) =>
    promptPage(library, request.params?.cursor).catch((err: unknown) => {
      if (err instanceof ValidationError)
        throw new ProtocolError(ErrorCode.InvalidParams, `Invalid cursor: pass a nextCursor from prompts/list, or none.`);
      throw protocolError(err, log);
    }),
  );
  server.server.setRequestHandler(GetPromptRequestSchema, async ({ params }) => {
    const resource = await readablePrompt(library, params.name).catch((err: unknown) => {
      throw protocolError(err, log);
    });
    const filled = argumentValues(promptVariables(resource), params.arguments, { requireAll: true });
    if ('problem' in filled) throw new ProtocolError(ErrorCode.InvalidParams, `${filled.problem} (prompt ${params.name})`);
    return promptResult(library, resource, filled.values);
  });
}

async function readablePrompt(library: Library, name: string) {
  const id = resourceIdOf(name);
  const resource = id ? await library.get(id) : null;
  if (!resource || !isPromptType(resource.resourceType)) {
    throw new ProtocolError(
      ErrorCode.InvalidParams,
      `No prompt named ${name}: it may have been deleted, or it is not yours. List the prompts again.`,
    );
  }
  return resource;
}

/**
 * A JSON-RPC error the SDK sends as it is: its code, and a message without the "MCP error -32602:"
 * that the SDK's McpError puts in front (the client's McpError adds it once more).
 */
class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A failure of the library (the database unreachable...) as the protocol's internal error, with its message for people. */
function protocolError(err: unknown, log: (line: string) => void): ProtocolError {
  if (err instanceof ProtocolError) return err;
  const message = userMessage(err);
  log(`A request failed: ${message}`);
  return new ProtocolError(ErrorCode.InternalError, message);
}
