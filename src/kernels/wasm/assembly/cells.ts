import { sigmoidV, tanhV } from './math';
import { activateV, gradFromOutputV } from './elementwise';
import { ld, st } from './lanes';

// Fused recurrent cells, one time step over B rows (pointers to float32 buffers). Shapes and
// equations as in src/kernels/kernels.ts; gate blocks are [B, G*H] in PyTorch order. Each *Lanes
// function handles 4 consecutive hidden units j (wide) or one (the tail of a row); `o` is the
// byte offset of unit j inside a [H] row, `g` the byte offset of the row's gate block.

// @ts-ignore: decorator
@inline function rnnForwardLanes(act: i32, slope: f32, o: usize, xg: usize, hg: usize, h: usize, wide: bool): void {
  st(h + o, activateV(act, slope, f32x4.add(ld(xg + o, wide), ld(hg + o, wide))), wide);
}

// h = act(xg + hg); xg, hg, h: [B, H].
export function rnnCellForward(B: i32, H: i32, act: i32, slope: f32, xg: usize, hg: usize, h: usize): void {
  const n = B * H;
  let i = 0;
  for (; i + 4 <= n; i += 4) rnnForwardLanes(act, slope, <usize>i << 2, xg, hg, h, true);
  for (; i < n; i++) rnnForwardLanes(act, slope, <usize>i << 2, xg, hg, h, false);
}

// rnnCellForward for hidden units [j0, j1) of every row only (one thread's share). Each lane is
// computed alone, so the result does not depend on how the units are grouped.
export function rnnCellForwardUnits(B: i32, H: i32, j0: i32, j1: i32, act: i32, slope: f32, xg: usize, hg: usize, h: usize): void {
  for (let b = 0; b < B; b++) {
    const s = <usize>b * H << 2;
    let j = j0;
    for (; j + 4 <= j1; j += 4) rnnForwardLanes(act, slope, s + (<usize>j << 2), xg, hg, h, true);
    for (; j < j1; j++) rnnForwardLanes(act, slope, s + (<usize>j << 2), xg, hg, h, false);
  }
}

// @ts-ignore: decorator
@inline function rnnBackwardLanes(act: i32, slope: f32, o: usize, h: usize, dh: usize, dPre: usize, wide: bool): void {
  st(dPre + o, f32x4.mul(ld(dh + o, wide), gradFromOutputV(act, slope, ld(h + o, wide))), wide);
}

// dPre = dh * act'(h); h, dh, dPre: [B, H].
export function rnnCellBackward(B: i32, H: i32, act: i32, slope: f32, h: usize, dh: usize, dPre: usize): void {
  const n = B * H;
  let i = 0;
  for (; i + 4 <= n; i += 4) rnnBackwardLanes(act, slope, <usize>i << 2, h, dh, dPre, true);
  for (; i < n; i++) rnnBackwardLanes(act, slope, <usize>i << 2, h, dh, dPre, false);
}

// The LSTM and GRU forward cells run in two passes over each row's units: first the gates that
// depend only on the products (their activations side by side, stored), then what depends on
// those (tanh of c, or n = tanh(.. r ..)). In one pass each 4-unit step put two activations end
// to end, a dependent chain too long for the out-of-order window to overlap enough steps
// (splitting took the GRU cell from 46 to 37 us per W5 step). Each lane's arithmetic is the
// same either way.

// A gate's pre-activation: xg + hg, or hg alone when it already holds the sum (xg == 0).
// @ts-ignore: decorator
@inline function preActivation(xg: usize, hg: usize, p: usize, summed: bool, wide: bool): v128 {
  return summed ? ld(hg + p, wide) : f32x4.add(ld(xg + p, wide), ld(hg + p, wide));
}

