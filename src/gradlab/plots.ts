import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Series } from '../plot/line-chart.js';
import type { ExperimentResult } from './experiment.js';
import { runName } from './report.js';

// The gradient lab's figures, as SVG files in the output folder. Log scales drop values <= 0
// (a gradient that underflowed to 0 leaves a gap rather than a wrong point).

const positive = (points: { x: number; y: number }[]) => points.filter((p) => p.y > 0 && Number.isFinite(p.y));

function perStep(values: ArrayLike<number>): { x: number; y: number }[] {
  return Array.from(values, (y, i) => ({ x: i + 1, y }));
}

/** Writes the figures; returns their paths. */
export async function writeGradlabPlots(results: readonly ExperimentResult[], outDir: string): Promise<string[]> {
  // Loaded on first use: Vega takes longer to import than the rest of the command.
  const { lineChartSvg } = await import('../plot/line-chart.js');
  const written: string[] = [];
  const write = async (file: string, series: Series[], o: { title: string; xLabel: string; yLabel: string; logY?: boolean }) => {
    const kept = series.filter((s) => s.points.length > 0);
    if (kept.length === 0) return;
    const path = join(outDir, file);
    writeFileAtomic(path, await lineChartSvg(kept, o));
    written.push(path);
  };
  const longest = Math.max(...results.map((r) => r.distance));
  const atLongest = results.filter((r) => r.distance === longest);
  // Before training the clipping setting has not acted yet: one curve per cell.
  const firstPerCell = atLongest.filter((r, i) => atLongest.findIndex((q) => q.cell === r.cell) === i);
  const task = results[0]?.task ?? '';

  await write('gradient-norm-per-step.svg', firstPerCell.map((r) => ({ name: r.cell, points: positive(perStep(r.stateGradNorms)) })), {
    title: `||dL/da<t>|| at initialisation (${task}, distance ${longest})`, xLabel: 'time step t', yLabel: '||dL/da<t>|| (log scale)', logY: true,
  });
  await write('gradient-norm-per-step-trained.svg', atLongest.map((r) => ({ name: runName(r), points: positive(perStep(r.stateGradNormsTrained ?? [])) })), {
    title: `||dL/da<t>|| after training (${task}, distance ${longest})`, xLabel: 'time step t', yLabel: '||dL/da<t>|| (log scale)', logY: true,
  });
  const jacobianSeries: Series[] = firstPerCell.map((r) => ({ name: r.cell, points: positive(perStep(r.jacobian.spectral)) }));
  for (const r of firstPerCell) if (r.jacobian.cellPath) jacobianSeries.push({ name: `${r.cell} cell path (max f)`, points: positive(perStep(r.jacobian.cellPath)) });
  await write('jacobian-norm-per-step.svg', jacobianSeries, {
    title: `||da<t>/da<t-1>|| (spectral) at initialisation (${task}, distance ${longest})`, xLabel: 'time step t', yLabel: 'spectral norm (log scale)', logY: true,
  });
  const names = [...new Set(results.map(runName))];
  await write('accuracy-vs-distance.svg', names.map((name) => ({
    name, points: results.filter((r) => runName(r) === name).map((r) => ({ x: r.distance, y: 100 * r.heldOutAccuracy })),
  })), { title: `Held-out accuracy vs distance (${task})`, xLabel: 'distance', yLabel: 'accuracy (%)' });
  await write('training-loss.svg', atLongest.map((r) => ({ name: runName(r), points: positive(perStep(r.losses)) })), {
    title: `Training loss (${task}, distance ${longest})`, xLabel: 'training step', yLabel: 'loss (log scale)', logY: true,
  });
  await write('training-gradient-norm.svg', atLongest.map((r) => ({ name: runName(r), points: positive(perStep(r.gradNorms)) })), {
    title: `Global gradient norm before clipping (${task}, distance ${longest})`, xLabel: 'training step', yLabel: 'gradient norm (log scale)', logY: true,
  });
  return written;
}
