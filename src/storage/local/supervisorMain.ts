// The supervisor's entry point (dist/local-server-supervisor.js), apart from supervisor.ts: a
// bundle that imports supervisor.ts (the extension, the MCP server) must not start one itself.
import { supervise, type SupervisorConfig } from './supervisor';

supervise(JSON.parse(process.argv[2] ?? '{}') as SupervisorConfig).then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`agent-resources supervisor: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