// @ts-ignore: decorator
@inline function lstmGatesLanes(Hb: usize, p: usize, xg: usize, hg: usize, gates: usize, summed: bool, wide: bool): void {
  st(gates + p, sigmoidV(preActivation(xg, hg, p, summed, wide)), wide);
  st(gates + p + Hb, sigmoidV(preActivation(xg, hg, p + Hb, summed, wide)), wide);
  st(gates + p + 2 * Hb, tanhV(preActivation(xg, hg, p + 2 * Hb, summed, wide)), wide);
  st(gates + p + 3 * Hb, sigmoidV(preActivation(xg, hg, p + 3 * Hb, summed, wide)), wide);
}

// @ts-ignore: decorator
@inline function lstmStateLanes(Hb: usize, g: usize, o: usize, cPrev: usize, gates: usize, c: usize, h: usize,
  wide: bool): void {
  const p = g + o;
  const gi = ld(gates + p, wide), gf = ld(gates + p + Hb, wide);
  const gg = ld(gates + p + 2 * Hb, wide), go = ld(gates + p + 3 * Hb, wide);
  const cv = f32x4.add(f32x4.mul(gf, ld(cPrev + o, wide)), f32x4.mul(gi, gg));
  st(c + o, cv, wide);
  st(h + o, f32x4.mul(go, tanhV(cv)), wide);
}

// xg, hg, gates: [B, 4H] (i,f,g,o); cPrev, c, h: [B, H]. gates may be hg itself (inference):
// each gate is stored only after its hg value was read.
export function lstmCellForward(B: i32, H: i32, xg: usize, hg: usize, cPrev: usize, gates: usize, c: usize, h: usize): void {
  lstmCellForwardUnits(B, H, 0, H, xg, hg, cPrev, gates, c, h);
}

/**
 * lstmCellForward with the pre-activations already summed (x W_ih^T + h W_hh^T + biases) in
 * pre: [B, 4H]; gates may be pre itself.
 */
export function lstmCellForwardSummed(B: i32, H: i32, pre: usize, cPrev: usize, gates: usize, c: usize, h: usize): void {
  lstmForwardRows(B, H, 0, H, 0, pre, cPrev, gates, c, h, true);
}

/** lstmCellForward for hidden units [j0, j1) of every row only (one thread's share). */
export function lstmCellForwardUnits(B: i32, H: i32, j0: i32, j1: i32, xg: usize, hg: usize, cPrev: usize,
  gates: usize, c: usize, h: usize): void {
  lstmForwardRows(B, H, j0, j1, xg, hg, cPrev, gates, c, h, false);
}

// @ts-ignore: decorator
@inline function lstmForwardRows(B: i32, H: i32, j0: i32, j1: i32, xg: usize, hg: usize, cPrev: usize,
  gates: usize, c: usize, h: usize, summed: bool): void {
  const Hb = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const g = <usize>b * 4 * Hb, s = <usize>b * Hb;
    let j = j0;
    for (; j + 4 <= j1; j += 4) lstmGatesLanes(Hb, g + (<usize>j << 2), xg, hg, gates, summed, true);
    for (; j < j1; j++) lstmGatesLanes(Hb, g + (<usize>j << 2), xg, hg, gates, summed, false);
    j = j0;
    for (; j + 4 <= j1; j += 4) lstmStateLanes(Hb, g, <usize>j << 2, cPrev + s, gates, c + s, h + s, true);
    for (; j < j1; j++) lstmStateLanes(Hb, g, <usize>j << 2, cPrev + s, gates, c + s, h + s, false);
  }
}

