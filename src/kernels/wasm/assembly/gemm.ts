import { barrier, partStart } from './team';

// C[M,N] = alpha * op(A)[M,K] · op(B)[K,N] + beta * C, float32, row-major (see kernels.ts).
//
// Blocked like BLIS: op(B) is packed whole into K-blocks of KC rows, each block cut into
// slivers of NR = 8 columns stored k-major ([kc][8]); per block of MC rows, op(A) is packed into
// slivers of MR = 4 rows ([kc][4]). The micro-kernel keeps a 4x8 tile of C in eight f32x4
// accumulators and per k does 2 vector loads of B, 4 splat loads of A and 8 multiply-adds.
// Packing pads edges with zeros, so the micro-kernel never branches inside its k loop.
// A recurrent layer packs W_hh once per sequence and calls gemmPacked at every step.
// With threads (./team.ts) each thread computes a rectangle of C: whole column slivers or
// whole row tiles. Every element of C is computed by the same instructions in the same order
// whatever the rectangle, so results do not depend on the thread count.

// @ts-ignore: decorator
@inline export const MR = 4;
// @ts-ignore: decorator
@inline export const NR = 8;
// @ts-ignore: decorator
@inline export const KC = 256;
// @ts-ignore: decorator
@inline export const MC = 128;

/** Floats of the A-packing buffer gemmPacked needs (one per thread): the panel, then the edge tile. */
export function packedAFloats(): i32 {
  return MC * KC + MR * NR;
}

/** Floats of a packed op(B) with K rows and N columns. */
export function packedBFloats(N: i32, K: i32): i32 {
  return K * ((N + NR - 1) & ~(NR - 1));
}

/**
 * Packs op(B) (op(B): [K,N]; transB: B stored [N,K], else [K,N]) into `out`
 * (packedBFloats(N, K) floats): block pc, sliver s, step k, lane c at
 * out[pc*N8 + s*kc*8 + k*8 + c] = op(B)[pc + k, s*8 + c].
 */
export function packB(transB: bool, N: i32, K: i32, B: usize, out: usize): void {
  packBPart(transB, N, K, B, out, 0, N);
}

/** packB for columns [jFrom, jTo) only (jFrom a multiple of NR): one thread's share. */
export function packBPart(transB: bool, N: i32, K: i32, B: usize, out: usize, jFrom: i32, jTo: i32): void {
  const N8 = (N + NR - 1) & ~(NR - 1);
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const block = out + ((<usize>pc * N8) << 2);
    if (!transB) {
      const first = block + ((<usize>(jFrom >> 3) * kc * NR) << 2);
      packRowSegments(B, N, jFrom, min(jTo, N) - jFrom, pc, kc, first, NR);
      continue;
    }
    for (let j0 = jFrom; j0 < jTo; j0 += NR) {
      const sliver = block + ((<usize>(j0 >> 3) * kc * NR) << 2);
      packRowsTransposed(B, K, j0, min(NR, N - j0), pc, kc, sliver, NR);
    }
  }
}

/**
 * Packs rows [i0, i0+rows) and steps [pc, pc+kc) of op(A) (op(A): [M,K]; transA: A stored
 * [K,M]) into slivers of MR rows: out[s*kc*4 + k*4 + r] = op(A)[i0 + s*4 + r, pc + k].
 */
function packA(transA: bool, M: i32, K: i32, A: usize, i0: i32, rows: i32, pc: i32, kc: i32, out: usize): void {
  if (transA) {
    packRowSegments(A, M, i0, rows, pc, kc, out, MR);
    return;
  }
  for (let s = 0; s < rows; s += MR) {
    const sliver = out + ((<usize>(s >> 2) * kc * MR) << 2);
    const lanes = min(MR, rows - s);
    packRowsTransposed(A, K, i0 + s, lanes, pc, kc, sliver, MR);
  }
}

