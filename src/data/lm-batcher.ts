// Windows of a token stream for truncated backpropagation through time. The stream is cut into
// B parallel streams of L = floor((n - 1) / B) steps, exactly as in PyTorch:
//   L = (len(ids) - 1) // B; s = ids[:L*B+1]
//   xs = s[:-1].view(B, L).t(); ys = s[1:].view(B, L).t()      # [L, B]
//   window k: x = xs[k*T:(k+1)*T], y = ys[k*T:(k+1)*T]          # [T, B], time-major
// so stream b continues across windows and the hidden state can be carried from one window to
// the next. Steps past the last whole window (L mod T of them) are not used.

export interface LMWindow {
  /** Inputs [T, B] time-major: x[t * B + b] = ids[b * L + position + t]. */
  x: Int32Array;
  /** Targets [T, B]: the next token of each input. */
  y: Int32Array;
  seqLen: number;
  batchSize: number;
  /** Step of the streams where this window starts, in [0, L - T]. */
  position: number;
  /** Window number within the epoch, in [0, windowsPerEpoch). */
  index: number;
  epoch: number;
  /** The window starts an epoch: begin from a zero hidden state. */
  startsEpoch: boolean;
  /** The epoch ends after this window: the next one starts the streams over. */
  endsEpoch: boolean;
}

/** Where an LMBatcher is, for checkpoints; the sizes guard against resuming on other data. */
export interface LMBatcherState {
  position: number;
  epoch: number;
  batchSize: number;
  seqLen: number;
  tokens: number;
}

export class LMBatcher {
  readonly batchSize: number;
  readonly seqLen: number;
  /** Steps per stream, L = floor((n - 1) / B). */
  readonly streamLength: number;
  readonly windowsPerEpoch: number;
  private readonly ids: Int32Array;
  private position = 0;
  private epoch = 0;

  constructor(ids: Int32Array, options: { batchSize: number; seqLen: number }) {
    const { batchSize: B, seqLen: T } = options;
    if (!(ids instanceof Int32Array)) throw new Error('LMBatcher: ids must be an Int32Array (e.g. from Vocabulary.encode)');
    for (const [name, v] of [['batchSize', B], ['seqLen', T]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`LMBatcher: ${name} must be a positive integer, got ${v}`);
    }
    const needed = B * T + 1;
    if (ids.length < needed) {
      throw new Error(`LMBatcher: the text is too short for one window: batchSize ${B} x seqLen ${T} needs at least ${needed} tokens (B*T + 1), there are ${ids.length}`);
    }
    this.ids = ids;
    this.batchSize = B;
    this.seqLen = T;
    this.streamLength = Math.floor((ids.length - 1) / B);
    this.windowsPerEpoch = Math.floor(this.streamLength / T);
  }

  /** The window at the current position; then advances, wrapping to a new epoch at the end. */
  next(): LMWindow {
    const window = this.windowAt(this.position / this.seqLen);
    this.position += this.seqLen;
    if (this.position + this.seqLen > this.streamLength) {
      this.position = 0;
      this.epoch++;
    }
    return window;
  }

  /** Window `index` of an epoch without moving; e.g. for a validation pass over every window. */
  windowAt(index: number): LMWindow {
    if (!Number.isInteger(index) || index < 0 || index >= this.windowsPerEpoch) {
      throw new Error(`LMBatcher.windowAt: index ${index} is outside 0..${this.windowsPerEpoch - 1}`);
    }
    const { batchSize: B, seqLen: T, streamLength: L, ids } = this;
    const position = index * T;
    const x = new Int32Array(T * B), y = new Int32Array(T * B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const src = b * L + position + t;
        x[t * B + b] = ids[src];
        y[t * B + b] = ids[src + 1];
      }
    }
    return {
      x, y, seqLen: T, batchSize: B, position, index, epoch: this.epoch,
      startsEpoch: index === 0, endsEpoch: index === this.windowsPerEpoch - 1,
    };
  }

  state(): LMBatcherState {
    return { position: this.position, epoch: this.epoch, batchSize: this.batchSize, seqLen: this.seqLen, tokens: this.ids.length };
  }

  setState(state: LMBatcherState): void {
    const mine = this.state();
    for (const key of ['batchSize', 'seqLen', 'tokens'] as const) {
      if (state[key] !== mine[key]) {
        throw new Error(`LMBatcher.setState: the checkpoint has ${key} ${state[key]}, this batcher has ${mine[key]}; resume with the same data and batch settings`);
      }
    }
    const { position, epoch } = state;
    if (!Number.isInteger(position) || position < 0 || position % this.seqLen !== 0 || position / this.seqLen >= this.windowsPerEpoch) {
      throw new Error(`LMBatcher.setState: position ${position} is not a window start (multiples of ${this.seqLen} below ${this.windowsPerEpoch * this.seqLen})`);
    }
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`LMBatcher.setState: epoch must be a non-negative integer, got ${epoch}`);
    this.position = position;
    this.epoch = epoch;
  }
}