// @ts-ignore: decorator
@inline function lstmBackwardLanes(Hb: usize, g: usize, o: usize, gates: usize, cPrev: usize, c: usize,
  dh: usize, dc: usize, dPre: usize, wide: bool): void {
  const one = f32x4.splat(1.0);
  const p = g + o;
  const gi = ld(gates + p, wide), gf = ld(gates + p + Hb, wide);
  const gg = ld(gates + p + 2 * Hb, wide), go = ld(gates + p + 3 * Hb, wide);
  const tc = tanhV(ld(c + o, wide));
  const dhv = ld(dh + o, wide);
  const dcv = f32x4.add(ld(dc + o, wide), f32x4.mul(f32x4.mul(dhv, go), f32x4.sub(one, f32x4.mul(tc, tc))));
  st(dPre + p, f32x4.mul(f32x4.mul(dcv, gg), f32x4.mul(gi, f32x4.sub(one, gi))), wide);
  st(dPre + p + Hb, f32x4.mul(f32x4.mul(dcv, ld(cPrev + o, wide)), f32x4.mul(gf, f32x4.sub(one, gf))), wide);
  st(dPre + p + 2 * Hb, f32x4.mul(f32x4.mul(dcv, gi), f32x4.sub(one, f32x4.mul(gg, gg))), wide);
  st(dPre + p + 3 * Hb, f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(go, f32x4.sub(one, go))), wide);
  st(dc + o, f32x4.mul(dcv, gf), wide);
}

// gates, dPre: [B, 4H]; cPrev, c, dh, dc: [B, H]; dc is read, then overwritten with dL/dcPrev.
export function lstmCellBackward(B: i32, H: i32, gates: usize, cPrev: usize, c: usize, dh: usize, dc: usize, dPre: usize): void {
  const Hb = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const g = <usize>b * 4 * Hb, s = <usize>b * Hb;
    let j = 0;
    for (; j + 4 <= H; j += 4) lstmBackwardLanes(Hb, g, <usize>j << 2, gates, cPrev + s, c + s, dh + s, dc + s, dPre, true);
    for (; j < H; j++) lstmBackwardLanes(Hb, g, <usize>j << 2, gates, cPrev + s, c + s, dh + s, dc + s, dPre, false);
  }
}

// @ts-ignore: decorator
@inline function gruGatesLanes(Hb: usize, p: usize, xg: usize, hg: usize, gates: usize, wide: bool): void {
  st(gates + p, sigmoidV(f32x4.add(ld(xg + p, wide), ld(hg + p, wide))), wide);
  st(gates + p + Hb, sigmoidV(f32x4.add(ld(xg + p + Hb, wide), ld(hg + p + Hb, wide))), wide);
}

// @ts-ignore: decorator
@inline function gruStateLanes(Hb: usize, g: usize, o: usize, xg: usize, hg: usize, hPrev: usize,
  gates: usize, h: usize, wide: bool): void {
  const p = g + o;
  const r = ld(gates + p, wide), z = ld(gates + p + Hb, wide);
  const n = tanhV(f32x4.add(ld(xg + p + 2 * Hb, wide), f32x4.mul(r, ld(hg + p + 2 * Hb, wide))));
  st(gates + p + 2 * Hb, n, wide);
  // (1 - z) n + z hPrev
  st(h + o, f32x4.add(f32x4.mul(f32x4.sub(f32x4.splat(1.0), z), n), f32x4.mul(z, ld(hPrev + o, wide))), wide);
}

// xg, hg, gates: [B, 3H] (r,z,n); hPrev, h: [B, H]. gates may be hg itself (inference): each
// gate is stored only after its hg value was read.
export function gruCellForward(B: i32, H: i32, xg: usize, hg: usize, hPrev: usize, gates: usize, h: usize): void {
  gruCellForwardUnits(B, H, 0, H, xg, hg, hPrev, gates, h);
}

