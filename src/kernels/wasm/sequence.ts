import type { Buf, Kernels, SequenceContext, SequenceGrads, SequenceSpec, SequenceWeights } from '../kernels.js';
import { jsKernels } from '../js/index.js';
import { activationCode, allF32, residentWeights, runtime, team } from './runtime.js';

// Host side of the whole-layer recurrent kernels (./assembly/sequence.ts): x and the initial
// state are copied in once per sequence, the weights stay in wasm memory between calls while
// they are current (./resident.ts), every step runs inside wasm, and out, hN, cN are copied out
// at the end. With keepForBackward x and the activations BPTT needs (hAll, cAll, gatesAll,
// hgAll, hRawAll, as in ../sequence.ts) stay in wasm memory in a block of their own, which
// sequenceBackward frees; a FinalizationRegistry frees it if backward never runs.
// Float64 calls go to the js reference driver.

type F32 = Float32Array;

const MODES = { rnn: 0, lstm: 1, gru: 2 } as const;

/** Offsets of the saved activations inside a forward pass's block. */
interface SavedPtrs { x: number; hAll: number; cAll: number; gatesAll: number; hgAll: number; hRawAll: number }

class WasmSequenceContext implements SequenceContext {
  block: number;
  constructor(readonly spec: SequenceSpec, readonly w: SequenceWeights, block: number,
    readonly saved: SavedPtrs) {
    this.block = block;
  }
}

const unfreed = new FinalizationRegistry<number>((block) => runtime().ex.free(block));

function sizes(spec: SequenceSpec) {
  const { mode, T, B, H } = spec;
  const GH = (mode === 'rnn' ? 1 : mode === 'lstm' ? 4 : 3) * H, N = T * B;
  return { GH, N };
}

// Inference (no backward) keeps no gates: the kernel then computes them in place. With the
// states in out (statesInOut) there is no hAll, and cAll is a ring of two states.
function savedFloats(spec: SequenceSpec, hasProjection: boolean, forBackward: boolean, statesInOut: boolean): number[] {
  const { mode, T, B, H, P } = spec;
  const { GH, N } = sizes(spec);
  const states = statesInOut ? 2 : T + 1;
  return [statesInOut ? 0 : (T + 1) * B * P, mode === 'lstm' ? states * B * H : 0, mode === 'rnn' || !forBackward ? 0 : N * GH,
    mode === 'gru' && forBackward ? N * GH : 0, hasProjection ? N * H : 0];
}

// The weights' addresses in wasm memory (0: none). Their copies may move the memory (views are
// re-made on the next access) but are never carved from the scratch arena.
function weightPointers(spec: SequenceSpec, w: SequenceWeights, refresh: boolean): { pwIh: number; pwHh: number; pbIh: number; pbHh: number; pwHr: number } {
  const { I, H, P } = spec, { GH } = sizes(spec);
  const resident = residentWeights();
  const at = (a: Buf | null, floats: number, name: string) => {
    if (!a) return 0;
    // The kernel reads `floats` values from the copy, which is exactly as long as the array.
    if (a.length < floats) throw new Error(`wasm ${spec.mode} layer: ${name} has ${a.length} values, the layer needs ${floats}`);
    return resident.pointer(a as F32, refresh);
  };
  return { pwIh: at(w.wIh, GH * I, 'wIh'), pwHh: at(w.wHh, GH * P, 'wHh'), pbIh: at(w.bIh, GH, 'bIh'),
    pbHh: at(w.bHh, GH, 'bHh'), pwHr: at(w.wHr, P * H, 'wHr') };
}

