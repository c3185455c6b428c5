import type { ObservedLayerRun } from '../tensor/ops/recurrent.js';

// ||da<t>/da<t-1>||: how much one recurrent step stretches or shrinks a gradient on its way back.
//
//   dL/da<t-1> = (da<t>/da<t-1>)ᵀ dL/da<t>, so ||dL/da<1>|| <= ||dL/da<T>|| · Π_t ||J_t||.
//
// The Jacobian J_t is built explicitly (float64) from the cell's derivatives at each step, for a
// few sequences of a recorded run (see state-grads.ts), by replaying the layer's forward pass:
//   RNN:  J = diag(g'(pre)) W_hh                       (g' <= 1 for tanh, <= 0.25 for sigmoid)
//   GRU:  J = diag(z) + diag((h-n) z(1-z)) W_hz + diag((1-z)(1-n²)) (diag(r) W_hn + diag(hn r(1-r)) W_hr)
//   LSTM: the state is a = (h, c), J is 2H x 2H; its c -> c block is diag(f): the additive cell
//         path, with no W_hh and no squashing derivative in it.
// Reported per step: the spectral norm (largest singular value, by power iteration on JᵀJ; a
// lower bound that converges from below), the Frobenius norm, and for LSTM ||diag(f)|| = max f.

export interface JacobianNorms {
  /** Mean over the inspected sequences, per time step (step order). */
  spectral: Float64Array;
  frobenius: Float64Array;
  /** LSTM: the spectral norm of the direct cell path dc<t>/dc<t-1> = diag(f), i.e. max_k f_k. */
  cellPath: Float64Array | null;
  sequences: number;
}