/** gruCellForward for hidden units [j0, j1) of every row only (one thread's share). */
export function gruCellForwardUnits(B: i32, H: i32, j0: i32, j1: i32, xg: usize, hg: usize, hPrev: usize,
  gates: usize, h: usize): void {
  const Hb = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const g = <usize>b * 3 * Hb, s = <usize>b * Hb;
    let j = j0;
    for (; j + 4 <= j1; j += 4) gruGatesLanes(Hb, g + (<usize>j << 2), xg, hg, gates, true);
    for (; j < j1; j++) gruGatesLanes(Hb, g + (<usize>j << 2), xg, hg, gates, false);
    j = j0;
    for (; j + 4 <= j1; j += 4) gruStateLanes(Hb, g, <usize>j << 2, xg, hg, hPrev + s, gates, h + s, true);
    for (; j < j1; j++) gruStateLanes(Hb, g, <usize>j << 2, xg, hg, hPrev + s, gates, h + s, false);
  }
}

// The whole-layer kernel's GRU cell (./sequence.ts): the products xg and hg arrive without
// their biases, which are added here lane by lane (bIh, bHh: [3H], 0 for none) instead of in
// passes of their own over the rows; each sum is the one the reference rounds, (x·W) + b. hg is
// only read (per-step scratch), and of the biased hg backward needs only the n block: it is
// stored at the n block of hgN's [B, 3H] rows (hgN 0: not kept).

// Bias handling of the lanes below, a constant at each inlined call so that the branch folds
// away: none, both (the usual layers), or checked per pointer (one bias without the other).
// @ts-ignore: decorator
@inline const NO_BIAS = 0;
// @ts-ignore: decorator
@inline const BOTH_BIASES = 1;
// @ts-ignore: decorator
@inline const SOME_BIAS = 2;

/** v at p, plus the bias at o when `biases` says there is one. */
// @ts-ignore: decorator
@inline function withBias(biases: i32, v: usize, p: usize, bias: usize, o: usize, wide: bool): v128 {
  const x = ld(v + p, wide);
  return biases == BOTH_BIASES || (biases == SOME_BIAS && bias != 0) ? f32x4.add(x, ld(bias + o, wide)) : x;
}

// @ts-ignore: decorator
@inline function gruBiasedGatesLanes(biases: i32, Hb: usize, g: usize, o: usize, xg: usize, bIh: usize, hg: usize,
  bHh: usize, gates: usize, wide: bool): void {
  const p = g + o;
  st(gates + p, sigmoidV(f32x4.add(withBias(biases, xg, p, bIh, o, wide), withBias(biases, hg, p, bHh, o, wide))), wide);
  st(gates + p + Hb, sigmoidV(f32x4.add(withBias(biases, xg, p + Hb, bIh, o + Hb, wide),
    withBias(biases, hg, p + Hb, bHh, o + Hb, wide))), wide);
}

// @ts-ignore: decorator
@inline function gruBiasedStateLanes(biases: i32, Hb: usize, g: usize, o: usize, xg: usize, bIh: usize, hg: usize,
  bHh: usize, hPrev: usize, gates: usize, hgN: usize, h: usize, wide: bool): void {
  const p = g + o, pn = p + 2 * Hb, on = o + 2 * Hb;
  const r = ld(gates + p, wide), z = ld(gates + p + Hb, wide);
  const hn = withBias(biases, hg, pn, bHh, on, wide);
  if (hgN) st(hgN + pn, hn, wide);
  const n = tanhV(f32x4.add(withBias(biases, xg, pn, bIh, on, wide), f32x4.mul(r, hn)));
  st(gates + pn, n, wide);
  // (1 - z) n + z hPrev
  st(h + o, f32x4.add(f32x4.mul(f32x4.sub(f32x4.splat(1.0), z), n), f32x4.mul(z, ld(hPrev + o, wide))), wide);
}

