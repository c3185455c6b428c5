import type { Tensor } from '../tensor/tensor.js';

// Metrics for fit(): classification counts from logits, and running means over many batches.
//   logits: [N, C] (any leading shape flattened to N rows of C classes), targets: [N] class ids

export interface AccuracyCounts {
  correct: number;
  total: number;
}

export interface AccuracyOptions {
  /** Rows whose target is this id (padding) are not counted. */
  ignoreIndex?: number;
  /** [N] weights: rows with 0 are not counted (padded time steps of a tagger). */
  mask?: ArrayLike<number>;
}

/**
 * Counts the rows whose highest logit is the target (ties go to the first class, as torch.argmax).
 * Returns counts, not a ratio, so batches of any size add up: accuracy = Σcorrect / Σtotal.
 */
export function accuracy(logits: Tensor, targets: ArrayLike<number>, options: AccuracyOptions = {}): AccuracyCounts {
  const C = logits.shape.length > 0 ? logits.shape[logits.shape.length - 1] : 0;
  if (C < 1) throw new Error(`accuracy: logits need a class dimension, got shape [${logits.shape.join(', ')}]`);
  const N = logits.size / C;
  if (targets.length !== N) throw new Error(`accuracy: ${targets.length} targets for ${N} rows of logits (logits: [${logits.shape.join(', ')}])`);
  if (options.mask && options.mask.length !== N) throw new Error(`accuracy: mask has ${options.mask.length} values for ${N} rows`);
  const x = logits.data;
  let correct = 0, total = 0;
  for (let n = 0; n < N; n++) {
    const target = targets[n];
    if (target === options.ignoreIndex || (options.mask && options.mask[n] === 0)) continue;
    if (!Number.isInteger(target) || target < 0 || target >= C) throw new Error(`accuracy: target ${target} of row ${n} is not a class in [0, ${C})`);
    let best = 0;
    for (let c = 1; c < C; c++) if (x[n * C + c] > x[n * C + best]) best = c;
    if (best === target) correct++;
    total++;
  }
  return { correct, total };
}

export interface StreamingMeanState {
  sum: number;
  weight: number;
}

/** A weighted running mean: add(batch mean, items) over batches gives the mean over all items. */
export class StreamingMean {
  sum = 0;
  weight = 0;

  add(value: number, weight = 1): void {
    if (!(weight >= 0)) throw new Error(`StreamingMean.add: weight must be >= 0, got ${weight}`);
    this.sum += value * weight;
    this.weight += weight;
  }

  /** NaN before anything was added. */
  get mean(): number {
    return this.weight > 0 ? this.sum / this.weight : NaN;
  }

  reset(): void {
    this.sum = 0;
    this.weight = 0;
  }

  state(): StreamingMeanState {
    return { sum: this.sum, weight: this.weight };
  }

  static from(state: StreamingMeanState): StreamingMean {
    const m = new StreamingMean();
    m.sum = state.sum;
    m.weight = state.weight;
    return m;
  }
}

/** What a batch reports: its mean loss over `items`, and optional counts or per-batch means. */
export interface BatchReport {
  loss: number;
  items: number;
  /** Counts summed over batches; with `total`, they give accuracy = Σcorrect / Σtotal. */
  correct?: number;
  total?: number;
  /** Other per-batch means, averaged like the loss (weighted by items). */
  metrics?: Record<string, number>;
}

export interface MetricAccumulatorState {
  means: Record<string, StreamingMeanState>;
  correct: number;
  total: number;
}

/**
 * Aggregates batch reports into one set of metrics:
 *   loss (item-weighted mean), accuracy (Σcorrect/Σtotal, when counts were given),
 *   perplexity (exp of the mean loss, when asked), and each extra metric's item-weighted mean.
 */
export class MetricAccumulator {
  private means = new Map<string, StreamingMean>();
  private correct = 0;
  private total = 0;
  private counted = false;

  add(r: BatchReport): void {
    this.mean('loss').add(r.loss, r.items);
    for (const [k, v] of Object.entries(r.metrics ?? {})) this.mean(k).add(v, r.items);
    if (r.correct !== undefined || r.total !== undefined) {
      if (r.correct === undefined || r.total === undefined) throw new Error('a batch report gave only one of correct and total; give both (accuracy = correct / total)');
      this.correct += r.correct;
      this.total += r.total;
      this.counted = true;
    }
  }

  isEmpty(): boolean {
    return this.means.size === 0;
  }

  summary(options: { perplexity?: boolean } = {}): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, m] of this.means) out[k] = m.mean;
    if (this.counted) out.accuracy = this.total > 0 ? this.correct / this.total : NaN;
    if (options.perplexity) out.perplexity = Math.exp(out.loss);
    return out;
  }

  reset(): void {
    this.means.clear();
    this.correct = 0;
    this.total = 0;
    this.counted = false;
  }

  state(): MetricAccumulatorState {
    const means: Record<string, StreamingMeanState> = {};
    for (const [k, m] of this.means) means[k] = m.state();
    return { means, correct: this.counted ? this.correct : -1, total: this.counted ? this.total : -1 };
  }

  static from(state: MetricAccumulatorState): MetricAccumulator {
    const a = new MetricAccumulator();
    for (const [k, s] of Object.entries(state.means)) a.means.set(k, StreamingMean.from(s));
    if (state.total >= 0) {
      a.correct = state.correct;
      a.total = state.total;
      a.counted = true;
    }
    return a;
  }

  private mean(name: string): StreamingMean {
    let m = this.means.get(name);
    if (!m) this.means.set(name, (m = new StreamingMean()));
    return m;
  }
}
