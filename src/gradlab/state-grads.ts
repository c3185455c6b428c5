import type { Buf } from '../kernels/kernels.js';
import { type ObservedLayerRun, setLayerRunObserver } from '../tensor/ops/recurrent.js';
import { allocate } from '../tensor/tensor.js';

// ||dL/da<t>||: the loss gradient wrt each time step's hidden state, per layer and direction.
//
//   recordStateGradients(fn): every recurrent layer that runs inside fn with gradients on gets a
//   [T, B, P] buffer; the layer's backward pass (BPTT) adds into row t*B + b the total gradient
//   wrt h at time t of sequence b. Call backward() on the loss, then read the records.
//
// This is the `dh` of the reference driver's backward loop (src/kernels/sequence.ts) at the
// moment the step's own output gradient has been added: the sum of the direct path (the loss
// reading h<t>) and every later step's path through W_hh.

/** One recurrent layer run (one direction of one layer) seen while recording. */
export interface StateGradientRecord {
  /** 'l0', 'l1_reverse', ... from the layer's parameter names ('layer' when unnamed). */
  label: string;
  /** Order in which the layer ran inside the recorded function (0-based). */
  index: number;
  run: ObservedLayerRun;
  T: number; B: number; P: number;
  /** dL/dh per time step, [T, B, P] time-major; zeros until backward() runs. */
  dhSteps: Buf;
}

export interface Recorded<R> {
  value: R;
  layers: StateGradientRecord[];
}

/** Runs fn with every recurrent layer recording its state gradients (see the file comment). */
export function recordStateGradients<R>(fn: () => R): Recorded<R> {
  const layers: StateGradientRecord[] = [];
  const previous = setLayerRunObserver((run) => {
    const { T, B, P } = run.spec;
    const dhSteps = allocate(run.x.dtype, T * B * P);
    layers.push({ label: layerLabel(run), index: layers.length, run, T, B, P, dhSteps });
    return dhSteps;
  });
  try {
    return { value: fn(), layers };
  } finally {
    setLayerRunObserver(previous);
  }
}

/**
 * ||dL/da<t>|| for t = 0..T-1: the 2-norm over the batch and the state units (the gradient of
 * the batch loss wrt the whole step state). With perSequence, the mean over sequences of each
 * sequence's own norm instead.
 */
export function stateGradientNorms(r: StateGradientRecord, perSequence = false): Float64Array {
  const { T, B, P, dhSteps } = r;
  const norms = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let total = 0;
    for (let b = 0; b < B; b++) {
      let s = 0;
      const o = (t * B + b) * P;
      for (let j = 0; j < P; j++) s += dhSteps[o + j] * dhSteps[o + j];
      total += perSequence ? Math.sqrt(s) / B : s;
    }
    norms[t] = perSequence ? total : Math.sqrt(total);
  }
  return norms;
}

function layerLabel(run: ObservedLayerRun): string {
  const m = /_(l\d+(?:_reverse)?)$/.exec(run.weights.wHh.name ?? '');
  return m ? m[1] : 'layer';
}
