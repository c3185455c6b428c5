// The one interface every compute backend implements (js reference today; wasm and native later).
// All matrices are dense and row-major; a kernel reads its sizes from its arguments and never
// allocates. Buffers may be Float32Array (training) or Float64Array (gradient checks): the js
// reference is generic over both, fast backends may accept only Float32Array.

export type Buf = Float32Array | Float64Array;

/** Elementwise nonlinearities a recurrent cell or a layer can use. */
export type Activation = 'tanh' | 'sigmoid' | 'relu' | 'leaky_relu' | 'identity';

/** Sizes and options of one recurrent layer run in one direction over a whole sequence. */
export interface SequenceSpec {
  mode: 'rnn' | 'lstm' | 'gru';
  T: number; B: number; I: number; H: number;
  /** Size of h: the LSTM projection size, else H. */
  P: number;
  /** RNN only. */
  activation: Activation;
  negativeSlope: number;
  /**
   * rows[s*B + b]: the time-major row (t*B + b) that step s of sequence b reads, or -1 once the
   * sequence has ended (its state is carried, its output is 0). null: step s reads time s.
   */
  rows: Int32Array | null;
  /**
   * Floats from one row of `out` to the next (default P): the directions of a bidirectional
   * layer write their halves of one [T, B, 2P] output in place (out then starts at the half).
   */
  outStride?: number;
}

/** A layer's weights: wIh [G*H, I], wHh [G*H, P], biases [G*H], wHr [P, H] (LSTM projection). */
export interface SequenceWeights {
  wIh: Buf; wHh: Buf; bIh: Buf | null; bHh: Buf | null; wHr: Buf | null;
}

/** Gradient buffers to add into (null: not wanted). Shapes as the corresponding inputs. */
export interface SequenceGrads {
  dx: Buf | null; dh0: Buf | null; dc0: Buf | null;
  dWIh: Buf | null; dWHh: Buf | null; dBIh: Buf | null; dBHh: Buf | null; dWHr: Buf | null;
  /**
   * Diagnostics (src/gradlab): [T, B, P] in time-major rows; row t*B + b receives the total
   * gradient of the loss wrt h at time t of sequence b (from the output at t and from later
   * steps), nothing past a sequence's end. Backends that do not set supportsDhSteps never see it.
   */
  dhSteps?: Buf | null;
}

// Optimiser hyper-parameters (PyTorch 1.13's names in camelCase). Type aliases rather than
// interfaces so that they fit the optimisers' HyperParams record.
export type SgdHyper = { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean };
export type AdagradHyper = { lr: number; lrDecay: number; weightDecay: number; initialAccumulatorValue: number; eps: number };
export type RmspropHyper = { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean };
export type AdamHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean };

/** What a forward pass keeps for its backward pass; opaque outside the backend that made it. */
export interface SequenceContext {
  readonly spec: SequenceSpec;
}

export interface Kernels extends TrainingKernels {
  readonly name: string;
  /** True when sequenceBackward fills SequenceGrads.dhSteps; otherwise such layers run on the js reference. */
  readonly supportsDhSteps?: boolean;

  /** Worker threads this backend may use (backends without threads leave this out). */
  setThreads?(n: number): void;
  /** Threads in use (1 when the backend has no threads). */
  threads?(): number;

  /**
   * One recurrent layer over a whole sequence (see SequenceSpec).
   * x: [T, B, I], h0: [B, P] | null, c0: [B, H] | null (zeros when null)
   * -> out: [T, B, P], hN: [B, P], cN: [B, H] (LSTM). out is null when only the final state is
   * wanted: nothing is written for the steps. With keepForBackward, returns the context
   * sequenceBackward needs (it holds on to x and the weights: do not change them in between).
   */
  sequenceForward(spec: SequenceSpec, x: Buf, h0: Buf | null, c0: Buf | null, w: SequenceWeights,
    out: Buf | null, hN: Buf, cN: Buf | null, keepForBackward: boolean): SequenceContext | null;
  /**
   * Backpropagation through time for a sequenceForward: dOut [T, B, P], dhN [B, P], dcN [B, H]
   * are the gradients of its results; adds the input and weight gradients into `grads`. dOut is
   * null when the output received no gradient (a classifier that reads only hN): zeros, unread.
   * Runs at most once per forward pass (every backend refuses a second call, as PyTorch does).
   */
  sequenceBackward(ctx: SequenceContext, dOut: Buf | null, dhN: Buf, dcN: Buf | null, grads: SequenceGrads): void;