function sequenceForward(spec: SequenceSpec, x: Buf, h0: Buf | null, c0: Buf | null, w: SequenceWeights,
  out: Buf | null, hN: Buf, cN: Buf | null, keepForBackward: boolean): SequenceContext | null {
  if (!allF32(x, h0, c0, w.wIh, w.wHh, w.bIh, w.bHh, w.wHr, out, hN, cN)) {
    return jsKernels.sequenceForward(spec, x, h0, c0, w, out, hN, cN, keepForBackward);
  }
  const { mode, T, B, I, H, P, rows } = spec;
  const { GH, N } = sizes(spec);
  const mem = runtime();
  const isLstm = mode === 'lstm';
  const inOut = !keepForBackward && mem.ex.statesInOut(T, B, rows ? 1 : 0) !== 0;
  const saved = savedFloats(spec, w.wHr !== null, keepForBackward, inOut);
  // Backward reads x from the block too: no second copy of it.
  const block = keepForBackward ? mem.block(N * I, ...saved) : null;
  const { pwIh, pwHh, pbIh, pbHh, pwHr } = weightPointers(spec, w, keepForBackward);
  const [pxScratch, ph0, pc0, prows, pout, ...scratchSaved] = mem.scratch(
    block ? 0 : N * I, h0 ? B * P : 0, c0 && isLstm ? B * H : 0, rows ? T * B : 0, N * P, ...(block ? [] : saved));
  const [px, hAllPtr, cAll, gatesAll, hgAll, hRawAll] = block ? block.ptrs : [pxScratch, ...scratchSaved];
  const hAll = inOut ? 0 : hAllPtr;
  mem.put(px, x as F32, N * I);
  if (h0) mem.put(ph0, h0 as F32, B * P);
  if (c0 && isLstm) mem.put(pc0, c0 as F32, B * H);
  if (rows) mem.put(prows, rows, T * B);

  team('sequenceForward', B * GH * P, MODES[mode], T, B, I, H, P, activationCode(spec.activation), spec.negativeSlope,
    px, ph0, pc0, pwIh, pwHh, pbIh, pbHh, pwHr, prows, pout, hAll, cAll, gatesAll, hgAll, hRawAll);

  // The kernel writes its output to scratch regardless (in inference its states live there).
  if (out) mem.getRows(pout, out as F32, N, P, spec.outStride ?? P);
  // The final state: the last step's rows of out (states in out), else hAll's last rows.
  mem.get(inOut ? pout + (T - 1) * B * P * 4 : hAll + T * B * P * 4, hN as F32, B * P);
  if (cN && isLstm) mem.get(cAll + (inOut ? T & 1 : T) * B * H * 4, cN as F32, B * H);
  if (!block) return null;
  const ctx = new WasmSequenceContext(spec, w, block.base, { x: px, hAll, cAll, gatesAll, hgAll, hRawAll });
  unfreed.register(ctx, block.base, ctx);
  return ctx;
}

function sequenceBackward(ctx: SequenceContext, dOut: Buf | null, dhN: Buf, dcN: Buf | null, grads: SequenceGrads): void {
  if (!(ctx instanceof WasmSequenceContext)) return jsKernels.sequenceBackward(ctx, dOut, dhN, dcN, grads);
  const { spec, w, saved } = ctx;
  if (!ctx.block) throw new Error(`wasm ${spec.mode} layer: sequenceBackward ran twice for one forward pass (its saved activations are already freed)`);
  const g = grads;
  if (!allF32(dOut, dhN, dcN, g.dx, g.dh0, g.dc0, g.dWIh, g.dWHh, g.dBIh, g.dBHh, g.dWHr)) {
    throw new Error(`wasm ${spec.mode} layer: gradients must be Float32Array like the float32 forward pass`);
  }
  const { mode, T, B, I, H, P, rows } = spec;
  const { GH, N } = sizes(spec);
  const mem = runtime();
  const isLstm = mode === 'lstm';
  const { pwIh, pwHh, pwHr } = weightPointers(spec, w, false);
  // No output gradient (only the final state is used): pointer 0, the kernel adds nothing.
  const [prows, pdOut, pdh, pdc, pdx, pdWIh, pdWHh, pdBIh, pdBHh, pdWHr] = mem.scratch(
    rows ? T * B : 0, dOut ? N * P : 0, B * P, isLstm ? B * H : 0,
    g.dx ? N * I : 0, g.dWIh ? GH * I : 0, g.dWHh ? GH * P : 0, g.dBIh ? GH : 0, g.dBHh ? GH : 0,
    g.dWHr && w.wHr ? P * H : 0);
  if (rows) mem.put(prows, rows, T * B);
  if (dOut) mem.put(pdOut, dOut as F32, N * P);
  mem.put(pdh, dhN as F32, B * P);
  if (isLstm) {
    if (dcN) mem.put(pdc, dcN as F32, B * H);
    else mem.f32.fill(0, pdc >>> 2, (pdc >>> 2) + B * H);
  }

  team('sequenceBackward', B * GH * P, MODES[mode], T, B, I, H, P, activationCode(spec.activation), spec.negativeSlope,
    saved.x, pwIh, pwHh, pwHr, prows, saved.hAll, saved.cAll, saved.gatesAll, saved.hgAll, saved.hRawAll,
    pdOut, pdh, pdc, pdx, pdWIh, pdWHh, pdBIh, pdBHh, pdWHr);

  unfreed.unregister(ctx);
  mem.ex.free(ctx.block);
  ctx.block = 0;
  if (g.dh0) mem.addTo(pdh, g.dh0 as F32, B * P);
  if (g.dc0 && isLstm) mem.addTo(pdc, g.dc0 as F32, B * H);
  if (g.dx) mem.addTo(pdx, g.dx as F32, N * I);
  if (g.dWIh) mem.addTo(pdWIh, g.dWIh as F32, GH * I);
  if (g.dWHh) mem.addTo(pdWHh, g.dWHh as F32, GH * P);
  if (g.dBIh) mem.addTo(pdBIh, g.dBIh as F32, GH);
  if (g.dBHh) mem.addTo(pdBHh, g.dBHh as F32, GH);
  if (g.dWHr && w.wHr) mem.addTo(pdWHr, g.dWHr as F32, P * H);
}

export const wasmSequenceKernels: Pick<Kernels, 'sequenceForward' | 'sequenceBackward'> = {
  sequenceForward, sequenceBackward,
};
