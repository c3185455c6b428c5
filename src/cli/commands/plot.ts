import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CURVE_FILE } from '../../apps/charlm/curve.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { History } from '../../train/history.js';

/**
 * Draws a run's learning curve (train and validation loss per step) as SVG; returns its path.
 * Reads any rnnkit history: a character model's (train_loss, val_loss) or fit()'s (loss, val_loss).
 */
export async function writeLearningCurvePlot(runDir: string, outFile = join(runDir, 'learning-curve.svg')): Promise<string> {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new Error(`no such run folder: ${runDir}`);
  const csv = join(runDir, CURVE_FILE);
  if (!existsSync(csv)) throw new Error(`${runDir} has no ${CURVE_FILE} yet (it is written at each validation)`);
  const history = History.read(csv);
  const columns = history.columns;
  const trainColumn = columns.includes('train_loss') ? 'train_loss' : 'loss';
  if (!columns.includes(trainColumn) && !columns.includes('val_loss')) throw new Error(`${csv}: no loss columns to draw (it has ${columns.join(', ')})`);
  const series = (name: string, column: string) => ({
    name, points: history.rows.flatMap((r) => (r[column] === undefined ? [] : [{ x: r.step, y: r[column]! }])),
  });
  const outDir = dirname(outFile);
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) throw new Error(`cannot write ${outFile}: ${outDir} is not a folder`);
  // Loaded on first use: Vega takes longer to import than the rest of the command line.
  const { lineChartSvg } = await import('../../plot/line-chart.js');
  const svg = await lineChartSvg([series('train loss', trainColumn), series('validation loss', 'val_loss')].filter((s) => s.points.length > 0), {
    title: `Learning curve (${runDir})`, xLabel: 'step', yLabel: columns.includes('tokens') ? 'cross-entropy (nats/char)' : 'loss',
  });
  writeFileAtomic(outFile, svg);
  return outFile;
}

export function registerPlot(program: Command): void {
  program.command('plot')
    .description('draw the learning curve of a run as an SVG image')
    .argument('<run>', 'run folder written by rnnkit train')
    .option('--out <file>', 'where to write the SVG (default <run>/learning-curve.svg)')
    .action(async (run: string, f: { out?: string }) => {
      process.stdout.write(`${await writeLearningCurvePlot(run, f.out)}\n`);
    });
}
