import { fmt, gradientSummary } from './detect.js';
import type { ExperimentResult } from './experiment.js';

// The gradient lab's printed results: one table row per experiment, then a few lines per model.

export function runName(r: Pick<ExperimentResult, 'cell' | 'clip'>): string {
  return `${r.cell} ${r.clip === null ? 'no clip' : `clip ${r.clip}`}`;
}

/** Geometric mean of the per-step values: the typical factor per step of a product. */
export function geometricMean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.log(xs[i]);
  return Math.exp(s / xs.length);
}

export function resultsTable(results: readonly ExperimentResult[]): string {
  const header = ['cell', 'clip', 'distance', 'T', 'steps', 'held-out acc', 'held-out loss', '|dL/da<1>|/|dL/da<T>|',
    'mean |J_t|', 'max grad norm', 'diverged'];
  const rows = results.map((r) => [
    r.cell, r.clip === null ? 'none' : String(r.clip), String(r.distance), String(r.length), String(r.stepsDone),
    Number.isNaN(r.heldOutAccuracy) ? 'NaN' : `${(100 * r.heldOutAccuracy).toFixed(1)}%`,
    fmt(r.heldOutLoss), fmt(r.vanishing.ratio), fmt(geometricMean(r.jacobian.spectral)), fmt(r.exploding.maxNorm),
    r.exploding.diverged ? `yes (${r.exploding.nonFinite ? 'NaN/Inf' : 'loss grew'} at step ${r.stepsDone})` : 'no',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((v, c) => (c < 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Per experiment: the vanishing / exploding verdicts and, for LSTM, the cell path. */
export function resultsSummary(results: readonly ExperimentResult[]): string {
  return results.map((r) => {
    let s = gradientSummary(`${runName(r)}, distance ${r.distance}`, r.vanishing, r.exploding);
    if (r.jacobian.cellPath) {
      const f = geometricMean(r.jacobian.cellPath);
      s += `\n  LSTM cell path: mean max forget gate ${fmt(f)} per step; over ${r.length} steps ${fmt(f ** r.length)}`;
    }
    if (r.stoppedBy) s += `\n  training stopped: ${r.stoppedBy}`;
    return s;
  }).join('\n');
}