// Columns [first, first + count) of steps [pc, pc + kc) of src (row stride ld floats) into
// consecutive slivers of `width` columns: out[s*kc*width + k*width + c] = src[(pc + k)*ld +
// first + s*width + c], zeros past count. Four steps at a time across all slivers: each sliver
// then gets a whole cache line (width 4) or two at once, and the reads go along src's rows.
// Going down one sliver at a time read 16 or 32 bytes per row, and with row strides like 1536
// bytes (384 floats) the rows fell into a few cache sets and kept evicting each other (a
// product bound by this packing, 384x8 over 640 steps transposed, ran 1.3x slower).
function packRowSegments(src: usize, ld: i32, first: i32, count: i32, pc: i32, kc: i32, out: usize, width: i32): void {
  if (width == NR) packSegmentsOf(NR, src, ld, first, count, pc, kc, out);
  else packSegmentsOf(MR, src, ld, first, count, pc, kc, out);
}

// packRowSegments with the width a constant, so that the copies below unroll.
// @ts-ignore: decorator
@inline function packSegmentsOf(width: i32, src: usize, ld: i32, first: i32, count: i32, pc: i32, kc: i32, out: usize): void {
  const wb = <usize>width << 2, sliverBytes = <usize>kc * wb, ldb = <usize>ld << 2;
  const full = count / width, rest = count - full * width;
  for (let k = 0; k < kc; k += 4) {
    const steps = min(4, kc - k);
    const rowK = src + ((<usize>(pc + k) * ld + first) << 2);
    const outK = out + <usize>k * wb;
    for (let s = 0; s < full; s++) {
      const from = rowK + <usize>s * wb, to = outK + <usize>s * sliverBytes;
      if (steps == 4) {
        copyStep(width, from, to);
        copyStep(width, from + ldb, to + wb);
        copyStep(width, from + 2 * ldb, to + 2 * wb);
        copyStep(width, from + 3 * ldb, to + 3 * wb);
      } else {
        for (let i = 0; i < steps; i++) copyStep(width, from + <usize>i * ldb, to + <usize>i * wb);
      }
    }
    if (rest == 0) continue;
    const from = rowK + <usize>full * wb, to = outK + <usize>full * sliverBytes;
    for (let i = 0; i < steps; i++) {
      const f = from + <usize>i * ldb, t = to + <usize>i * wb;
      for (let c = 0; c < rest; c++) store<f32>(t + (<usize>c << 2), load<f32>(f + (<usize>c << 2)));
      for (let c = rest; c < width; c++) store<f32>(t + (<usize>c << 2), 0);
    }
  }
}

// @ts-ignore: decorator
@inline function copyStep(width: i32, from: usize, to: usize): void {
  v128.store(to, v128.load(from));
  if (width == 8) v128.store(to, v128.load(from, 16), 16);
}

