import type { Random } from '../../util/random.js';

export interface SamplingOptions {
  /** Divides the logits; < 1 is more conservative, > 1 more varied. 0 picks the most likely. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = all). */
  topP?: number;
}

/** Draws one token id from a row of logits. */
export function sampleFromLogits(logits: ArrayLike<number>, rng: Random, o: SamplingOptions = {}): number {
  const temperature = o.temperature ?? 1, topK = o.topK ?? 0, topP = o.topP ?? 1;
  const V = logits.length;
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let order = Array.from({ length: V }, (_, i) => i);
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i] > max) max = logits[i];
  const p = new Float64Array(V);
  for (let i = 0; i < V; i++) p[i] = Math.exp((logits[i] - max) / temperature);
  if (topK > 0 || topP < 1) {
    order.sort((a, b) => p[b] - p[a]);
    if (topK > 0) order = order.slice(0, topK);
    if (topP < 1) {
      const total = order.reduce((s, i) => s + p[i], 0);
      let acc = 0, keep = 0;
      while (keep < order.length && acc < topP * total) acc += p[order[keep++]];
      order = order.slice(0, Math.max(1, keep));
    }
  }
  const total = order.reduce((s, i) => s + p[i], 0);
  let u = rng.next() * total;
  for (const i of order) {
    u -= p[i];
    if (u <= 0) return i;
  }
  return order[order.length - 1];
}

export function validateSamplingOptions(o: SamplingOptions): void {
  if (o.temperature !== undefined && !(o.temperature >= 0)) throw new Error(`temperature must be >= 0, got ${o.temperature}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0)) throw new Error(`top-k must be a whole number >= 0, got ${o.topK}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new Error(`top-p must be in (0, 1], got ${o.topP}`);
}