// @ts-ignore: decorator
@inline function gruBiasedRows(biases: i32, B: i32, H: i32, xg: usize, bIh: usize, hg: usize, bHh: usize,
  hPrev: usize, gates: usize, hgN: usize, h: usize): void {
  const Hb = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const g = <usize>b * 3 * Hb, s = <usize>b * Hb;
    let j = 0;
    for (; j + 4 <= H; j += 4) gruBiasedGatesLanes(biases, Hb, g, <usize>j << 2, xg, bIh, hg, bHh, gates, true);
    for (; j < H; j++) gruBiasedGatesLanes(biases, Hb, g, <usize>j << 2, xg, bIh, hg, bHh, gates, false);
    j = 0;
    for (; j + 4 <= H; j += 4) {
      gruBiasedStateLanes(biases, Hb, g, <usize>j << 2, xg, bIh, hg, bHh, hPrev + s, gates, hgN, h + s, true);
    }
    for (; j < H; j++) {
      gruBiasedStateLanes(biases, Hb, g, <usize>j << 2, xg, bIh, hg, bHh, hPrev + s, gates, hgN, h + s, false);
    }
  }
}

/**
 * GRU step of the whole-layer kernel for B rows: xg, hg: [B, 3H] products without biases;
 * gates: [B, 3H] (r, z, n; may be hg itself for inference: each value is read before its store);
 * hgN: [B, 3H] (only its n blocks written) or 0; hPrev, h: [B, H]. Two passes per row as in
 * gruCellForwardUnits.
 */
export function gruCellForwardBiased(B: i32, H: i32, xg: usize, bIh: usize, hg: usize, bHh: usize, hPrev: usize,
  gates: usize, hgN: usize, h: usize): void {
  if (bIh && bHh) gruBiasedRows(BOTH_BIASES, B, H, xg, bIh, hg, bHh, hPrev, gates, hgN, h);
  else if (!bIh && !bHh) gruBiasedRows(NO_BIAS, B, H, xg, bIh, hg, bHh, hPrev, gates, hgN, h);
  else gruBiasedRows(SOME_BIAS, B, H, xg, bIh, hg, bHh, hPrev, gates, hgN, h);
}

// @ts-ignore: decorator
@inline function gruBackwardLanes(Hb: usize, g: usize, o: usize, gates: usize, hg: usize, hPrev: usize,
  dh: usize, dXg: usize, dHg: usize, dhPrev: usize, wide: bool): void {
  const one = f32x4.splat(1.0);
  const p = g + o;
  const r = ld(gates + p, wide), z = ld(gates + p + Hb, wide), n = ld(gates + p + 2 * Hb, wide);
  const dhv = ld(dh + o, wide);
  const dnPre = f32x4.mul(f32x4.mul(dhv, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
  const drPre = f32x4.mul(f32x4.mul(dnPre, ld(hg + p + 2 * Hb, wide)), f32x4.mul(r, f32x4.sub(one, r)));
  const dzPre = f32x4.mul(f32x4.mul(dhv, f32x4.sub(ld(hPrev + o, wide), n)), f32x4.mul(z, f32x4.sub(one, z)));
  st(dXg + p, drPre, wide); st(dXg + p + Hb, dzPre, wide); st(dXg + p + 2 * Hb, dnPre, wide);
  st(dHg + p, drPre, wide); st(dHg + p + Hb, dzPre, wide); st(dHg + p + 2 * Hb, f32x4.mul(dnPre, r), wide);
  st(dhPrev + o, f32x4.mul(dhv, z), wide);
}

// gates, hg, dXg, dHg: [B, 3H]; hPrev, dh, dhPrev: [B, H] (dhPrev: only the direct path z * dh).
export function gruCellBackward(B: i32, H: i32, gates: usize, hg: usize, hPrev: usize, dh: usize,
  dXg: usize, dHg: usize, dhPrev: usize): void {
  const Hb = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const g = <usize>b * 3 * Hb, s = <usize>b * Hb;
    let j = 0;
    for (; j + 4 <= H; j += 4) gruBackwardLanes(Hb, g, <usize>j << 2, gates, hg, hPrev + s, dh + s, dXg, dHg, dhPrev + s, true);
    for (; j < H; j++) gruBackwardLanes(Hb, g, <usize>j << 2, gates, hg, hPrev + s, dh + s, dXg, dHg, dhPrev + s, false);
  }
}
