import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';

/** One point of the learning curve, recorded at each evaluation. */
export interface CurvePoint {
  step: number;
  tokens: number;
  trainLoss: number;
  valLoss: number;
  lr: number;
}

export const CURVE_FILE = 'learning-curve.csv';

/** Rewrites the whole curve atomically, so a resumed run never leaves duplicated or torn rows. */
export function writeCurveFiles(outDir: string, points: readonly CurvePoint[]): void {
  const rows = points.map((p) => [p.step, p.tokens, fmt(p.trainLoss), fmt(p.valLoss), p.lr].join(','));
  writeFileAtomic(join(outDir, CURVE_FILE), ['step,tokens,train_loss,val_loss,lr', ...rows].join('\n') + '\n');
}

export function readCurveCsv(text: string, source: string): CurvePoint[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0] !== 'step,tokens,train_loss,val_loss,lr') throw new Error(`${source}: not an rnnkit learning curve (unexpected header '${lines[0] ?? ''}')`);
  return lines.slice(1).map((line, i) => {
    const v = line.split(',').map(Number);
    if (v.length !== 5 || v.some((x) => Number.isNaN(x) && x !== v[2])) throw new Error(`${source}: line ${i + 2} is not 5 numbers: '${line}'`);
    return { step: v[0], tokens: v[1], trainLoss: v[2], valLoss: v[3], lr: v[4] };
  });
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(5) : 'NaN';
}