export interface JacobianOptions {
  /** How many sequences of the batch to inspect (the first ones); default 4. */
  sequences?: number;
  powerIterations?: number;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * The step Jacobians of sequence b, in step order: J[s] is [S, S] row-major with S = H (RNN,
 * GRU) or 2H (LSTM, state [h; c]); J[s][i*S + j] = d a<s>_i / d a<s-1>_j.
 */
export function stepJacobians(run: ObservedLayerRun, b: number): Float64Array[] {
  const { spec, weights, config } = run;
  const { mode, T, B, I, H } = spec;
  if (weights.wHr) throw new Error('stepJacobians: LSTM with projSize is not supported (the state would be [h (P), c (H)])');
  if (config.lengths) throw new Error('stepJacobians: runs with per-sequence lengths are not supported; record a batch of full-length sequences');
  if (!(b >= 0 && b < B)) throw new Error(`stepJacobians: sequence ${b} is outside the batch 0..${B - 1}`);
  const G = mode === 'rnn' ? 1 : mode === 'lstm' ? 4 : 3;
  const x = run.x.data, wIh = weights.wIh.data, wHh = weights.wHh.data;
  const bIh = weights.bIh?.data, bHh = weights.bHh?.data;
  const S = mode === 'lstm' ? 2 * H : H;
  let h = new Float64Array(H), c = new Float64Array(H);
  if (run.h0) for (let j = 0; j < H; j++) h[j] = run.h0.data[b * H + j];
  if (run.c0) for (let j = 0; j < H; j++) c[j] = run.c0.data[b * H + j];
  const xPart = new Float64Array(G * H), hPart = new Float64Array(G * H);
  const out: Float64Array[] = [];

  for (let s = 0; s < T; s++) {
    const t = config.reverse ? T - 1 - s : s;
    const xo = (t * B + b) * I;
    for (let r = 0; r < G * H; r++) {
      let vx = bIh ? bIh[r] : 0, vh = bHh ? bHh[r] : 0;
      for (let k = 0; k < I; k++) vx += wIh[r * I + k] * x[xo + k];
      for (let k = 0; k < H; k++) vh += wHh[r * H + k] * h[k];
      xPart[r] = vx; hPart[r] = vh;
    }
    const J = new Float64Array(S * S);
    const hNext = new Float64Array(H), cNext = new Float64Array(H);
    if (mode === 'rnn') {
      const slope = config.negativeSlope;
      for (let i = 0; i < H; i++) {
        const pre = xPart[i] + hPart[i];
        let y: number, d: number;
        switch (config.activation) {
          case 'tanh': y = Math.tanh(pre); d = 1 - y * y; break;
          case 'sigmoid': y = sigmoid(pre); d = y * (1 - y); break;
          case 'relu': y = Math.max(0, pre); d = pre > 0 ? 1 : 0; break;
          case 'leaky_relu': y = pre > 0 ? pre : slope * pre; d = pre > 0 ? 1 : slope; break;
          default: y = pre; d = 1;
        }
        hNext[i] = y;
        for (let j = 0; j < H; j++) J[i * S + j] = d * wHh[i * H + j];
      }
    } else if (mode === 'gru') {
      for (let i = 0; i < H; i++) {
        const r = sigmoid(xPart[i] + hPart[i]);
        const z = sigmoid(xPart[H + i] + hPart[H + i]);
        const hn = hPart[2 * H + i];
        const n = Math.tanh(xPart[2 * H + i] + r * hn);
        hNext[i] = (1 - z) * n + z * h[i];
        const dz = (h[i] - n) * z * (1 - z), dn = (1 - z) * (1 - n * n);
        for (let j = 0; j < H; j++) {
          J[i * S + j] = dz * wHh[(H + i) * H + j] + dn * (r * wHh[(2 * H + i) * H + j] + hn * r * (1 - r) * wHh[i * H + j]);
        }
        J[i * S + i] += z;
      }
    } else {
      for (let k = 0; k < H; k++) {
        const ig = sigmoid(xPart[k] + hPart[k]);
        const f = sigmoid(xPart[H + k] + hPart[H + k]);
        const g = Math.tanh(xPart[2 * H + k] + hPart[2 * H + k]);
        const o = sigmoid(xPart[3 * H + k] + hPart[3 * H + k]);
        cNext[k] = f * c[k] + ig * g;
        const tc = Math.tanh(cNext[k]);
        hNext[k] = o * tc;
        const dTanh = o * (1 - tc * tc);
        const cRow = (H + k) * S, hRow = k * S;
        for (let j = 0; j < H; j++) {
          const dcdh = c[k] * f * (1 - f) * wHh[(H + k) * H + j] + g * ig * (1 - ig) * wHh[k * H + j] + ig * (1 - g * g) * wHh[(2 * H + k) * H + j];
          J[cRow + j] = dcdh;
          J[hRow + j] = tc * o * (1 - o) * wHh[(3 * H + k) * H + j] + dTanh * dcdh;
        }
        J[cRow + H + k] = f;
        J[hRow + H + k] = dTanh * f;
      }
    }
    out.push(J);
    h = hNext; c = cNext;
  }
  return out;
}

/** Per-step Jacobian norms averaged over the first few sequences of the run. */
export function jacobianNorms(run: ObservedLayerRun, o: JacobianOptions = {}): JacobianNorms {
  const { T, B, H, mode } = run.spec;
  const n = Math.min(B, o.sequences ?? 4);
  const spectral = new Float64Array(T), frobenius = new Float64Array(T);
  const cellPath = mode === 'lstm' ? new Float64Array(T) : null;
  const S = mode === 'lstm' ? 2 * H : H;
  for (let b = 0; b < n; b++) {
    const Js = stepJacobians(run, b);
    for (let s = 0; s < T; s++) {
      spectral[s] += spectralNorm(Js[s], S, o.powerIterations) / n;
      frobenius[s] += frobeniusNorm(Js[s]) / n;
      if (cellPath) {
        let maxF = 0;
        for (let k = 0; k < H; k++) maxF = Math.max(maxF, Js[s][(H + k) * S + H + k]);
        cellPath[s] += maxF / n;
      }
    }
  }
  return { spectral, frobenius, cellPath, sequences: n };
}

/** Largest singular value of the [S, S] matrix A, by power iteration on AᵀA. */
export function spectralNorm(A: Float64Array, S: number, iterations = 30): number {
  let v = new Float64Array(S);
  // A fixed, non-symmetric start vector: unlikely to be orthogonal to the top singular vector.
  for (let j = 0; j < S; j++) v[j] = 1 + 0.1 * Math.sin(j + 1);
  let sigma = 0;
  const u = new Float64Array(S);
  for (let it = 0; it < iterations; it++) {
    let vn = 0;
    for (let j = 0; j < S; j++) vn += v[j] * v[j];
    vn = Math.sqrt(vn);
    if (vn === 0) return 0;
    for (let j = 0; j < S; j++) v[j] /= vn;
    let un = 0;
    for (let i = 0; i < S; i++) {
      let acc = 0;
      for (let j = 0; j < S; j++) acc += A[i * S + j] * v[j];
      u[i] = acc; un += acc * acc;
    }
    sigma = Math.sqrt(un);
    const next = new Float64Array(S);
    for (let i = 0; i < S; i++) {
      const ui = u[i];
      if (ui !== 0) for (let j = 0; j < S; j++) next[j] += A[i * S + j] * ui;
    }
    v = next;
  }
  return sigma;
}

export function frobeniusNorm(A: Float64Array): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i] * A[i];
  return Math.sqrt(s);
}