  /**
   * C[M,N] = alpha * op(A)[M,K] · op(B)[K,N] + beta * C.
   * op(A) = A (stored [M,K]) or Aᵀ (stored [K,M]); likewise B: [K,N] or, transposed, [N,K].
   * beta = 0 ignores what C held (even NaN), as BLAS does.
   */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Buf, B: Buf, beta: number, C: Buf): void;

  /** y[r, c] += bias[c] for r < rows. y: [rows, cols], bias: [cols]. */
  addRowVector(rows: number, cols: number, bias: Buf, y: Buf): void;
  /** out[c] += sum_r x[r, c]. x: [rows, cols], out: [cols]. */
  sumRowsInto(rows: number, cols: number, x: Buf, out: Buf): void;

  /**
   * Embedding lookup: out[i, :] = table[ids[i], :] for i < n. table: [V, E], out: [n, E].
   * An id outside 0..V-1 is an error naming its position.
   */
  gatherRows(V: number, E: number, table: Buf, n: number, ids: Int32Array, out: Buf): void;
  /**
   * Embedding gradient: table[ids[i], :] += src[i, :] for i = 0, 1, ..., n-1 in that order
   * (repeated ids add up in order), skipping rows whose id is skipId (-1: none).
   */
  scatterAddRows(V: number, E: number, src: Buf, n: number, ids: Int32Array, skipId: number, table: Buf): void;

  /** y = act(x) elementwise over n values (x and y may alias). */
  activationForward(act: Activation, slope: number, n: number, x: Buf, y: Buf): void;
  /**
   * dx (+)= dy * act'(.) where the derivative is taken from the activation's *output* y
   * (tanh: 1-y², sigmoid: y(1-y), relu / leaky relu: by the sign of y, which needs slope >= 0).
   */
  activationBackward(act: Activation, slope: number, n: number, y: Buf, dy: Buf, dx: Buf,
    accumulate: boolean): void;

  /** y[r,:] = softmax(x[r,:]) (or log-softmax), max-subtracted for stability. x: [rows, cols]. */
  softmaxRows(rows: number, cols: number, x: Buf, y: Buf): void;
  logSoftmaxRows(rows: number, cols: number, x: Buf, y: Buf): void;

  // ---- fused recurrent cells, one time step over a batch of B rows ----
  // xg: the input projection for this step (W_ih·x + biases), hg: the recurrent projection
  // (W_hh·h_prev, plus b_hh for GRU). G = number of gates: RNN 1, LSTM 4 (i,f,g,o), GRU 3 (r,z,n).

  /** h = act(xg + hg). xg, hg, h: [B, H]. */
  rnnCellForward(B: number, H: number, act: Activation, slope: number, xg: Buf, hg: Buf, h: Buf): void;
  /** dPre = dh * act'(h). h, dh, dPre: [B, H]. */
  rnnCellBackward(B: number, H: number, act: Activation, slope: number, h: Buf, dh: Buf, dPre: Buf): void;

  /**
   * LSTM step. xg, hg: [B, 4H] pre-activations in PyTorch order i,f,g,o.
   * gates: out [B, 4H] activated i,f,g,o; c: out [B, H]; h: out [B, H] = o * tanh(c).
   */
  lstmCellForward(B: number, H: number, xg: Buf, hg: Buf, cPrev: Buf, gates: Buf, c: Buf, h: Buf): void;
  /**
   * LSTM step backward. dh: [B,H] total gradient wrt this step's h; dc: [B,H] gradient wrt c
   * from the next step (read), then overwritten with the gradient wrt cPrev.
   * dPre: out [B, 4H], gradient wrt the gate pre-activations.
   */
  lstmCellBackward(B: number, H: number, gates: Buf, cPrev: Buf, c: Buf, dh: Buf, dc: Buf, dPre: Buf): void;

  /**
   * GRU step (PyTorch): r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r * hn),
   * h = (1 - z) * n + z * hPrev. xg: [B,3H] (with b_ih), hg: [B,3H] (with b_hh).
   * gates: out [B, 3H] activated r,z,n; h: out [B, H].
   */
  gruCellForward(B: number, H: number, xg: Buf, hg: Buf, hPrev: Buf, gates: Buf, h: Buf): void;
  /**
   * GRU step backward. dXg: out [B,3H] gradient wrt xg; dHg: out [B,3H] gradient wrt hg;
   * dhPrev: out [B,H], only the direct path z * dh (the path through hg is dHg · W_hh, added by
   * the caller).
   */
  gruCellBackward(B: number, H: number, gates: Buf, hg: Buf, hPrev: Buf, dh: Buf,
    dXg: Buf, dHg: Buf, dhPrev: Buf): void;
}

