import type { Tensor } from '../tensor/tensor.js';

// Exploding and vanishing gradients, as decisions with the numbers behind them.
//   exploding: the global gradient norm of a training step is non-finite or above a threshold,
//              or the loss is non-finite / has grown far beyond where it started;
//   vanishing: ||dL/da<first>|| / ||dL/da<last>|| is below a threshold (the gradient that
//              reaches the start of the sequence is a tiny fraction of what the end receives).

/** The 2-norm of all parameter gradients together (what clipGradNorm clips); 0 without gradients. */
export function globalGradNorm(params: readonly Tensor[]): number {
  let s = 0;
  for (const p of params) {
    const g = p.grad;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  }
  return Math.sqrt(s);
}

export interface ExplodingOptions {
  /** Global gradient norm above which a step counts as exploding; default 1e3. */
  normThreshold?: number;
  /** Loss growth (last over first, smoothed) that counts as divergence; default 3. */
  lossGrowth?: number;
}

export interface ExplodingReport {
  exploded: boolean;
  /** First 1-based training step whose gradient norm was non-finite or above the threshold. */
  firstStep: number | null;
  maxNorm: number;
  nonFinite: boolean;
  /** A gradient or the loss became non-finite, or the loss ended far above where it started. */
  diverged: boolean;
  reason: string;
}

/** Reads a training run's per-step gradient norms and losses (index i = step i + 1). */
export function detectExploding(gradNorms: readonly number[], losses: readonly number[], o: ExplodingOptions = {}): ExplodingReport {
  const threshold = o.normThreshold ?? 1e3, growth = o.lossGrowth ?? 3;
  let firstStep: number | null = null, maxNorm = 0, nonFinite = false;
  gradNorms.forEach((g, i) => {
    const bad = !Number.isFinite(g);
    if (bad) nonFinite = true; else maxNorm = Math.max(maxNorm, g);
    if (firstStep === null && (bad || g > threshold)) firstStep = i + 1;
  });
  const lossNonFinite = losses.some((l) => !Number.isFinite(l));
  // Averages over the first and last tenth smooth out single noisy batches.
  const w = Math.max(1, Math.floor(losses.length / 10));
  const start = mean(losses.slice(0, w)), end = mean(losses.slice(-w));
  const grew = losses.length >= 2 && Number.isFinite(end) && end > growth * start;
  // A non-finite gradient poisons the weights at the next update: training cannot go on.
  const diverged = nonFinite || lossNonFinite || grew;
  const reasons: string[] = [];
  if (nonFinite || lossNonFinite) reasons.push(`non-finite ${nonFinite ? 'gradient' : 'loss'} at step ${firstNonFinite(nonFinite ? gradNorms : losses)}`);
  if (firstStep !== null && !nonFinite) reasons.push(`gradient norm ${fmt(maxNorm)} > ${fmt(threshold)} (first at step ${firstStep})`);
  if (grew) reasons.push(`loss grew from ${fmt(start)} to ${fmt(end)}`);
  return {
    exploded: firstStep !== null || diverged, firstStep, maxNorm, nonFinite: nonFinite || lossNonFinite, diverged,
    reason: reasons.length ? reasons.join('; ') : `max gradient norm ${fmt(maxNorm)} <= ${fmt(threshold)}, loss did not grow`,
  };
}

export interface VanishingReport {
  vanished: boolean;
  /** ||dL/da<first>|| / ||dL/da<last>||. */
  ratio: number;
  /** Orders of magnitude lost across the sequence: -log10(ratio). */
  decades: number;
  reason: string;
}

/**
 * stepNorms: ||dL/da<t>|| in time order. A ratio below `threshold` (default 1e-2) is vanishing;
 * so is a gradient that underflows to 0 at the first step while the last step receives one.
 */
export function detectVanishing(stepNorms: ArrayLike<number>, threshold = 1e-2): VanishingReport {
  const n = stepNorms.length;
  if (n === 0) throw new Error('detectVanishing: no time steps');
  const first = stepNorms[0], last = stepNorms[n - 1];
  const ratio = last === 0 ? (first === 0 ? 1 : Infinity) : first / last;
  const vanished = ratio < threshold;
  return {
    vanished, ratio, decades: -Math.log10(ratio),
    reason: `||dL/da<1>|| / ||dL/da<${n}>|| = ${fmt(first)} / ${fmt(last)} = ${fmt(ratio)} ${vanished ? '<' : '>='} ${fmt(threshold)}`,
  };
}

/** A few readable lines about one model's gradients. */
export function gradientSummary(name: string, v: VanishingReport, e: ExplodingReport): string {
  const lost = v.ratio === 0 ? 'it underflowed to 0' : `${v.decades.toFixed(1)} orders of magnitude lost`;
  const time = v.vanished
    ? `vanishing: the first step gets ${fmt(v.ratio)} of the last step's gradient (${lost})`
    : v.ratio > 1 / 1e-2 ? `growing across time: the first step gets ${fmt(v.ratio)} times the last step's gradient`
    : `no vanishing: the first step gets ${fmt(v.ratio)} of the last step's gradient`;
  const training = e.exploded ? `exploding: ${e.reason}` : `stable: ${e.reason}`;
  return `${name}: ${time}\n${' '.repeat(name.length)}  ${training}`;
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : v.toPrecision(3);
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function firstNonFinite(xs: readonly number[]): number {
  return xs.findIndex((x) => !Number.isFinite(x)) + 1;
}
