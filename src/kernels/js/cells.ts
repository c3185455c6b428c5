import type { Activation, Buf } from '../kernels.js';
import { activate, activationGradFromOutput, sigmoid } from './elementwise.js';

// Fused per-step cell kernels: one pass over the batch computes every gate and the new state.
// Shapes are given in ../kernels.ts; gate blocks are laid out [B, G*H] in PyTorch order.

export function rnnCellForward(B: number, H: number, act: Activation, slope: number,
  xg: Buf, hg: Buf, h: Buf): void {
  const n = B * H;
  for (let i = 0; i < n; i++) h[i] = activate(act, slope, xg[i] + hg[i]);
}

export function rnnCellBackward(B: number, H: number, act: Activation, slope: number,
  h: Buf, dh: Buf, dPre: Buf): void {
  const n = B * H;
  for (let i = 0; i < n; i++) dPre[i] = dh[i] * activationGradFromOutput(act, slope, h[i]);
}

export function lstmCellForward(B: number, H: number, xg: Buf, hg: Buf, cPrev: Buf,
  gates: Buf, c: Buf, h: Buf): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const g0 = b * G, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const gi = sigmoid(xg[g0 + j] + hg[g0 + j]);
      const gf = sigmoid(xg[g0 + H + j] + hg[g0 + H + j]);
      const gg = Math.tanh(xg[g0 + 2 * H + j] + hg[g0 + 2 * H + j]);
      const go = sigmoid(xg[g0 + 3 * H + j] + hg[g0 + 3 * H + j]);
      gates[g0 + j] = gi; gates[g0 + H + j] = gf; gates[g0 + 2 * H + j] = gg; gates[g0 + 3 * H + j] = go;
      const cv = gf * cPrev[s0 + j] + gi * gg;
      c[s0 + j] = cv;
      h[s0 + j] = go * Math.tanh(cv);
    }
  }
}

export function lstmCellBackward(B: number, H: number, gates: Buf, cPrev: Buf, c: Buf,
  dh: Buf, dc: Buf, dPre: Buf): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const g0 = b * G, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const gi = gates[g0 + j], gf = gates[g0 + H + j], gg = gates[g0 + 2 * H + j], go = gates[g0 + 3 * H + j];
      const tc = Math.tanh(c[s0 + j]);
      const dhv = dh[s0 + j];
      const dcv = dc[s0 + j] + dhv * go * (1 - tc * tc);
      dPre[g0 + j] = dcv * gg * gi * (1 - gi);
      dPre[g0 + H + j] = dcv * cPrev[s0 + j] * gf * (1 - gf);
      dPre[g0 + 2 * H + j] = dcv * gi * (1 - gg * gg);
      dPre[g0 + 3 * H + j] = dhv * tc * go * (1 - go);
      dc[s0 + j] = dcv * gf;
    }
  }
}

export function gruCellForward(B: number, H: number, xg: Buf, hg: Buf, hPrev: Buf,
  gates: Buf, h: Buf): void {
  const G = 3 * H;
  for (let b = 0; b < B; b++) {
    const g0 = b * G, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(xg[g0 + j] + hg[g0 + j]);
      const z = sigmoid(xg[g0 + H + j] + hg[g0 + H + j]);
      const n = Math.tanh(xg[g0 + 2 * H + j] + r * hg[g0 + 2 * H + j]);
      gates[g0 + j] = r; gates[g0 + H + j] = z; gates[g0 + 2 * H + j] = n;
      h[s0 + j] = (1 - z) * n + z * hPrev[s0 + j];
    }
  }
}

export function gruCellBackward(B: number, H: number, gates: Buf, hg: Buf, hPrev: Buf, dh: Buf,
  dXg: Buf, dHg: Buf, dhPrev: Buf): void {
  const G = 3 * H;
  for (let b = 0; b < B; b++) {
    const g0 = b * G, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const r = gates[g0 + j], z = gates[g0 + H + j], n = gates[g0 + 2 * H + j];
      const dhv = dh[s0 + j];
      const dnPre = dhv * (1 - z) * (1 - n * n);
      const hn = hg[g0 + 2 * H + j];
      const drPre = dnPre * hn * r * (1 - r);
      const dzPre = dhv * (hPrev[s0 + j] - n) * z * (1 - z);
      dXg[g0 + j] = drPre; dXg[g0 + H + j] = dzPre; dXg[g0 + 2 * H + j] = dnPre;
      dHg[g0 + j] = drPre; dHg[g0 + H + j] = dzPre; dHg[g0 + 2 * H + j] = dnPre * r;
      dhPrev[s0 + j] = dhv * z;
    }
  }
}
