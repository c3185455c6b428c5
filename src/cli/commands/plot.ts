import { readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CURVE_FILE, readCurveCsv } from '../../apps/charlm/curve.js';
import { writeFileAtomic } from '../../io/atomic-write.js';

/** Draws a run's learning curve (train and validation loss per step) as SVG; returns its path. */
export async function writeLearningCurvePlot(runDir: string, outFile = join(runDir, 'learning-curve.svg')): Promise<string> {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new Error(`no such run folder: ${runDir}`);
  const csv = join(runDir, CURVE_FILE);
  if (!existsSync(csv)) throw new Error(`${runDir} has no ${CURVE_FILE} yet (it is written at each validation)`);
  const points = readCurveCsv(readFileSync(csv, 'utf8'), csv);
  const outDir = dirname(outFile);
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) throw new Error(`cannot write ${outFile}: ${outDir} is not a folder`);
  // Loaded on first use: Vega takes longer to import than the rest of the command line.
  const { lineChartSvg } = await import('../../plot/line-chart.js');
  const svg = await lineChartSvg([
    { name: 'train loss', points: points.map((p) => ({ x: p.step, y: p.trainLoss })) },
    { name: 'validation loss', points: points.map((p) => ({ x: p.step, y: p.valLoss })) },
  ], { title: `Learning curve (${runDir})`, xLabel: 'step', yLabel: 'cross-entropy (nats/char)' });
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