/** The optimiser updates and the loss: the per-step work of training outside the model. */
export interface TrainingKernels {
  /**
   * n zeros for optimiser state this backend's updates read and write at every step (moments,
   * momentum): a backend that keeps such state in memory of its own returns a view of it, which
   * is an ordinary Float32Array to everyone else. Absent: the optimiser allocates its own.
   */
  stateBuffer?(n: number): Float32Array;
  // ---- optimiser updates: one parameter updated in place from its gradient and its state ----
  // Every buffer has the parameter's length. Each follows PyTorch 1.13's single-tensor update
  // (torch/optim/*.py) line by line; per-step scalars (bias corrections, decayed rates) are
  // computed by the caller in double, so kernels only stream.

  /**
   * SGD: d = g + wd·p; with momentum, buf = d on the first step (initBuffer) and
   * buf = μ·buf + (1 - dampening)·d after; d = nesterov ? d + μ·buf : buf; p -= lr·d.
   * momentumBuf is read only when momentum is not 0.
   */
  sgdUpdate(param: Buf, grad: Buf, momentumBuf: Buf | null, initBuffer: boolean, h: SgdHyper): void;
  /** Adagrad with the step's rate clr = lr / (1 + (t - 1)·lrDecay): sum += d²; p -= clr·d / (√sum + eps). */
  adagradUpdate(param: Buf, grad: Buf, sum: Buf, clr: number, h: AdagradHyper): void;
  /**
   * RMSprop: sq = α·sq + (1 - α)·d²; centered: ga = α·ga + (1 - α)·d, avg = √(sq - ga²), else
   * avg = √sq; avg += eps; with momentum buf = μ·buf + d / avg, p -= lr·buf; else p -= lr·d / avg.
   * gradAvg is read only when centered, momentumBuf only when momentum > 0.
   */
  rmspropUpdate(param: Buf, grad: Buf, squareAvg: Buf, gradAvg: Buf | null, momentumBuf: Buf | null, h: RmspropHyper): void;
  /**
   * Adam (decoupled false: d = g + wd·p) or AdamW (decoupled: p *= 1 - lr·wd, d = g):
   * m = β1·m + (1 - β1)·d; v = β2·v + (1 - β2)·d²; amsgrad: vMax = max(vMax, v), v̂ = vMax, else
   * v̂ = v; p -= stepSize·m / (√v̂ / bias2Sqrt + eps), with stepSize = lr / (1 - β1^t) and
   * bias2Sqrt = √(1 - β2^t) at step t. maxExpAvgSq is read only with amsgrad.
   */
  adamUpdate(param: Buf, grad: Buf, expAvg: Buf, expAvgSq: Buf, maxExpAvgSq: Buf | null, h: AdamHyper,
    decoupled: boolean, stepSize: number, bias2Sqrt: number): void;

  // ---- softmax cross-entropy (src/train/losses/crossEntropy.ts has the formula) ----

  /**
   * Per row i of logits [N, C] with target y = targets[i], mask m (1 when mask is null) and class
   * weights w (1 when weight is null): loss[i] = m((1 - ε)(-w[y] logp[i, y]) + ε / C·(-Σ_c w[c] logp[i, c]))
   * with logp = logSoftmax(logits[i, :]) and ε = labelSmoothing; grad[i, :] (when not null) =
   * d loss[i] / d logits[i, :]. A row whose target is ignoreIndex or whose mask is 0 is skipped:
   * loss 0, gradient row 0. The caller checks that the other targets are in 0..C-1.
   */
  crossEntropyForward(N: number, C: number, logits: Buf, targets: Int32Array, ignoreIndex: number,
    mask: Buf | null, weight: Buf | null, labelSmoothing: number, loss: Buf, grad: Buf | null): void;
  /** dx[i, :] += scale · rowScale[i] · grad[i, :] (rowScale null: 1) for the N rows of C values. */
  crossEntropyBackward(N: number, C: number, grad: Buf, rowScale: Buf | null, scale: number, dx: Buf): void;
}
