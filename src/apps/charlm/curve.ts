import { join } from 'node:path';
import { History } from '../../train/history.js';

/** One point of the learning curve, recorded at each evaluation. */
export interface CurvePoint {
  step: number;
  tokens: number;
  trainLoss: number;
  valLoss: number;
  lr: number;
}

/** The curve's CSV; its JSON twin (learning-curve.json) is written beside it. */
export const CURVE_FILE = 'learning-curve.csv';

export function curveHistory(points: readonly CurvePoint[]): History {
  return new History(points.map((p) => ({ step: p.step, tokens: p.tokens, train_loss: p.trainLoss, val_loss: p.valLoss, lr: p.lr })));
}

/** Rewrites the whole curve atomically, so a resumed run never leaves duplicated or torn rows. */
export function writeCurveFiles(outDir: string, points: readonly CurvePoint[]): void {
  curveHistory(points).write(join(outDir, CURVE_FILE));
}

export function readCurveCsv(text: string, source: string): CurvePoint[] {
  const history = History.fromCSV(text, source);
  const columns = history.columns;
  const expected = ['step', 'tokens', 'train_loss', 'val_loss', 'lr'];
  if (columns.join() !== expected.join()) throw new Error(`${source}: not a character-model learning curve (columns ${columns.join(',')}, expected ${expected.join(',')})`);
  return history.rows.map((r, i) => {
    const p = { step: r.step, tokens: r.tokens!, trainLoss: r.train_loss!, valLoss: r.val_loss!, lr: r.lr! };
    if ([p.tokens, p.valLoss, p.lr].some((x) => x === undefined || Number.isNaN(x))) throw new Error(`${source}: line ${i + 2} lacks tokens, val_loss or lr`);
    return p;
  });
}