// Lane c of step k is src[(first + c) * ld + pc + k]: each lane is a contiguous row of src,
// so four rows are read four steps at a time and transposed in registers.
function packRowsTransposed(src: usize, ld: i32, first: i32, lanes: i32, pc: i32, kc: i32, out: usize, width: i32): void {
  const wb = <usize>width << 2;
  let c0 = 0;
  for (; c0 + 4 <= lanes; c0 += 4) {
    const r0 = src + ((<usize>(first + c0) * ld + pc) << 2);
    const ldb = <usize>ld << 2;
    const dst = out + (<usize>c0 << 2);
    let k = 0;
    for (; k + 4 <= kc; k += 4) {
      const o = <usize>k << 2;
      const a = v128.load(r0 + o), b = v128.load(r0 + ldb + o);
      const c = v128.load(r0 + 2 * ldb + o), d = v128.load(r0 + 3 * ldb + o);
      const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5), t1 = i32x4.shuffle(c, d, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(a, b, 2, 6, 3, 7), t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
      const q = dst + <usize>k * wb;
      v128.store(q, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
      v128.store(q + wb, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
      v128.store(q + 2 * wb, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
      v128.store(q + 3 * wb, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
    }
    for (; k < kc; k++) {
      const o = <usize>k << 2;
      const q = dst + <usize>k * wb;
      for (let c = 0; c < 4; c++) store<f32>(q + (<usize>c << 2), load<f32>(r0 + <usize>c * ldb + o));
    }
  }
  for (let c = c0; c < width; c++) {
    const dst = out + (<usize>c << 2);
    if (c < lanes) {
      const row = src + ((<usize>(first + c) * ld + pc) << 2);
      for (let k = 0; k < kc; k++) store<f32>(dst + <usize>k * wb, load<f32>(row + (<usize>k << 2)));
    } else {
      for (let k = 0; k < kc; k++) store<f32>(dst + <usize>k * wb, 0);
    }
  }
}

// How a tile is written back: 0: C = alpha·acc; 1: C = alpha·acc + beta·C; 2: C += alpha·acc;
// 3 (WITH_BIAS): C = alpha·acc + bias, bias a row vector over the tile's columns.
// @ts-ignore: decorator
@inline const WITH_BIAS = 3;

// @ts-ignore: decorator
@inline function writeRow(to: usize, acc0: v128, acc1: v128, alpha: v128, beta: v128, mode: i32, bias: usize): void {
  let v0 = f32x4.mul(acc0, alpha), v1 = f32x4.mul(acc1, alpha);
  if (mode == WITH_BIAS) {
    v0 = f32x4.add(v0, v128.load(bias));
    v1 = f32x4.add(v1, v128.load(bias, 16));
  } else if (mode == 1) {
    v0 = f32x4.add(v0, f32x4.mul(v128.load(to), beta));
    v1 = f32x4.add(v1, f32x4.mul(v128.load(to, 16), beta));
  } else if (mode == 2) {
    v0 = f32x4.add(v0, v128.load(to));
    v1 = f32x4.add(v1, v128.load(to, 16));
  }
  v128.store(to, v0);
  v128.store(to, v1, 16);
}

// acc + x·y: one fused instruction in the relaxed-SIMD build (dist/wasm/rnnkit-relaxed.wasm),
// a multiply and an add otherwise. The condition is a compile-time constant.
// @ts-ignore: decorator
@inline export function madd(x: v128, y: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(x, y, acc);
  return f32x4.add(acc, f32x4.mul(x, y));
}

// One MR x NR tile: C[0..rows, 0..cols] (row stride ldc bytes) from packed slivers a and b.
// bias: the tile's columns of a row vector (mode WITH_BIAS only). Edge tiles are computed into
// the caller's scratch tile t, then the valid part is copied to C.
function microKernel(kc: i32, a: usize, b: usize, c: usize, ldc: usize, rows: i32, cols: i32,
  alpha: f32, beta: f32, mode: i32, t: usize, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // Two steps per iteration: V8 puts a stack check, a compare and pointer updates in every
  // iteration, which with one step made the loop issue-bound rather than bound by its 8 FMAs.
  // The second step sits behind its own branch: in one block V8 would load both steps' operands
  // first, 12 vectors beside the 8 accumulators, more than x64's registers (they spilled: 2x slower).
  const end = a + ((<usize>kc * MR) << 2);
  while (a < end) {
    let b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    a += MR << 2;
    b += NR << 2;
    if (a >= end) break;
    b0 = v128.load(b); b1 = v128.load(b, 16);
    x = v128.load32_splat(a);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    a += MR << 2;
    b += NR << 2;
  }
  const al = f32x4.splat(alpha), be = f32x4.splat(beta);
  if (rows == MR && cols == NR) {
    writeRow(c, c00, c01, al, be, mode, bias);
    writeRow(c + ldc, c10, c11, al, be, mode, bias);
    writeRow(c + 2 * ldc, c20, c21, al, be, mode, bias);
    writeRow(c + 3 * ldc, c30, c31, al, be, mode, bias);
    return;
  }
  v128.store(t, f32x4.mul(c00, al)); v128.store(t, f32x4.mul(c01, al), 16);
  v128.store(t, f32x4.mul(c10, al), 32); v128.store(t, f32x4.mul(c11, al), 48);
  v128.store(t, f32x4.mul(c20, al), 64); v128.store(t, f32x4.mul(c21, al), 80);
  v128.store(t, f32x4.mul(c30, al), 96); v128.store(t, f32x4.mul(c31, al), 112);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const to = c + <usize>r * ldc + (<usize>j << 2);
      const v = load<f32>(t + ((<usize>(r * NR + j)) << 2));
      if (mode == 0) store<f32>(to, v);
      else if (mode == WITH_BIAS) store<f32>(to, v + load<f32>(bias + (<usize>j << 2)));
      else if (mode == 1) store<f32>(to, v + beta * load<f32>(to));
      else store<f32>(to, v + load<f32>(to));
    }
  }
}

// C[i0..i1, j0..j1] *= beta (C has N columns).
function scaleC(N: i32, i0: i32, i1: i32, j0: i32, j1: i32, beta: f32, C: usize): void {
  if (beta == 1) return;
  for (let i = i0; i < i1; i++) {
    const row = C + ((<usize>i * N + j0) << 2);
    if (beta == 0) { memory.fill(row, 0, <usize>(j1 - j0) << 2); continue; }
    for (let j = 0; j < j1 - j0; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * beta);
  }
}

/**
 * C = alpha·op(A)·op(B) + beta·C with op(B) already packed by packB(_, N, K, _, pb).
 * aBuf: packedAFloats() floats of scratch.
 */
export function gemmPacked(transA: bool, M: i32, N: i32, K: i32, alpha: f32, A: usize, pb: usize,
  beta: f32, C: usize, aBuf: usize): void {
  gemmPart(transA, M, N, K, alpha, A, pb, beta, C, aBuf, 0, M, 0, N);
}

/** gemmPacked for the rectangle C[iFrom..iTo, jFrom..jTo) only (jFrom a multiple of NR). */
export function gemmPart(transA: bool, M: i32, N: i32, K: i32, alpha: f32, A: usize, pb: usize,
  beta: f32, C: usize, aBuf: usize, iFrom: i32, iTo: i32, jFrom: i32, jTo: i32): void {
  if (iFrom >= iTo || jFrom >= jTo) return;
  if (K == 0 || alpha == 0) { scaleC(N, iFrom, iTo, jFrom, jTo, beta, C); return; }
  const N8 = (N + NR - 1) & ~(NR - 1);
  const ldc = <usize>N << 2;
  const edge = aBuf + ((<usize>MC * KC) << 2);
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const mode = pc > 0 || beta == 1 ? 2 : beta == 0 ? 0 : 1;
    const block = pb + ((<usize>pc * N8) << 2);
    for (let ic = iFrom; ic < iTo; ic += MC) {
      const mc = min(MC, iTo - ic);
      packA(transA, M, K, A, ic, mc, pc, kc, aBuf);
      for (let j0 = jFrom; j0 < jTo; j0 += NR) {
        const bs = block + ((<usize>(j0 >> 3) * kc * NR) << 2);
        const cols = min(NR, jTo - j0);
        for (let i0 = 0; i0 < mc; i0 += MR) {
          const as = aBuf + ((<usize>(i0 >> 2) * kc * MR) << 2);
          const cp = C + <usize>(ic + i0) * ldc + (<usize>j0 << 2);
          microKernel(kc, as, bs, cp, ldc, min(MR, mc - i0), cols, alpha, beta, mode, edge, 0);
        }
      }
    }
  }
}

/** Whether gemmPairPart takes operands with K1 and K2 steps (B's slivers then stay in L1 cache). */
export function pairFits(K1: i32, K2: i32): bool {
  return K1 + K2 <= 2 * KC;
}

/**
 * Packs [B1 | B2]^T for gemmPairPart, with B1: [N, K1] and B2: [N, K2] row-major (weights
 * W_ih, W_hh), columns [jFrom, jTo) only (jFrom a multiple of NR): one K block of K1 + K2 steps,
 * the sliver of columns j0 at out[(j0/8)*(K1+K2)*8 ..], B1's steps then B2's. Floats:
 * packedBFloats(N, K1 + K2).
 */
export function packBPairPart(N: i32, K1: i32, B1: usize, K2: i32, B2: usize, out: usize, jFrom: i32, jTo: i32): void {
  const K = K1 + K2;
  for (let j0 = jFrom; j0 < jTo; j0 += NR) {
    const sliver = out + ((<usize>(j0 >> 3) * K * NR) << 2);
    packRowsTransposed(B1, K1, j0, min(NR, N - j0), 0, K1, sliver, NR);
    packRowsTransposed(B2, K2, j0, min(NR, N - j0), 0, K2, sliver + ((<usize>K1 * NR) << 2), NR);
  }
}

/**
 * C[iFrom..iTo, 0..N) = [A1 | A2]·pb + bias (0: none) for a K split between two row-major
 * operands, A1: [M, K1] and A2: [M, K2] (such as x_t and h_{t-1}, read where they are), pb from
 * packBPairPart (pairFits(K1, K2)). Each element of C is one chain of multiply-adds over A1's
 * steps then A2's, written once with its bias added. aBuf: packedAFloats() floats of scratch.
 */
export function gemmPairPart(N: i32, K1: i32, A1: usize, K2: i32, A2: usize, pb: usize,
  bias: usize, C: usize, aBuf: usize, iFrom: i32, iTo: i32): void {
  if (iFrom >= iTo || N <= 0) return;
  const K = K1 + K2;
  const ldc = <usize>N << 2;
  const edge = aBuf + ((<usize>MC * KC) << 2);
  const mode = bias ? WITH_BIAS : 0;
  // A row block's panel of K <= 2 KC steps fills at most the MC x KC panel buffer.
  const rowBlock = MC / 2;
  for (let ic = iFrom; ic < iTo; ic += rowBlock) {
    const mc = min(rowBlock, iTo - ic);
    for (let s = 0; s < mc; s += MR) {
      const sliver = aBuf + ((<usize>(s >> 2) * K * MR) << 2);
      const lanes = min(MR, mc - s);
      packRowsTransposed(A1, K1, ic + s, lanes, 0, K1, sliver, MR);
      packRowsTransposed(A2, K2, ic + s, lanes, 0, K2, sliver + ((<usize>K1 * MR) << 2), MR);
    }
    for (let j0 = 0; j0 < N; j0 += NR) {
      const bs = pb + ((<usize>(j0 >> 3) * K * NR) << 2);
      const cols = min(NR, N - j0);
      const biasAt = bias ? bias + (<usize>j0 << 2) : 0;
      for (let i0 = 0; i0 < mc; i0 += MR) {
        const as = aBuf + ((<usize>(i0 >> 2) * K * MR) << 2);
        const cp = C + <usize>(ic + i0) * ldc + (<usize>j0 << 2);
        microKernel(K, as, bs, cp, ldc, min(MR, mc - i0), cols, 1, 0, mode, edge, biasAt);
      }
    }
  }
}

/** Packs op(B) into bBuf (packedBFloats(N, K) floats) and runs gemmPacked. */
export function gemmWith(transA: bool, transB: bool, M: i32, N: i32, K: i32, alpha: f32, A: usize, B: usize,
  beta: f32, C: usize, aBuf: usize, bBuf: usize): void {
  if (M > 0 && N > 0 && K > 0 && alpha != 0) packB(transB, N, K, B, bBuf);
  gemmPacked(transA, M, N, K, alpha, A, bBuf, beta, C, aBuf);
}

// Splitting C between threads: by column slivers (each thread then reads only its part of the
// packed B) unless row tiles share the work out more evenly.
function byColumns(M: i32, N: i32, nt: i32): bool {
  const cols = (N + NR - 1) / NR, rows = (M + MR - 1) / MR;
  const colIdle = ((cols + nt - 1) / nt) * nt - cols, rowIdle = ((rows + nt - 1) / nt) * nt - rows;
  // Compare idle work as a share of each split's units: colIdle/cols <= rowIdle/rows.
  return <i64>colIdle * rows <= <i64>rowIdle * cols;
}

/**
 * Thread tid's part of gemmWith; bBuf is shared by the team, aBuf is the thread's own. Callers
 * put a barrier after it before reading C or reusing bBuf.
 */
export function gemmWithTeam(transA: bool, transB: bool, M: i32, N: i32, K: i32, alpha: f32, A: usize, B: usize,
  beta: f32, C: usize, aBuf: usize, bBuf: usize, tid: i32, nt: i32): void {
  const pack = M > 0 && N > 0 && K > 0 && alpha != 0;
  if (nt <= 1) { gemmWith(transA, transB, M, N, K, alpha, A, B, beta, C, aBuf, bBuf); return; }
  const j0 = partStart(N, NR, tid, nt), j1 = partStart(N, NR, tid + 1, nt);
  if (byColumns(M, N, nt)) {
    // Each thread packs exactly the slivers it multiplies by: no barrier in between.
    if (pack) packBPart(transB, N, K, B, bBuf, j0, j1);
    gemmPart(transA, M, N, K, alpha, A, bBuf, beta, C, aBuf, 0, M, j0, j1);
  } else {
    if (pack) packBPart(transB, N, K, B, bBuf, j0, j1);
    barrier(nt);
    gemmPart(transA, M, N, K, alpha, A, bBuf, beta, C, aBuf, partStart(M, MR, tid, nt), partStart(M, MR, tid + 1, nt), 0, N);
  }
}
