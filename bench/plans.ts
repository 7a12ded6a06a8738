// EXPLAIN (ANALYZE, BUFFERS) of a captured query, printed compactly: one line per plan node with
// the index it uses, the rows it returned and the buffers it touched.
import type { Sql } from 'postgres';

interface PlanNode {
  'Node Type': string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Filter?: string;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Sort Key'?: string[];
  'Sort Method'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Actual Total Time': number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

export interface CompactPlan {
  /** Indented lines, one per node. */
  lines: string[];
  /** Every index the plan reads. */
  indexes: string[];
  planningMs: number;
  executionMs: number;
  sharedHit: number;
  sharedRead: number;
  /** Set when the project sent the query as a prepared statement (filled in by bench/db.ts). */
  prepared?: { genericPlans: number; customPlans: number; genericIndexes?: string[] };
}

export async function explain(sql: Sql, text: string, params: unknown[]): Promise<CompactPlan> {
  const [row] = await sql.unsafe(`explain (analyze, buffers, format json) ${text}`, params as never[], { prepare: false });
  const [top] = (row as unknown as { 'QUERY PLAN': { Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }[] })['QUERY PLAN'];
  const lines: string[] = [];
  const indexes = new Set<string>();
  const walk = (node: PlanNode, depth: number) => {
    if (node['Index Name']) indexes.add(node['Index Name']);
    const parts = [node['Subplan Name'] ? `${node['Subplan Name']}: ` : '', node['Node Type']];
    if (node['Index Name']) parts.push(` using ${node['Index Name']}`);
    else if (node['Relation Name']) parts.push(` on ${node['Relation Name']}`);
    const rows = node['Actual Loops'] > 1 ? `rows=${node['Actual Rows']}×${node['Actual Loops']} loops` : `rows=${node['Actual Rows']}`;
    const details = [rows, `${node['Actual Total Time'].toFixed(2)} ms`];
    const removed = (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
    if (removed) details.push(`removed=${removed}`);
    if (node['Sort Method']) details.push(node['Sort Method']);
    const blocks = (node['Shared Hit Blocks'] ?? 0) + (node['Shared Read Blocks'] ?? 0);
    if (blocks) details.push(`buffers=${blocks}`);
    const cond = node['Index Cond'] ?? node['Recheck Cond'];
    if (cond) details.push(`cond: ${shorten(cond)}`);
    if (node.Filter) details.push(`filter: ${shorten(node.Filter)}`);
    lines.push(`${'  '.repeat(depth)}${parts.join('')} (${details.join(', ')})`);
    for (const child of node.Plans ?? []) walk(child, depth + 1);
  };
  walk(top!.Plan, 0);
  return {
    lines,
    indexes: [...indexes],
    planningMs: top!['Planning Time'],
    executionMs: top!['Execution Time'],
    sharedHit: top!.Plan['Shared Hit Blocks'] ?? 0,
    sharedRead: top!.Plan['Shared Read Blocks'] ?? 0,
  };
}

/** Conditions without the noise: casts and the table prefix go, long ones are cut. */
function shorten(cond: string): string {
  const s = cond
    .replace(/::(text|uuid|timestamp without time zone|character varying|boolean)/g, '')
    .replace(/\bresource\./g, '')
    .replace(/\s+/g, ' ');
  return s.length > 110 ? `${s.slice(0, 107)}...` : s;
}
