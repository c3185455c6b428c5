import type { Activation, Buf } from '../kernels.js';

export function sigmoid(x: number): number {
  // Two branches so that exp never overflows for large |x|.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function activate(act: Activation, slope: number, x: number): number {
  switch (act) {
    case 'tanh': return Math.tanh(x);
    case 'sigmoid': return sigmoid(x);
    case 'relu': return x <= 0 ? 0 : x; // NaN stays NaN, as in PyTorch
    case 'leaky_relu': return x > 0 ? x : slope * x;
    case 'identity': return x;
  }
}

/** The activation's derivative written in terms of its output y. */
export function activationGradFromOutput(act: Activation, slope: number, y: number): number {
  switch (act) {
    case 'tanh': return 1 - y * y;
    case 'sigmoid': return y * (1 - y);
    case 'relu': return y > 0 ? 1 : 0;
    case 'leaky_relu': return y > 0 ? 1 : slope;
    case 'identity': return 1;
  }
}

export function activationForward(act: Activation, slope: number, n: number, x: Buf, y: Buf): void {
  for (let i = 0; i < n; i++) y[i] = activate(act, slope, x[i]);
}

export function activationBackward(act: Activation, slope: number, n: number, y: Buf, dy: Buf,
  dx: Buf, accumulate: boolean): void {
  for (let i = 0; i < n; i++) {
    const g = dy[i] * activationGradFromOutput(act, slope, y[i]);
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

export function addRowVector(rows: number, cols: number, bias: Buf, y: Buf): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) y[o + c] += bias[c];
  }
}

export function sumRowsInto(rows: number, cols: number, x: Buf, out: Buf): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c] += x[o + c];
  }
}

export function softmaxRows(rows: number, cols: number, x: Buf, y: Buf): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (x[o + c] > max) max = x[o + c];
    let sum = 0;
    for (let c = 0; c < cols; c++) { const e = Math.exp(x[o + c] - max); y[o + c] = e; sum += e; }
    const inv = 1 / sum;
    for (let c = 0; c < cols; c++) y[o + c] *= inv;
  }
}

export function logSoftmaxRows(rows: number, cols: number, x: Buf, y: Buf): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (x[o + c] > max) max = x[o + c];
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[o + c] - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < cols; c++) y[o + c] = x[o + c] - lse;
  }
}
