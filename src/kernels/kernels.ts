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

/** What a forward pass keeps for its backward pass; opaque outside the backend that made it. */
export interface SequenceContext {
  readonly spec: SequenceSpec;
}

export interface Kernels {
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
   * -> out: [T, B, P], hN: [B, P], cN: [B, H] (LSTM). With keepForBackward, returns the context
   * sequenceBackward needs (it holds on to x and the weights: do not change them in between).
   */
  sequenceForward(spec: SequenceSpec, x: Buf, h0: Buf | null, c0: Buf | null, w: SequenceWeights,
    out: Buf, hN: Buf, cN: Buf | null, keepForBackward: boolean): SequenceContext | null;
  /**
   * Backpropagation through time for a sequenceForward: dOut [T, B, P], dhN [B, P], dcN [B, H]
   * are the gradients of its results; adds the input and weight gradients into `grads`.
   */
  sequenceBackward(ctx: SequenceContext, dOut: Buf, dhN: Buf, dcN: Buf | null, grads: SequenceGrads): void;

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
