// The bench's table: figure, median, min, max, n, target, holds?

/** @typedef {{ key: string, label: string, unit: string, median: number | null, min: number | null, max: number | null, n: number, target?: { max: number, text: string }, holds: boolean | null, note?: string }} Figure */

/** @param {number | null} v @param {string} unit */
export function formatValue(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  switch (unit) {
    case 'ms':
      return v < 10 ? `${v.toFixed(2)} ms` : v < 100 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
    case 'x':
      return `${v.toFixed(2)}x`;
    case 'KiB':
      return `${Math.round(v)} KiB`;
    case 'MiB':
      return `${v.toFixed(0)} MiB`;
    case 's':
      return `${v.toFixed(1)} s`;
    default:
      return String(Math.round(v * 100) / 100);
  }
}

/** @param {Figure} f */
const holds = (f) => (f.holds === true ? 'yes' : f.holds === false ? 'NO' : f.median === null && f.target ? '?' : '');

/**
 * @param {Figure[]} figures
 * @returns {string}
 */
export function table(figures) {
  const header = ['figure', 'median', 'min', 'max', 'n', 'target', 'holds?'];
  const rows = figures.map((f) => [
    f.label,
    formatValue(f.median, f.unit),
    f.n > 1 ? formatValue(f.min, f.unit) : '',
    f.n > 1 ? formatValue(f.max, f.unit) : '',
    f.n ? String(f.n) : '',
    f.target?.text ?? '',
    holds(f),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (/** @type {string[]} */ cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const out = [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ];
  const notes = figures.filter((f) => f.note).map((f) => `- ${f.label}: ${f.note}`);
  return [...out, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
