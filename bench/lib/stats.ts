// Figures as the bench reports them: samples summarised as median, min and max, and a target.

export interface Target {
  /** Upper bound the median (or the value) must not exceed. */
  max: number;
  text: string;
}

export interface Figure {
  /** Stable key in results.json. */
  key: string;
  label: string;
  unit: 'ms' | 'x' | 'KiB' | 'MiB' | 'count' | 's';
  median: number | null;
  min: number | null;
  max: number | null;
  n: number;
  target?: Target;
  /** true/false against the target; null when there is no target or no measurement. */
  holds: boolean | null;
  note?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function figure(key: string, label: string, unit: Figure['unit'], samples: number[], target?: Target, note?: string): Figure {
  if (samples.length === 0) return notMeasured(key, label, unit, note ?? 'no samples', target);
  const med = median(samples);
  return {
    key,
    label,
    unit,
    median: med,
    min: Math.min(...samples),
    max: Math.max(...samples),
    n: samples.length,
    target,
    holds: target ? med <= target.max : null,
    note,
  };
}

export function notMeasured(key: string, label: string, unit: Figure['unit'], why: string, target?: Target): Figure {
  return { key, label, unit, median: null, min: null, max: null, n: 0, target, holds: null, note: `not measured: ${why}` };
}

export const ms = (max: number): Target => ({ max, text: `<= ${max} ms` });
